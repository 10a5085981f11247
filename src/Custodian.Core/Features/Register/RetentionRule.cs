using NodaTime;

namespace Custodian.Core.Features.Register;

/// <summary>The event a retention period is counted from.</summary>
internal enum RetentionAnchor
{
    /// <summary>The moment the record was made (a call, a recording, a traffic record).</summary>
    RecordTime,

    /// <summary>The closing of the support ticket the information belongs to.</summary>
    TicketClosed,

    /// <summary>
    /// The closing of the data-subject request the record belongs to (its <c>closed_at</c>): a request that is handled,
    /// refused or lapsed. Everything attached to a request (timeline, parts, execution records, letters, answers) shares it.
    /// </summary>
    RequestClosed,

    /// <summary>The end of the service the record belongs to (end date from the contract).</summary>
    ServiceEnd,

    /// <summary>The client organisation's own setting (the provider is processor and follows the instruction).</summary>
    ClientSetting,

    /// <summary>
    /// The withdrawal of a consent (a ledger entry's <c>withdrawn_at</c>): a consent that is still current never expires,
    /// since it is the proof for the processing going on under it (Art. 7(1)).
    /// </summary>
    ConsentWithdrawn,

    /// <summary>
    /// The end of a number's shielding (BUDE 4.2): the end of the last billing period in which it was masked, whether the
    /// subscriber ended it or the other provider's newer list replaced it. A shielding that still stands never expires.
    /// </summary>
    ShieldingEnded,
}

/// <summary>
/// One retention rule per category (RET-1). Calendar <see cref="Period"/>s, never day counts: "six months" from
/// 31 August ends on 28 February.
/// </summary>
internal abstract record RetentionRule(string? Reference)
{
    public abstract RetentionAnchor Anchor { get; }
}

/// <summary>A fixed calendar period after the anchor event.</summary>
internal sealed record FixedRetention(Period Period, RetentionAnchor From, string? Reference = null) : RetentionRule(Reference)
{
    public override RetentionAnchor Anchor => From;
}

/// <summary>Until the end of the service, plus an optional grace period (<see cref="Period.Zero"/> by default).</summary>
internal sealed record UntilServiceEndRetention(Period Grace, string? Reference = null) : RetentionRule(Reference)
{
    public override RetentionAnchor Anchor => RetentionAnchor.ServiceEnd;
}

/// <summary>
/// The client organisation decides ("afhankelijk van de gebruiker"). The bounds are required so the retention engine
/// always has a hard upper limit, whatever a tenant configures.
/// </summary>
internal sealed record ClientDefinedRetention(Period Min, Period Max, string? Reference = null) : RetentionRule(Reference)
{
    public override RetentionAnchor Anchor => RetentionAnchor.ClientSetting;
}
