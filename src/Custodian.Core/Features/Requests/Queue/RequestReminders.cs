using System.Globalization;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>What the daily reminder says: counts and a link, never a reference, a name or an identifier.</summary>
internal sealed record RequestReminder(LocalDate Today, int DueSoon, int Overdue)
{
    /// <summary>Nothing to remind of.</summary>
    public bool IsEmpty => DueSoon == 0 && Overdue == 0;

    /// <summary>The notice's text (English and Dutch; staff mail), with <paramref name="queueUrl"/> to the queue.</summary>
    public string Text(string queueUrl) => string.Create(
        CultureInfo.InvariantCulture,
        $"{DueSoon} requests are due within {RequestQueueDays.SoonWorkingDays} working days, {Overdue} overdue.\n"
        + $"{DueSoon} verzoeken verlopen binnen {RequestQueueDays.SoonWorkingDays} werkdagen, {Overdue} zijn te laat.\n\n{queueUrl}\n");
}

/// <summary>Computes the daily deadline reminder for the provider's privacy officers.</summary>
internal static class RequestReminders
{
    /// <summary>The lease that lets one node send the reminder per day.</summary>
    public const string LeaseName = "requests.reminder";

    /// <summary>How often the reminder is meant to go out.</summary>
    public static readonly Duration Period = Duration.FromDays(1);

    /// <summary>Held for most of the period, so one node reminds per day even when several run the timer.</summary>
    public static readonly Duration LeaseLength = Period - Duration.FromMinutes(30);

    /// <summary>
    /// Takes the day's lease for <paramref name="holder"/> and computes the reminder; null when another node holds the
    /// lease, or this one still does (the reminder of this period went out: taking the lease again would renew it).
    /// </summary>
    public static async Task<RequestReminder?> RunOnceAsync(CustodianDbContext db, string holder, Instant now, CancellationToken ct)
    {
        if (await JobLeases.HolderAsync(db, LeaseName, now, ct) is not null
            || !await JobLeases.TryAcquireAsync(db, LeaseName, holder, now + LeaseLength, now, ct))
        {
            return null;
        }

        return await ComputeAsync(db, now, ct);
    }

    public static async Task<RequestReminder> ComputeAsync(CustodianDbContext db, Instant now, CancellationToken ct)
    {
        var counts = await RequestQueueSummary.CountAsync(db, TenantScope.Everything, now, ct);
        return new RequestReminder(counts.Today, counts.Soon, counts.Overdue);
    }
}
