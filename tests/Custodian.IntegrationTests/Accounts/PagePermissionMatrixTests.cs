using System.Net;
using Custodian.Core.Features.Accounts;
using Custodian.Testing;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Accounts;

/// <summary>
/// Issue 5 §1: every page declares the permission it needs (or is on the short, listed public list), and every role gets
/// exactly the pages its permissions allow: 200 where it holds every policy the page declares, 403 elsewhere. The pages
/// are read from the running app's endpoints, so a page added later is checked without touching this test.
/// </summary>
public sealed class PagePermissionMatrixTests
{
    /// <summary>Pages anyone may open, and why.</summary>
    private static readonly Dictionary<string, string> PublicPages = new(StringComparer.Ordinal)
    {
        ["/Index"] = "portal start page",
        ["/Privacy"] = "the public privacy statement",
        ["/Status"] = "error pages (re-executed for any status)",
        ["/Requests/Index"] = "data-subject requests: the choice of request",
        ["/Requests/New"] = "data-subject requests: the form (answers the same for anyone, rate-limited)",
        ["/Requests/Verify"] = "data-subject requests: reference + code, and send a new code",
        ["/Requests/Status"] = "data-subject requests: status (checks the request session cookie itself)",
        ["/Requests/Download"] = "data-subject requests: answer download (POST, checks the request session cookie itself)",
        ["/Requests/IdCopy"] = "data-subject requests: ID-copy upload (404 while the fallback is off, checks the request session cookie itself)",
        ["/Requests/Mandate"] = "data-subject requests: the subject confirms or rejects a mandate (single-use 7-day token bound to the request; GET only shows, POST decides)",
        ["/Requests/Mine"] = "which requests were filed in my name: the address (answers the same for anyone, rate-limited)",
        ["/Requests/MineCode"] = "which requests were filed in my name: the code (needs the step cookie)",
        ["/Requests/MineList"] = "which requests were filed in my name: the list (checks the lookup session itself)",
        ["/Office/Login/Index"] = "login: password step",
        ["/Office/Login/Code"] = "login: code step (needs the short-lived login cookie)",
        ["/Office/Login/Enrol"] = "login: first-login enrolment (needs the short-lived login cookie)",
        ["/Office/Login/Password"] = "login: forced change of an administrator-given password (needs a password-change session, checks it itself)",
    };

    /// <summary>Back-office pages whose only requirement is being a logged-in staff member, and why.</summary>
    private static readonly Dictionary<string, string> AnyStaffPages = new(StringComparer.Ordinal)
    {
        ["/Office/Index"] = "start page: lists what the role may do",
        ["/Office/Logout"] = "logging out",
    };

    [Fact]
    public async Task EveryPage_DeclaresAPermissionOrIsListed()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var problems = new List<string>();
        var pages = Pages(server);
        foreach (var (path, _, policies, anonymous) in pages)
        {
            if (PublicPages.ContainsKey(path))
            {
                continue;
            }

            if (anonymous)
            {
                problems.Add($"{path}: open to anyone but not on the public list");
                continue;
            }

            var own = policies.Where(p => p != Permissions.OfficeAccess).ToList();
            if (own.Count == 0 && !AnyStaffPages.ContainsKey(path))
            {
                problems.Add($"{path}: declares no permission of its own ([Authorize(Policy = Permissions.X)])");
            }

            problems.AddRange(policies.Where(p => !Permissions.All.Contains(p)).Select(p => $"{path}: policy '{p}' is not a known permission"));
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Contains(pages, p => p.Path == "/Office/Index");
    }

    [Theory, AllEngines]
    public async Task EveryRole_EveryPageWithoutParameters_AnswersAsItsPermissionsSay(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(engine);
        var organization = await DemoOrganizationAsync(server);
        var pages = Pages(server)
            .Where(p => p.Path.StartsWith("/Office/", StringComparison.Ordinal) && !PublicPages.ContainsKey(p.Path) && !p.Route.Contains('{', StringComparison.Ordinal))
            .ToList();
        var problems = new List<string>();
        var cells = 0;
        foreach (var role in StaffRoles.All)
        {
            var user = await OfficeAccounts.CreateAsync(server, role, StaffRoles.IsOrganizationBound(role) ? organization : null);
            using var client = new HttpClient(new HttpClientHandler { UseCookies = true, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
            await OfficeAccounts.LogInAsync(client, server, user);
            var granted = StaffRoles.PermissionsOf(role);
            foreach (var page in pages)
            {
                var expected = page.Policies.All(granted.Contains) ? HttpStatusCode.OK : HttpStatusCode.Forbidden;
                using var response = await client.GetAsync(new Uri(page.Route, UriKind.Relative), TestContext.Current.CancellationToken);
                cells++;
                if (response.StatusCode != expected)
                {
                    problems.Add($"{role} GET {page.Route}: {(int)response.StatusCode}, expected {(int)expected}");
                }
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(cells >= StaffRoles.All.Count * 2, $"only {cells} role × page cells were probed");
        TestContext.Current.TestOutputHelper?.WriteLine($"{engine}: {pages.Count} pages × {StaffRoles.All.Count} roles");
    }

    private static async Task<Guid> DemoOrganizationAsync(CustodianServer server)
    {
        await using var db = server.Database.CreateContext();
        db.ScopeTo(Custodian.Core.Features.Tenancy.TenantScope.Everything);
        var organization = new Custodian.Core.Features.Organizations.Organization { Code = "matrix-org", Name = "Matrix Org", BillingCompanyName = "Matrix Org BV" };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return organization.Id;
    }

    private sealed record PageInfo(string Path, string Route, IReadOnlyList<string> Policies, bool Anonymous);

    private static List<PageInfo> Pages(CustodianServer server) =>
        [.. server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Page: e.Metadata.GetMetadata<PageActionDescriptor>()))
            .Where(x => x.Page is not null)
            .Select(x => new PageInfo(
                x.Page!.ViewEnginePath,
                "/" + (x.Endpoint.RoutePattern.RawText ?? string.Empty).TrimStart('/'),
                [.. x.Endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(d => d.Policy).OfType<string>().Distinct(StringComparer.Ordinal)],
                x.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null))
            .GroupBy(p => p.Path, StringComparer.Ordinal)
            .Select(g => g.OrderBy(p => p.Route.Length).First())];
}
