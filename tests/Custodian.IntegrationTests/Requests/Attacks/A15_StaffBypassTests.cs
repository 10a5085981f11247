using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A15 (security.md §1.2, §1.3 item 9): a caller talks a support agent into entering a request by phone and
/// "just sending the data". Staff entry records the request as awaiting verification with no tier; nobody can split,
/// confirm identity on it or answer it until the known channel's code is entered. Through the server's own
/// <see cref="RequestIntake.EnterAsync"/> (what the office's new-request page calls) and <see cref="RequestWorkflow"/>.
/// </summary>
public sealed class A15_StaffBypassTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A15_PhoneEntryBySupport_DoesNotSkipVerification(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        var before = await s.CountsAsync();
        var agent = AttackServer.Staff(StaffRoles.SupportAgent);
        var officer = AttackServer.Staff(StaffRoles.PrivacyOfficer);
        DataSubjectRequest entered;
        await using (var scope = s.Server.Services.CreateAsyncScope())
        {
            var today = RequestDeadlines.ReceivedOn(Instant.FromDateTimeOffset(s.Time.GetUtcNow()));
            var result = await scope.ServiceProvider.GetRequiredService<RequestIntake>().EnterAsync(agent.UserId,
                new EnterRequestInput("phone", today, "access", "email", AttackServer.VictimEmail, "nl", "Caller says he is Jan Victim, knows his phone number and address; urgent."), Ct);
            Assert.True(result.IsSuccess, result.Error?.ToString());
            entered = result.Value!;
        }

        Assert.Equal(RequestState.AwaitingVerification, entered.State);
        Assert.Null(entered.VerificationTier);
        Assert.Equal(WorkflowErrors.NotVerified, (await s.AsStaffAsync(agent, w => w.ConfirmIdentityAsync(agent, entered.Id, IdentityMethods.HeldFact, "knew the phone number", Ct))).Error?.Code);
        Assert.Equal(WorkflowErrors.Forbidden, (await s.AsStaffAsync(agent, w => w.SplitAsync(agent, entered.Id, Ct))).Error?.Code);
        Assert.Equal(WorkflowErrors.Forbidden, (await s.AsStaffAsync(agent, w => w.ProduceAnswerAsync(agent, entered.Id, Ct))).Error?.Code);
        Assert.Equal(WorkflowErrors.NotVerified, (await s.AsStaffAsync(officer, w => w.SplitAsync(officer, entered.Id, Ct))).Error?.Code);
        Assert.Equal(WorkflowErrors.NotOpen, (await s.AsStaffAsync(officer, w => w.ProduceAnswerAsync(officer, entered.Id, Ct))).Error?.Code);

        var request = await s.RequestAsync(entered.Reference);
        Assert.Equal(RequestState.AwaitingVerification, request.State);
        Assert.Null(request.VerificationTier);
        var counts = await s.CountsAsync();
        AttackServer.AssertStoreUnchanged(before, counts);
        AttackServer.AssertChanged(before, counts, ("data_subject_requests", 1), ("request_events", 1));
        Assert.Equal([WorkflowErrors.NotVerified, WorkflowErrors.NotVerified], await s.RefusalsAsync());
        var actions = (await s.AuditAsync()).Select(a => a.Action).ToList();
        Assert.Contains("request.received", actions);
        Assert.DoesNotContain("request.answer_produced", actions);
        await s.AssertAuditHoldsNoneOfAsync(AttackServer.VictimEmail, "knew the phone number", "Caller says");
        await s.AssertAuditVerifiesAsync();
    }
}
