using Custodian.Core.Features.Register;
using Xunit;

namespace Custodian.Core.Tests.Register;

/// <summary>The register page's data (<c>RegisterTable</c>, <c>RegisterCheck</c>) from the shipped register.</summary>
public class RegisterTableTests
{
    private static ProcessingRegister Shipped() => RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath).Register!;

    [Fact]
    public void Rows_ShippedRegister_OneRowPerCategoryInTheRegistersOrder()
    {
        var register = Shipped();

        var rows = RegisterTable.Rows(register);

        Assert.Equal(register.Categories.Select(c => c.Id), rows.Select(r => r.Category));
    }

    [Fact]
    public void Rows_CallRecordings_CarryBasisControllerRetentionRecipientsAndProcessors()
    {
        var rows = RegisterTable.Rows(Shipped()).ToDictionary(r => r.Category);

        var support = rows["general.support_call_recordings"];
        Assert.Equal(LegalBasisType.LegitimateInterest, support.LegalBasis.Type);
        Assert.Equal(ControllerRole.Provider, support.Controller);
        Assert.NotNull(support.ControllerName);
        Assert.Equal("90 days after the record's time", support.RetentionText);
        Assert.Contains(support.Processors, p => p.Id == "call_recording_uk");
        Assert.Contains(support.Recipients, r => r.En.StartsWith("Suppliers", StringComparison.Ordinal));

        var customer = rows["usage.customer_call_recordings"];
        Assert.Equal(ControllerRole.Client, customer.Controller);
        Assert.Null(customer.ControllerName);
        Assert.IsType<ClientDefinedRetention>(customer.Retention);
        Assert.StartsWith("as the client organisation sets it", customer.RetentionText, StringComparison.Ordinal);

        var usage = rows["usage.call_detail_records"];
        Assert.Contains(usage.Disclosures, d => d.En.StartsWith("Competent authorities", StringComparison.Ordinal));
    }

    [Fact]
    public void Overview_ShippedRegister_StatementAsThePrivacyPageAndTheCheckValid()
    {
        var register = Shipped();
        var text = RegisterFiles.ShippedRegisterText;

        var overview = RegisterTable.Overview(register, text, "policy/register.yaml", StatementLanguage.Dutch);

        Assert.Equal(StatementRenderer.RenderHtmlArticle(register, StatementLanguage.Dutch), overview.StatementHtml);
        Assert.True(overview.Check.IsValid);
        Assert.Equal(overview.Check.WarningCount, overview.Check.Diagnostics.Count);
        Assert.StartsWith("policy/register.yaml: valid (", overview.Check.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_BrokenAndMissingFiles_InvalidWithErrorsCountedInTheSummary()
    {
        var broken = RegisterCheck.Text("statement: [", "broken.yaml");
        var missing = RegisterCheck.File(Path.Combine(Path.GetTempPath(), "no-such-register.yaml"));

        Assert.False(broken.IsValid);
        Assert.Equal($"broken.yaml: invalid (1 error, 0 warnings)", broken.Summary);
        Assert.Equal(RegisterCodes.FileNotFound, Assert.Single(missing.Diagnostics).Code);
        Assert.False(missing.IsValid);
    }
}
