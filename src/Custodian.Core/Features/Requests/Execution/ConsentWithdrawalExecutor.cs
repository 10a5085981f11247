using Custodian.Core.Features.Register;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>What a withdrawal of consent reaches, from the register.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Code"><c>consent.none_in_register</c> when no processing rests on consent; <c>consent.ledger_required</c> otherwise.</param>
/// <param name="Categories">Categories whose register basis is consent.</param>
/// <param name="Purposes">Purposes whose own basis is consent.</param>
internal sealed record ConsentWithdrawalResult(Guid RequestId, string Code, IReadOnlyList<string> Categories, IReadOnlyList<string> Purposes);

/// <summary>
/// Withdrawal of consent (Art. 7(3)): takes effect on the processing that rests on consent, which the register says.
/// With the shipped register none does, so the answer is <c>consent.none_in_register</c>. When the register does name
/// such processing, stopping it needs the consent ledger (issue 7); until then this reports
/// <c>consent.ledger_required</c> with the categories and purposes, and changes nothing. Nothing is stored: no audit.
/// </summary>
internal sealed class ConsentWithdrawalExecutor(ProcessingRegister register)
{
    public const string NoneInRegister = "consent.none_in_register";
    public const string LedgerRequired = "consent.ledger_required";

    public ConsentWithdrawalResult Execute(Guid requestId)
    {
        var categories = register.Categories.Where(c => c.LegalBasis.Type == LegalBasisType.Consent).Select(c => c.Id).ToList();
        var purposes = register.Purposes.Where(p => p.LegalBasis?.Type == LegalBasisType.Consent).Select(p => p.Id).ToList();
        return new ConsentWithdrawalResult(requestId, categories.Count == 0 && purposes.Count == 0 ? NoneInRegister : LedgerRequired, categories, purposes);
    }
}
