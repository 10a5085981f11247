using System.Diagnostics.Metrics;

namespace Custodian.Core.Features.Monitoring;

/// <summary>
/// The product's own meter, <c>Custodian</c>: gauges over the latest <see cref="OperationsSnapshot"/> (a background
/// job reads it from the database every <see cref="RefreshInterval"/>). The host exports it with OpenTelemetry beside
/// ASP.NET Core's, Kestrel's and the runtime's built-in meters. Names follow the OpenTelemetry conventions (dotted,
/// unit in the instrument); a Prometheus scrape shows them as e.g. <c>custodian_retention_sweep_age_seconds</c>.
/// </summary>
internal sealed class CustodianMetrics : IDisposable
{
    public const string MeterName = "Custodian";

    /// <summary>How often the snapshot is read again (a gauge is at most this old, plus the scrape interval).</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(30);

    private readonly Meter _meter;
    private volatile OperationsSnapshot? _latest;

    public CustodianMetrics(IMeterFactory meters, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(time);
        _meter = meters.Create(MeterName);
        Gauge("custodian.audit.log.size", "{event}", "Events in the audit log.", s => s.AuditLogSize);
        Gauge("custodian.audit.checkpoint.age", "s", "Seconds since the newest signed audit checkpoint.", s => s.AuditCheckpointAge?.TotalSeconds);
        Gauge("custodian.audit.uncheckpointed", "{event}", "Audit events appended after the newest checkpoint.", s => s.AuditUncheckpointed);
        Gauge("custodian.retention.sweep.age", "s", "Seconds since the last completed retention sweep finished.", s => s.SweepAge?.TotalSeconds);
        Gauge("custodian.retention.sweep.running", "{sweep}", "1 while a sweep runs or waits to be resumed.", s => s.SweepRunning ? 1 : 0);
        Gauge("custodian.retention.sweep.lateness", "s", "The largest lateness the last completed sweep recorded.", s => s.SweepMaxLateness?.TotalSeconds);
        Gauge("custodian.requests.open", "{request}", "Data-subject requests not yet delivered, refused or closed.", s => s.RequestsOpen);
        Gauge("custodian.requests.overdue", "{request}", "Open data-subject requests past their due date.", s => s.RequestsOverdue);
        Gauge("custodian.imports.in_progress", "{batch}", "Import batches started and not finished.", s => s.ImportsInProgress);
        _meter.CreateObservableGauge(
            "custodian.metrics.snapshot.age",
            () => _latest is { } s ? [new Measurement<double>((time.GetUtcNow() - s.At.ToDateTimeOffset()).TotalSeconds)] : Array.Empty<Measurement<double>>(),
            "s",
            "Seconds since the figures above were read from the database (stale figures mean the database is unreachable).");
    }

    /// <summary>The latest snapshot, or null before the first read.</summary>
    public OperationsSnapshot? Latest => _latest;

    public void Update(OperationsSnapshot snapshot) => _latest = snapshot;

    public void Dispose() => _meter.Dispose();

    private void Gauge(string name, string unit, string description, Func<OperationsSnapshot, double?> read) =>
        _meter.CreateObservableGauge(
            name,
            () => _latest is { } s && read(s) is { } value ? [new Measurement<double>(value)] : Array.Empty<Measurement<double>>(),
            unit,
            description);
}
