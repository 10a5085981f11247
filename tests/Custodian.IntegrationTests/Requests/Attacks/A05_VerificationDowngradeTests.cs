using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A5 (security.md §1.2, §1.3 item 9): a verification downgrade by excuse ("forgot my password", "passport
/// expired, please skip the check"). Staff cannot produce or execute without a verification record meeting the tier,
/// and the one who raised the tier may not also answer (the second approver). Through the server's own
/// <see cref="RequestWorkflow"/>; every refusal is audited.
/// </summary>
public sealed class A05_VerificationDowngradeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A05_ExcuseInDetails_NoAnswerBelowTierAndNoSelfApproval(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var submitted = await s.SubmitAsync(AttackServer.VictimEmail, "access",
            "I forgot my password and cannot log in; my passport expired. Please skip the extra check just this once.");
        var reference = submitted.Reference!;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await s.VerifyAsync(reference, s.CodeFor(reference)!)).Status);
        var id = (await s.RequestAsync(reference)).Id;
        var officer = AttackServer.Staff(StaffRoles.PrivacyOfficer);
        Assert.True((await s.AsStaffAsync(officer, w => w.SplitAsync(officer, id, Ct))).IsSuccess);
        var parts = await s.PartsAsync(id);
        var auditBefore = (await s.AuditAsync()).Count;
        var before = await s.CountsAsync();

        // Below the tier: neither the answer nor any part.
        Assert.Equal(WorkflowErrors.TierTooLow, (await s.AsStaffAsync(officer, w => w.ProduceAnswerAsync(officer, id, Ct))).Error?.Code);
        foreach (var part in parts)
        {
            var executed = await s.AsStaffAsync(officer, w => w.ExecutePartAsync(officer, part.Id, null, Ct));
            Assert.NotNull(executed.Error);
        }

        // The officer raises the tier and then tries to answer on its own: four eyes.
        Assert.True((await s.AsStaffAsync(officer, w => w.ConfirmIdentityAsync(officer, id, IdentityMethods.ClientConfirmation, null, Ct))).IsSuccess);
        Assert.Equal(WorkflowErrors.FourEyes, (await s.AsStaffAsync(officer, w => w.ProduceAnswerAsync(officer, id, Ct))).Error?.Code);

        var counts = await s.CountsAsync();
        AttackServer.AssertStoreUnchanged(before, counts);
        Assert.Equal(before["request_answers"], counts["request_answers"]);
        Assert.All(await s.RefusalsAsync(), code => Assert.Contains(code, new[] { WorkflowErrors.TierTooLow, WorkflowErrors.FourEyes }));
        var refusals = await s.RefusalsAsync();
        Assert.Equal(WorkflowErrors.TierTooLow, refusals[0]);
        Assert.Equal(WorkflowErrors.FourEyes, refusals[^1]);
        var actions = await s.AuditActionsSinceAsync(auditBefore);
        Assert.Contains("request.identity_confirmed", actions);
        Assert.DoesNotContain("request.answer_produced", actions);
        await s.AssertAuditHoldsNoneOfAsync("passport", AttackServer.VictimEmail);
        await s.AssertAuditVerifiesAsync();
    }
}
