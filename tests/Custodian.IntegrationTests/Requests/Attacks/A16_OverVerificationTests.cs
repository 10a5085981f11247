using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Attacks;

/// <summary>
/// Attack A16 (security.md §1.2, §1.3 items 2 and 10): over-verification that denies legitimate subjects (the AP fined
/// DPG Media for asking an ID copy as a standard step). A medium-tier request (withdrawal of consent) is fulfilled
/// with the known-channel code plus one held fact, no ID copy and no client confirmation; the privacy statement and
/// the portal's request form do not ask for an ID copy while the register's fallback is off.
/// </summary>
public sealed class A16_OverVerificationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task A16_MediumTier_HeldFactSuffices_AndNoIdCopyIsAskedFor(Engine engine)
    {
        await using var s = await AttackServer.StartAsync(engine);
        foreach (var path in new[] { "/privacy", "/privacy?lang=en", "/requests/new/withdraw_consent", "/requests/new/access" })
        {
            var page = await s.Server.Client.GetStringAsync(path, Ct);
            foreach (var demand in new[] { "legitimatiebewijs", "kopie van uw identiteit", "ID copy", "identity document", "type=\"file\"" })
            {
                Assert.DoesNotContain(demand, page, StringComparison.OrdinalIgnoreCase);
            }
        }

        Assert.Equal(VerificationTier.Medium, RequestTypes.RequiredTier(RequestType.WithdrawConsent));
        var (reference, _) = await s.SubmitAndVerifyAsync(AttackServer.VictimEmail, "withdraw_consent");
        var id = (await s.RequestAsync(reference)).Id;
        var verifier = AttackServer.Staff(StaffRoles.SupportAgent);
        var officer = AttackServer.Staff(StaffRoles.PrivacyOfficer);
        Assert.True((await s.AsStaffAsync(officer, w => w.SplitAsync(officer, id, Ct))).IsSuccess);
        var confirmed = await s.AsStaffAsync(verifier, w => w.ConfirmIdentityAsync(verifier, id, IdentityMethods.HeldFact, null, Ct));
        Assert.True(confirmed.IsSuccess, confirmed.Error?.ToString());
        Assert.Equal(VerificationTier.Medium, confirmed.Value!.VerificationTier);

        foreach (var part in (await s.PartsAsync(id)).Where(p => p.IsClient))
        {
            var contact = AttackServer.Staff(StaffRoles.ClientPrivacyContact, part.OrganizationId);
            Assert.True((await s.AsStaffAsync(contact, w => w.DecidePartAsync(contact, part.Id, RequestPartStates.Execute, null, Ct))).IsSuccess);
        }

        foreach (var part in (await s.PartsAsync(id)))
        {
            var executed = await s.AsStaffAsync(officer, w => w.ExecutePartAsync(officer, part.Id, null, Ct));
            Assert.True(executed.IsSuccess, executed.Error?.ToString());
        }

        var produced = await s.AsStaffAsync(officer, w => w.ProduceAnswerAsync(officer, id, Ct));
        Assert.True(produced.IsSuccess, produced.Error?.ToString());
        Assert.Empty(await s.RefusalsAsync()); // nothing was refused for want of a stronger check
        Assert.Equal(RequestState.Delivered, (await s.RequestAsync(reference)).State);
        await s.AssertAuditVerifiesAsync();
    }
}
