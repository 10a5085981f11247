using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Events;

/// <summary>
/// One import of one file: what makes imports idempotent and resumable. At most one batch that is not abandoned per
/// (kind, the file's SHA-256), whatever the options: the same file imported again with another tenant, format or time
/// zone would store its rows a second time, so the importer refuses that until the earlier batch is abandoned;
/// <see cref="CommittedLine"/> advances in the same transaction as each chunk of rows, so after a crash the rows up
/// to it are stored exactly once and the rest are not stored at all; the import resumes after it.
/// </summary>
/// <remarks>
/// Not tenant-owned: an import without <c>--tenant</c> takes each row's organisation from the file (Asterisk's
/// accountcode), so one batch can span organisations. It is operator data and holds no personal data.
/// </remarks>
internal sealed class ImportBatch
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";

    /// <summary>An abandon was started and not finished (its rows are being removed); <c>import abandon</c> finishes it.</summary>
    public const string Abandoning = "abandoning";

    /// <summary>Its rows were removed by <c>import abandon</c>; the file may be imported afresh.</summary>
    public const string Abandoned = "abandoned";

    /// <summary>
    /// <see cref="CommittedLine"/> of a batch being abandoned. Setting it moves the concurrency token, so a process
    /// still importing the batch fails its next chunk commit (and rolls the chunk back) instead of adding rows.
    /// </summary>
    public const long NoLineAbandoned = -1;

    /// <summary>The <see cref="ScopeKey"/> of an import that takes the organisation from each row.</summary>
    public const string EveryOrganization = "*";

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary><c>usage</c> or <c>traffic</c>.</summary>
    [NotPersonalData]
    public required string Kind { get; init; }

    /// <summary><c>custodian</c> or <c>asterisk</c>; a resume must use the same.</summary>
    [NotPersonalData]
    public required string Format { get; init; }

    /// <summary>Lower-case hex SHA-256 of the whole file.</summary>
    [NotPersonalData("hash of the file")]
    public required string FileSha256 { get; init; }

    [NotPersonalData]
    public long FileBytes { get; init; }

    /// <summary>The file's name without its folder (for the operator's overview).</summary>
    [NotPersonalData("the operator's file name")]
    public required string FileName { get; init; }

    /// <summary>The organisation every row was assigned to (<c>--tenant</c>), as its id; <see cref="EveryOrganization"/> otherwise.</summary>
    [NotPersonalData("tenant assignment of the import")]
    public required string ScopeKey { get; init; }

    /// <summary>The PBX's time zone for Asterisk files (times there are local); null for Custodian's format (times carry their offset).</summary>
    [NotPersonalData]
    public string? TimeZone { get; init; }

    /// <summary><see cref="InProgress"/>, <see cref="Completed"/>, <see cref="Abandoning"/> or <see cref="Abandoned"/>.</summary>
    [NotPersonalData]
    public string Status { get; set; } = InProgress;

    /// <summary>The last physical line of the file whose row (stored or rejected) is committed. A concurrency token:
    /// two processes resuming the same batch cannot both advance it.</summary>
    [NotPersonalData]
    public long CommittedLine { get; set; }

    [NotPersonalData]
    public long RowsImported { get; set; }

    [NotPersonalData]
    public long RowsRejected { get; set; }

    [NotPersonalData]
    public Instant StartedAt { get; init; }

    [NotPersonalData]
    public Instant UpdatedAt { get; set; }

    [NotPersonalData]
    public Instant? CompletedAt { get; set; }

    [NotPersonalData]
    public Instant? AbandonedAt { get; set; }

    /// <summary>The earlier batch whose file this one continues (a grown Master.csv): this batch stored only the added lines.</summary>
    [NotPersonalData]
    public Guid? ExtendsBatchId { get; init; }
}

internal sealed class ImportBatchConfiguration : IEntityTypeConfiguration<ImportBatch>
{
    public void Configure(EntityTypeBuilder<ImportBatch> builder)
    {
        builder.ToTable("import_batches");
        builder.HasKey(b => b.Id);
        builder.Property(b => b.Id).ValueGeneratedNever();
        builder.Property(b => b.Kind).HasMaxLength(20);
        builder.Property(b => b.Format).HasMaxLength(20);
        builder.Property(b => b.FileSha256).HasMaxLength(64);
        builder.Property(b => b.FileName).HasMaxLength(255);
        builder.Property(b => b.ScopeKey).HasMaxLength(40);
        builder.Property(b => b.TimeZone).HasMaxLength(64);
        builder.Property(b => b.Status).HasMaxLength(20);
        builder.Property(b => b.CommittedLine).IsConcurrencyToken();

        // One live batch per file and kind, whatever its scope and options (see the class remarks); abandoned ones do
        // not count, so an abandoned file can be imported afresh. Names are the snake_case ones the model produces.
        builder.HasIndex(b => new { b.Kind, b.FileSha256 }).IsUnique().HasFilter("status <> 'abandoned'");
        builder.HasIndex(b => b.ExtendsBatchId);
    }
}
