using System.Security.Cryptography;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>One line of the requester's timeline: when and what, never who among staff.</summary>
internal sealed record RequestTimelineEntry(Instant At, string Kind);

/// <summary>What the requester sees of a request. No identifier, no details, no staff names.</summary>
internal sealed record RequestStatusView(
    string Reference,
    string Type,
    string State,
    string Language,
    LocalDate ReceivedOn,
    LocalDate DueOn,
    LocalDate? ExtendedDueOn,
    IReadOnlyList<RequestTimelineEntry> Timeline);

/// <summary>Reads a request's status for the holder of its request session token (<see cref="RequestIntake.VerifyAsync"/>).</summary>
internal sealed class RequestStatusQuery(CustodianDbContext db, TimeProvider time)
{
    /// <summary>
    /// The status, or <c>request.session_invalid</c> for an unknown reference, a wrong or expired token (one error
    /// for all, so the answer does not say which).
    /// </summary>
    public async Task<StoreResult<RequestStatusView>> GetAsync(string? reference, string? token, CancellationToken ct)
    {
        var request = await AuthorizeAsync(reference, token, ct);
        if (request is null)
        {
            return new ForbiddenError("request.session_invalid", "The request session is missing, wrong or expired; verify the request again.");
        }

        var events = await db.Set<RequestEvent>().AsNoTracking()
            .Where(e => e.RequestId == request.Id)
            .OrderBy(e => e.At).ThenBy(e => e.Id)
            .Select(e => new { e.At, e.Kind })
            .ToListAsync(ct);
        return new RequestStatusView(
            request.Reference,
            RequestTypes.Name(request.Type),
            RequestStates.Name(request.State),
            request.Language,
            request.ReceivedOn,
            request.DueOn,
            request.ExtendedDueOn,
            [.. events.Where(e => !RequestEventKinds.HiddenFromRequester.Contains(e.Kind)).Select(e => new RequestTimelineEntry(e.At, e.Kind))]);
    }

    /// <summary>The request when <paramref name="token"/> is a live session of it; null otherwise. For the answers feature, too.</summary>
    public async Task<DataSubjectRequest?> AuthorizeAsync(string? reference, string? token, CancellationToken ct)
    {
        var canonical = RequestReferences.Canonical(reference);
        var raw = FromBase64Url(token);
        if (canonical is null || raw is not { Length: 32 })
        {
            return null;
        }

        var hash = SHA256.HashData(raw);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var request = await db.Set<DataSubjectRequest>().AsNoTracking().FirstOrDefaultAsync(r => r.Reference == canonical, ct);
        if (request is null)
        {
            return null;
        }

        var live = await db.Set<RequestSession>().AnyAsync(s => s.TokenHash == hash && s.RequestId == request.Id && s.ExpiresAt > now, ct);
        return live ? request : null;
    }

    private static byte[]? FromBase64Url(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Length > 100)
        {
            return null;
        }

        var s = text.Trim().Replace('-', '+').Replace('_', '/');
        s = s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
        var buffer = new byte[s.Length];
        return Convert.TryFromBase64String(s, buffer, out var written) ? buffer[..written] : null;
    }
}
