using Custodian.Core.Features.Events;
using Custodian.Features.Store;

namespace Custodian.Features.Import;

/// <summary>The API shape of a usage record (call detail record) in the subject look-up's answer.</summary>
internal sealed record UsageRecordDto(
    Guid OrganizationId, string RecordKey, string Start, string Kind, string Direction, string? Caller, string Callee,
    int DurationSeconds, int BilledSeconds, string? Outcome, string? CellId, string? Country, long? Volume, decimal? Cost,
    string? Currency, string? Service, Guid ImportBatchId)
{
    internal static UsageRecordDto From(UsageRecord r) => new(
        r.OrganizationId, r.RecordKey, Wire.Time(r.StartTime), r.Kind, r.Direction, r.CallerNumber, r.CalleeNumber,
        r.DurationSeconds, r.BilledSeconds, r.Outcome, r.CellId, r.Country, r.Volume, r.Cost, r.Currency, r.ServiceReference,
        r.ImportBatchId);
}

/// <summary>The API shape of a traffic record in the subject look-up's answer.</summary>
internal sealed record TrafficRecordDto(
    Guid OrganizationId, string RecordKey, string Start, string Kind, string Direction, string SubscriberKind, string Subscriber,
    string? Counterpart, int? DurationSeconds, long? Bytes, string? Protocol, string? CellId, string? Country, string? Service,
    Guid ImportBatchId)
{
    internal static TrafficRecordDto From(TrafficRecord r) => new(
        r.OrganizationId, r.RecordKey, Wire.Time(r.StartTime), r.Kind, r.Direction, r.SubscriberKind, r.Subscriber, r.Counterpart,
        r.DurationSeconds, r.Bytes, r.Protocol, r.CellId, r.Country, r.ServiceReference, r.ImportBatchId);
}
