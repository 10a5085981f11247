using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>How the sweep removes the personal data of a target's expired records.</summary>
internal enum RetentionRemoval
{
    /// <summary>Delete the rows (and their blobs and subject-index entries), in batches by primary key.</summary>
    DeleteRows,

    /// <summary>Month-partitioned events: drop each month that is wholly expired, delete the expired rows of a partly expired month by time.</summary>
    DropMonthsThenDeleteRows,

    /// <summary>
    /// Erase fields of a row that itself stays (the organisation is the tenant every other row points to): the billing
    /// name is cleared to the empty string, which no write path accepts as a name, so an empty value means "erased".
    /// </summary>
    EraseFields,

    /// <summary>
    /// A data-subject request with everything attached to it (timeline, codes, sessions, parts, execution records, ID
    /// copies left over, attachments and answers with their blobs and data keys), in one transaction per batch.
    /// </summary>
    DeleteRequests,
}

/// <summary>A record as the retention engine sees it: its id, its tenant, and its anchor instant (null: not expiring).</summary>
internal sealed class InstantAnchoredRow
{
    public Guid Id { get; init; }

    /// <summary>The tenant; <see cref="RetentionTargets.Provider"/> for the provider's own records that belong to no organisation.</summary>
    public Guid OrganizationId { get; init; }

    public Instant? Anchor { get; init; }
}

/// <summary>A record whose anchor is a day (a service's last day, or the organisation's last service end); null: not expiring.</summary>
internal sealed class DateAnchoredRow
{
    public Guid Id { get; init; }

    public Guid OrganizationId { get; init; }

    public LocalDate? Anchor { get; init; }
}

/// <summary>
/// Where the records of one register category live and how their anchor is found. A category may have several
/// targets (a ticket and its attachments); every category of the register has at least one (a test fails otherwise),
/// and every stored entity with personal data is the target of its category.
/// </summary>
/// <param name="Category">The register category (<c>categories[].id</c>).</param>
/// <param name="Name">Stable name of the target: the table (<c>support_tickets</c>), or table and field for <see cref="RetentionRemoval.EraseFields"/>.</param>
/// <param name="Anchor">The register anchor the target implements; the rule in the register must have this anchor.</param>
/// <param name="AnchorDescription">Where the anchor comes from, for people (the plan's documentation, the report).</param>
/// <param name="Removal">How the sweep removes the data.</param>
/// <param name="Entities">The stored types whose personal data of <paramref name="Category"/> this target covers.</param>
internal abstract record RetentionTarget(
    string Category, string Name, RetentionAnchor Anchor, string AnchorDescription, RetentionRemoval Removal, IReadOnlyList<Type> Entities);

/// <summary>
/// An EF entity anchored on an instant. <c>ProviderOwned</c>: the records belong to no organisation (their rows carry
/// <see cref="RetentionTargets.Provider"/>, a constant), so the planner counts them without grouping by organisation
/// (PostgreSQL cannot group by a constant that EF sends as text).
/// </summary>
internal sealed record InstantAnchoredTarget(
    string Category, string Name, RetentionAnchor Anchor, string AnchorDescription, RetentionRemoval Removal, IReadOnlyList<Type> Entities,
    Func<CustodianDbContext, IQueryable<InstantAnchoredRow>> Rows, bool ProviderOwned = false)
    : RetentionTarget(Category, Name, Anchor, AnchorDescription, Removal, Entities);

/// <summary>An EF entity anchored on a day.</summary>
internal sealed record DateAnchoredTarget(
    string Category, string Name, RetentionAnchor Anchor, string AnchorDescription, RetentionRemoval Removal, IReadOnlyList<Type> Entities,
    Func<CustodianDbContext, IQueryable<DateAnchoredRow>> Rows)
    : RetentionTarget(Category, Name, Anchor, AnchorDescription, Removal, Entities);

/// <summary>A month-partitioned event table, anchored on <c>start_time</c>.</summary>
internal sealed record EventRetentionTarget(string Category, EventTable Table, IReadOnlyList<Type> Entities)
    : RetentionTarget(Category, Table.Name, RetentionAnchor.RecordTime, "start_time of the record", RetentionRemoval.DropMonthsThenDeleteRows, Entities);

/// <summary>
/// The catalogue of retention targets: for every register category of the store, where its records are and what
/// anchors them.
/// </summary>
/// <remarks>
/// <para>One row, one category: every entity's personal-data properties belong to a single category (a test checks
/// it), so a row never holds fields with two different rules. Should that ever change, the entity must be split, or
/// given one target per category with <see cref="RetentionRemoval.EraseFields"/> for all but one.</para>
/// <para>Service data (<c>service_end</c>): the record's service's <c>end_date</c> (for mobile notifications through
/// their subscription's service). Organisation-level data (contact persons, delivery addresses, the billing name)
/// belongs to no single service; its anchor is the organisation's last service end: the latest <c>end_date</c> once
/// every service of the organisation has ended. While any service runs, the contact person, the address and the name
/// on the invoice are still needed to deliver it; an organisation without any service at all is not expiring (it is
/// being onboarded or its services have not been entered yet; the plan shows its records as not expiring, so they are
/// visible rather than silently kept or silently deleted).</para>
/// <para>Support information (<c>ticket_closed</c>): the ticket's <c>closed_at</c>; attachments share their ticket's.
/// A reopened ticket has <c>closed_at</c> null again and is not expiring until it closes anew.</para>
/// <para>Data-subject requests (<c>request_closed</c>): the request's <c>closed_at</c>; everything attached to the request
/// goes with it (<see cref="RetentionRemoval.DeleteRequests"/>). Requests belong to no tenant: their rows carry
/// <see cref="Provider"/>.</para>
/// </remarks>
internal static class RetentionTargets
{
    public const string ContactPerson = "general.contact_person";
    public const string DeliveryAddress = "general.delivery_address";
    public const string BillingName = "general.billing_name";
    public const string TrafficInformation = TrafficRecord.Category;
    public const string SupportInformation = "general.support_information";
    public const string SupportCallRecordings = "general.support_call_recordings";
    public const string InternetConnection = "internet.connection";
    public const string VoipDevicesAndContacts = "voip.devices_and_contacts";
    public const string MobileSimAndNotifications = "mobile.sim_and_notifications";
    public const string CallDetailRecords = UsageRecord.Category;
    public const string CustomerCallRecordings = "usage.customer_call_recordings";
    public const string Keyholders = "alarm.keyholders";
    public const string PrivacyRequests = "general.privacy_requests";
    public const string ConsentRecords = "general.consent_records";
    public const string ShieldedNumbers = "general.shielded_numbers";

    /// <summary>
    /// The "organisation" of records that belong to no tenant: the provider's own administration (data-subject requests).
    /// <see cref="Guid.Empty"/>, as request parts and answers already use it; no organisation row has it. Plans, receipts
    /// and the overview show it as the provider (<see cref="ProviderCode"/>); a tenant's scope never sees it.
    /// </summary>
    public static readonly Guid Provider = Guid.Empty;

    /// <summary>How the plan names <see cref="Provider"/> in place of an organisation code.</summary>
    public const string ProviderCode = "(provider)";

    private const string ServiceEndText = "end_date of the record's service";
    private const string OrganizationEndText = "the organisation's last service end (latest end_date once every service has ended)";

    public static IReadOnlyList<RetentionTarget> All { get; } =
    [
        new DateAnchoredTarget(ContactPerson, "contact_persons", RetentionAnchor.ServiceEnd, OrganizationEndText, RetentionRemoval.DeleteRows, [typeof(ContactPerson)],
            db => db.ContactPersons.Join(OrganizationEnds(db), c => c.OrganizationId, o => o.Id, (c, o) => new DateAnchoredRow { Id = c.Id, OrganizationId = c.OrganizationId, Anchor = o.Anchor })),
        new DateAnchoredTarget(DeliveryAddress, "delivery_addresses", RetentionAnchor.ServiceEnd, OrganizationEndText, RetentionRemoval.DeleteRows, [typeof(DeliveryAddress)],
            db => db.DeliveryAddresses.Join(OrganizationEnds(db), a => a.OrganizationId, o => o.Id, (a, o) => new DateAnchoredRow { Id = a.Id, OrganizationId = a.OrganizationId, Anchor = o.Anchor })),
        new DateAnchoredTarget(BillingName, "organizations.billing_company_name", RetentionAnchor.ServiceEnd, OrganizationEndText, RetentionRemoval.EraseFields, [typeof(Organization)],
            db => db.Organizations.Where(o => o.BillingCompanyName != "")
                .Join(OrganizationEnds(db), o => o.Id, e => e.Id, (o, e) => new DateAnchoredRow { Id = o.Id, OrganizationId = o.Id, Anchor = e.Anchor })),
        new EventRetentionTarget(TrafficInformation, TrafficTable.Instance, [typeof(TrafficRecord)]),
        new InstantAnchoredTarget(SupportInformation, "support_tickets", RetentionAnchor.TicketClosed, "closed_at of the ticket", RetentionRemoval.DeleteRows, [typeof(SupportTicket)],
            db => db.SupportTickets.Select(t => new InstantAnchoredRow { Id = t.Id, OrganizationId = t.OrganizationId, Anchor = t.ClosedAt })),
        new InstantAnchoredTarget(SupportInformation, "support_ticket_attachments", RetentionAnchor.TicketClosed, "closed_at of the attachment's ticket", RetentionRemoval.DeleteRows, [typeof(SupportTicketAttachment)],
            db => db.Set<SupportTicketAttachment>().Join(db.SupportTickets, a => a.TicketId, t => t.Id,
                (a, t) => new InstantAnchoredRow { Id = a.Id, OrganizationId = a.OrganizationId, Anchor = t.ClosedAt })),
        new InstantAnchoredTarget(SupportCallRecordings, "support_call_recordings", RetentionAnchor.RecordTime, "called_at of the recording", RetentionRemoval.DeleteRows, [typeof(SupportCallRecording)],
            db => db.Set<SupportCallRecording>().Select(r => new InstantAnchoredRow { Id = r.Id, OrganizationId = r.OrganizationId, Anchor = r.CalledAt })),
        ServiceTarget<InternetConnection>(InternetConnection, "internet_connections"),
        ServiceTarget<VoipDevice>(VoipDevicesAndContacts, "voip_devices"),
        ServiceTarget<VoipContact>(VoipDevicesAndContacts, "voip_contacts"),
        ServiceTarget<MobileSubscription>(MobileSimAndNotifications, "mobile_subscriptions"),
        new DateAnchoredTarget(MobileSimAndNotifications, "mobile_notifications", RetentionAnchor.ServiceEnd, "end_date of the service of the notification's subscription", RetentionRemoval.DeleteRows, [typeof(MobileNotification)],
            db => db.MobileNotifications
                .Join(db.MobileSubscriptions, n => n.SubscriptionId, s => s.Id, (n, s) => new { n.Id, n.OrganizationId, s.ServiceId })
                .Join(db.Services, x => x.ServiceId, s => s.Id, (x, s) => new DateAnchoredRow { Id = x.Id, OrganizationId = x.OrganizationId, Anchor = s.EndDate })),
        new EventRetentionTarget(CallDetailRecords, UsageTable.Instance, [typeof(UsageRecord)]),
        new InstantAnchoredTarget(CustomerCallRecordings, "customer_call_recordings", RetentionAnchor.ClientSetting, "called_at of the recording, under the organisation's setting", RetentionRemoval.DeleteRows, [typeof(CustomerCallRecording)],
            db => db.Set<CustomerCallRecording>().Select(r => new InstantAnchoredRow { Id = r.Id, OrganizationId = r.OrganizationId, Anchor = r.CalledAt })),
        ServiceTarget<Keyholder>(Keyholders, "keyholders"),
        new InstantAnchoredTarget(PrivacyRequests, "data_subject_requests", RetentionAnchor.RequestClosed, "closed_at of the request (unverified requests lapse and close after RequestHousekeepingOptions.UnverifiedLapse)", RetentionRemoval.DeleteRequests,
            // A queued message holds its recipient only until it is sent (MessageDispatcher erases it and deletes the row a
            // week later); one still queued when its request expires goes with the request.
            [typeof(DataSubjectRequest), typeof(RequestRectification), typeof(RequestObjectionGrounds), typeof(Mail.OutgoingMessage)],
            db => db.Set<DataSubjectRequest>().Select(r => new InstantAnchoredRow { Id = r.Id, OrganizationId = Guid.Empty, Anchor = r.ClosedAt }),
            ProviderOwned: true),
        // The consent ledger is the provider's own evidence (no tenant); a consent that still stands has no anchor.
        new InstantAnchoredTarget(ConsentRecords, "consent_entries", RetentionAnchor.ConsentWithdrawn, "withdrawn_at of the ledger entry (a consent that stands does not expire)", RetentionRemoval.DeleteRows,
            [typeof(Consent.ConsentEntry)],
            db => db.Set<Consent.ConsentEntry>().Select(e => new InstantAnchoredRow { Id = e.Id, OrganizationId = Guid.Empty, Anchor = e.WithdrawnAt }),
            ProviderOwned: true),
        // The register of shielded numbers is the provider's own (no tenant). A shielding that stands has no anchor; an
        // ended or replaced one is anchored on the end of the last billing period that masked it. The list records go
        // with the lists they describe: a received list when the provider's next list replaces it, a send record when
        // the next list goes to that provider.
        new InstantAnchoredTarget(ShieldedNumbers, "shielded_numbers", RetentionAnchor.ShieldingEnded, "masked_until of the entry: the end of the last billing period that masked it (a shielding that stands does not expire)", RetentionRemoval.DeleteRows,
            [typeof(Shielding.ShieldedNumber)],
            db => db.Set<Shielding.ShieldedNumber>().Select(n => new InstantAnchoredRow { Id = n.Id, OrganizationId = Guid.Empty, Anchor = n.MaskedUntil }),
            ProviderOwned: true),
        new InstantAnchoredTarget(ShieldedNumbers, "shielding_received_lists", RetentionAnchor.ShieldingEnded, "replaced_from of the list: the start of the billing period from which the provider's next list applies", RetentionRemoval.DeleteRows,
            [typeof(Shielding.ShieldingReceivedList)],
            db => db.Set<Shielding.ShieldingReceivedList>().Select(l => new InstantAnchoredRow { Id = l.Id, OrganizationId = Guid.Empty, Anchor = l.ReplacedFrom }),
            ProviderOwned: true),
        new InstantAnchoredTarget(ShieldedNumbers, "shielding_sends", RetentionAnchor.ShieldingEnded, "sent_at of the next list sent to the same provider (the latest one does not expire)", RetentionRemoval.DeleteRows,
            [typeof(Shielding.ShieldingSend)],
            db => db.Set<Shielding.ShieldingSend>().Select(s => new InstantAnchoredRow
            {
                Id = s.Id,
                OrganizationId = Guid.Empty,
                Anchor = db.Set<Shielding.ShieldingSend>().Where(n => n.ProviderName == s.ProviderName && n.SentAt > s.SentAt).Min(n => (Instant?)n.SentAt),
            }),
            ProviderOwned: true),
    ];

    /// <summary>The targets of one category, in catalogue order.</summary>
    public static IReadOnlyList<RetentionTarget> Of(string category) => All.Where(t => t.Category == category).ToList();

    private static DateAnchoredTarget ServiceTarget<T>(string category, string table)
        where T : TenantRecord, IServiceRecord =>
        new(category, table, RetentionAnchor.ServiceEnd, ServiceEndText, RetentionRemoval.DeleteRows, [typeof(T)],
            db => db.Set<T>().Join(db.Services, r => r.ServiceId, s => s.Id,
                (r, s) => new DateAnchoredRow { Id = r.Id, OrganizationId = r.OrganizationId, Anchor = s.EndDate }));

    /// <summary>
    /// Every organisation's last service end, as a query (translated to SQL, never loaded): null while any service
    /// runs or when it has none; otherwise the latest end date.
    /// </summary>
    public static IQueryable<OrganizationEnd> OrganizationEnds(CustodianDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        return db.Organizations.Select(o => new OrganizationEnd
        {
            Id = o.Id,
            Anchor = db.Services.Any(s => s.OrganizationId == o.Id && s.EndDate == null) || !db.Services.Any(s => s.OrganizationId == o.Id)
                ? null
                : db.Services.Where(s => s.OrganizationId == o.Id).Max(s => s.EndDate),
        });
    }
}

/// <summary>An organisation and the anchor of its organisation-level data (see <see cref="RetentionTargets.OrganizationEnds"/>).</summary>
internal sealed class OrganizationEnd
{
    public Guid Id { get; init; }

    public LocalDate? Anchor { get; init; }
}
