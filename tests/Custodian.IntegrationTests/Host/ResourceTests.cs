using System.Collections;
using System.Globalization;
using System.Resources;
using Custodian.Cli;
using Xunit;

namespace Custodian.IntegrationTests.Host;

public sealed class ResourceTests
{
    private static readonly ResourceManager Resources = new("Custodian.Resources.SharedResource", typeof(CustodianCli).Assembly);

    private static readonly ResourceManager OfficeResources = new("Custodian.Resources.OfficeResource", typeof(CustodianCli).Assembly);

    private static Dictionary<string, string> Texts(string culture, bool tryParents, ResourceManager? resources = null) =>
        (resources ?? Resources).GetResourceSet(CultureInfo.GetCultureInfo(culture), createIfNotExists: true, tryParents)!
            .Cast<DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);

    [Fact]
    public void PageTexts_EveryDutchTextHasAnEnglishOne_AndNoneIsEmpty()
    {
        var dutch = Texts("nl", tryParents: true);
        var english = Texts("en", tryParents: false);

        Assert.NotEmpty(dutch);
        Assert.Equal(dutch.Keys.Order(StringComparer.Ordinal), english.Keys.Order(StringComparer.Ordinal));
        Assert.All(dutch.Values.Concat(english.Values), v => Assert.False(string.IsNullOrWhiteSpace(v)));
    }

    [Fact]
    public void OfficeTexts_EveryDutchTextHasAnEnglishOne_AndEveryRoleAndOfficePermissionHasOne()
    {
        var dutch = Texts("nl", tryParents: true, OfficeResources);
        var english = Texts("en", tryParents: false, OfficeResources);

        Assert.Equal(dutch.Keys.Order(StringComparer.Ordinal), english.Keys.Order(StringComparer.Ordinal));
        Assert.All(dutch.Values.Concat(english.Values), v => Assert.False(string.IsNullOrWhiteSpace(v)));
        Assert.All(Core.Features.Accounts.StaffRoles.All, r => Assert.Contains("Role_" + r, dutch.Keys));
        Assert.All(Core.Features.Accounts.Permissions.Office, p => Assert.Contains("Permission_" + p, dutch.Keys));
        Assert.All(Features.Office.OfficeMenu.Entries, e => Assert.Contains(e.TextKey, dutch.Keys));
    }
}
