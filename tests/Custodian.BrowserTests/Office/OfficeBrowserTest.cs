using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>
/// Class fixture of the back-office browser tests: one running server (SQLite, real clock) with one client
/// organisation, <c>client-a</c>, for client-privacy contacts. Tests make their own accounts, so none shares a TOTP step.
/// </summary>
public sealed class OfficeServerFixture : IAsyncLifetime
{
    private CustodianServer? _server;

    internal CustodianServer Server => _server ?? throw new InvalidOperationException("not started");

    internal Guid ClientOrganization { get; private set; }

    public async ValueTask InitializeAsync()
    {
        _server = await CustodianServer.StartAsync(Engine.Sqlite);
        await using var db = _server.Database.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        var org = new Organization { Code = "client-a", Name = "Client A", BillingCompanyName = "Client A BV" };
        db.Organizations.Add(org);
        await db.SaveChangesAsync();
        ClientOrganization = org.Id;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// Base of back-office browser tests: <see cref="LogInAsync"/> makes an account of a role (with an enrolled TOTP secret)
/// and logs it in through the real pages, as a person would: name, password, then the code of the moment.
/// </summary>
public abstract class OfficeBrowserTest(OfficeServerFixture fixture) : BrowserTest(() => fixture.Server.BaseAddress)
{
    private protected OfficeServerFixture Fixture => fixture;

    /// <summary>Creates an account of <paramref name="role"/> and logs it in; the page ends on the start page.</summary>
    private protected async Task<OfficeUser> LogInAsync(string role)
    {
        var user = await OfficeAccounts.CreateAsync(Fixture.Server, role, StaffRoles.IsOrganizationBound(role) ? Fixture.ClientOrganization : null);
        await GotoAsync("/office/login");
        await SubmitPasswordAsync(user.Login, user.Password);
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/office/login/code"));
        await Page.GetByLabel("Code").FillAsync(OfficeAccounts.CodeFor(Fixture.Server, user));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/office").ToString());
        return user;
    }

    private protected async Task SubmitPasswordAsync(string login, string password)
    {
        await Page.GetByLabel("Gebruikersnaam").FillAsync(login);
        await Page.GetByLabel("Wachtwoord").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Inloggen" }).ClickAsync();
    }
}
