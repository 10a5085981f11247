using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Breaches;

/// <summary>
/// A breach in a list: its reference, title and both clocks read at the list's time, and the complete-notice clock
/// once an initial notice was made (null before).
/// </summary>
internal sealed record BreachSummary(Guid Id, string Reference, string Title, Instant DetectedAt, bool Open, BreachClock Telecom, BreachClock Gdpr, BreachClock? Complete)
{
    /// <summary>The complete notice is still owed: an initial notice went out and the complete one did not (yet).</summary>
    public bool CompleteNoticeOwed => Complete is { State: BreachClockState.Running or BreachClockState.Overdue };
}

/// <summary>A client organisation to tell (GDPR 33(2), ROU-6): the provider is its processor for a concerned category.</summary>
internal sealed record BreachController(Guid OrganizationId, string Code, string Name, string? ProcessingAgreementReference);

/// <summary>Everything the breach page and the notice show.</summary>
/// <param name="Breach">The row.</param>
/// <param name="At">When it was read (the clocks' "now").</param>
/// <param name="Telecom">The 24-hour clock.</param>
/// <param name="Gdpr">The 72-hour clock.</param>
/// <param name="Complete">The complete-notice clock (3 days from the initial notice); null before an initial notice.</param>
/// <param name="Categories">The concerned register categories.</param>
/// <param name="ControllersToInform">Client organisations named on the breach, when a concerned category has the client as controller.</param>
/// <param name="ClientCategories">The concerned categories where the provider is processor (the client controls).</param>
/// <param name="ControllersMissing">Client categories are concerned but no organisation is named: the controllers are unknown.</param>
internal sealed record BreachDetail(
    Breach Breach,
    Instant At,
    BreachClock Telecom,
    BreachClock Gdpr,
    BreachClock? Complete,
    IReadOnlyList<DataCategory> Categories,
    IReadOnlyList<DataCategory> ClientCategories,
    IReadOnlyList<BreachController> ControllersToInform,
    bool ControllersMissing)
{
    public bool LateReasonsRequired => Telecom.IsMissed || Gdpr.IsMissed;
}

/// <summary>Reads of the breach register, for the pages and the dashboard. Provider-wide: breaches are not a tenant's.</summary>
internal sealed class BreachQueries(CustodianDbContext db, ProcessingRegister register, TimeProvider time)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>All breaches, open ones first, then newest first.</summary>
    public async Task<IReadOnlyList<BreachSummary>> ListAsync(bool openOnly, CancellationToken ct)
    {
        var now = Now;
        var query = db.Set<Breach>().AsNoTracking();
        if (openOnly)
        {
            query = query.Where(b => b.ClosedAt == null);
        }

        var rows = await query.ToListAsync(ct);
        return [.. rows
            .OrderBy(b => b.IsOpen ? 0 : 1).ThenByDescending(b => b.DetectedAt).ThenByDescending(b => b.Id)
            .Select(b => new BreachSummary(b.Id, b.Reference, b.Title, b.DetectedAt, b.IsOpen, BreachClocks.Telecom(b, now), BreachClocks.Gdpr(b, now), BreachClocks.Complete(b, now)))];
    }

    public async Task<BreachDetail?> GetAsync(Guid id, CancellationToken ct)
    {
        if (await db.Set<Breach>().AsNoTracking().FirstOrDefaultAsync(b => b.Id == id, ct) is not { } breach)
        {
            return null;
        }

        return Describe(breach, await OrganizationsAsync(breach.OrganizationIds, ct));
    }

    /// <summary>The organisations with these ids (those that exist), for <see cref="Describe"/>.</summary>
    public async Task<IReadOnlyList<Organization>> OrganizationsAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct) =>
        ids.Count == 0 ? [] : await db.Set<Organization>().AsNoTracking().Where(o => ids.Contains(o.Id)).ToListAsync(ct);

    /// <summary>The detail of <paramref name="breach"/> now, given the organisations it names (read beforehand).</summary>
    public BreachDetail Describe(Breach breach, IReadOnlyList<Organization> organizations)
    {
        ArgumentNullException.ThrowIfNull(breach);
        ArgumentNullException.ThrowIfNull(organizations);
        var now = Now;
        var categories = breach.Categories.Select(c => register.Categories.FirstOrDefault(rc => rc.Id == c)).OfType<DataCategory>().ToList();
        var client = categories.Where(c => c.Controller == ControllerRole.Client).ToList();
        IReadOnlyList<BreachController> controllers = client.Count == 0 ? [] : [.. organizations
            .Where(o => breach.OrganizationIds.Contains(o.Id))
            .OrderBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => new BreachController(o.Id, o.Code, o.Name, o.ProcessingAgreementReference))];

        return new BreachDetail(
            breach, now, BreachClocks.Telecom(breach, now), BreachClocks.Gdpr(breach, now), BreachClocks.Complete(breach, now), categories, client, controllers,
            client.Count > 0 && breach.OrganizationIds.Count == 0);
    }
}
