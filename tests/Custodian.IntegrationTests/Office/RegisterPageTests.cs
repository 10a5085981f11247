using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Register;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static Custodian.IntegrationTests.Office.OfficePageSetup;

namespace Custodian.IntegrationTests.Office;

/// <summary>The register page: every category in the tables, the statement as published, the check's verdict, both languages.</summary>
public sealed class RegisterPageTests
{
    [Fact]
    public async Task Register_ShowsEveryCategoryTheStatementAndTheCheck_InDutchAndEnglish()
    {
        var (server, _, _) = await StartAsync(Engine.Sqlite);
        await using var _s = server;
        using var auditor = await ClientAsync(server, StaffRoles.Auditor);
        var register = server.Services.GetRequiredService<ProcessingRegister>();

        using var dutch = await GetAsync(auditor, "/office/register");
        Assert.Equal(HttpStatusCode.OK, dutch.StatusCode);
        var html = await BodyAsync(dutch);
        Assert.All(register.Categories, c => Assert.Contains($"<code>{c.Id}</code>", html, StringComparison.Ordinal));
        Assert.Contains("class=\"privacy-statement\" lang=\"nl\"", html, StringComparison.Ordinal);
        Assert.Contains("Het register is geldig", html, StringComparison.Ordinal);
        Assert.Contains("<caption", html, StringComparison.Ordinal);
        Assert.Contains("scope=\"col\"", html, StringComparison.Ordinal);

        using var english = await GetAsync(auditor, "/office/register?lang=en");
        var en = await BodyAsync(english);
        Assert.Contains("class=\"privacy-statement\" lang=\"en\"", en, StringComparison.Ordinal);
        Assert.Contains("The register is valid", en, StringComparison.Ordinal);
        Assert.Contains("Processing register", en, StringComparison.Ordinal);

        // register check's date-dependent processor warnings (the shipped register has a DPF check older than a year).
        Assert.Contains("data-testid=\"processor-warnings\"", en, StringComparison.Ordinal);
        Assert.Contains("<code>register.dpf_check_stale</code>", en, StringComparison.Ordinal);
        Assert.Contains("href=\"/office/processors\"", en, StringComparison.Ordinal);
    }
}
