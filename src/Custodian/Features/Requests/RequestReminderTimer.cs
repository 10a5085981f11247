using Custodian.Core.Common;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Features.Requests;

/// <summary>
/// Once a day, reminds staff of request deadlines (issue 6 §3): how many open requests are due within
/// <see cref="RequestQueueDays.SoonWorkingDays"/> working days and how many are overdue, never which ones.
/// <para>
/// Staff accounts have no e-mail address yet (<c>StaffUser</c>), so the reminder cannot be mailed to the privacy
/// officers: it is logged (counts only, no personal data). When accounts get an address, mail
/// <see cref="RequestReminder.Text"/> to the privacy officers through the message queue (<c>RequestMessenger.Enqueue</c>) here.
/// </para>
/// Several nodes may run this; the job lease (<see cref="RequestReminders.LeaseName"/>) lets one of them remind per day.
/// </summary>
/// <para>
/// Every hour it also closes requests whose mandate was not confirmed within <see cref="RequestMandates.Lifetime"/>
/// (<see cref="RequestMandates.LapseExpiredAsync"/>; idempotent, so no lease is needed).
/// </para>
internal sealed partial class RequestReminderTimer(
    IDbContextFactory<CustodianDbContext> contexts, IServiceScopeFactory scopes, TimeProvider time, ILogger<RequestReminderTimer> logger) : BackgroundService
{
    private readonly string _holder = JobLeases.ProcessHolder();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), time);
        try
        {
            // Hourly tries; the day-long lease makes it one reminder a day across restarts and nodes.
            do
            {
                try
                {
                    await using var db = await contexts.CreateDbContextAsync(stoppingToken);
                    db.ScopeTo(Core.Features.Tenancy.TenantScope.Everything);
                    var now = Instant.FromDateTimeOffset(time.GetUtcNow());
                    if (await RequestReminders.RunOnceAsync(db, _holder, now, stoppingToken) is { } reminder)
                    {
                        LogReminder(reminder.DueSoon, reminder.Overdue);
                    }

                    await using var scope = scopes.CreateAsyncScope();
                    await scope.ServiceProvider.GetRequiredService<RequestMandates>().LapseExpiredAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Any exception but shutdown (one escaping ExecuteAsync would stop the host); a database restart is
                    // the environment, not a bug: one line, no stack trace.
                    if (StorageFaults.Classify(ex) is { } fault)
                    {
                        LogUnavailable(fault.Code);
                    }
                    else
                    {
                        LogFailed(ex);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning,
        Message = "Request deadlines: {DueSoon} requests are due within 7 working days, {Overdue} overdue (see /office/requests); staff accounts have no e-mail address, so this is not mailed")]
    private partial void LogReminder(int dueSoon, int overdue);

    [LoggerMessage(EventId = 6303, Level = LogLevel.Warning, Message = "Request deadline reminder skipped ({Code}); retrying next hour")]
    private partial void LogUnavailable(string code);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Error, Message = "Request deadline reminder failed; retrying next hour")]
    private partial void LogFailed(Exception ex);
}
