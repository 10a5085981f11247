using System.Security.Cryptography;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Idempotency;

/// <summary>Looking up, storing and expiring the answers of creates sent with an <c>Idempotency-Key</c>.</summary>
internal static class IdempotencyRecords
{
    /// <summary>How long a key is remembered. A client retries within minutes; the stored answer is a copy of personal data, so it does not stay longer.</summary>
    public static readonly Duration ReplayWindow = Duration.FromHours(24);

    public const int MaxKeyLength = 200;

    /// <summary>Hex SHA-256 over method, path and body, so the same key with a different request is recognised.</summary>
    public static string HashRequest(string method, string path, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{method} {path}\n"));
        hash.AppendData(body);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The stored answer for this key, if it is still inside the replay window.</summary>
    public static Task<IdempotencyRecord?> FindAsync(CustodianDbContext db, Guid apiKeyId, string key, Instant now, CancellationToken ct)
    {
        var since = now - ReplayWindow;
        return db.IdempotencyRecords.AsNoTracking()
            .FirstOrDefaultAsync(r => r.ApiKeyId == apiKeyId && r.Key == key && r.CreatedAt > since, ct);
    }

    /// <summary>Deletes answers older than the replay window (all keys); runs inside the transaction of a keyed create.</summary>
    public static Task<int> PurgeExpiredAsync(CustodianDbContext db, Instant now, CancellationToken ct)
    {
        var before = now - ReplayWindow;
        return db.IdempotencyRecords.Where(r => r.CreatedAt <= before).ExecuteDeleteAsync(ct);
    }
}
