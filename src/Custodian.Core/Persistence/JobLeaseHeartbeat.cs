using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Persistence;

/// <summary>
/// The lease's renewal while a long piece of work runs (one month's sorted copy can outlast the lease): renews the lease
/// every third of its length on a connection of its own, so a statement that runs for minutes on the worker's connection
/// does not let the lease expire; and cancels <see cref="Token"/> (the work's token) as soon as the lease is no longer
/// this holder's, so a node that lost its lease stops instead of working beside the node that took it.
/// </summary>
/// <remarks>
/// The work is cancelled when a renewal finds another holder, and also when the lease has run out without a successful
/// renewal (the database did not answer for a whole lease length: another node may hold it by now). A renewal that fails
/// (database restarting, a busy SQLite writer) is retried at the next beat; a transient failure costs nothing as long as
/// one renewal succeeds within the lease. On SQLite a transaction of the work that holds the write lock also blocks the
/// renewal (and every contender), so the lease there must outlast the longest write transaction of the work.
/// </remarks>
internal sealed class JobLeaseHeartbeat : IAsyncDisposable
{
    private readonly IDbContextFactory<CustodianDbContext> _contexts;
    private readonly string _name;
    private readonly string _holder;
    private readonly Duration _length;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _lost;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private Instant _renewedAt;

    private JobLeaseHeartbeat(
        IDbContextFactory<CustodianDbContext> contexts, string name, string holder, Duration length, TimeProvider time, Instant acquiredAt, CancellationToken work)
    {
        _contexts = contexts;
        _name = name;
        _holder = holder;
        _length = length;
        _time = time;
        _renewedAt = acquiredAt;
        _lost = CancellationTokenSource.CreateLinkedTokenSource(work);
        _loop = Task.Run(LoopAsync, CancellationToken.None);
    }

    /// <summary>The work's token: cancelled with the caller's token, or when the lease is lost.</summary>
    public CancellationToken Token => _lost.Token;

    /// <summary>True once the lease was found lost (another holder, or run out unrenewed); the work was cancelled.</summary>
    public bool Lost { get; private set; }

    /// <summary>Why the lease was lost, for the error message; null while it is held.</summary>
    public string? LostReason { get; private set; }

    /// <summary>The interval between renewals: a third of the lease, so two may fail before it runs out.</summary>
    public static TimeSpan IntervalFor(Duration length) => (length / 3).ToTimeSpan();

    /// <summary>
    /// Starts renewing <paramref name="name"/> for <paramref name="holder"/>, who must hold it (taken at
    /// <paramref name="acquiredAt"/> for <paramref name="length"/>). Dispose it when the work ends, before releasing the lease.
    /// </summary>
    public static JobLeaseHeartbeat Start(
        IDbContextFactory<CustodianDbContext> contexts, string name, string holder, Duration length, TimeProvider time, Instant acquiredAt, CancellationToken work)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(time);
        return new JobLeaseHeartbeat(contexts, name, holder, length, time, acquiredAt, work);
    }

    /// <summary>
    /// The exception a worker cancelled through <see cref="Token"/> should throw instead of its
    /// <see cref="OperationCanceledException"/>: callers (hosted timers) treat cancellation as shutdown.
    /// </summary>
    public JobLeaseLostException LostException(string job) =>
        new($"{job}.lease_lost: {LostReason ?? "the lease was lost"}; this process stopped its work (another process may carry on with it).");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _lost.Dispose();
    }

    private async Task LoopAsync()
    {
        var interval = IntervalFor(_length);
        while (!_stop.IsCancellationRequested && !_lost.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var now = Now();
            try
            {
                // One beat's time at most: a renewal stuck on an unreachable server must not outlive the lease unnoticed.
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                attempt.CancelAfter(interval);
                await using var db = await _contexts.CreateDbContextAsync(attempt.Token);
                db.ScopeTo(TenantScope.Everything);
                if (await JobLeases.TryAcquireAsync(db, _name, _holder, now + _length, now, attempt.Token))
                {
                    _renewedAt = now;
                    continue;
                }

                await LoseAsync("another process holds the lease now");
                return;
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The database did not answer (restarting, busy): try again at the next beat, unless the lease has run
                // out meanwhile. Nothing is logged here: the work itself meets the same fault and reports it.
                if (Now() >= _renewedAt + _length)
                {
                    await LoseAsync("the lease ran out while the database could not be reached to renew it");
                    return;
                }
            }
        }
    }

    private async Task LoseAsync(string reason)
    {
        LostReason = reason;
        Lost = true;
        await _lost.CancelAsync();
    }

    private Instant Now() => Instant.FromDateTimeOffset(_time.GetUtcNow());
}

/// <summary>A job's lease was lost while it worked (<see cref="JobLeaseHeartbeat"/>): the job stopped; not a bug.</summary>
internal sealed class JobLeaseLostException(string message) : InvalidOperationException(message);
