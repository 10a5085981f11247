using System.Globalization;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Queue;

/// <summary>Deadline filters of the queue (wire names: <c>overdue</c>, <c>soon</c>, <c>identity</c>).</summary>
internal enum QueueDeadline
{
    /// <summary>The effective due date (extended if extended) lies before today.</summary>
    Overdue,

    /// <summary>Due today or within <see cref="RequestQueueDays.SoonWorkingDays"/> working days (not overdue).</summary>
    Soon,

    /// <summary>Still waiting for the requester to prove their identity (shown next to the unchanged due date, DSR-12).</summary>
    WaitingForIdentity,
}

/// <summary>The keyset position: the last row's effective due date and id.</summary>
internal sealed record RequestQueueCursor(LocalDate Due, Guid Id)
{
    /// <summary><c>yyyy-MM-dd_guid</c>: codes and dates only, safe for a URL.</summary>
    public override string ToString() => Due.ToString("uuuu-MM-dd", CultureInfo.InvariantCulture) + "_" + Id.ToString("N");

    public static RequestQueueCursor? Parse(string? text)
    {
        var parts = text?.Split('_');
        return parts is [var d, var id]
            && NodaTime.Text.LocalDatePattern.Iso.Parse(d) is { Success: true } date
            && Guid.TryParseExact(id, "N", out var guid)
            ? new RequestQueueCursor(date.Value, guid)
            : null;
    }
}

/// <param name="State">
/// <c>null</c>: the open requests (<see cref="RequestStates.IsOpen"/>); <see cref="AllStates"/> true: every request;
/// otherwise exactly this state.
/// </param>
/// <param name="AllStates">Every state, closed ones included.</param>
/// <param name="Type">Only this type.</param>
/// <param name="Channel">Only this channel.</param>
/// <param name="Deadline">Only overdue, due soon, or waiting for identity.</param>
/// <param name="OrganizationId">Only requests with a part whose controller is this organisation (see <see cref="RequestQueue"/> remarks).</param>
/// <param name="After">The previous page's <see cref="RequestQueuePage.Next"/>.</param>
/// <param name="Limit">Rows per page (1–200).</param>
internal sealed record RequestQueueFilter(
    RequestState? State = null,
    bool AllStates = false,
    RequestType? Type = null,
    RequestChannel? Channel = null,
    QueueDeadline? Deadline = null,
    Guid? OrganizationId = null,
    RequestQueueCursor? After = null,
    int Limit = 50);

/// <summary>One queue row: no personal data (no identifier, no details), so a row may be shown to any queue reader.</summary>
/// <param name="Id">The request's id (its page: <c>/office/requests/{id}</c>).</param>
/// <param name="Reference">The public reference.</param>
/// <param name="Type">The request type.</param>
/// <param name="Channel">How it arrived.</param>
/// <param name="State">Where it stands.</param>
/// <param name="ReceivedOn">The day of receipt.</param>
/// <param name="DueOn">The effective due date: the extended one when extended.</param>
/// <param name="Extended">Whether <see cref="DueOn"/> is an extended due date.</param>
/// <param name="WorkingDaysLeft">Working days to <see cref="DueOn"/> (<see cref="RequestQueueDays.WorkingDaysUntil"/>); negative when overdue.</param>
/// <param name="Overdue">Open and due before today.</param>
internal sealed record RequestQueueRow(
    Guid Id,
    string Reference,
    RequestType Type,
    RequestChannel Channel,
    RequestState State,
    LocalDate ReceivedOn,
    LocalDate DueOn,
    bool Extended,
    int WorkingDaysLeft,
    bool Overdue);

/// <param name="Rows">The page, by effective due date then id.</param>
/// <param name="Next">Where the next page starts, or null on the last page.</param>
/// <param name="Today">The Amsterdam day the deadlines were counted against.</param>
/// <param name="OrganizationsPending">
/// True when the caller is bound to an organisation or filtered on one: the queue is then empty until request parts
/// exist (no guessing of tenancy from anything else).
/// </param>
internal sealed record RequestQueuePage(IReadOnlyList<RequestQueueRow> Rows, RequestQueueCursor? Next, LocalDate Today, bool OrganizationsPending);

/// <summary>
/// The back office's request queue (issue 6 §6): open requests by default, by effective due date, keyset paged.
/// <para>
/// Why two reads per page: the effective due date is <c>extended_due_on ?? due_on</c>, which no portable index can
/// hold. Requests that were never extended (almost all) are read in <c>due_on</c> order, extended ones in
/// <c>extended_due_on</c> order, each from its own index and each limited to one page; the page is the first
/// <c>Limit</c> of the merge. Indexes: <see cref="RequestQueueIndexes"/>.
/// </para>
/// <para>
/// Tenancy: a request belongs to the provider; a client organisation's contact may see a request only when a part of
/// it has that organisation as controller (<see cref="ConcerningOrganization(CustodianDbContext, IQueryable{DataSubjectRequest}, Guid)"/>:
/// a request_parts row of a client part for it, made when the request is split).
/// </para>
/// </summary>
internal sealed class RequestQueue(CustodianDbContext db, TimeProvider time)
{
    public const int MaxLimit = 200;

    public async Task<RequestQueuePage> ListAsync(TenantScope scope, RequestQueueFilter filter, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(filter);
        var limit = Math.Clamp(filter.Limit, 1, MaxLimit);
        var today = RequestDeadlines.ReceivedOn(Instant.FromDateTimeOffset(time.GetUtcNow()));
        var organization = scope.AllTenants ? filter.OrganizationId : scope.OrganizationId ?? Guid.Empty;
        const bool pending = false;

        // "Waiting for identity" is two states; one read per state walks (state, due_on, id) in order, where one read of
        // both would sort every waiting request before the LIMIT.
        var plainFilters = filter.Deadline == QueueDeadline.WaitingForIdentity
            ? RequestStates.WaitingForIdentity.Select(s => filter with { Deadline = null, State = s }).ToList()
            : [filter];
        var plains = plainFilters
            .Select(f => Filtered(db.Set<DataSubjectRequest>().AsNoTracking().Where(r => r.ExtendedDueOn == null), f, organization))
            .ToList();
        var extended = Filtered(db.Set<DataSubjectRequest>().AsNoTracking().Where(r => r.ExtendedDueOn != null), filter, organization);
        var soon = RequestQueueDays.SoonUntil(today);
        switch (filter.Deadline)
        {
            case QueueDeadline.Overdue:
                plains = [.. plains.Select(plain => plain.Where(r => r.DueOn < today))];
                extended = extended.Where(r => r.ExtendedDueOn < today);
                break;
            case QueueDeadline.Soon:
                plains = [.. plains.Select(plain => plain.Where(r => r.DueOn >= today && r.DueOn <= soon))];
                extended = extended.Where(r => r.ExtendedDueOn >= today && r.ExtendedDueOn <= soon);
                break;
        }

        if (filter.After is { } after)
        {
            plains = [.. plains.Select(plain => plain.Where(r => r.DueOn > after.Due || (r.DueOn == after.Due && r.Id > after.Id)))];
            extended = extended.Where(r => r.ExtendedDueOn > after.Due || (r.ExtendedDueOn == after.Due && r.Id > after.Id));
        }

        var read = new List<Projected>();
        foreach (var plain in plains)
        {
            read.AddRange(await plain.OrderBy(r => r.DueOn).ThenBy(r => r.Id).Take(limit + 1).Select(Project).ToListAsync(ct));
        }

        read.AddRange(await extended.OrderBy(r => r.ExtendedDueOn).ThenBy(r => r.Id).Take(limit + 1).Select(Project).ToListAsync(ct));

        // The merge must order ids as the databases did: SQLite compares EF's upper-case text, PostgreSQL the uuid's
        // bytes in textual order; both are the order of the hex text (not Guid.CompareTo's field order).
        var merged = read.OrderBy(r => r.Due).ThenBy(r => r.Id, GuidOrder.Instance).ToList();
        var rows = merged.Take(limit).Select(r => Row(r, today)).ToList();
        var next = merged.Count > limit ? new RequestQueueCursor(rows[^1].DueOn, rows[^1].Id) : null;
        return new RequestQueuePage(rows, next, today, pending);
    }

    private IQueryable<DataSubjectRequest> Filtered(IQueryable<DataSubjectRequest> q, RequestQueueFilter f, Guid? organization)
    {
        if (organization is { } org)
        {
            q = ConcerningOrganization(q, org);
        }

        if (f.Deadline == QueueDeadline.WaitingForIdentity)
        {
            q = q.Where(r => RequestStates.WaitingForIdentity.Contains(r.State));
        }
        else if (f.State is { } state)
        {
            q = q.Where(r => r.State == state);
        }
        else if (!f.AllStates || f.Deadline is not null)
        {
            // Matches the partial index's filter term for term (RequestQueueIndexes.OpenFilter).
            q = q.Where(r => r.State != RequestState.Delivered && r.State != RequestState.Refused && r.State != RequestState.Closed);
        }

        if (f.Type is { } type)
        {
            q = q.Where(r => r.Type == type);
        }

        if (f.Channel is { } channel)
        {
            q = q.Where(r => r.Channel == channel);
        }

        return q;
    }

    /// <summary>
    /// The one clause that admits a request to an organisation's view: "a part of it has <paramref name="organizationId"/>
    /// as controller". Request parts do not exist yet, so nothing is admitted. When they land this becomes
    /// <c>q.Where(r => db.Set&lt;RequestPart&gt;().Any(p => p.RequestId == r.Id &amp;&amp; p.OrganizationId == organizationId))</c>.
    /// </summary>
    private IQueryable<DataSubjectRequest> ConcerningOrganization(IQueryable<DataSubjectRequest> q, Guid organizationId) =>
        ConcerningOrganization(db, q, organizationId);

    /// <summary>The requests with a part whose controller is this client organisation (the one tenancy rule of the queue and its counts).</summary>
    internal static IQueryable<DataSubjectRequest> ConcerningOrganization(CustodianDbContext db, IQueryable<DataSubjectRequest> q, Guid organizationId) =>
        q.Where(r => db.Set<RequestPart>().IgnoreQueryFilters()
            .Any(p => p.RequestId == r.Id && p.OrganizationId == organizationId && p.Controller == RequestPartStates.ClientController));

    private static readonly System.Linq.Expressions.Expression<Func<DataSubjectRequest, Projected>> Project = r =>
        new Projected(r.Id, r.Reference, r.Type, r.Channel, r.State, r.ReceivedOn, r.ExtendedDueOn ?? r.DueOn, r.ExtendedDueOn != null);

    private static RequestQueueRow Row(Projected p, LocalDate today)
    {
        var days = RequestQueueDays.WorkingDaysUntil(today, p.Due);
        return new RequestQueueRow(
            p.Id, p.Reference, p.Type, p.Channel, p.State, p.ReceivedOn, p.Due, p.Extended, days, RequestStates.IsOpen(p.State) && p.Due < today);
    }

    private sealed record Projected(
        Guid Id, string Reference, RequestType Type, RequestChannel Channel, RequestState State, LocalDate ReceivedOn, LocalDate Due, bool Extended);
}

/// <summary>Orders Guids by their hex text, as SQLite (text column) and PostgreSQL (uuid) do.</summary>
internal sealed class GuidOrder : IComparer<Guid>
{
    public static readonly GuidOrder Instance = new();

    public int Compare(Guid x, Guid y) => string.CompareOrdinal(x.ToString("N"), y.ToString("N"));
}
