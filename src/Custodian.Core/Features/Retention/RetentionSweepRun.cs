using System.Text.Json;
using System.Text.Json.Serialization;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// One retention sweep: its cutoff, fixed when it starts, and how far it got. Every batch of deletions advances
/// <see cref="Step"/>/<see cref="Cursor"/> and the counts in the same transaction as the deletions and their audit
/// events, so a sweep interrupted anywhere resumes exactly where its last committed batch ended and, finished, is the
/// receipt of what it deleted (security.md §3.3). Holds no personal data: counts, category ids and organisation ids.
/// </summary>
internal sealed class RetentionSweepRun
{
    public const string Running = "running";
    public const string Completed = "completed";

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Everything whose expiry is at or before this instant goes; nothing later. Never changes once set.</summary>
    [NotPersonalData("the sweep's fixed cutoff")]
    public required Instant Cutoff { get; init; }

    [NotPersonalData]
    public required Instant StartedAt { get; init; }

    [NotPersonalData]
    public Instant? FinishedAt { get; set; }

    /// <summary><see cref="Running"/> or <see cref="Completed"/>.</summary>
    [NotPersonalData]
    public string State { get; set; } = Running;

    /// <summary>The step being worked on (steps run in a fixed order; earlier ones are done).</summary>
    [NotPersonalData("the sweep's position")]
    public string? Step { get; set; }

    /// <summary>The step's own position (the last record id deleted, a month); null at the step's start.</summary>
    [NotPersonalData("the sweep's position")]
    public string? Cursor { get; set; }

    /// <summary>How many times the sweep was (re)started; more than one means it was interrupted.</summary>
    [NotPersonalData]
    public int Attempts { get; set; } = 1;

    [NotPersonalData]
    public int Batches { get; set; }

    /// <summary>The first audit position the sweep wrote (its <c>retention.sweep_started</c> event).</summary>
    [NotPersonalData("audit position")]
    public long? AuditFirstSeq { get; set; }

    /// <summary>The last audit position the sweep wrote so far.</summary>
    [NotPersonalData("audit position")]
    public long? AuditLastSeq { get; set; }

    /// <summary>The longest a deleted record outlived its expiry, in seconds (the retention overview's "maximum lateness").</summary>
    [NotPersonalData]
    public long MaxLatenessSeconds { get; set; }

    /// <summary>Deleted counts per category and organisation (JSON, <see cref="SweepCount"/>).</summary>
    [NotPersonalData("counts per category and organisation")]
    public string Deleted { get; set; } = "[]";

    /// <summary>Expired records a legal hold kept, per step and organisation (JSON, <see cref="SweepKept"/>).</summary>
    [NotPersonalData("counts per category and organisation")]
    public string Kept { get; set; } = "[]";

    /// <summary>Month partitions dropped (JSON list of <c>family/yyyy-MM</c> with their row counts).</summary>
    [NotPersonalData("partition names and counts")]
    public string PartitionsDropped { get; set; } = "[]";

    public IReadOnlyList<SweepCount> DeletedCounts() => JsonSerializer.Deserialize<List<SweepCount>>(Deleted, SweepJson.Options) ?? [];

    public IReadOnlyList<DroppedPartition> DroppedPartitions() =>
        JsonSerializer.Deserialize<List<DroppedPartition>>(PartitionsDropped, SweepJson.Options) ?? [];

    /// <summary>Records kept by holds per category and organisation.</summary>
    public IReadOnlyList<SweepCount> KeptCounts() =>
        [.. (JsonSerializer.Deserialize<List<SweepKept>>(Kept, SweepJson.Options) ?? [])
            .GroupBy(k => (k.Category, k.OrganizationId))
            .Select(g => new SweepCount(g.Key.Category, g.Key.OrganizationId, g.Sum(k => k.Count)))
            .OrderBy(c => c.Category, StringComparer.Ordinal).ThenBy(c => c.OrganizationId)];

    /// <summary>
    /// Adds deletions to the counts (called in the batch's transaction), with the longest any of them outlived its
    /// expiry: kept per category and organisation, so a tenant's view of a receipt shows its own lateness only.
    /// </summary>
    public void Count(string category, Guid organizationId, long rows, Duration lateness)
    {
        Deleted = Add(DeletedCounts(), category, organizationId, rows, Seconds(lateness));
        Late(lateness);
    }

    /// <summary>
    /// Sets the records a hold kept for one step (target), replacing what an interrupted run of the same step wrote:
    /// a rerun of a step meets exactly the same held records again, so setting (not adding) keeps the count exact.
    /// </summary>
    public void SetKept(string target, string category, IEnumerable<(Guid OrganizationId, long Count)> counts)
    {
        var others = JsonSerializer.Deserialize<List<SweepKept>>(Kept, SweepJson.Options)?.Where(k => k.Target != target) ?? [];
        Kept = JsonSerializer.Serialize(
            others.Concat(counts.Where(c => c.Count > 0).Select(c => new SweepKept(target, category, c.OrganizationId, c.Count)))
                .OrderBy(k => k.Target, StringComparer.Ordinal).ThenBy(k => k.OrganizationId).ToList(),
            SweepJson.Options);
    }

    private static string Add(IReadOnlyList<SweepCount> existing, string category, Guid organizationId, long rows, long latenessSeconds)
    {
        var counts = existing.ToList();
        if (rows == 0)
        {
            return JsonSerializer.Serialize(counts, SweepJson.Options);
        }

        var i = counts.FindIndex(c => c.Category == category && c.OrganizationId == organizationId);
        if (i >= 0)
        {
            counts[i] = counts[i] with { Count = counts[i].Count + rows, MaxLatenessSeconds = Math.Max(counts[i].MaxLatenessSeconds ?? 0, latenessSeconds) };
        }
        else
        {
            counts.Add(new SweepCount(category, organizationId, rows, latenessSeconds));
        }

        return JsonSerializer.Serialize(
            counts.OrderBy(c => c.Category, StringComparer.Ordinal).ThenBy(c => c.OrganizationId).ToList(), SweepJson.Options);
    }

    public void AddDropped(DroppedPartition partition) =>
        PartitionsDropped = JsonSerializer.Serialize(DroppedPartitions().Append(partition).ToList(), SweepJson.Options);

    private void Late(Duration lateness)
    {
        var seconds = Seconds(lateness);
        if (seconds > MaxLatenessSeconds)
        {
            MaxLatenessSeconds = seconds;
        }
    }

    private static long Seconds(Duration lateness) => Math.Max(0, (long)Math.Floor(lateness.TotalSeconds));
}

/// <summary>Records of one category and organisation deleted by a sweep (or kept by holds).</summary>
/// <param name="Category">Register category.</param>
/// <param name="OrganizationId">The tenant.</param>
/// <param name="Count">Records.</param>
/// <param name="MaxLatenessSeconds">
/// Deleted records: the longest any of them outlived its expiry, in seconds (receipts written before this was kept per
/// line have none). Null, and left out of the JSON, for records kept by holds.
/// </param>
internal sealed record SweepCount(
    string Category,
    Guid OrganizationId,
    long Count,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? MaxLatenessSeconds = null);

/// <summary>Expired records of one step (target) and organisation that a hold kept.</summary>
internal sealed record SweepKept(string Target, string Category, Guid OrganizationId, long Count);

/// <summary>A month partition a sweep dropped: <c>usage</c>/<c>traffic</c>, the month, rows dropped and rows preserved for holds.</summary>
internal sealed record DroppedPartition(string Family, string Month, long Rows, long PreservedForHolds);

internal static class SweepJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>For printing: indented, instants as ISO 8601 text.</summary>
    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
    };
}

internal sealed class RetentionSweepRunConfiguration : IEntityTypeConfiguration<RetentionSweepRun>
{
    public void Configure(EntityTypeBuilder<RetentionSweepRun> builder)
    {
        builder.ToTable("retention_sweeps");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.State).HasMaxLength(16);
        builder.Property(s => s.Step).HasMaxLength(100);
        builder.Property(s => s.Cursor).HasMaxLength(200);

        // At most one running sweep: a second starter fails on this index instead of sweeping beside the first.
        builder.HasIndex(s => s.State).IsUnique().HasFilter("state = 'running'").HasDatabaseName("ux_retention_sweeps_running");
        builder.HasIndex(s => s.StartedAt);
    }
}

/// <summary>A sweep's receipt as the API and <c>retention run --json</c> show it. No personal data.</summary>
internal sealed record SweepReceipt(
    Guid Id,
    string State,
    string Cutoff,
    string StartedAt,
    string? FinishedAt,
    int Attempts,
    int Batches,
    long? AuditFirstSeq,
    long? AuditLastSeq,
    long MaxLatenessSeconds,
    IReadOnlyList<SweepCount> Deleted,
    IReadOnlyList<SweepCount> KeptByHolds,
    IReadOnlyList<DroppedPartition> PartitionsDropped)
{
    public static SweepReceipt From(RetentionSweepRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.Id, run.State, Iso(run.Cutoff), Iso(run.StartedAt), run.FinishedAt is { } f ? Iso(f) : null, run.Attempts, run.Batches, run.AuditFirstSeq,
            run.AuditLastSeq, run.MaxLatenessSeconds, run.DeletedCounts(), run.KeptCounts(), run.DroppedPartitions());
    }

    private static string Iso(Instant i) => NodaTime.Text.InstantPattern.ExtendedIso.Format(i);
}
