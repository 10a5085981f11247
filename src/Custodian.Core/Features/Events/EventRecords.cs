using Custodian.Core.Features.Store;
using NodaTime;

namespace Custodian.Core.Features.Events;

/// <summary>
/// One usage record (call detail record) of a VoIP or mobile service: who called whom, from where, when, how long,
/// at what volume and cost. Stored outside the EF model in the month-partitioned <c>usage_records</c> table (see
/// <see cref="EventTable"/>); the attributes give every column its register category, like the EF entities'.
/// </summary>
internal sealed class UsageRecord
{
    public const string Category = "usage.call_detail_records";

    [NotPersonalData("the tenant; the distribution column for sharding by tenant")]
    public Guid OrganizationId { get; init; }

    /// <summary>The source system's id of the record (Asterisk uniqueid, the feed's record_id), or a hash of its content.</summary>
    [NotPersonalData("technical id of the record")]
    public required string RecordKey { get; init; }

    [PersonalData(Category)]
    public Instant StartTime { get; init; }

    /// <summary><c>voip</c> or <c>mobile</c>.</summary>
    [NotPersonalData("the kind of service")]
    public required string Kind { get; init; }

    /// <summary><c>outbound</c>, <c>inbound</c> or <c>unknown</c> (Asterisk's cdr-csv does not say).</summary>
    [PersonalData(Category)]
    public required string Direction { get; init; }

    /// <summary>E.164; null when the caller withheld the number.</summary>
    [PersonalData(Category)]
    public string? CallerNumber { get; init; }

    /// <summary>E.164.</summary>
    [PersonalData(Category)]
    public required string CalleeNumber { get; init; }

    [PersonalData(Category)]
    public int DurationSeconds { get; init; }

    [PersonalData(Category)]
    public int BilledSeconds { get; init; }

    /// <summary><c>answered</c>, <c>no_answer</c>, <c>busy</c>, <c>failed</c>, <c>congestion</c>, or null when not known.</summary>
    [PersonalData(Category)]
    public string? Outcome { get; init; }

    /// <summary>The network's cell (mobile) where the call was made: "from where".</summary>
    [PersonalData(Category)]
    public string? CellId { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country the subscriber was in (roaming).</summary>
    [PersonalData(Category)]
    public string? Country { get; init; }

    /// <summary>Units of the record: bytes for data sessions, messages for SMS; null for plain calls.</summary>
    [PersonalData(Category)]
    public long? Volume { get; init; }

    [PersonalData(Category)]
    public decimal? Cost { get; init; }

    /// <summary>ISO 4217, set exactly when <see cref="Cost"/> is.</summary>
    [PersonalData(Category)]
    public string? Currency { get; init; }

    [NotPersonalData("contract reference of the service")]
    public string? ServiceReference { get; init; }

    [NotPersonalData("the import that stored it")]
    public Guid ImportBatchId { get; init; }

    public override string ToString() => $"UsageRecord {{ Key = {RecordKey} }}";
}

/// <summary>
/// One traffic record: e-mail, telephony or internet traffic information kept for statutory interception duties and
/// information requests (register category <c>general.traffic_information</c>). Stored outside the EF model in the
/// month-partitioned <c>traffic_records</c> table.
/// </summary>
internal sealed class TrafficRecord
{
    public const string Category = "general.traffic_information";

    [NotPersonalData("the tenant; the distribution column for sharding by tenant")]
    public Guid OrganizationId { get; init; }

    [NotPersonalData("technical id of the record")]
    public required string RecordKey { get; init; }

    [PersonalData(Category)]
    public Instant StartTime { get; init; }

    /// <summary><c>email</c>, <c>telephony</c> or <c>internet</c>.</summary>
    [NotPersonalData("the kind of traffic")]
    public required string Kind { get; init; }

    /// <summary><c>outbound</c>, <c>inbound</c> or <c>unknown</c>.</summary>
    [PersonalData(Category)]
    public required string Direction { get; init; }

    /// <summary><c>phone</c>, <c>email</c> or <c>ip</c> (follows from <see cref="Kind"/>).</summary>
    [NotPersonalData("the kind of the identifier")]
    public required string SubscriberKind { get; init; }

    /// <summary>The subscriber's identifier: E.164 number, lower-case e-mail address, or IP address (canonical form).</summary>
    [PersonalData(Category)]
    public required string Subscriber { get; init; }

    /// <summary>The other party (same kind as the subscriber); null when not recorded.</summary>
    [PersonalData(Category)]
    public string? Counterpart { get; init; }

    [PersonalData(Category)]
    public int? DurationSeconds { get; init; }

    [PersonalData(Category)]
    public long? Bytes { get; init; }

    /// <summary>Free protocol name (<c>smtp</c>, <c>sip</c>, <c>https</c>).</summary>
    [PersonalData(Category)]
    public string? Protocol { get; init; }

    [PersonalData(Category)]
    public string? CellId { get; init; }

    [PersonalData(Category)]
    public string? Country { get; init; }

    [NotPersonalData("contract reference of the service")]
    public string? ServiceReference { get; init; }

    [NotPersonalData("the import that stored it")]
    public Guid ImportBatchId { get; init; }

    public override string ToString() => $"TrafficRecord {{ Key = {RecordKey} }}";
}
