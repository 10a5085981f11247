using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A12 (security.md §1.2, §1.3 item 7): a malicious erasure of a victim's records. Without the known channel's
/// confirmation (the code mailed to the victim) staff can do nothing with it; once confirmed, nothing is deleted until
/// the 7-day cooling-off ends (server clock moved to one minute before and then to the end). Through the real HTTP API
/// for filing and the code, the server's <see cref="RequestWorkflow"/> for staff; every refusal audited.
/// </summary>
public sealed class A12_MaliciousErasureTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A12_Erasure_NeedsTheKnownChannelAndWaitsForTheCoolingOff(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var officer = AttackServer.Staff(StaffRoles.PrivacyOfficer);
        var verifier = AttackServer.Staff(StaffRoles.SupportAgent);
        var before = await s.CountsAsync();

        // Filed by the attacker; the code goes to the victim's mailbox, so the request stays unconfirmed.
        var filed = await s.SubmitAsync(AttackServer.VictimEmail, "erasure", "Delete my account now.");
        var id = (await s.RequestAsync(filed.Reference!)).Id;
        Assert.Equal(WorkflowErrors.NotVerified, (await s.AsStaffAsync(officer, w => w.SplitAsync(officer, id, Ct))).Error?.Code);
        Assert.Equal(WorkflowErrors.NotVerified, (await s.AsStaffAsync(verifier, w => w.ConfirmIdentityAsync(verifier, id, IdentityMethods.ClientConfirmation, null, Ct))).Error?.Code);
        Assert.Equal([WorkflowErrors.NotVerified, WorkflowErrors.NotVerified], await s.RefusalsAsync());
        AttackServer.AssertStoreUnchanged(before, await s.CountsAsync());
        Assert.Equal(0, (await s.CountsAsync())["request_parts"]);

        // Confirmed through the known channel, tier raised, every controller instructs execution: still nothing before day 7.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await s.VerifyAsync(filed.Reference!, s.CodeFor(filed.Reference!)!)).Status);
        Assert.True((await s.AsStaffAsync(officer, w => w.SplitAsync(officer, id, Ct))).IsSuccess);
        Assert.True((await s.AsStaffAsync(verifier, w => w.ConfirmIdentityAsync(verifier, id, IdentityMethods.ClientConfirmation, null, Ct))).IsSuccess);
        var parts = await s.PartsAsync(id);
        foreach (var part in parts.Where(p => p.IsClient))
        {
            var contact = AttackServer.Staff(StaffRoles.ClientPrivacyContact, part.OrganizationId);
            Assert.True((await s.AsStaffAsync(contact, w => w.DecidePartAsync(contact, part.Id, RequestPartStates.Execute, null, Ct))).IsSuccess);
        }

        s.Time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        foreach (var part in parts)
        {
            Assert.Equal(WorkflowErrors.CoolingOff, (await s.AsStaffAsync(officer, w => w.ExecutePartAsync(officer, part.Id, null, Ct))).Error?.Code);
        }

        Assert.Equal(3, await VictimRecordsAsync(s));
        Assert.Equal(2 + parts.Count, (await s.RefusalsAsync()).Count);
        Assert.All((await s.RefusalsAsync()).Skip(2), code => Assert.Equal(WorkflowErrors.CoolingOff, code));

        // At the end of the cooling-off the instructed erasure runs.
        s.Time.Advance(TimeSpan.FromMinutes(1));
        var executed = await s.AsStaffAsync(officer, w => w.ExecutePartAsync(officer, parts[0].Id, null, Ct));
        Assert.True(executed.IsSuccess, executed.Error?.ToString());
        Assert.Contains("request.part_executed", (await s.AuditAsync()).Select(a => a.Action));
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, AttackServer.VictimPhone);
        await s.AssertAuditVerifiesAsync();
    }

    /// <summary>The victim's contact-person records (alpha, beta) and its keyholder record at alpha that carry the e-mail address.</summary>
    private static async Task<int> VictimRecordsAsync(AttackServer s)
    {
        await using var db = s.Context();
        return await db.ContactPersons.CountAsync(c => c.Email == AttackServer.VictimEmail, Ct)
            + await db.Set<Keyholder>().CountAsync(k => k.Email == AttackServer.VictimEmail && k.Phone == AttackServer.VictimPhone, Ct);
    }
}
