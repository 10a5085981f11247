using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using NodaTime;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>The people, organisation and register pages in a real browser: the reason rule, tenant isolation by URL, axe.</summary>
public sealed class PeopleOrganisationRegisterBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A contact person in client-a and one in a new other organisation, with the given numbers; returns the other organisation's id.</summary>
    private async Task<Guid> SeedAsync(string ownPhone, string ownName, string otherPhone, string otherName)
    {
        await using var db = Fixture.Server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var other = new Organization { Code = "other-" + Guid.NewGuid().ToString("N")[..8], Name = "Other Org " + otherName, BillingCompanyName = "Other BV" };
        db.Organizations.Add(other);
        await db.SaveChangesAsync(Ct);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        db.ContactPersons.AddRange(
            new ContactPerson { OrganizationId = Fixture.ClientOrganization, CreatedAt = now, Name = ownName, Phone = ownPhone, Role = "privacy" },
            new ContactPerson { OrganizationId = other.Id, CreatedAt = now, Name = otherName, Phone = otherPhone, Role = "privacy" });
        await db.SaveChangesAsync(Ct);
        return other.Id;
    }

    [Fact]
    public async Task SupportLookup_WithoutAReasonIsRefused_WithOneIsShown_AndTheAuditTrailKeepsTheReason()
    {
        await SeedAsync("+31201235001", "Carla Supporttest", "+31201235002", "Dirk Supporttest");
        await LogInAsync(StaffRoles.SupportAgent);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Personen" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Personen");
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByLabel("Identificatie", new() { Exact = true }).FillAsync("+31201235001");
        await Page.GetByLabel("Reden", new() { Exact = true }).FillAsync("   ");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Opzoeken" }).ClickAsync();
        await Expect(Page.GetByTestId("reason-error")).ToContainTextAsync("Zonder reden wordt niets opgezocht");
        await Expect(Page.GetByTestId("person")).ToHaveCountAsync(0);
        await AxeAssert.NoViolationsAsync(Page);

        await Page.GetByLabel("Reden", new() { Exact = true }).FillAsync("TICKET-5001");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Opzoeken" }).ClickAsync();
        await Expect(Page.GetByTestId("person")).ToContainTextAsync("Carla Supporttest");
        Assert.DoesNotContain("5001", Page.Url, StringComparison.Ordinal);
        await AxeAssert.NoViolationsAsync(Page);

        await using var db = Fixture.Server.Database.CreateContext();
        var looked = await db.Set<AuditEvent>().Where(e => e.Action == "subject.looked_up" && e.Reason == "TICKET-5001").ToListAsync(Ct);
        Assert.Single(looked);

        // The privacy officer finds the look-up, with its reason, on the audit page.
        await Page.GetByRole(AriaRole.Button, new() { Name = "Uitloggen" }).ClickAsync();
        await LogInAsync(StaffRoles.PrivacyOfficer);
        await GotoAsync("/office/audit");
        await Page.GetByLabel("Actie", new() { Exact = true }).FillAsync("subject.looked_up");
        await Page.GetByLabel("Actie", new() { Exact = true }).PressAsync("Enter");
        await Expect(Page.GetByTestId("audit-events")).ToContainTextAsync("subject.looked_up");
        await Page.GetByRole(AriaRole.Link, new() { Name = looked[0].Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), Exact = true }).ClickAsync();
        await Expect(Page.Locator("main")).ToContainTextAsync("TICKET-5001");
        Assert.Empty(PageErrors);
    }

    [Fact]
    public async Task ClientContact_EditingTheUrlToAnotherOrganisation_GetsNotFound_AndCannotFindItsPeople()
    {
        var other = await SeedAsync("+31201236001", "Eva Clienttest", "+31201236002", "Frank Clienttest");
        await LogInAsync(StaffRoles.ClientPrivacyContact);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Organisaties" }).ClickAsync();
        await Page.GetByRole(AriaRole.Link, new() { Name = "Client A" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Client A");
        await AxeAssert.NoViolationsAsync(Page);

        var response = await Page.GotoAsync(Page.Url.Replace(Fixture.ClientOrganization.ToString(), other.ToString(), StringComparison.Ordinal));
        Assert.Equal(404, response!.Status);
        await Expect(Page.GetByText("Frank Clienttest")).ToHaveCountAsync(0);

        await GotoAsync("/office/people");
        await Page.GetByLabel("Identificatie", new() { Exact = true }).FillAsync("+31201236002");
        await Page.GetByLabel("Reden", new() { Exact = true }).FillAsync("REQ-6002");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Opzoeken" }).ClickAsync();
        await Expect(Page.GetByTestId("person-none")).ToBeVisibleAsync();
        await Expect(Page.GetByText("Frank Clienttest")).ToHaveCountAsync(0);
        // The one expected problem: the 404 of the edited address.
        Assert.Equal(["http 404 GET " + new Uri(BaseAddress, $"/office/organizations/{other}")], PageErrors);
    }

    [Fact]
    public async Task PrivacyOfficer_RegisterOrganisationsAndPeopleList_HaveNoAxeViolations_AndTheRetentionErrorIsBesideTheField()
    {
        await SeedAsync("+31201237001", "Gerda Axetest", "+31201237002", "Hans Axetest");
        await LogInAsync(StaffRoles.PrivacyOfficer);

        await GotoAsync("/office/register");
        await Expect(Page.GetByTestId("register-check")).ToContainTextAsync("Het register is geldig");
        await AxeAssert.NoViolationsAsync(Page);

        await GotoAsync("/office/people");
        await Page.GetByLabel("Begint met (optioneel)").FillAsync("gerda");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Tonen" }).ClickAsync();
        await Expect(Page.GetByTestId("people-list")).ToContainTextAsync("gerda axetest");
        await AxeAssert.NoViolationsAsync(Page);

        await GotoAsync("/office/organizations");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByRole(AriaRole.Link, new() { Name = "Client A" }).ClickAsync();
        await Page.GetByLabel("Bewaartermijn van opnamen").FillAsync("P11Y");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Opname-instelling opslaan" }).ClickAsync();
        await Expect(Page.GetByTestId("retention-error")).ToContainTextAsync("P0D tot en met P10Y");
        await Expect(Page.GetByLabel("Bewaartermijn van opnamen")).ToHaveAttributeAsync("aria-invalid", "true");
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }
}
