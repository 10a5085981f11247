using Custodian.Configuration;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Disclosures;

/// <summary>The order register's "without delay" limit as a setting: <c>disclosureWithoutDelay</c>.</summary>
public sealed class DisclosureSettingsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-disclosure-settings.");

    public void Dispose() => _dir.Delete(recursive: true);

    private CustodianSettings Resolve(params (string Key, string Value)[] env) =>
        SettingsResolver.Resolve(new Dictionary<string, string?>(StringComparer.Ordinal), name => env.FirstOrDefault(v => v.Key == name).Value, configFileFlag: null, _dir.FullName);

    [Fact]
    public void Resolve_NothingSetFileThenEnvironment_DefaultFileEnvironmentWins()
    {
        Assert.Equal(Duration.FromHours(24), Resolve().DisclosureWithoutDelay);

        File.WriteAllText(Path.Combine(_dir.FullName, "custodian.json"), """{ "disclosureWithoutDelay": "2d" }""");
        Assert.Equal(Duration.FromDays(2), Resolve().DisclosureWithoutDelay);
        Assert.Equal(Duration.FromHours(8), Resolve(("CUSTODIAN_DISCLOSURE_WITHOUT_DELAY", "8h")).DisclosureWithoutDelay);
    }

    [Theory]
    [InlineData("24", "settings.bad_duration")]
    [InlineData("30m", "settings.duration_too_short")]
    public void Resolve_BadValue_SettingsErrorWithCode(string value, string code)
    {
        var ex = Assert.Throws<SettingsException>(() => Resolve(("CUSTODIAN_DISCLOSURE_WITHOUT_DELAY", value)));

        Assert.Contains(code, ex.Message, StringComparison.Ordinal);
        Assert.Contains("disclosureWithoutDelay", ex.Message, StringComparison.Ordinal);
    }
}
