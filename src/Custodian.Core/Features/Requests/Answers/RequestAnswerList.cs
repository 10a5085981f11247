using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>One answer file the requester may download (no content, no blob or key ids).</summary>
internal sealed record AnswerListItem(Guid Id, string Kind, string FileName, string ContentType, long Size, Instant CreatedAt, Instant ExpiresAt);

/// <summary>
/// The answers of one request that can still be downloaded, newest first, for the portal's status page. The caller
/// has already checked the request session (<see cref="RequestStatusQuery.AuthorizeAsync"/>): this only lists.
/// </summary>
internal sealed class RequestAnswerList(CustodianDbContext db, TimeProvider time)
{
    public async Task<IReadOnlyList<AnswerListItem>> ListAsync(Guid requestId, CancellationToken ct)
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var rows = await db.Set<RequestAnswer>().AsNoTracking()
            .Where(a => a.RequestId == requestId && a.ExpiresAt > now)
            .Select(a => new { a.Id, a.Kind, a.FileName, a.ContentType, a.Size, a.CreatedAt, a.ExpiresAt })
            .ToListAsync(ct);
        return [.. rows.OrderByDescending(a => a.CreatedAt).ThenBy(a => a.FileName, StringComparer.Ordinal)
            .Select(a => new AnswerListItem(a.Id, RequestAnswers.KindName(a.Kind), a.FileName, a.ContentType, a.Size, a.CreatedAt, a.ExpiresAt))];
    }
}
