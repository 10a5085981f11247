using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Audit;

/// <summary>What one verification found, as the audit page and the CLI show it (see <see cref="AuditVerification"/>).</summary>
/// <param name="VerifiedAt">When it ran.</param>
/// <param name="EventCount">Events scanned.</param>
/// <param name="RootBase64">The recomputed root of the scanned events.</param>
/// <param name="CheckpointCount">Stored checkpoints checked.</param>
/// <param name="WithExternalCheckpoint">Whether an exported checkpoint was compared too (without one, removal of the newest events cannot be detected).</param>
/// <param name="Problems">What is wrong, first bad position first; empty when intact.</param>
internal sealed record AuditVerificationOutcome(
    Instant VerifiedAt, long EventCount, string RootBase64, int CheckpointCount, bool WithExternalCheckpoint, IReadOnlyList<AuditProblem> Problems)
{
    public bool Intact => Problems.Count == 0;
}

/// <summary>A checkpoint made (or the latest, when it already covers the whole log) for the page to offer as a download.</summary>
/// <param name="Number">Checkpoint number.</param>
/// <param name="Size">Events it covers.</param>
/// <param name="RootBase64">Its root hash.</param>
/// <param name="CreatedAt">When it was signed.</param>
/// <param name="Note">The signed note, exactly the bytes to keep outside the system (text/plain, UTF-8).</param>
/// <param name="FileName">A file name for the download (<c>custodian-audit-checkpoint-42.txt</c>).</param>
/// <param name="VerifierKey">The public key that checks the signature.</param>
/// <param name="ExportedToDirectory">Checkpoints appended to the configured export directory now (0 without one).</param>
internal sealed record CheckpointDownload(
    long Number, long Size, string RootBase64, Instant CreatedAt, string Note, string FileName, string VerifierKey, int ExportedToDirectory);

/// <summary>The audit trail's state for the dashboard.</summary>
/// <param name="Size">Events in the log.</param>
/// <param name="CheckpointCount">Signed checkpoints made.</param>
/// <param name="LastCheckpointSize">Events the latest checkpoint covers (the rest is not yet covered by a signature).</param>
/// <param name="LastCheckpointAt">When the latest checkpoint was made; null when none.</param>
/// <param name="LastVerification">The latest recorded verification; null when none was recorded.</param>
internal sealed record AuditStatus(long Size, long CheckpointCount, long LastCheckpointSize, Instant? LastCheckpointAt, AuditVerificationSummary? LastVerification);

/// <summary>A recorded verification (<see cref="AuditVerificationRecord"/>).</summary>
internal sealed record AuditVerificationSummary(
    Instant VerifiedAt, long EventCount, bool Intact, int ProblemCount, string? FirstProblemCode, long? FirstProblemSeq, bool WithExternalCheckpoint, string ActorKind, string ActorId);

/// <summary>
/// The audit page's and dashboard's calls beside the search: verify the chain (and record the outcome), make and hand
/// out a checkpoint, and the trail's status. Thin wrappers over <see cref="AuditVerifier"/> and <see cref="AuditCheckpoints"/>.
/// </summary>
internal sealed class AuditOperations(IDbContextFactory<CustodianDbContext> contexts, AuditVerifier verifier, AuditCheckpoints checkpoints, TimeProvider time)
{
    /// <summary>Verifies the whole log (O(size): seconds at a million events) and records the outcome for the dashboard.</summary>
    /// <param name="actor">Who asked (the page's user, <c>cli:audit verify</c>).</param>
    /// <param name="externalCheckpoint">An exported checkpoint note to compare, or null.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<AuditVerificationOutcome> VerifyAsync(AuditActor actor, string? externalCheckpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var result = await verifier.VerifyAsync(db, externalCheckpoint, ct);
        return await RecordAsync(db, actor, result, externalCheckpoint is not null, ct);
    }

    /// <summary>Records a verification the caller ran itself (the CLI, with its own context) and returns its outcome.</summary>
    public async Task<AuditVerificationOutcome> RecordAsync(CustodianDbContext db, AuditActor actor, AuditVerification result, bool withExternalCheckpoint, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(result);
        var now = AuditCanonical.TruncateToMicroseconds(Instant.FromDateTimeOffset(time.GetUtcNow()));
        var first = result.Problems.Count > 0 ? result.Problems[0] : null;
        db.Add(new AuditVerificationRecord
        {
            VerifiedAt = now,
            EventCount = result.EventCount,
            CheckpointCount = result.CheckpointCount,
            WithExternalCheckpoint = withExternalCheckpoint,
            Intact = result.Intact,
            ProblemCount = result.Problems.Count,
            FirstProblemCode = first?.Code,
            FirstProblemSeq = first?.Seq,
            ActorKind = AuditCanonical.ActorKindName(actor.Kind),
            ActorId = actor.Id,
        });
        await db.SaveChangesAsync(ct);
        return new AuditVerificationOutcome(now, result.EventCount, Convert.ToBase64String(result.Root), result.CheckpointCount, withExternalCheckpoint, result.Problems);
    }

    /// <summary>
    /// Signs a checkpoint of the log now (or returns the latest when it already covers every event), copies new
    /// checkpoints to the configured export directory, and returns the note for the page to offer as a download.
    /// </summary>
    public async Task<CheckpointDownload> ExportCheckpointAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var made = await checkpoints.CreateNowAsync(db, ct);
        var exported = checkpoints.Options.ExportDirectory is { } directory ? await CheckpointExport.ExportNewAsync(db, directory, ct) : 0;
        return new CheckpointDownload(
            made.Number,
            made.Size,
            Convert.ToBase64String(made.RootHash),
            made.CreatedAt,
            made.Note,
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"custodian-audit-checkpoint-{made.Number}.txt"),
            checkpoints.Signer.VerifierKey,
            exported);
    }

    /// <summary>Size, latest checkpoint and latest recorded verification: three indexed single-row reads.</summary>
    public async Task<AuditStatus> StatusAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var head = await db.Set<AuditHead>().AsNoTracking().SingleAsync(h => h.Id == AuditHead.SingletonId, ct);
        var last = await db.Set<AuditVerificationRecord>().AsNoTracking().OrderByDescending(v => v.VerifiedAt).ThenByDescending(v => v.Id).FirstOrDefaultAsync(ct);
        return new AuditStatus(
            head.Size,
            head.CheckpointCount,
            head.LastCheckpointSize,
            head.LastCheckpointAt,
            last is null ? null : new AuditVerificationSummary(
                last.VerifiedAt, last.EventCount, last.Intact, last.ProblemCount, last.FirstProblemCode, last.FirstProblemSeq, last.WithExternalCheckpoint, last.ActorKind, last.ActorId));
    }
}
