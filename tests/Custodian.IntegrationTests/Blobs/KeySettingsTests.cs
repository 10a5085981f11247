using Custodian.Configuration;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Blobs;

/// <summary>The key store settings: <c>keys</c>, <c>kekRotationInterval</c>, <c>kekRetention</c>.</summary>
public sealed class KeySettingsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-key-settings.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static Func<string, string?> Env(params (string Key, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Key == name).Value;

    private CustodianSettings Resolve(Func<string, string?> env, Dictionary<string, string?>? flags = null) =>
        SettingsResolver.Resolve(flags ?? new Dictionary<string, string?>(StringComparer.Ordinal), env, configFileFlag: null, _dir.FullName);

    [Fact]
    public void Resolve_NothingConfigured_KeysUnderDataAndDefaultSchedule()
    {
        var s = Resolve(Env());

        Assert.Equal(Path.Combine(_dir.FullName, "data", "keys"), s.KeysFolder);
        Assert.Equal(Duration.FromDays(30), s.KekRotationInterval);
        Assert.Equal(Duration.FromDays(35), s.KekRetention);
    }

    [Fact]
    public void Resolve_FlagEnvironmentAndFile_KeyStoreAndDurations()
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "keys": "kek-volume", "kekRetention": "90d" }""");

        var fromFile = Resolve(Env(("CUSTODIAN_KEK_ROTATION_INTERVAL", "12h")));
        var fromFlag = Resolve(Env(("CUSTODIAN_KEYS", "/env/keys")), new(StringComparer.Ordinal) { ["keys"] = "/flag/keys" });

        Assert.Equal(Path.Combine(_dir.FullName, "kek-volume"), fromFile.KeysFolder);
        Assert.Equal(Duration.FromDays(90), fromFile.KekRetention);
        Assert.Equal(Duration.FromHours(12), fromFile.KekRotationInterval);
        Assert.Equal("/flag/keys", fromFlag.KeysFolder);
    }

    [Theory]
    [InlineData("CUSTODIAN_KEK_RETENTION", "35", "settings.bad_duration")]
    [InlineData("CUSTODIAN_KEK_RETENTION", "30m", "settings.duration_too_short")]
    [InlineData("CUSTODIAN_KEK_ROTATION_INTERVAL", "1w", "settings.bad_duration")]
    public void Resolve_BadDuration_SettingsErrorWithCode(string variable, string value, string code)
    {
        var ex = Assert.Throws<SettingsException>(() => Resolve(Env((variable, value))));

        Assert.Contains(code, ex.Message, StringComparison.Ordinal);
    }
}
