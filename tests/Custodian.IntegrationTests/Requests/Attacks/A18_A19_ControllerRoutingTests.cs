using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attacks A18 (cross-tenant confusion: the same e-mail at two client organisations) and A19 (categories the client
/// controls answered directly by the provider). The request is filed and verified through the real HTTP API; the split
/// and the scoped reads go through the server's own <c>RequestSplit</c>, <c>AccessReportBuilder</c> and tenant-scoped
/// context (the split and the client queue have no HTTP surface yet).
/// </summary>
public sealed class A18_A19_ControllerRoutingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A18_SameEmailAtTwoOrganisations_TwoClientPartsAndNoCrossTenantView(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, _) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail);
        var subject = AttackServer.SubjectOf(await s.RequestAsync(reference));
        var split = s.Server.Services.GetRequiredService<RequestSplit>();

        RequestSplitPlan plan;
        await using (var db = s.Context())
        {
            plan = await split.PlanAsync(db, subject, Ct);
        }

        var contactParts = plan.ClientParts.Where(p => p.Category == "alarm.keyholders").ToList();
        Assert.Equal(new[] { s.Alpha, s.Beta }.Order(), contactParts.Select(p => p.OrganizationId!.Value).Order());

        // Beta's privacy contact (its tenant scope) finds only beta's record of the person, nothing of alpha's.
        await using (var beta = s.Server.Database.CreateContext())
        {
            beta.ScopeTo(TenantScope.For(s.Beta));
            var found = await SubjectRecords.CollectAsync(beta, subject, AnswerScope.All, Ct);
            Assert.NotEmpty(found);
            Assert.All(found, r => Assert.Equal(s.Beta, r.OrganizationId));
        }

        // The part answered for beta holds nothing from alpha (the ticket and alpha's contact row).
        var (betaReport, json, _) = await s.ReportAsync(subject, new AnswerScope(OrganizationId: s.Beta));
        Assert.True(betaReport.DataProcessed);
        Assert.DoesNotContain(AttackServer.VictimTicketText, json, StringComparison.Ordinal);
        Assert.DoesNotContain("Alpha B.V.", json, StringComparison.Ordinal);
        Assert.DoesNotContain(AttackServer.VictimPhone, json, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task A19_ClientControlledCategories_ArePartsForTheClientNotTheProvider(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var (reference, _) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail, "erasure");
        var subject = AttackServer.SubjectOf(await s.RequestAsync(reference));
        var register = s.Server.Services.GetRequiredService<ProcessingRegister>();

        RequestSplitPlan plan;
        await using (var db = s.Context())
        {
            plan = await s.Server.Services.GetRequiredService<RequestSplit>().PlanAsync(db, subject, Ct);
        }

        Assert.NotEmpty(plan.ClientParts);
        Assert.All(plan.ClientParts, p =>
        {
            Assert.Equal(ControllerRole.Client, register.Category(p.Category).Controller);
            Assert.NotNull(p.OrganizationId); // routed to the organisation that holds the record
        });
        Assert.All(plan.ProviderParts, p => Assert.Equal(ControllerRole.Provider, register.Category(p.Category).Controller));
        Assert.Empty(plan.ProviderParts.Select(p => p.Category).Intersect(plan.ClientParts.Select(p => p.Category)));
    }
}
