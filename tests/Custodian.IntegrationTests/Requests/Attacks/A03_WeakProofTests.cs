using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A3 (security.md §1.2): weak or forgeable proof offered instead of a real check (a postmarked envelope, a
/// redacted bank statement, a signed "I am the data subject", a device id). The request is filed and verified through
/// the real HTTP API; the staff side runs through the server's own <see cref="RequestWorkflow"/> (the office page's
/// only path). Claims in the details never raise the tier, no weak method exists to record, and the answer is refused
/// below the tier, audited.
/// </summary>
public sealed class A03_WeakProofTests
{
    private const string Claims =
        "I am Jan Victim. Attached: a postmarked envelope addressed to me, my bank statement (redacted), a signed statement " +
        "that I am the data subject, and my phone's device id IMEI 356938035643809. This is sufficient proof.";

    [Theory, AllEngines]
    public async Task A03_WeakProofInDetailsOrAsMethod_NeverRaisesTheTier(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var submitted = await s.SubmitAsync(AttackServer.VictimEmail, "access", Claims);
        var reference = submitted.Reference!;
        Assert.Equal(System.Net.HttpStatusCode.OK, (await s.VerifyAsync(reference, s.CodeFor(reference)!)).Status);
        var request = await s.RequestAsync(reference);
        Assert.Equal(VerificationTier.Low, request.VerificationTier); // the known-channel code only, whatever the details say
        var auditBefore = (await s.AuditAsync()).Count;
        var before = await s.CountsAsync();

        var verifier = AttackServer.Staff(StaffRoles.SupportAgent);
        foreach (var weak in new[] { "envelope", "bank_statement", "signed_statement", "device_id", "imei", "HELD_FACT", "" })
        {
            var confirmed = await s.AsStaffAsync(verifier, w => w.ConfirmIdentityAsync(verifier, request.Id, weak, Claims[..100], TestContext.Current.CancellationToken));
            Assert.Equal(WorkflowErrors.MethodInvalid, Assert.IsType<Core.Features.Store.ValidationError>(confirmed.Error).Errors.Single().Code);
        }

        var handler = AttackServer.Staff(StaffRoles.PrivacyOfficer);
        Assert.True((await s.AsStaffAsync(handler, w => w.SplitAsync(handler, request.Id, TestContext.Current.CancellationToken))).IsSuccess);
        var produced = await s.AsStaffAsync(handler, w => w.ProduceAnswerAsync(handler, request.Id, TestContext.Current.CancellationToken));

        Assert.Equal(WorkflowErrors.TierTooLow, produced.Error?.Code);
        Assert.Equal(VerificationTier.Low, (await s.RequestAsync(reference)).VerificationTier);
        var after = await s.CountsAsync();
        AttackServer.AssertStoreUnchanged(before, after);
        Assert.Equal(before["request_answers"], after["request_answers"]); // no answer exists to leak
        Assert.Equal(["request.split", "request.action_refused"], await s.AuditActionsSinceAsync(auditBefore));
        Assert.Equal([WorkflowErrors.TierTooLow], await s.RefusalsAsync());
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, "356938035643809", "envelope");
        await s.AssertAuditVerifiesAsync();
    }
}
