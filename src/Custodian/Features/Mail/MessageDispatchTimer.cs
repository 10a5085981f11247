using Custodian.Core.Features.Mail;
using Custodian.Hosting;

namespace Custodian.Features.Mail;

/// <summary>
/// The safety net behind every message's fast path, inside <c>serve</c>: every <see cref="Interval"/> it sends the queued
/// messages that are due (a retry after a failure, a message whose sender died before or during its send), gives up
/// those out of attempts, and deletes finished rows past their week (<see cref="MessageDispatcher.DispatchDueAsync"/>).
/// Several nodes may run it: each message is claimed by one of them. A failed pass is retried at the next interval
/// (<see cref="PeriodicJob"/>: a storage fault is one coded line).
/// </summary>
internal sealed partial class MessageDispatchTimer(MessageDispatcher dispatcher, TimeProvider time, ILogger<MessageDispatchTimer> logger)
    : PeriodicJob(time, logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override TimeSpan CheckEvery => Interval;

    protected override string Job => "mail.dispatch";

    protected override async Task CheckAsync(CancellationToken ct)
    {
        var result = await dispatcher.DispatchDueAsync(ct);
        if (result.Sent + result.Retrying + result.GivenUp > 0)
        {
            LogPass(result.Sent, result.Retrying, result.GivenUp);
        }
    }

    [LoggerMessage(EventId = 6403, Level = LogLevel.Information, Message = "Message queue: {Sent} sent, {Retrying} to retry, {GivenUp} given up")]
    private partial void LogPass(int sent, int retrying, int givenUp);

    // The type only: a sender exception's message or stack could quote an address.
    protected override void LogFailed(Exception ex) => LogFailedType(ex.GetType().Name);

    [LoggerMessage(EventId = 6404, Level = LogLevel.Error, Message = "Message queue pass failed ({Error}); retrying at the next interval")]
    private partial void LogFailedType(string error);
}
