using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Persistence;
using Custodian.Hosting;
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
    IDbContextFactory<CustodianDbContext> contexts, IServiceScopeFactory scopes, TimeProvider time, ILogger<RequestReminderTimer> logger)
    : PeriodicJob(time, logger)
{
    private readonly string _holder = JobLeases.ProcessHolder();

    // Hourly tries; the day-long lease makes it one reminder a day across restarts and nodes.
    protected override TimeSpan CheckEvery => TimeSpan.FromHours(1);

    protected override string Job => "requests.reminder";

    protected override async Task CheckAsync(CancellationToken ct)
    {
        await using (var db = await contexts.CreateDbContextAsync(ct))
        {
            db.ScopeTo(Core.Features.Tenancy.TenantScope.Everything);
            var now = Instant.FromDateTimeOffset(Time.GetUtcNow());
            if (await RequestReminders.RunOnceAsync(db, _holder, now, ct) is { } reminder)
            {
                LogReminder(reminder.DueSoon, reminder.Overdue);
            }
        }

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<RequestMandates>().LapseExpiredAsync(ct);
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning,
        Message = "Request deadlines: {DueSoon} requests are due within 7 working days, {Overdue} overdue (see /office/requests); staff accounts have no e-mail address, so this is not mailed")]
    private partial void LogReminder(int dueSoon, int overdue);

    [LoggerMessage(EventId = 6302, Level = LogLevel.Error, Message = "Request deadline reminder failed; retrying next hour")]
    protected override partial void LogFailed(Exception ex);
}
