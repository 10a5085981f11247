using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Retention;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>
/// Create, read, list and update of the store's records, for every record type alike: the input is validated in full
/// (identifiers canonical), the owning organisation comes from the caller's key (tenant keys) or the named organisation
/// or parent service (provider keys), and every write and read is audited in its transaction. Lookups go through the
/// tenant filter, so another tenant's id gives the same "not found" as an id that does not exist.
/// </summary>
internal sealed class StoreCommands(CustodianDbContext db, StoreTransactions transactions, TimeProvider time, StoreOptions options)
{
    public const int MaxPageSize = 200;

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public Task<StoreResult<T>> CreateAsync<T>(
        StoreCaller caller, IRecordInput<T> input, Func<T, CancellationToken, Task>? beforeCommit, CancellationToken ct)
        where T : TenantRecord, new() =>
        Guard(() => transactions.WriteAsync<T>(
            async c =>
            {
                var v = NewValidator();
                var apply = input.Validate(v);
                var organizationId = await ResolveOwnerAsync(caller, input, v, c);
                if (!v.IsValid || apply is null || organizationId is null)
                {
                    return v.ToError();
                }

                var record = new T { OrganizationId = organizationId.Value, CreatedAt = Now };
                apply(record);
                db.Add(record);
                return record;
            },
            r => Audit(caller, $"{r.RecordType}.created", r.OrganizationId, r),
            beforeCommit,
            ct));

    public Task<StoreResult<T>> UpdateAsync<T>(StoreCaller caller, Guid id, IRecordInput<T> input, CancellationToken ct)
        where T : TenantRecord =>
        Guard(() => transactions.WriteAsync<T>(
            async c =>
            {
                var record = await db.Set<T>().FirstOrDefaultAsync(r => r.Id == id, c);
                if (record is null)
                {
                    return StoreErrors.NotFound(RecordTypes.NameOf(typeof(T)));
                }

                if (await ProcessingRestrictions.RestrictsAsync(db, record, Now, c))
                {
                    return ProcessingRestrictions.Error(record.RecordType);
                }

                var v = NewValidator();
                var apply = input.Validate(v);
                switch (input)
                {
                    case IOrganizationRecordInput { Organization: { } code }:
                        // The owner never changes; a code that is not the record's own is refused without saying whose it is.
                        var own = await db.Organizations.Where(o => o.Id == record.OrganizationId).Select(o => o.Code).FirstOrDefaultAsync(c);
                        if (code != own)
                        {
                            v.Add("organization", "field.immutable", "A record cannot move to another organisation; leave 'organization' out.");
                        }

                        break;
                    case IServiceRecordInput { ServiceId: { } serviceId } when record is IServiceRecord linked && linked.ServiceId != serviceId:
                        v.Add("serviceId", "field.immutable", "A record cannot move to another service; create a new one.");
                        break;
                }

                if (!v.IsValid || apply is null)
                {
                    return v.ToError();
                }

                apply(record);
                return record;
            },
            r => Audit(caller, $"{r.RecordType}.updated", r.OrganizationId, r),
            null,
            ct));

    public async Task<StoreResult<T>> GetAsync<T>(StoreCaller caller, Guid id, CancellationToken ct)
        where T : TenantRecord
    {
        var record = await transactions.ReadAsync(
            c => db.Set<T>().AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, c),
            r => r is null ? null : Audit(caller, $"{r.RecordType}.viewed", r.OrganizationId, r),
            ct);
        return record is null ? StoreErrors.NotFound(RecordTypes.NameOf(typeof(T))) : record;
    }

    /// <summary>A page in id order (ids are time-ordered UUIDv7): pass the last id of a page as <paramref name="after"/> for the next.</summary>
    public async Task<IReadOnlyList<T>> ListAsync<T>(StoreCaller caller, Guid? after, int limit, CancellationToken ct)
        where T : TenantRecord
    {
        limit = Math.Clamp(limit, 1, MaxPageSize);
        return await transactions.ReadAsync(
            async c =>
            {
                var query = db.Set<T>().AsNoTracking();
                if (after is { } a)
                {
                    query = query.Where(r => r.Id.CompareTo(a) > 0);
                }

                return (IReadOnlyList<T>)await query.OrderBy(r => r.Id).Take(limit).ToListAsync(c);
            },
            page => page.Count == 0
                ? null
                : new AuditEntry(
                    $"{page[0].RecordType}.listed",
                    caller.Actor,
                    caller.TenantId,
                    [.. page.Select(r => new AuditObject(r.RecordType, r.Id.ToString()))]),
            ct);
    }

    public Task<StoreResult<Service>> EndServiceAsync(StoreCaller caller, Guid id, EndServiceInput input, CancellationToken ct) =>
        Guard(() => transactions.WriteAsync<Service>(
            async c =>
            {
                var service = await db.Services.FirstOrDefaultAsync(s => s.Id == id, c);
                if (service is null)
                {
                    return StoreErrors.NotFound("service");
                }

                var v = NewValidator();
                var end = v.Date("endDate", input.EndDate);
                if (end is { } e && e < service.StartDate)
                {
                    v.Add("endDate", "service.end_before_start", "'endDate' must not be before the service's start date.");
                }

                if (!v.IsValid)
                {
                    return v.ToError();
                }

                if (service.EndDate is { } existing && existing != end)
                {
                    return new ConflictError("service.already_ended", "The service has already ended on another date.");
                }

                service.EndDate = end;
                return service;
            },
            s => Audit(caller, "service.ended", s.OrganizationId, s),
            null,
            ct));

    public Task<StoreResult<SupportTicket>> CloseTicketAsync(StoreCaller caller, Guid id, CloseTicketInput input, CancellationToken ct) =>
        Guard(() => transactions.WriteAsync<SupportTicket>(
            async c =>
            {
                var ticket = await db.SupportTickets.FirstOrDefaultAsync(t => t.Id == id, c);
                if (ticket is null)
                {
                    return StoreErrors.NotFound("support_ticket");
                }

                var v = NewValidator();
                var closed = v.Instant("closedAt", input.ClosedAt, required: false) ?? Now;
                if (closed < ticket.OpenedAt)
                {
                    v.Add("closedAt", "support_ticket.closed_before_opened", "'closedAt' must not be before the ticket was opened.");
                }

                if (!v.IsValid)
                {
                    return v.ToError();
                }

                if (ticket.ClosedAt is not null)
                {
                    return new ConflictError("support_ticket.already_closed", "The ticket is already closed.");
                }

                ticket.ClosedAt = closed;
                return ticket;
            },
            t => Audit(caller, "support_ticket.closed", t.OrganizationId, t),
            null,
            ct));

    internal static AuditEntry Audit(StoreCaller caller, string action, Guid organizationId, TenantRecord record) =>
        new(action, caller.Actor, organizationId, [new AuditObject(record.RecordType, record.Id.ToString())]);

    internal FieldValidator NewValidator() => new() { AllowDocumentationAddresses = options.AllowDocumentationAddresses };

    /// <summary>
    /// Whose record it will be. Tenant keys: always their own organisation (a body that names one is refused). Provider
    /// keys: the named organisation, or the parent's. Unknown and foreign parents give the same error.
    /// </summary>
    internal async Task<Guid?> ResolveOwnerAsync<T>(StoreCaller caller, IRecordInput<T> input, FieldValidator v, CancellationToken ct)
        where T : TenantRecord
    {
        switch (input)
        {
            case IOrganizationRecordInput top when caller.TenantId is { } tenant:
                if (top.Organization is not null)
                {
                    v.Add("organization", "organization.set_by_key", "This API key belongs to one organisation and stores there; leave 'organization' out.");
                }

                return tenant;
            case IOrganizationRecordInput top:
                if (string.IsNullOrWhiteSpace(top.Organization))
                {
                    v.Add("organization", "field.required", "A provider key must name the organisation by its code.");
                    return null;
                }

                var id = await db.Organizations.Where(o => o.Code == top.Organization).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
                if (id is null)
                {
                    v.Add("organization", "organization.not_found", "There is no organisation with this code.");
                }

                return id;
            case IServiceRecordInput child when child.ServiceId is { } serviceId:
                var service = await db.Services.AsNoTracking().FirstOrDefaultAsync(s => s.Id == serviceId, ct);
                if (service is null)
                {
                    v.Add("serviceId", "service.not_found", "There is no service with this id.");
                    return null;
                }

                if (service.Kind != child.RequiredServiceKind)
                {
                    v.Add("serviceId", "service.wrong_kind", $"This record belongs to a {child.RequiredServiceKind} service; the service given is not one.");
                }

                return service.OrganizationId;
            case MobileNotificationInput { SubscriptionId: { } subscriptionId }:
                var subscription = await db.MobileSubscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == subscriptionId, ct);
                if (subscription is null)
                {
                    v.Add("subscriptionId", "mobile_subscription.not_found", "There is no mobile subscription with this id.");
                }

                return subscription?.OrganizationId;
            default:
                return null; // the missing parent id was reported by the input's own validation
        }
    }

    /// <summary>A duplicate reference is an expected failure: map the unique violation (by SQLSTATE / SQLite code) to a conflict.</summary>
    internal static async Task<StoreResult<T>> Guard<T>(Func<Task<StoreResult<T>>> write)
    {
        try
        {
            return await write();
        }
        catch (DbUpdateException ex) when (DatabaseErrors.IsUniqueViolation(ex))
        {
            return new ConflictError("store.duplicate", "A record with this reference already exists in the organisation.");
        }
    }
}

internal static class RecordTypes
{
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(ContactPerson)] = "contact_person",
        [typeof(DeliveryAddress)] = "delivery_address",
        [typeof(Service)] = "service",
        [typeof(InternetConnection)] = "internet_connection",
        [typeof(VoipDevice)] = "voip_device",
        [typeof(VoipContact)] = "voip_contact",
        [typeof(MobileSubscription)] = "mobile_subscription",
        [typeof(MobileNotification)] = "mobile_notification",
        [typeof(Keyholder)] = "keyholder",
        [typeof(SupportTicket)] = "support_ticket",
        [typeof(SupportTicketAttachment)] = "support_ticket_attachment",
        [typeof(SupportCallRecording)] = "support_call_recording",
        [typeof(CustomerCallRecording)] = "customer_call_recording",
        [typeof(Organization)] = "organization",
    };

    public static string NameOf(Type type) => Names[type];
}
