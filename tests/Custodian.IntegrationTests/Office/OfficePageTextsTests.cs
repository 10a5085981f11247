using System.Collections;
using System.Globalization;
using System.Resources;
using Custodian.Cli;
using Custodian.Core.Features.Dashboard;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Pages.Office.Audit;
using Xunit;

namespace Custodian.IntegrationTests.Office;

/// <summary>The texts the dashboard, retention and audit pages look up by a value (a basis, a band, an actor kind) exist in both languages.</summary>
public sealed class OfficePageTextsTests
{
    private static readonly ResourceManager Texts = new("Custodian.Resources.OfficeResource", typeof(CustodianCli).Assembly);

    [Theory]
    [InlineData("nl")]
    [InlineData("en")]
    public void ValueTexts_ExistForEveryValue(string culture)
    {
        var keys = Texts.GetResourceSet(CultureInfo.GetCultureInfo(culture), createIfNotExists: true, tryParents: culture == "nl")!
            .Cast<DictionaryEntry>().Select(e => (string)e.Key).ToHashSet(StringComparer.Ordinal);
        IEnumerable<string> expected =
        [
            .. HoldBases.Names.Select(n => "HoldBasis_" + n),
            .. HoldBases.GroundNameList.Select(n => "HoldGround_" + n),
            .. RecordAges.StandardBands.Select(b => "AgeBand_" + b.Key),
            .. AuditModel.ActorKinds.Select(k => "ActorKind_" + k),
            "SweepState_" + RetentionSweepRun.Running,
            "SweepState_" + RetentionSweepRun.Completed,
            .. Enum.GetValues<RetentionAnchor>().Select(a => "Rule_fixed_" + RetentionRuleText.Anchor(a)),
        ];

        Assert.All(expected, key => Assert.Contains(key, keys));
    }
}
