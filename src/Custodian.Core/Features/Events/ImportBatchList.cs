using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Events;

/// <summary>
/// One import batch as the operator's overview shows it (no personal data: the file name is the operator's).
/// <c>TenantCode</c>: the organisation every row was assigned to (<c>--tenant</c>), null when each row named its own;
/// <c>FinishedAt</c>: when it completed or was abandoned; <c>Resumable</c>: an interrupted import that running the same
/// import command again continues.
/// </summary>
internal sealed record ImportBatchSummary(
    Guid Id,
    string Kind,
    string Format,
    string FileName,
    string FileSha256,
    string? TenantCode,
    string? TimeZone,
    string Status,
    long RowsImported,
    long RowsRejected,
    Instant StartedAt,
    Instant? FinishedAt,
    bool Resumable,
    Guid? ExtendsBatchId);

/// <summary>The import batches, newest first: what <c>custodian import list</c> shows.</summary>
internal sealed class ImportBatchList(IDbContextFactory<CustodianDbContext> contexts)
{
    public async Task<IReadOnlyList<ImportBatchSummary>> ListAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScopeTo(TenantScope.Everything);
        var codes = await db.Organizations.AsNoTracking().ToDictionaryAsync(o => o.Id.ToString(), o => o.Code, ct);
        var batches = await db.Set<ImportBatch>().AsNoTracking().ToListAsync(ct);
        return [.. batches
            .OrderByDescending(b => b.StartedAt).ThenByDescending(b => b.Id)
            .Select(b => new ImportBatchSummary(
                b.Id,
                b.Kind,
                b.Format,
                b.FileName,
                b.FileSha256,
                b.ScopeKey == ImportBatch.EveryOrganization ? null : codes.GetValueOrDefault(b.ScopeKey, b.ScopeKey),
                b.TimeZone,
                b.Status,
                b.RowsImported,
                b.RowsRejected,
                b.StartedAt,
                b.CompletedAt ?? b.AbandonedAt,
                b.Status == ImportBatch.InProgress,
                b.ExtendsBatchId))];
    }
}
