using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Demo;

internal enum DemoSeedOutcome
{
    Seeded,

    /// <summary>The <c>demo</c> organisation exists already; nothing was written.</summary>
    AlreadySeeded,
}

/// <summary>What a seed run did. <c>Counts</c>: records written per record type (plus <c>service.ended</c> and <c>support_ticket.closed</c>).</summary>
internal sealed record DemoSeedResult(
    DemoSeedOutcome Outcome,
    IReadOnlyList<DemoSeededOrganization> Organizations,
    DemoPerson? Showcase,
    IReadOnlyDictionary<string, int> Counts);

internal sealed record DemoSeededOrganization(Guid Id, string Code, string Name);

/// <summary>
/// Writes a <see cref="DemoPlan"/> through the product's own write path: <see cref="OrganizationCommands"/> and
/// <see cref="StoreCommands"/> as the API calls them, so every record is validated, indexed for the subject look-up
/// and audited (actor <c>demo-seed</c>). A record the store refuses is a bug in the generator and throws.
/// </summary>
/// <remarks>
/// Idempotent by the <c>demo</c> organisation: when it exists, the run reports <see cref="DemoSeedOutcome.AlreadySeeded"/>
/// and writes nothing. Each record is its own transaction (as through the API), so an interrupted run leaves a partial
/// set behind; drop the database and seed again.
/// </remarks>
internal sealed class DemoSeeder(
    CustodianDbContext db,
    StoreCommands store,
    StoreContentCommands content,
    OrganizationCommands organizations,
    EventImporter importer,
    UploadOptions uploads,
    ShieldingRegister shielding,
    StoreTransactions transactions,
    ProcessingRegister register,
    TimeProvider time,
    Consent.ConsentLedger? consents = null)
{
    /// <summary>The text the demo app showed when the showcase person consented (stored once in the ledger's text table).</summary>
    public const string AppConsentText = "Mag de AllBest-app uw belgegevens gebruiken om u een verbruiksoverzicht en bundeladvies te tonen? U kunt dit altijd weer uitzetten in Instellingen > Privacy.";

    public const string AppConsentVersion = "demo-app-2026.1";

    public const string ActorId = "demo-seed";

    /// <summary>The code of the first organisation; its presence means "seeded".</summary>
    public const string DemoCode = "demo";

    public static AuditActor CliActor { get; } = new(AuditActorKind.Cli, ActorId);

    public static AuditActor SystemActor { get; } = new(AuditActorKind.System, ActorId);

    /// <summary>Today (UTC) by the injected clock: the day every demo date is counted back from.</summary>
    public LocalDate Today => Instant.FromDateTimeOffset(time.GetUtcNow()).InUtc().Date;

    /// <summary>True when the database holds no organisation at all (<c>serve --dev</c> seeds only then).</summary>
    public async Task<bool> IsEmptyAsync(CancellationToken ct)
    {
        Scope();
        return !await db.Organizations.AsNoTracking().AnyAsync(ct);
    }

    public async Task<DemoSeedResult> SeedAsync(DemoSeedOptions options, AuditActor actor, CancellationToken ct)
    {
        Scope();
        if (await db.Organizations.AsNoTracking().AnyAsync(o => o.Code == DemoCode, ct))
        {
            var existing = await db.Organizations.AsNoTracking().OrderBy(o => o.Code == DemoCode ? 0 : 1).ThenBy(o => o.Code)
                .Select(o => new DemoSeededOrganization(o.Id, o.Code, o.Name)).ToListAsync(ct);
            return new DemoSeedResult(DemoSeedOutcome.AlreadySeeded, existing, null, new Dictionary<string, int>());
        }

        var plan = DemoGenerator.Plan(options, Today);
        var activity = DemoActivity.Content(plan);
        var caller = new StoreCaller(actor, TenantScope.Everything);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var seeded = new List<DemoSeededOrganization>();
        foreach (var org in plan.Organizations)
        {
            var organization = await Write(organizations.CreateAsync(caller, org.Organization, null, ct), counts);
            seeded.Add(new DemoSeededOrganization(organization.Id, organization.Code, organization.Name));
            var tickets = await WriteOrganizationAsync(caller, org, counts, ct);
            await WriteContentAsync(caller, org.Code, tickets, activity, counts, ct);
        }

        // Only what is within retention: with more months than the register keeps usage and traffic, the older records
        // would be expired at once (the import refuses them). A minute of margin for the clock moving on meanwhile.
        var now = Instant.FromDateTimeOffset(time.GetUtcNow()) + Duration.FromMinutes(1);
        await ImportAsync(EventFamily.Usage, plan, (p, w) => DemoActivity.WriteUsageCsv(p, w, importer.RetainedFrom(EventFamily.Usage, now)), actor, counts, ct);
        await ImportAsync(EventFamily.Traffic, plan, (p, w) => DemoActivity.WriteTrafficCsv(p, w, importer.RetainedFrom(EventFamily.Traffic, now)), actor, counts, ct);
        await ShieldShowcaseCallsAsync(plan, actor, counts, ct);

        // The showcase person consented in the app to the usage overview (the register's one purpose on consent), so the
        // ledger, the check API and a withdrawal can be tried at once. Only where the host registers the ledger.
        if (consents is not null && plan.Showcase is { } person)
        {
            await Write(consents.GiveAsync(db, caller, new Consent.ConsentGiveInput(person.Phone, "phone", Consent.ConsentPurposes.AppUsageInsights, AppConsentVersion, AppConsentText, Consent.ConsentChannels.App), ct), counts, "consent_entry");
        }

        await Write(new BreachCommands(db, transactions, time, register).RecordAsync(DemoBreach.Input(Instant.FromDateTimeOffset(time.GetUtcNow()), seeded[0].Id), actor, ct), counts, "breach");
        return new DemoSeedResult(DemoSeedOutcome.Seeded, seeded, plan.Showcase, counts);
    }

    /// <summary>
    /// Shielded numbers a newcomer can see masked on the showcase subscriber's itemised bill
    /// (<c>custodian bill itemised --number &lt;showcase&gt; --period &lt;month&gt;</c>): a colleague the showcase calls asks
    /// for shielding (own register, from this billing period), and the outside number the showcase calls most is on a
    /// list received from a fictional provider from last month: so last month's bill masks one, this month's both, and
    /// older bills none. Through the product's own register commands (audited as <c>shielding.*</c>).
    /// </summary>
    private async Task ShieldShowcaseCallsAsync(DemoPlan plan, AuditActor actor, SortedDictionary<string, int> counts, CancellationToken ct)
    {
        var phone = plan.Showcase.Phone;
        var lastMonth = BillingPeriod.Of(Instant.FromDateTimeOffset(time.GetUtcNow())).PlusMonths(-1);
        // Numbers called since the start of last month, most called first: those show the masking on the recent bills.
        var called = (await EventLookup.FindAsync(db, Subjects.SubjectIdentifierKind.Phone, phone, ct)).OfType<UsageRecord>()
            .Where(u => u.CallerNumber == phone && u.Direction == "outbound" && u.StartTime >= BillingPeriod.Start(lastMonth))
            .GroupBy(u => u.CalleeNumber, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .ToList();
        var colleagues = plan.Organizations[0].Subscribers.Select(s => s.Phone).ToHashSet(StringComparer.Ordinal);
        if (called.FirstOrDefault(colleagues.Contains) is { } colleague)
        {
            await Write(shielding.AddOwnAsync(actor, colleague, null, ct), counts, "shielded_number");
        }

        if (called.FirstOrDefault(n => !colleagues.Contains(n)) is { } outside)
        {
            var list = await shielding.ImportReceivedAsync(actor, "Voorbeeld Telecom (fictional)", "demo-shielded.csv", ShieldingFile.Write([outside]), lastMonth, ct);
            if (!list.IsSuccess || !list.Value.Applied)
            {
                throw new InvalidOperationException($"The demo shielding list was refused: {list.Error?.Code}. The demo generator is wrong.");
            }

            counts["shielding_received_list"] = 1;
        }
    }

    /// <summary>Attachments and recordings through the content commands the upload endpoints use (encrypted blobs, audited).</summary>
    private async Task WriteContentAsync(
        StoreCaller caller, string code, IReadOnlyList<Guid> tickets, DemoActivityPlan activity, SortedDictionary<string, int> counts, CancellationToken ct)
    {
        foreach (var a in activity.Attachments.Where(a => a.Organization == code))
        {
            using var upload = await Open(Encoding.UTF8.GetBytes(a.Text), "text/plain; charset=utf-8", ContentRules.Attachment, ct);
            await Write(content.AttachAsync(caller, tickets[a.TicketIndex], upload, null, ct), counts);
        }

        foreach (var r in activity.SupportRecordings.Where(r => r.Organization == code))
        {
            var input = r.TicketIndex is { } i ? r.Input with { TicketId = tickets[i].ToString() } : r.Input;
            using var upload = await Open(DemoAudio.Tone(r.ToneHz, r.Milliseconds), DemoAudio.MediaType, ContentRules.Audio, ct);
            await Write(content.CreateSupportCallRecordingAsync(caller, input, upload, null, ct), counts);
        }

        foreach (var r in activity.CustomerRecordings.Where(r => r.Organization == code))
        {
            using var upload = await Open(DemoAudio.Tone(r.ToneHz, r.Milliseconds), DemoAudio.MediaType, ContentRules.Audio, ct);
            await Write(content.CreateCustomerCallRecordingAsync(caller, r.Input, upload, null, ct), counts);
        }
    }

    private async Task<UploadContent> Open(byte[] bytes, string mediaType, ContentRule rule, CancellationToken ct)
    {
        var opened = await UploadContent.OpenAsync(new MemoryStream(bytes, writable: false), mediaType, rule, uploads.MaxContentBytes, ct);
        return opened.IsSuccess ? opened.Value : throw new InvalidOperationException($"Demo content refused: {opened.Error.Code}. The demo generator is wrong.");
    }

    /// <summary>
    /// Usage and traffic records go through the product's bulk path: a CSV in Custodian's own format, written to a
    /// temporary folder and imported by <see cref="EventImporter"/> (one audited <c>usage.imported</c> per file).
    /// </summary>
    private async Task ImportAsync(
        EventFamily family, DemoPlan plan, Action<DemoPlan, TextWriter> write, AuditActor actor, SortedDictionary<string, int> counts, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("custodian-demo.");
        try
        {
            var file = Path.Combine(folder.FullName, family == EventFamily.Usage ? "usage.csv" : "traffic.csv");
            await using (var writer = new StreamWriter(file, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
            {
                write(plan, writer);
            }

            var result = await importer.ImportAsync(new ImportRequest(family, file, actor), null, ct);
            if (result.Outcome == ImportOutcome.FileError || result.RowsRejected > 0)
            {
                throw new InvalidOperationException(
                    $"The {family} import refused demo rows ({result.Problem?.ToString() ?? $"{result.RowsRejected} rejected"}). The demo generator is wrong.");
            }

            counts[family == EventFamily.Usage ? "usage_record" : "traffic_record"] = (int)result.RowsImported;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <returns>The ids of the organisation's tickets, in plan order (content refers to tickets by index).</returns>
    private async Task<IReadOnlyList<Guid>> WriteOrganizationAsync(StoreCaller caller, DemoOrganizationPlan org, SortedDictionary<string, int> counts, CancellationToken ct)
    {
        // Provider-wide caller: records that hang off the organisation name it by code, as a provider feed would.
        foreach (var contact in org.Contacts)
        {
            await Create(caller, contact with { Organization = org.Code }, counts, ct);
        }

        foreach (var address in org.Addresses)
        {
            await Create(caller, address with { Organization = org.Code }, counts, ct);
        }

        foreach (var planned in org.Services)
        {
            var service = await Create(caller, planned.Service with { Organization = org.Code }, counts, ct);
            foreach (var c in planned.Connections)
            {
                await Create(caller, c with { ServiceId = service.Id }, counts, ct);
            }

            foreach (var d in planned.Devices)
            {
                await Create(caller, d with { ServiceId = service.Id }, counts, ct);
            }

            foreach (var c in planned.PhoneBook)
            {
                await Create(caller, c with { ServiceId = service.Id }, counts, ct);
            }

            foreach (var k in planned.Keyholders)
            {
                await Create(caller, k with { ServiceId = service.Id }, counts, ct);
            }

            foreach (var s in planned.Subscriptions)
            {
                var subscription = await Create(caller, s.Subscription with { ServiceId = service.Id }, counts, ct);
                foreach (var n in s.Notifications)
                {
                    await Create(caller, n with { SubscriptionId = subscription.Id }, counts, ct);
                }
            }

            if (planned.EndDate is { } end)
            {
                await Write(store.EndServiceAsync(caller, service.Id, new EndServiceInput(end), ct), counts, "service.ended");
            }
        }

        var tickets = new List<Guid>();
        foreach (var t in org.Tickets)
        {
            var ticket = await Create(caller, t.Ticket with { Organization = org.Code }, counts, ct);
            tickets.Add(ticket.Id);
            if (t.ClosedAt is { } closed)
            {
                await Write(store.CloseTicketAsync(caller, ticket.Id, new CloseTicketInput(closed), ct), counts, "support_ticket.closed");
            }
        }

        return tickets;
    }

    private Task<T> Create<T>(StoreCaller caller, IRecordInput<T> input, SortedDictionary<string, int> counts, CancellationToken ct)
        where T : TenantRecord, new() =>
        Write(store.CreateAsync(caller, input, null, ct), counts);

    private async Task<T> Write<T>(Task<StoreResult<T>> operation, SortedDictionary<string, int> counts, string? countAs = null)
    {
        var result = await operation;
        if (!result.IsSuccess)
        {
            var detail = result.Error is ValidationError v
                ? string.Join("; ", v.Errors.Select(e => $"{e.Field}: {e.Code}"))
                : result.Error.Code;
            throw new InvalidOperationException($"The store refused demo data ({typeof(T).Name}): {detail}. The demo generator is wrong.");
        }

        // The store leaves written records tracked; a seed writes thousands, so keep the tracker empty.
        db.ChangeTracker.Clear();
        var key = countAs ?? result.Value switch
        {
            TenantRecord r => r.RecordType,
            Organization o => o.RecordType,
            _ => typeof(T).Name,
        };
        counts[key] = counts.TryGetValue(key, out var n) ? n + 1 : 1;
        return result.Value;
    }

    private void Scope()
    {
        if (db.Tenant != TenantScope.Everything)
        {
            db.ScopeTo(TenantScope.Everything);
        }
    }
}
