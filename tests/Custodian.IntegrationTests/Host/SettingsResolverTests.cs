using Custodian.Configuration;
using Custodian.Hosting;
using Xunit;

namespace Custodian.IntegrationTests.Host;

public sealed class SettingsResolverTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-settings.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Dictionary<string, string?> NoFlags() => new(StringComparer.Ordinal);

    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Key == name).Value;

    [Fact]
    public void Resolve_NothingConfigured_UsesDefaults()
    {
        var s = SettingsResolver.Resolve(NoFlags(), Env(), configFileFlag: null, _dir.FullName);

        Assert.Equal(Path.Combine(_dir.FullName, "data"), s.DataFolder);
        Assert.Null(s.Database);
        Assert.Equal(SettingsResolver.ShippedRegisterPath, s.RegisterPath);
        Assert.Null(s.MasterKeyFile);
        Assert.All(s.Sources.Values, v => Assert.Equal(SettingSource.Default, v));
    }

    [Fact]
    public void Resolve_FlagEnvironmentAndFile_FlagWinsThenEnvironmentThenFile()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "db": "file.db", "data": "file-data", "register": "file.yaml" }""");
        var flags = NoFlags();
        flags["db"] = "flag.db";

        var s = SettingsResolver.Resolve(flags, Env(("CUSTODIAN_DB", "env.db"), ("CUSTODIAN_DATA", "env-data")), null, _dir.FullName);

        Assert.Equal("flag.db", s.Database);
        Assert.Equal(SettingSource.Flag, s.Sources["db"]);
        Assert.Equal(Path.Combine(_dir.FullName, "env-data"), s.DataFolder);
        Assert.Equal(SettingSource.Environment, s.Sources["data"]);
        Assert.Equal(Path.Combine(_dir.FullName, "file.yaml"), s.RegisterPath);
        Assert.Equal(SettingSource.SettingsFile, s.Sources["register"]);
    }

    [Fact]
    public void Resolve_PublicUrl_HttpsOrLocalHttp_WithoutQuery_DevFallsBackToTheListenAddress()
    {
        var s = SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_PUBLIC_URL", "https://privacy.provider.example/portal/")), null, _dir.FullName);
        var none = SettingsResolver.Resolve(NoFlags(), Env(), null, _dir.FullName);
        var plain = Assert.Throws<SettingsException>(() => SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_PUBLIC_URL", "http://privacy.provider.example")), null, _dir.FullName));
        var query = Assert.Throws<SettingsException>(() => SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_PUBLIC_URL", "https://privacy.provider.example/?x=1")), null, _dir.FullName));

        Assert.Equal(new Uri("https://privacy.provider.example/portal/"), s.PublicUrl);
        Assert.Null(none.PublicUrl);
        Assert.Contains("settings.invalid_public_url", plain.Message, StringComparison.Ordinal);
        Assert.Contains("settings.invalid_public_url", query.Message, StringComparison.Ordinal);
        Assert.Equal(new Uri("http://localhost:5080"), ServeCommand.DevPublicUrl("http://0.0.0.0:5080;https://0.0.0.0:5443"));
        Assert.Equal(new Uri("http://127.0.0.1:5080"), ServeCommand.DevPublicUrl(CustodianSettings.DefaultUrls));
    }

    [Fact]
    public void Resolve_SmsGateway_UrlFromFileTokenFromEnvironmentOnly_PlainHttpOnlyToLoopback()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "smsGatewayUrl": "https://sms.provider.example/v1/messages" }""");

        var s = SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_SMS_GATEWAY_TOKEN", "env-token")), null, _dir.FullName);
        var local = SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_SMS_GATEWAY_URL", "http://127.0.0.1:8088/sms")), null, _dir.FullName);
        var plain = Assert.Throws<SettingsException>(() => SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_SMS_GATEWAY_URL", "http://sms.provider.example/sms")), null, _dir.FullName));

        Assert.Equal(new Uri("https://sms.provider.example/v1/messages"), s.SmsGatewayUrl);
        Assert.Equal("env-token", s.SmsGatewayToken);
        Assert.Equal(new Uri("http://127.0.0.1:8088/sms"), local.SmsGatewayUrl);
        Assert.Null(local.SmsGatewayToken);
        Assert.Contains("settings.invalid_sms_gateway_url", plain.Message, StringComparison.Ordinal);

        // The token is not a settings-file key: a file is copied, committed and backed up.
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "smsGatewayToken": "in-a-file" }""");
        var inFile = Assert.Throws<SettingsException>(() => SettingsResolver.Resolve(NoFlags(), Env(), null, _dir.FullName));
        Assert.Contains("settings.unknown_key", inFile.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_RelativePathInSettingsFile_IsRelativeToTheFile()
    {
        var sub = _dir.CreateSubdirectory("etc");
        var config = Path.Combine(sub.FullName, "custodian.json");
        File.WriteAllText(config, """{ "data": "../var/data" }""");

        var s = SettingsResolver.Resolve(NoFlags(), Env(), config, "/");

        Assert.Equal(Path.Combine(_dir.FullName, "var", "data"), s.DataFolder);
    }

    [Fact]
    public void Resolve_UnknownKeyInSettingsFile_FailsNamingTheKeyAndTheKnownOnes()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "database": "x.db" }""");

        var ex = Assert.Throws<SettingsException>(() => SettingsResolver.Resolve(NoFlags(), Env(), null, _dir.FullName));

        Assert.Contains("settings.unknown_key", ex.Message, StringComparison.Ordinal);
        Assert.Contains("\"database\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("db", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MalformedSettingsFile_ReportsFileLineAndColumn()
    {
        var config = Path.Combine(_dir.FullName, "custodian.json");
        File.WriteAllText(config, "{\n  \"db\": \"x.db\"\n  \"data\": \"d\"\n}");

        var ex = Assert.Throws<SettingsException>(() => SettingsResolver.Resolve(NoFlags(), Env(), null, _dir.FullName));

        Assert.StartsWith($"{config}:3:", ex.Message, StringComparison.Ordinal);
        Assert.Contains("settings.json_syntax", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ExplicitConfigFileMissing_Fails()
    {
        var ex = Assert.Throws<SettingsException>(() =>
            SettingsResolver.Resolve(NoFlags(), Env(("CUSTODIAN_CONFIG", "nope.json")), null, _dir.FullName));

        Assert.Contains("not found", ex.Message, StringComparison.Ordinal);
    }
}
