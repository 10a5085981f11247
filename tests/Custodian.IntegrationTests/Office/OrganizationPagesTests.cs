using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;
using static Custodian.IntegrationTests.Office.OfficePageSetup;

namespace Custodian.IntegrationTests.Office;

/// <summary>The organisation pages over real HTTP: list, detail, the two setting forms, and a client contact's isolation.</summary>
public sealed class OrganizationPagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(bool Enabled, Period? Retention, string? Agreement)> StoredAsync(CustodianServer server, Guid id)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var o = await db.Organizations.AsNoTracking().SingleAsync(x => x.Id == id, Ct);
        return (o.CallRecordingEnabled, o.CustomerCallRecordingRetention, o.ProcessingAgreementReference);
    }

    [Theory, AllEngines]
    public async Task ListAndDetail_ShowOrganisationsServicesContactsAndSettings_AClientContactSeesOnlyItsOwn(Engine engine)
    {
        var (server, alpha, beta) = await StartAsync(engine);
        await using var _s = server;
        using var officer = await ClientAsync(server, StaffRoles.PrivacyOfficer);
        using var contact = await ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);

        using var all = await GetAsync(officer, "/office/organizations");
        var allHtml = await BodyAsync(all);
        Assert.Contains("Alpha Test", allHtml, StringComparison.Ordinal);
        Assert.Contains("Beta Test", allHtml, StringComparison.Ordinal);
        using var filtered = await GetAsync(officer, "/office/organizations?name=bet");
        var filteredHtml = await BodyAsync(filtered);
        Assert.DoesNotContain("Alpha Test", filteredHtml, StringComparison.Ordinal);
        Assert.Contains($"/office/organizations/{beta}", filteredHtml, StringComparison.Ordinal);

        using var own = await GetAsync(contact, "/office/organizations");
        var ownHtml = await BodyAsync(own);
        Assert.Contains("Alpha Test", ownHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("Beta Test", ownHtml, StringComparison.Ordinal);

        using var detail = await GetAsync(contact, $"/office/organizations/{alpha}");
        Assert.Equal(HttpStatusCode.OK, detail.StatusCode);
        var detailHtml = await BodyAsync(detail);
        Assert.Contains(AlphaName, detailHtml, StringComparison.Ordinal);
        Assert.Contains("van P0D tot en met P10Y", detailHtml, StringComparison.Ordinal);
        Assert.Contains("Overeenkomst opslaan", detailHtml, StringComparison.Ordinal);
        Assert.Single(await AuditAsync(server, "organization.viewed"));
    }

    [Theory, AllEngines]
    public async Task Detail_OfAnotherOrganisation_ByUrlOrForm_AnswersLikeAMissingOne_AndChangesNothing(Engine engine)
    {
        var (server, alpha, beta) = await StartAsync(engine);
        await using var _s = server;
        using var contact = await ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);
        var missing = Guid.CreateVersion7();

        async Task<(HttpStatusCode Status, string Main)> AnswerAsync(HttpResponseMessage response) =>
            (response.StatusCode, MainOf(await BodyAsync(response)));

        using var foreignGet = await GetAsync(contact, $"/office/organizations/{beta}");
        using var missingGet = await GetAsync(contact, $"/office/organizations/{missing}");
        var foreign = await AnswerAsync(foreignGet);
        Assert.Equal(HttpStatusCode.NotFound, foreign.Status);
        Assert.Equal(await AnswerAsync(missingGet), foreign);
        Assert.DoesNotContain(BetaName, foreign.Main, StringComparison.Ordinal);

        // The own page's form with another organisation's id in the address.
        var fields = new Dictionary<string, string> { ["enabled"] = "true", ["retention"] = "P1Y" };
        using var foreignPost = await PostAsync(contact, $"/office/organizations/{alpha}", $"/office/organizations/{beta}?handler=Recording", new(fields));
        using var missingPost = await PostAsync(contact, $"/office/organizations/{alpha}", $"/office/organizations/{missing}?handler=Recording", new(fields));
        Assert.Equal(HttpStatusCode.NotFound, foreignPost.StatusCode);
        Assert.Equal(await AnswerAsync(missingPost), await AnswerAsync(foreignPost));
        Assert.Equal((false, null, null), await StoredAsync(server, beta));
        Assert.Empty(await AuditAsync(server, "organization.recording_changed"));
    }

    [Theory, AllEngines]
    public async Task Recording_OutOfTheRegistersBounds_ShowsTheErrorBesideTheField_AndChangesNothing(Engine engine)
    {
        var (server, alpha, _) = await StartAsync(engine);
        await using var _s = server;
        using var officer = await ClientAsync(server, StaffRoles.PrivacyOfficer);

        using var response = await PostAsync(officer, $"/office/organizations/{alpha}", $"/office/organizations/{alpha}?handler=Recording", new() { ["enabled"] = "true", ["retention"] = "P11Y" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await BodyAsync(response);
        Assert.Contains("data-testid=\"retention-error\">Kies een bewaartermijn van P0D tot en met P10Y", html, StringComparison.Ordinal);
        Assert.Contains("value=\"P11Y\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-invalid=\"true\"", html, StringComparison.Ordinal);
        Assert.Equal((false, null, null), await StoredAsync(server, alpha));
        Assert.Empty(await AuditAsync(server, "organization.recording_changed"));
    }

    [Theory, AllEngines]
    public async Task Settings_Valid_AreStoredAudited_AndRedirectToTheDetail(Engine engine)
    {
        var (server, alpha, _) = await StartAsync(engine);
        await using var _s = server;
        using var contact = await ClientAsync(server, StaffRoles.ClientPrivacyContact, alpha);
        var page = $"/office/organizations/{alpha}";

        using var recording = await PostAsync(contact, page, page + "?handler=Recording", new() { ["enabled"] = "true", ["retention"] = "P6M" });
        using var agreement = await PostAsync(contact, page, page + "?handler=Agreement", new() { ["reference"] = "DPA-2024-7", ["signedOn"] = "2024-03-01", ["organizationIsController"] = "true" });

        Assert.Equal(HttpStatusCode.Found, recording.StatusCode);
        Assert.Equal(page + "?saved=recording", recording.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Found, agreement.StatusCode);
        Assert.Equal((true, Period.FromMonths(6), "DPA-2024-7"), await StoredAsync(server, alpha));
        Assert.Single(await AuditAsync(server, "organization.recording_changed"));
        Assert.Single(await AuditAsync(server, "organization.agreement_changed"));
        using var after = await GetAsync(contact, page + "?saved=agreement");
        var html = await BodyAsync(after);
        Assert.Contains("De wijziging is opgeslagen.", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"agreement-reference\">DPA-2024-7", html, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Settings_ByARoleThatMayOnlyRead_Are403_AndTheFormsAreNotShown(Engine engine)
    {
        var (server, alpha, _) = await StartAsync(engine);
        await using var _s = server;
        using var auditor = await ClientAsync(server, StaffRoles.Auditor);
        var page = $"/office/organizations/{alpha}";

        using var detail = await GetAsync(auditor, page);
        Assert.DoesNotContain("handler=Recording", await BodyAsync(detail), StringComparison.Ordinal);
        // A token from a page with a form (the auditor has none on the detail page).
        using var response = await PostAsync(auditor, "/office/logout", page + "?handler=Recording", new() { ["enabled"] = "true", ["retention"] = "P1Y" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal((false, null, null), await StoredAsync(server, alpha));
    }

    [Theory]
    [InlineData("Recording")]
    [InlineData("Agreement")]
    public async Task Post_WithoutAntiforgeryToken_Is400_AndChangesNothing(string handler)
    {
        var (server, alpha, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        using var officer = await ClientAsync(server, StaffRoles.PrivacyOfficer);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["enabled"] = "true",
            ["retention"] = "P1Y",
            ["reference"] = "X",
            ["signedOn"] = "2024-01-01",
            ["organizationIsController"] = "true",
        });

        using var response = await officer.PostAsync(new Uri($"/office/organizations/{alpha}?handler={handler}", UriKind.Relative), content, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal((false, null, null), await StoredAsync(server, alpha));
    }
}
