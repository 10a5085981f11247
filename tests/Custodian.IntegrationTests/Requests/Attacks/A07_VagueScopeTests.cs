using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A7 (security.md §1.2): a deliberately vague scope ("everything, including backups, voice recordings and
/// third-party sources") to overload staff. The split does not read the details: it produces exactly the register's
/// categories the person has records in, per controller, the same parts as for a plain request; no part for
/// "backups" or anything outside the register, and nothing else changes.
/// </summary>
public sealed class A07_VagueScopeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A07_EverythingInclBackups_SplitsIntoTheRegistersCategoriesOnly(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var submitted = await s.SubmitAsync(AttackServer.VictimEmail, "access",
            "I want ALL data you have on me, including backups, log files, voice recordings, CCTV, data from third-party sources, " +
            "data of my relatives and every e-mail in which my name appears. Every single byte.");
        var reference = submitted.Reference!;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await s.VerifyAsync(reference, s.CodeFor(reference)!)).Status);
        var request = await s.RequestAsync(reference);
        var auditBefore = (await s.AuditAsync()).Count;
        var before = await s.CountsAsync();
        var officer = AttackServer.Staff(StaffRoles.PrivacyOfficer);

        var split = await s.AsStaffAsync(officer, w => w.SplitAsync(officer, request.Id, Ct));

        Assert.True(split.IsSuccess, split.Error?.ToString());
        await using var db = s.Context();
        var plan = await s.Server.Services.GetRequiredService<RequestSplit>().PlanAsync(db, AttackServer.SubjectOf(request), Ct);
        Assert.Equal(
            plan.Parts.Select(p => (p.Category, p.OrganizationId ?? Guid.Empty)).Order(),
            split.Value!.Select(p => (p.Category, p.OrganizationId)).Order());
        var categories = s.Server.Services.GetRequiredService<ProcessingRegister>().Categories.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        Assert.All(split.Value!, p => Assert.Contains(p.Category, categories));
        Assert.All(split.Value!, p => Assert.True(p.RecordsAtSplit > 0));
        var counts = await s.CountsAsync();
        AttackServer.AssertStoreUnchanged(before, counts);
        AttackServer.AssertChanged(before, counts, ("request_parts", split.Value!.Count), ("request_events", 1 + split.Value!.Count(p => p.IsClient)),
            ("outgoing_messages", split.Value!.Where(p => p.IsClient && p.ControllerContact != null).Select(p => p.OrganizationId).Distinct().Count()));
        Assert.Equal(["request.split"], await s.AuditActionsSinceAsync(auditBefore));
        await s.AssertAuditHoldsNoneOfAsync("backups", AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
