using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// The intake's limits (security.md §4.3), counted in the database (<see cref="RequestRateEvent"/>) so they hold
/// across nodes. Two submissions that race on two nodes may both pass the last free slot: the limits hold to ±1 under
/// concurrency, which is within G4.4's tolerance.
/// </summary>
internal sealed class RequestRateLimits(CustodianDbContext db, RequestSecrets secrets)
{
    public const string ClientScope = "client";
    public const string SubjectScope = "subject";
    public const string AddressScope = "address";

    /// <summary>Submissions per client (IP address) per hour; more are refused (429).</summary>
    public const int SubmissionsPerClientPerHour = 5;

    /// <summary>Requests per subject identifier per 24 h; more are accepted but send no message.</summary>
    public const int RequestsPerSubjectPerDay = 3;

    /// <summary>Messages to one address per 24 h (no notification bombing).</summary>
    public const int MessagesPerAddressPerDay = 5;

    public static readonly Duration Hour = Duration.FromHours(1);
    public static readonly Duration Day = Duration.FromHours(24);

    public string Key(string scope, string value) => secrets.RateKey(scope, value);

    /// <summary>How long the client must wait, or null when it may submit now.</summary>
    public async Task<Duration?> ClientRetryAfterAsync(string clientKey, Instant now, CancellationToken ct)
    {
        var since = now - Hour;
        var inWindow = await db.Set<RequestRateEvent>().AsNoTracking()
            .Where(e => e.Scope == ClientScope && e.KeyHash == clientKey && e.At > since)
            .OrderByDescending(e => e.At)
            .Select(e => e.At)
            .Take(SubmissionsPerClientPerHour)
            .ToListAsync(ct);
        if (inWindow.Count < SubmissionsPerClientPerHour)
        {
            return null;
        }

        // The oldest of the last N leaves the window first.
        var wait = inWindow[^1] + Hour - now;
        return wait < Duration.FromSeconds(1) ? Duration.FromSeconds(1) : wait;
    }

    public Task<int> CountAsync(string scope, string key, Duration window, Instant now, CancellationToken ct)
    {
        var since = now - window;
        return db.Set<RequestRateEvent>().CountAsync(e => e.Scope == scope && e.KeyHash == key && e.At > since, ct);
    }

    /// <summary>Adds one counted event (saved with the caller's next SaveChanges).</summary>
    public void Record(string scope, string key, Instant now) =>
        db.Add(new RequestRateEvent { Scope = scope, KeyHash = key, At = now });

    /// <summary>Deletes events older than the longest window; returns how many.</summary>
    public Task<int> PurgeAsync(Instant now, CancellationToken ct)
    {
        var before = now - Day;
        return db.Set<RequestRateEvent>().Where(e => e.At <= before).ExecuteDeleteAsync(ct);
    }
}
