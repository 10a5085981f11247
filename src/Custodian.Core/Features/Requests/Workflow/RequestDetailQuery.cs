using Custodian.Core.Features.Accounts;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>A part as the request page shows it.</summary>
internal sealed record RequestPartView(
    Guid Id, string Category, string Controller, Guid? OrganizationId, string? OrganizationName, long Records, string State,
    Instant? ForwardedAt, bool HasContact, string? Instruction, string? InstructionReason, Instant? DecidedAt, PartOutcome? Outcome, Instant? ExecutedAt);

/// <summary>The back-office request page's data. <see cref="Timeline"/> and <see cref="Identifier"/> are empty/null for a client contact's view.</summary>
internal sealed record RequestDetailView(
    Guid Id, string Reference, string Type, string Channel, string State, LocalDate ReceivedOn, LocalDate DueOn, LocalDate? ExtendedDueOn,
    bool Overdue, bool WaitingForIdentity, string? Identifier, string? VerificationTier, string RequiredTier, string? VerificationMethod,
    string? VerifiedBy, Instant? VerifiedAt, string? RefusalJustification, IReadOnlyList<RequestPartView> Parts, IReadOnlyList<RequestEvent> Timeline);

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
                PartOutcome.FromJson(p.Outcome), p.ExecutedAt))],
            events);
    }
}
