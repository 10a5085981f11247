using System.Net;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Requests;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Consent;

/// <summary>The portal: after the "filed in my name" code, the person sees their consents and withdraws one with a button.</summary>
public sealed class ConsentPortalTests
{
    private const string Address = "jan.toestemming@example.nl";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Portal_VerifiedAddress_SeesAndWithdrawsItsConsent()
    {
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite);
        var ledger = server.Services.GetRequiredService<ConsentLedger>();
        await using (var db = server.Database.CreateContext())
        {
            var given = await ledger.GiveAsync(db, new StoreCaller(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything),
                new ConsentGiveInput("Jan.Toestemming@Example.nl", null, ConsentPurposes.AppUsageInsights, "app-1", "Verbruiksoverzicht?", ConsentChannels.App), Ct);
            Assert.True(given.IsSuccess, given.Error?.ToString());
        }

        using var client = PortalRequestPagesTests.Browser(server);
        using (await PortalRequestPagesTests.PostFormAsync(client, "/requests/mine", "/requests/mine", ("email", Address)))
        using (await PortalRequestPagesTests.PostFormAsync(client, "/requests/mine/code", "/requests/mine/code", ("code", PortalRequestPagesTests.LookupCode(server))))
        {
        }

        var list = await PortalRequestPagesTests.PageAsync(client, "/requests/mine/list");
        Assert.NotNull(list.QuerySelector($"[data-testid=withdraw-{ConsentPurposes.AppUsageInsights}]"));

        using var withdrawn = await PortalRequestPagesTests.PostFormAsync(client, "/requests/mine/list", "/requests/mine/list?handler=Withdraw", ("purpose", ConsentPurposes.AppUsageInsights));
        Assert.Equal(HttpStatusCode.Redirect, withdrawn.StatusCode);
        var after = await PortalRequestPagesTests.PageAsync(client, "/requests/mine/list?withdrawn=true");
        Assert.NotNull(after.QuerySelector("[data-testid=consent-withdrawn]"));
        Assert.Null(after.QuerySelector($"[data-testid=withdraw-{ConsentPurposes.AppUsageInsights}]"));

        await using var check = server.Database.CreateContext();
        Assert.False((await ConsentLedger.CheckAsync(check, new SubjectKey(SubjectIdentifierKind.Email, Address), ConsentPurposes.AppUsageInsights, Ct)).Given);
    }
}
