using Custodian.BrowserTests.Infrastructure;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Features.Office;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Custodian.BrowserTests.Office;

/// <summary>Logging in to the back office in a real browser: TOTP, enrolment, lockout, menus, language, axe.</summary>
public sealed class OfficeLoginBrowserTests(OfficeServerFixture fixture) : OfficeBrowserTest(fixture), IClassFixture<OfficeServerFixture>
{
    [Fact]
    public async Task Login_PasswordThenTotp_EndsOnTheStartPage_EveryStepWithoutAxeViolations()
    {
        var user = await OfficeAccounts.CreateAsync(Fixture.Server, StaffRoles.PrivacyOfficer);
        await GotoAsync("/office/login");
        await AxeAssert.NoViolationsAsync(Page);

        await SubmitPasswordAsync(user.Login, user.Password);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Verificatiecode");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByLabel("Code").FillAsync(OfficeAccounts.CodeFor(Fixture.Server, user));
        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/office").ToString());
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Welkom, Test privacy-officer.");
        await Expect(Page.GetByTestId("office-user")).ToHaveTextAsync("Test privacy-officer (Privacyfunctionaris)");
        await AxeAssert.NoViolationsAsync(Page);
        Assert.Empty(PageErrors);
    }

    [Fact]
    public async Task FirstLogin_ShowsQrCodeAndSecret_ACodeEnrols_ThenANewPasswordIsChosen_AndTheStartPageOpens()
    {
        await using (var scope = Fixture.Server.Services.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().AddAsync(
                "browser-starter", StaffRoles.SupportAgent, null, "Browser Starter", OfficeAccounts.Password, new AuditActor(AuditActorKind.Cli, "cli:test"), TestContext.Current.CancellationToken);
            Assert.True(created.IsSuccess);
        }

        await GotoAsync("/office/login");
        await SubmitPasswordAsync("browser-starter", OfficeAccounts.Password);

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Tweestapsverificatie instellen");
        await Expect(Page.GetByRole(AriaRole.Img, new() { Name = "QR-code met de sleutel voor uw authenticator-app" })).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);
        var secret = (await Page.GetByTestId("totp-secret").TextContentAsync())!.Trim();
        await Page.GetByLabel("Code").FillAsync(StaffTotp.Code(OtpNet.Base32Encoding.ToBytes(secret), TimeProvider.System.GetUtcNow()));
        await Page.GetByRole(AriaRole.Button, new() { Name = "Bevestigen en inloggen" }).ClickAsync();

        // The operator chose that password: the account must choose its own before the back office opens.
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Kies een nieuw wachtwoord");
        await Page.GetByLabel("Nieuw wachtwoord", new() { Exact = true }).FillAsync("short");
        await Page.GetByLabel("Herhaal het nieuwe wachtwoord", new() { Exact = true }).FillAsync("short");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Wachtwoord opslaan" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("te kort");
        await AxeAssert.NoViolationsAsync(Page);
        await Page.GetByLabel("Nieuw wachtwoord", new() { Exact = true }).FillAsync("the starter's own passphrase");
        await Page.GetByLabel("Herhaal het nieuwe wachtwoord", new() { Exact = true }).FillAsync("the starter's own passphrase");
        await Page.GetByRole(AriaRole.Button, new() { Name = "Wachtwoord opslaan" }).ClickAsync();

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Welkom, Browser Starter.");
        Assert.Empty(PageErrors);
    }

    [Fact]
    public async Task FiveWrongPasswords_ShowTheLockoutMessage_AndTheRightPasswordIsThenRefusedToo()
    {
        var user = await OfficeAccounts.CreateAsync(Fixture.Server, StaffRoles.Auditor);
        await GotoAsync("/office/login");

        for (var i = 0; i < 4; i++)
        {
            await SubmitPasswordAsync(user.Login, "wrong-password-" + i);
            await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Inloggen is niet gelukt");
        }

        await SubmitPasswordAsync(user.Login, "wrong-password-5");
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Te veel mislukte pogingen");
        await SubmitPasswordAsync(user.Login, user.Password);
        await Expect(Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Te veel mislukte pogingen");
        await AxeAssert.NoViolationsAsync(Page);
    }

    [Fact]
    public async Task EveryRole_SeesItsNameRoleAndOnlyTheMenuEntriesItMayOpen()
    {
        var existing = Fixture.Server.Services.GetRequiredService<OfficePages>().Existing;
        foreach (var role in StaffRoles.All)
        {
            await Context.ClearCookiesAsync();
            await LogInAsync(role);

            var expected = OfficeMenu.Entries.Where(e => StaffRoles.PermissionsOf(role).Contains(e.Permission) && existing.Contains(e.Page)).Select(e => (string?)e.Path).ToList();
            var menu = Page.GetByRole(AriaRole.Navigation, new() { Name = "Backofficemenu" }).GetByRole(AriaRole.List).GetByRole(AriaRole.Link);
            var shown = new List<string?>();
            foreach (var link in await menu.AllAsync())
            {
                shown.Add(await link.GetAttributeAsync("href"));
            }

            Assert.Equal(expected, shown);
            await Expect(Page.GetByTestId("office-user")).ToContainTextAsync("Test " + role);
            await Expect(Page.GetByTestId("permissions").GetByRole(AriaRole.Listitem)).ToHaveCountAsync(StaffRoles.PermissionsOf(role).Count);
        }
    }

    [Fact]
    public async Task LoginPage_LanguageSwitch_ShowsEnglishLabels()
    {
        await GotoAsync("/office/login");
        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "nl");

        await Page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();

        await Expect(Page.Locator("html")).ToHaveAttributeAsync("lang", "en");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Log in");
        await Expect(Page.GetByLabel("Login name")).ToBeVisibleAsync();
        await Expect(Page.GetByLabel("Password")).ToBeVisibleAsync();
        await AxeAssert.NoViolationsAsync(Page);
    }

    [Fact]
    public async Task Logout_FromTheHeader_EndsTheSession()
    {
        await LogInAsync(StaffRoles.SupportAgent);

        await Page.GetByRole(AriaRole.Button, new() { Name = "Uitloggen" }).ClickAsync();

        await Expect(Page).ToHaveURLAsync(new Uri(BaseAddress, "/office/login").ToString());
        await Page.GotoAsync("/office");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/office/login\\?returnUrl=%2Foffice$"));
    }
}
