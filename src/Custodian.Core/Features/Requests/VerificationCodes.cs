using System.Globalization;
using System.Security.Cryptography;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>What checking a code found.</summary>
internal enum CodeCheck
{
    Accepted,
    Wrong,

    /// <summary>The code was wrong and this was the last allowed attempt: the code is now locked.</summary>
    WrongNowLocked,
    Expired,
    Locked,
    Used,

    /// <summary>No code was ever issued for the request (e.g. messages were suppressed by the rate limit).</summary>
    NoCode,
}

/// <summary>
/// One-time codes bound to a request: 6 digits from a CSPRNG, stored as an HMAC only (<see cref="RequestSecrets"/>),
/// valid for <see cref="Lifetime"/> (ASVS 5 v6.5.5: at most 10 minutes for out-of-band codes), single use, locked
/// after <see cref="MaxAttempts"/> wrong attempts. Issuing a new code invalidates the request's earlier ones.
/// Both writes are conditional single UPDATE statements, so two nodes cannot both accept one code.
/// The caller owns the transaction and the audit events.
/// </summary>
internal sealed class VerificationCodes(CustodianDbContext db, RequestSecrets secrets)
{
    public static readonly Duration Lifetime = Duration.FromMinutes(10);
    public const int MaxAttempts = 5;

    /// <summary>Adds a new code for the request (saved with the caller's next SaveChanges) and returns it in clear, to send.</summary>
    public async Task<string> IssueAsync(Guid requestId, Instant now, CancellationToken ct)
    {
        await db.Set<RequestVerificationCode>()
            .Where(c => c.RequestId == requestId && c.ConsumedAt == null && c.InvalidatedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.InvalidatedAt, now), ct);
        var code = RandomNumberGenerator.GetInt32(1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        db.Add(new RequestVerificationCode
        {
            RequestId = requestId,
            CodeHash = secrets.CodeHash(requestId, code),
            CreatedAt = now,
            ExpiresAt = now + Lifetime,
        });
        return code;
    }

    /// <summary>Checks <paramref name="code"/> against the request's latest code and consumes it when it fits.</summary>
    public async Task<CodeCheck> CheckAsync(Guid requestId, string code, Instant now, CancellationToken ct)
    {
        var hash = secrets.CodeHash(requestId, code);
        var accepted = await db.Set<RequestVerificationCode>()
            .Where(c => c.RequestId == requestId && c.CodeHash == hash && c.ConsumedAt == null && c.InvalidatedAt == null
                && c.ExpiresAt > now && c.FailedAttempts < MaxAttempts)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
        if (accepted == 1)
        {
            return CodeCheck.Accepted;
        }

        var latest = await db.Set<RequestVerificationCode>().AsNoTracking()
            .Where(c => c.RequestId == requestId)
            .OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id)
            .FirstOrDefaultAsync(ct);
        if (latest is null)
        {
            return CodeCheck.NoCode;
        }

        if (latest.ConsumedAt is not null)
        {
            return CodeCheck.Used;
        }

        if (latest.InvalidatedAt is not null || latest.FailedAttempts >= MaxAttempts)
        {
            return CodeCheck.Locked;
        }

        if (latest.ExpiresAt <= now)
        {
            return CodeCheck.Expired;
        }

        // Wrong: count it on the live code; the attempt that reaches the limit locks it in the same statement.
        var counted = await db.Set<RequestVerificationCode>()
            .Where(c => c.Id == latest.Id && c.ConsumedAt == null && c.InvalidatedAt == null)
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.FailedAttempts, c => c.FailedAttempts + 1)
                    .SetProperty(c => c.InvalidatedAt, c => c.FailedAttempts + 1 >= MaxAttempts ? now : c.InvalidatedAt),
                ct);
        if (counted == 0)
        {
            return CodeCheck.Locked;
        }

        return latest.FailedAttempts + 1 >= MaxAttempts ? CodeCheck.WrongNowLocked : CodeCheck.Wrong;
    }
}
