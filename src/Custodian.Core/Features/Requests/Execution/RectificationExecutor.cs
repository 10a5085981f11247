using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>One field of one of the person's records to correct.</summary>
/// <param name="RecordType">The store's record type name (<c>contact_person</c>, <c>keyholder</c>, <c>voip_contact</c>).</param>
/// <param name="RecordId">The record.</param>
/// <param name="Field">The field's JSON name (<c>name</c>).</param>
/// <param name="NewValue">The corrected value, in any spelling the store accepts.</param>
internal sealed record RectificationChange(string RecordType, Guid RecordId, string Field, string? NewValue);

/// <summary>A field the rectification applied (<paramref name="Changed"/> false: it already had the value).</summary>
internal sealed record RectifiedField(string RecordType, Guid RecordId, string Category, string Field, bool Changed);

internal sealed record RectificationResult(Guid RequestId, IReadOnlyList<RectifiedField> Fields, IReadOnlyList<RecipientToNotify> Recipients);

/// <summary>
/// Art. 16 (REC-1): corrects named fields of the person's records, validated by the store's own input rules (the same
/// <see cref="IRecordInput{TEntity}"/> the update command uses, so a corrected value is exactly as canonical as a stored
/// one), with the old and new value in <c>request_rectifications</c> and the store's <c>*.updated</c> events, in one
/// transaction. The old value is personal data: <see cref="PurgeOldValuesAsync"/> clears it when the request closes.
/// Phone numbers and e-mail addresses are contact channels (codes and notices go there): changing one is its own
/// verified flow that notifies the old channel (attack A11), so it is refused here (<c>rectification.channel_change</c>).
/// Everything or nothing: one refused change refuses the whole rectification.
/// </summary>
internal sealed class RectificationExecutor(ProcessingRegister register, IAuditTrail audit, TimeProvider time, StoreOptions options)
{
    public const string ChannelChange = "rectification.channel_change";
    public const string NotRectifiable = "rectification.field_not_rectifiable";
    public const string NotSubjectRecord = "rectification.record_not_found";

    private static readonly HashSet<string> Channels = new(StringComparer.Ordinal) { "phone", "email" };

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public async Task<StoreResult<RectificationResult>> ExecuteAsync(
        CustodianDbContext db, Guid requestId, IReadOnlyList<SubjectKey> subjectKeys, IReadOnlyList<RectificationChange> changes, StoreCaller caller, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(caller);
        var refused = changes.FirstOrDefault(c => Channels.Contains(c.Field));
        if (refused is not null)
        {
            return new ConflictError(ChannelChange, $"'{refused.Field}' is a contact channel; a change of channel is its own verified request that notifies the old channel.");
        }

        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        try
        {
            var records = await PersonRecords.LoadAsync(db, subjectKeys, track: true, withEvents: false, withConsentLedger: false, ct);
            var fields = new List<RectifiedField>();
            var touched = new List<TenantRecord>();
            foreach (var change in changes)
            {
                var found = records.Select(r => r.Record).OfType<TenantRecord>().FirstOrDefault(r => r.Id == change.RecordId && r.RecordType == change.RecordType);
                if (found is null)
                {
                    return new NotFoundError(NotSubjectRecord, "None of the person's records has this type and id.");
                }

                var old = Read(found, change.Field);
                if (old is null)
                {
                    return new ConflictError(NotRectifiable, $"'{change.Field}' of a {change.RecordType} cannot be corrected here.");
                }

                var v = new FieldValidator { AllowDocumentationAddresses = options.AllowDocumentationAddresses };
                if (!Apply(found, change.Field, change.NewValue, v))
                {
                    return v.ToError();
                }

                var now2 = Read(found, change.Field)!.Value;
                var changed = !string.Equals(old.Value.Value, now2.Value, StringComparison.Ordinal);
                var category = PersonRecords.Category(found.GetType());
                fields.Add(new RectifiedField(found.RecordType, found.Id, category, change.Field, changed));
                if (changed)
                {
                    db.Add(new RequestRectification
                    {
                        RequestId = requestId,
                        RecordType = found.RecordType,
                        RecordId = found.Id,
                        OrganizationId = found.OrganizationId,
                        Category = category,
                        Field = change.Field,
                        OldValue = old.Value.Value,
                        NewValue = now2.Value,
                        AppliedAt = now,
                    });
                    if (!touched.Contains(found))
                    {
                        touched.Add(found);
                    }
                }
            }

            await db.SaveChangesAsync(ct);
            var recipients = new List<RecipientToNotify>();
            foreach (var group in touched.GroupBy(r => (Category: PersonRecords.Category(r.GetType()), r.OrganizationId)))
            {
                var organization = register.Category(group.Key.Category).Controller == ControllerRole.Client ? group.Key.OrganizationId : (Guid?)null;
                recipients.AddRange(await RecipientNotices.AddAsync(db, register, requestId, "rectification", group.Key.Category, organization, now, ct));
            }

            foreach (var record in touched)
            {
                await audit.AppendAsync(db, StoreCommands.Audit(caller, $"{record.RecordType}.updated", record.OrganizationId, record), ct);
            }

            await audit.AppendAsync(db, new AuditEntry(
                "request.rectification_executed",
                caller.Actor,
                caller.TenantId,
                [new AuditObject("request", requestId.ToString()), .. touched.Select(r => new AuditObject(r.RecordType, r.Id.ToString()))],
                Details: new Dictionary<string, string> { ["fields"] = string.Join(' ', fields.Where(f => f.Changed).Select(f => $"{f.RecordType}.{f.Field}")) }), ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            return new RectificationResult(requestId, fields, recipients);
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Clears the old values of a request's rectifications (the request has closed: they are no longer needed). Idempotent.</summary>
    public async Task<int> PurgeOldValuesAsync(CustodianDbContext db, Guid requestId, StoreCaller caller, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var now = Now;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var purged = await db.Set<RequestRectification>()
            .Where(r => r.RequestId == requestId && r.OldValuePurgedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.OldValue, (string?)null).SetProperty(r => r.OldValuePurgedAt, now), ct);
        if (purged > 0)
        {
            await audit.AppendAsync(db, new AuditEntry(
                "request.rectification_old_values_purged",
                caller.Actor,
                caller.TenantId,
                [new AuditObject("request", requestId.ToString())],
                Details: new Dictionary<string, string> { ["fields"] = purged.ToString(System.Globalization.CultureInfo.InvariantCulture) }), ct);
            await db.SaveChangesAsync(ct);
        }

        await tx.CommitAsync(ct);
        return purged;
    }

    /// <summary>The current value of a correctable field (wrapped, so an absent optional value differs from "not correctable").</summary>
    /// <summary>The fields of <paramref name="record"/> this executor corrects (never a contact channel: A11), for the office's form.</summary>
    public static IReadOnlyList<string> FieldsOf(TenantRecord record) => record switch
    {
        ContactPerson => ["name", "role"],
        Keyholder or VoipContact => ["name"],
        DeliveryAddress => ["street", "houseNumber", "postcode", "city", "country"],
        _ => [],
    };

    private static (string? Value, bool Ok)? Read(TenantRecord record, string field) => (record, field) switch
    {
        (ContactPerson c, "name") => (c.Name, true),
        (ContactPerson c, "role") => (c.Role, true),
        (Keyholder k, "name") => (k.Name, true),
        (VoipContact v, "name") => (v.Name, true),
        (DeliveryAddress a, "street") => (a.Street, true),
        (DeliveryAddress a, "houseNumber") => (a.HouseNumber, true),
        (DeliveryAddress a, "postcode") => (a.Postcode, true),
        (DeliveryAddress a, "city") => (a.City, true),
        (DeliveryAddress a, "country") => (a.Country, true),
        _ => null,
    };

    /// <summary>Validates the record with the one field replaced through the store's input rules, and applies it.</summary>
    private static bool Apply(TenantRecord record, string field, string? value, FieldValidator v)
    {
        string? Pick(string name, string? current) => name == field ? value : current;
        switch (record)
        {
            case ContactPerson c:
                var contact = new ContactPersonInput(null, Pick("name", c.Name), c.Phone, c.Email, Pick("role", c.Role)).Validate(v);
                contact?.Invoke(c);
                return contact is not null;
            case Keyholder k:
                var keyholder = new KeyholderInput(k.ServiceId, Pick("name", k.Name), k.Phone, k.Email).Validate(v);
                keyholder?.Invoke(k);
                return keyholder is not null;
            case VoipContact vc:
                var voip = new VoipContactInput(vc.ServiceId, Pick("name", vc.Name), vc.Phone).Validate(v);
                voip?.Invoke(vc);
                return voip is not null;
            case DeliveryAddress a:
                var address = new DeliveryAddressInput(null, Pick("street", a.Street), Pick("houseNumber", a.HouseNumber), Pick("postcode", a.Postcode), Pick("city", a.City), Pick("country", a.Country)).Validate(v);
                address?.Invoke(a);
                return address is not null;
            default:
                return false;
        }
    }
}
