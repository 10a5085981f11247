namespace Custodian.Core.Features.Retention;

/// <summary>A new hold, as the API receives it. Everything is text so that every broken rule is reported at once.</summary>
/// <param name="Basis">One of <see cref="HoldBases.Names"/>.</param>
/// <param name="Ground">Art. 18 restrictions only: one of <see cref="HoldBases.GroundNameList"/>.</param>
/// <param name="Reason">Why, at most 500 characters, WITHOUT personal data (name the case, not the person).</param>
/// <param name="Reference">The order's or case's number, at most 100 characters; required for authority bases.</param>
/// <param name="Organization">Provider keys: the organisation's code, or absent for every organisation. Tenant keys leave it out.</param>
/// <param name="Categories">Register category ids; absent or empty: every category.</param>
/// <param name="RecordsFrom">Hold records whose own time is at or after this instant (optional).</param>
/// <param name="RecordsUntil">... and before this instant (optional, exclusive).</param>
/// <param name="Identifiers">Hold records holding any of these; absent: every record of the organisation.</param>
/// <param name="StartsAt">When the hold starts; absent: now.</param>
/// <param name="EndsAt">When it ends (exclusive); absent: until released (not for a 126ni order).</param>
internal sealed record LegalHoldInput(
    string? Basis,
    string? Ground,
    string? Reason,
    string? Reference,
    string? Organization,
    IReadOnlyList<string?>? Categories,
    string? RecordsFrom,
    string? RecordsUntil,
    IReadOnlyList<HoldIdentifierInput?>? Identifiers,
    string? StartsAt,
    string? EndsAt);

/// <param name="Kind">One of <see cref="HoldIdentifiers.KindNames"/>.</param>
/// <param name="Value">The identifier in any usual spelling; it is normalised.</param>
internal sealed record HoldIdentifierInput(string? Kind, string? Value);

/// <param name="EndsAt">The new end, later than the current one.</param>
internal sealed record ExtendHoldInput(string? EndsAt);

/// <param name="Reason">Why the hold is released, at most 500 characters, without personal data.</param>
internal sealed record ReleaseHoldInput(string? Reason);
