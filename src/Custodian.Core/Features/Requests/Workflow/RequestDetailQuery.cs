using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>A part as the request page shows it.</summary>
internal sealed record RequestPartView(
    Guid Id, string Category, string Controller, Guid? OrganizationId, string? OrganizationName, long Records, string State,
    Instant? ForwardedAt, bool HasContact, string? Instruction, string? InstructionReason, Instant? DecidedAt, PartOutcome? Outcome, Instant? ExecutedAt,
    string? DecidedByName = null);

/// <summary>One of the person's records a rectification can correct: what staff pick from instead of typing an id.</summary>
internal sealed record RectifiableRecord(string RecordType, Guid Id, string Category, string? OrganizationName, string Label, IReadOnlyList<string> Fields);

/// <summary>The back-office request page's data. <see cref="Timeline"/> and <see cref="Identifier"/> are empty/null for a client contact's view.</summary>
internal sealed record RequestDetailView(
    Guid Id, string Reference, string Type, string Channel, string State, LocalDate ReceivedOn, LocalDate DueOn, LocalDate? ExtendedDueOn,
    bool Overdue, bool WaitingForIdentity, string? Identifier, string? VerificationTier, string RequiredTier, string? VerificationMethod,
    string? VerifiedBy, Instant? VerifiedAt, string? RefusalJustification, IReadOnlyList<RequestPartView> Parts, IReadOnlyList<RequestEvent> Timeline,
    IReadOnlyDictionary<string, string>? StaffNames = null, IReadOnlyList<RectifiableRecord>? Rectifiable = null,
    string? Representative = null, string? MandateStatement = null)
{
    /// <summary>
    /// Who an actor is, for display: a staff member's display name (actor <c>staff:&lt;id&gt;</c> or a bare user id), else
    /// null (the page translates <c>requester</c> and <c>system</c>; an account that no longer exists keeps its id).
    /// </summary>
    public string? NameOf(string? actor)
    {
        if (actor is null || StaffNames is null)
        {
            return null;
        }

        var id = actor.StartsWith("staff:", StringComparison.Ordinal) ? actor["staff:".Length..] : actor;
        return StaffNames.GetValueOrDefault(id);
    }
}

/// <summary>
/// Reads a request for the back office. A client-privacy contact sees only its organisation's parts, and only requests
/// with such a part (else null: the page answers 404); the full timeline, which may mention other parts, is staff-only.
/// </summary>
internal sealed class RequestDetailQuery(CustodianDbContext db, TimeProvider time)
{
    public async Task<RequestDetailView?> GetAsync(StaffIdentity staff, Guid requestId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(staff);
        var request = await db.Set<DataSubjectRequest>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == requestId, ct);
        if (request is null)
        {
            return null;
        }

        var provider = staff.TenantScope.AllTenants;
        var query = db.Set<RequestPart>().AsNoTracking().Where(p => p.RequestId == requestId);
        if (!provider)
        {
            var own = staff.OrganizationId ?? Guid.Empty;
            query = query.Where(p => p.OrganizationId == own && own != Guid.Empty);
        }

        var parts = await query.ToListAsync(ct);
        if (!provider && parts.Count == 0)
        {
            return null;
        }

        var orgIds = parts.Where(p => p.IsClient).Select(p => p.OrganizationId).Distinct().ToList();
        var names = await db.Organizations.AsNoTracking().Where(o => orgIds.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var events = provider
            ? await db.Set<RequestEvent>().AsNoTracking().Where(e => e.RequestId == requestId).OrderBy(e => e.At).ThenBy(e => e.Id).ToListAsync(ct)
            : [];
        var userIds = events.Select(e => e.Actor).Where(a => a.StartsWith("staff:", StringComparison.Ordinal)).Select(a => a["staff:".Length..])
            .Concat(parts.Select(p => p.DecidedBy)).Append(request.VerifiedBy)
            .Select(a => Guid.TryParse(a, out var g) ? g : (Guid?)null).OfType<Guid>().Distinct().ToList();
        // Provider staff see every name; a client contact only the names of its own organisation's accounts.
        var staffNames = await db.StaffUsers.AsNoTracking().IgnoreQueryFilters()
            .Where(u => userIds.Contains(u.Id) && (provider || u.OrganizationId == staff.OrganizationId))
            .ToDictionaryAsync(u => u.Id.ToString(), u => u.DisplayName, ct);
        IReadOnlyList<RectifiableRecord>? rectifiable = null;
        if (provider && request.Type == RequestType.Rectification)
        {
            var records = await PersonRecords.LoadAsync(db, RequestWorkflow.SubjectOf(request), track: false, withEvents: false, withConsentLedger: false, ct);
            var tenantRecords = records.Select(r => (r.Category, Record: r.Record as TenantRecord)).Where(r => r.Record is not null && RectificationExecutor.FieldsOf(r.Record).Count > 0).ToList();
            var recordOrgs = tenantRecords.Select(r => r.Record!.OrganizationId).Distinct().ToList();
            var recordOrgNames = await db.Organizations.AsNoTracking().Where(o => recordOrgs.Contains(o.Id)).ToDictionaryAsync(o => o.Id, o => o.Name, ct);
            rectifiable = [.. tenantRecords
                .Select(r => new RectifiableRecord(r.Record!.RecordType, r.Record.Id, r.Category, recordOrgNames.GetValueOrDefault(r.Record.OrganizationId), LabelOf(r.Record), RectificationExecutor.FieldsOf(r.Record)))
                .OrderBy(r => r.Category, StringComparer.Ordinal).ThenBy(r => r.OrganizationName, StringComparer.Ordinal).ThenBy(r => r.Label, StringComparer.Ordinal)];
        }

        var today = RequestDeadlines.ReceivedOn(Instant.FromDateTimeOffset(time.GetUtcNow()));
        return new RequestDetailView(
            request.Id,
            request.Reference,
            RequestTypes.Name(request.Type),
            RequestChannels.Name(request.Channel),
            RequestStates.Name(request.State),
            request.ReceivedOn,
            request.DueOn,
            request.ExtendedDueOn,
            RequestStates.IsOpen(request.State) && today > request.EffectiveDueOn,
            request.State is RequestState.AwaitingVerification or RequestState.AwaitingMandate
                || (RequestStates.IsOpen(request.State) && (request.VerificationTier is null || request.VerificationTier < RequestTypes.RequiredTier(request.Type))),
            request.IdentifierValue,
            request.VerificationTier?.ToString(),
            RequestTypes.RequiredTier(request.Type).ToString(),
            request.VerificationMethod,
            request.VerifiedBy,
            request.VerifiedAt,
            provider ? request.RefusalJustification : null,
            [.. parts.OrderBy(p => p.Category, StringComparer.Ordinal).ThenBy(p => p.OrganizationId).Select(p => new RequestPartView(
                p.Id, p.Category, p.Controller, p.IsClient ? p.OrganizationId : null, p.IsClient ? names.GetValueOrDefault(p.OrganizationId) : null,
                p.RecordsAtSplit, p.State, p.ForwardedAt, p.ControllerContact is not null, p.Instruction, p.InstructionReason, p.DecidedAt,
                PartOutcome.FromJson(p.Outcome), p.ExecutedAt, p.DecidedBy is null ? null : staffNames.GetValueOrDefault(p.DecidedBy)))],
            events,
            staffNames,
            rectifiable,
            provider ? request.RepresentativeEmail : null,
            provider ? request.MandateStatement : null);
    }

    /// <summary>A short label staff recognise a record by (the name on it, or the address), never an identifier beyond what the request page already shows.</summary>
    private static string LabelOf(TenantRecord record) => record switch
    {
        ContactPerson c => $"{c.Name} ({c.Role})",
        Keyholder k => k.Name,
        VoipContact v => v.Name,
        DeliveryAddress a => $"{a.Street} {a.HouseNumber}, {a.Postcode} {a.City}",
        _ => record.RecordType,
    };
}
