using Custodian.Core.Features.Mail;

namespace Custodian.Features.Mail;

/// <summary>
/// The safety net behind every message's fast path, inside <c>serve</c>: every <see cref="Interval"/> it sends the queued
/// messages that are due (a retry after a failure, a message whose sender died before or during its send), gives up
/// those out of attempts, and deletes finished rows past their week (<see cref="MessageDispatcher.DispatchDueAsync"/>).
/// Several nodes may run it: each message is claimed by one of them.
/// </summary>
internal sealed partial class MessageDispatchTimer(MessageDispatcher dispatcher, TimeProvider time, ILogger<MessageDispatchTimer> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    var result = await dispatcher.DispatchDueAsync(stoppingToken);
                    if (result.Sent + result.Retrying + result.GivenUp > 0)
                    {
                        LogPass(result.Sent, result.Retrying, result.GivenUp);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFailed(ex.GetType().Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 6403, Level = LogLevel.Information, Message = "Message queue: {Sent} sent, {Retrying} to retry, {GivenUp} given up")]
    private partial void LogPass(int sent, int retrying, int givenUp);

    // The type only: a database or sender exception's message could quote an address.
    [LoggerMessage(EventId = 6404, Level = LogLevel.Error, Message = "Message queue pass failed ({Error}); retrying at the next interval")]
    private partial void LogFailed(string error);
}
