namespace Custodian.Core.Features.Register;

/// <summary>GDPR Art. 6(1)(a)–(f).</summary>
internal enum LegalBasisType
{
    Consent,
    Contract,
    LegalObligation,
    VitalInterests,
    PublicTask,
    LegitimateInterest,
}

/// <summary>
/// A legal basis with the reference it needs: the statute for a legal obligation, the interest pursued for a
/// legitimate interest (Art. 13(1)(d), and Art. 21 objections are weighed against it). A legal obligation without a
/// statute only passes validation when its owner is marked for legal review (REG-8).
/// </summary>
internal sealed record LegalBasis(LegalBasisType Type, string? Statute = null, LocalizedText? Interest = null)
{
    /// <summary>Art. 20(1)(a): portability only exists for consent and contract.</summary>
    public bool AllowsPortability => Type is LegalBasisType.Consent or LegalBasisType.Contract;
}

/// <summary>
/// Marks an entry that a lawyer must confirm. It keeps the original wording shipping while making
/// <c>register check</c> warn about it, instead of inventing a reference we could not verify.
/// </summary>
internal sealed record LegalReview(string Reason);
