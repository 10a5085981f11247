using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>What a withdrawal of consent reached.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Code"><c>consent.none_in_register</c> when no processing rests on consent; <c>consent.withdrawn</c> when
/// the ledger held current consents of the person (all now withdrawn); <c>consent.none_given</c> when it held none.</param>
/// <param name="Categories">Categories whose register basis is consent.</param>
/// <param name="Purposes">Purposes whose own basis is consent.</param>
/// <param name="Withdrawn">How many ledger entries were withdrawn.</param>
internal sealed record ConsentWithdrawalResult(Guid RequestId, string Code, IReadOnlyList<string> Categories, IReadOnlyList<string> Purposes, int Withdrawn = 0);

/// <summary>
/// Withdrawal of consent (Art. 7(3)) through a data-subject request: withdraws every current consent of the verified
/// person (any of their identifiers) in the consent ledger, for every purpose, recorded as withdrawn through the request
/// (its channel, its id). That is all a withdrawal has to do in Custodian: the processing on consent asks the ledger each
/// time (<see cref="AppUsageInsights"/>, the apps through the check API), so it stops with the next call; and nothing
/// Custodian stores rests on consent alone, so nothing is left to erase under Art. 17(1)(b) (the usage data itself stays
/// on contract; see the register). Audited per entry by the ledger.
/// </summary>
internal sealed class ConsentWithdrawalExecutor(ProcessingRegister register, ConsentLedger ledger)
{
    public const string NoneInRegister = "consent.none_in_register";
    public const string Withdrawn = "consent.withdrawn";
    public const string NoneGiven = "consent.none_given";

    /// <summary>The consent processing the register names (categories and purposes on consent).</summary>
    public (IReadOnlyList<string> Categories, IReadOnlyList<string> Purposes) ConsentProcessing() =>
        ([.. register.Categories.Where(c => c.LegalBasis.Type == LegalBasisType.Consent).Select(c => c.Id)],
         [.. register.Purposes.Where(p => p.LegalBasis?.Type == LegalBasisType.Consent).Select(p => p.Id)]);

    /// <param name="db">The context (every tenant: the ledger is the provider's own).</param>
    /// <param name="requestId">The request.</param>
    /// <param name="subjectKeys">The verified person.</param>
    /// <param name="channel">How the request arrived, as a ledger channel (<see cref="ConsentChannels"/>).</param>
    /// <param name="caller">Who executes it.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<StoreResult<ConsentWithdrawalResult>> ExecuteAsync(
        CustodianDbContext db, Guid requestId, IReadOnlyList<SubjectKey> subjectKeys, string channel, StoreCaller caller, CancellationToken ct)
    {
        var (categories, purposes) = ConsentProcessing();
        if (categories.Count == 0 && purposes.Count == 0)
        {
            return new ConsentWithdrawalResult(requestId, NoneInRegister, categories, purposes);
        }

        var withdrawn = await ledger.WithdrawAsync(db, caller, subjectKeys, null, channel, requestId, ct);
        if (!withdrawn.IsSuccess)
        {
            return withdrawn.Error;
        }

        var count = withdrawn.Value.Count;
        return new ConsentWithdrawalResult(requestId, count > 0 ? Withdrawn : NoneGiven, categories, purposes, count);
    }

    /// <summary>The ledger channel of a request channel: letter and e-mail as such; the portal and the API as portal; a phone call as staff entry.</summary>
    public static string ChannelOf(RequestChannel channel) => channel switch
    {
        RequestChannel.Letter => ConsentChannels.Letter,
        RequestChannel.Email => ConsentChannels.Email,
        RequestChannel.Portal or RequestChannel.Api => ConsentChannels.Portal,
        _ => ConsentChannels.Staff,
    };
}
