using Custodian.Core.Common;
using Custodian.Core.Persistence;

namespace Custodian.Hosting;

/// <summary>
/// The loop every timer inside <c>serve</c> shares (retention sweep, audit checkpoints, key rotation, idempotency purge,
/// message queue, request reminders, metrics snapshot):
/// a first check after <see cref="FirstCheckDelay"/> (zero: at start-up), then one every <see cref="CheckEvery"/>.
/// <para>
/// A failed check never ends the loop: any exception but shutdown is caught, cancellations included, because one
/// escaping <c>ExecuteAsync</c> would stop the host. It is logged as one line with no personal data: a storage fault (a
/// database restart, a full disk) or a lost job lease is the environment, not a bug, and gets a warning with its code
/// and the classifier's own text, no stack trace; anything else goes to <see cref="LogFailed"/>. The next check retries.
/// </para>
/// </summary>
internal abstract class PeriodicJob(TimeProvider time, ILogger logger) : BackgroundService
{
    /// <summary>The job's logger: the derived class's <c>[LoggerMessage]</c> methods write to it too.</summary>
    protected readonly ILogger Logger = logger;

    protected TimeProvider Time { get; } = time;

    /// <summary>Time between checks.</summary>
    protected abstract TimeSpan CheckEvery { get; }

    /// <summary>When the first check runs after start-up; zero runs it at once.</summary>
    protected virtual TimeSpan FirstCheckDelay => TimeSpan.Zero;

    /// <summary>A short stable name (<c>retention</c>, <c>keys.rotation</c>): the prefix of this job's codes in the log.</summary>
    protected abstract string Job { get; }

    /// <summary>One check: does the work when it is due. Throws on failure (the loop logs it and carries on).</summary>
    protected abstract Task CheckAsync(CancellationToken ct);

    /// <summary>A failure that is not the environment's: logged with its exception (a bug to look at).</summary>
    protected abstract void LogFailed(Exception ex);

    /// <summary>A storage fault or a lost lease: one warning line, no stack trace.</summary>
    protected virtual void LogInterrupted(string code, string reason) => LogInterruptedMessage(Logger, Job, code, reason, null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (FirstCheckDelay > TimeSpan.Zero)
            {
                await Task.Delay(FirstCheckDelay, Time, stoppingToken);
            }

            // Checks on a fixed schedule like a PeriodicTimer's (a tick that falls due during a check runs right after
            // it), but periods that passed unseen are skipped, not replayed: when the clock jumps (a suspended VM resumed,
            // a test's fake clock advanced by days) a PeriodicTimer fires once per skipped period (57,600 message-queue
            // passes for ten days), inline when the work completes synchronously (SQLite).
            var period = (long)(CheckEvery.TotalSeconds * Time.TimestampFrequency);
            var next = Time.GetTimestamp() + period;
            while (true)
            {
                try
                {
                    await CheckAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (StorageFaults.Classify(ex) is { } fault)
                    {
                        LogInterrupted(fault.Code, fault.Message);
                    }
                    else if (ex is JobLeaseLostException)
                    {
                        LogInterrupted(Job + ".lease_lost", ex.Message);
                    }
                    else
                    {
                        LogFailed(ex);
                    }
                }

                var wait = next - Time.GetTimestamp();
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / Time.TimestampFrequency), Time, stoppingToken);
                }

                var now = Time.GetTimestamp();
                next += period;
                if (next <= now)
                {
                    next = now + period;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static readonly Action<ILogger, string, string, string, Exception?> LogInterruptedMessage = LoggerMessage.Define<string, string, string>(
        LogLevel.Warning, new EventId(4001, "PeriodicJobInterrupted"), "Periodic job {Job} interrupted ({Code}): {Reason} It retries at the next check.");
}
