namespace Custodian.Core.Features.Audit;

/// <summary>Settings of the audit trail. Defaults follow security.md §2.3 item 3 (1,000 events or 15 minutes).</summary>
internal sealed class AuditOptions
{
    /// <summary>
    /// The checkpoint origin line: names this log, schema-less URL style (C2SP tlog-checkpoint). Also the signing key's
    /// name. Change it only together with every holder of exported checkpoints.
    /// </summary>
    public string Origin { get; set; } = "custodian.invalid/audit";

    /// <summary>A checkpoint is made in the append that brings the log this many events past the last checkpoint (0 = never by count).</summary>
    public int CheckpointEveryEvents { get; set; } = 1000;

    /// <summary>A checkpoint is made once the last one is this old and the log has grown (by an append, or by the host's timer).</summary>
    public TimeSpan CheckpointEvery { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A directory outside the system's trust boundary (another host, an NFS or WORM mount) that every new checkpoint is
    /// copied to (<see cref="CheckpointExport"/>); null = no automatic export.
    /// </summary>
    public string? ExportDirectory { get; set; }
}
