using System.Globalization;
using System.Reflection;
using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>
/// Builds the Art. 15 access report of a verified person (ACC-1..6): every record found under any of their
/// identifiers, per register category, with what the register says about that category. Runs in the context's tenant
/// scope and, within it, in the <see cref="AnswerScope"/>.
/// </summary>
internal sealed class AccessReportBuilder(ProcessingRegister register, ReadAuditBatcher reads, TimeProvider time)
{
    /// <summary>
    /// The register's purpose behind disclosures to authorities. Authorities acting on an inquiry are not recipients
    /// (REG-6) and nothing about orders may appear in an answer (ACC-5), so disclosures for it are left out.
    /// </summary>
    internal const string AuthorityPurpose = "lawful_disclosure";

    public async Task<AccessReport> BuildAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(actor);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var records = await SubjectRecords.CollectAsync(db, subject, scope, ct);
        var expiries = await SubjectRecords.ExpiriesAsync(db, register, records, ct);
        var (organizations, own, both) = await SurroundingsAsync(db, subject, records.Select(r => r.OrganizationId), ct);

        var categories = new List<AccessCategory>();
        foreach (var category in register.Categories)
        {
            var found = records.Where(r => r.Category == category.Id).ToList();
            if (found.Count == 0)
            {
                continue;
            }

            var recordViews = found.Select(r => RecordView(r, organizations.GetValueOrDefault(r.OrganizationId), expiries[r], now, own)).ToList();

            var controllerNames = category.Controller == ControllerRole.Provider
                ? [register.Statement.Controller.Name]
                : recordViews.Select(r => r.Organization).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

            categories.Add(CategoryOf(category, controllerNames, recordViews, both));
        }

        var report = ReportOf(now, categories);

        await AuditAsync(actor, scope, categories.Count, report.RecordCount, ct);
        return report;
    }

    /// <summary>
    /// The streamed report (issue 8 §5): everything but the usage and traffic records, which
    /// <see cref="AccessReportHtml.WriteAsync"/> and <see cref="AccessReportJson.WriteAsync(AccessReportSource, Stream, CancellationToken)"/>
    /// read from a cursor while they write. What comes before the records (which categories, each one's count and
    /// organisations, whether the third-party notice is needed) comes from an aggregate query, not from reading them.
    /// The output is byte for byte what <see cref="BuildAsync"/> and the renderers give. Not audited: call
    /// <see cref="AuditWrittenAsync"/> once the outputs are written.
    /// </summary>
    public async Task<AccessReportSource> PrepareAsync(CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(scope);
        var now = Instant.FromDateTimeOffset(time.GetUtcNow());
        var held = await SubjectRecords.CollectWithoutEventsAsync(db, subject, scope, ct);
        var expiries = await SubjectRecords.ExpiriesAsync(db, register, held, ct);
        var counts = await SubjectRecords.CountEventsAsync(db, subject, scope, ct);
        var (organizations, own, both) = await SurroundingsAsync(
            db, subject, held.Select(r => r.OrganizationId).Concat(counts.Where(c => c.Value > 0).Select(c => c.Key.OrganizationId)), ct);

        var parts = new List<AccessCategoryPart>();
        foreach (var category in register.Categories)
        {
            var views = held.Where(r => r.Category == category.Id).Select(r => RecordView(r, organizations.GetValueOrDefault(r.OrganizationId), expiries[r], now, own)).ToList();
            var streamed = counts.Where(c => c.Key.Category == category.Id && c.Value > 0).ToList();
            var count = streamed.Sum(c => c.Value);
            if (views.Count == 0 && count == 0)
            {
                continue;
            }

            var controllerNames = category.Controller == ControllerRole.Provider
                ? [register.Statement.Controller.Name]
                : views.Select(r => r.Organization)
                    .Concat(streamed.Select(c => organizations.GetValueOrDefault(c.Key.OrganizationId)))
                    .OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var fields = views.SelectMany(r => r.Fields.Select(f => f.Name));
            if (count > 0)
            {
                fields = fields.Concat(FieldNamesOf(category.Id == UsageRecord.Category ? typeof(UsageRecord) : typeof(TrafficRecord), category.Id));
            }

            parts.Add(new AccessCategoryPart(CategoryOf(category, controllerNames, [], both), views, count, [.. fields.Distinct(StringComparer.Ordinal)]));
        }

        var head = ReportOf(now, [.. parts.Select(p => p.Header)]);
        return new AccessReportSource(head, parts, scope, (part, c) => StreamRecordsAsync(db, subject, scope, part, organizations, own, now, c));
    }

    /// <summary>Audits a streamed report once its outputs are written (each writer checked it wrote exactly <see cref="AccessReportSource.RecordCount"/>).</summary>
    public Task AuditWrittenAsync(AccessReportSource source, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        return AuditAsync(actor, source.Scope, source.Categories.Count, source.RecordCount, ct);
    }

    /// <summary>
    /// What a report needs around its records, built or streamed alike: the names of the records' organisations, the
    /// person's own identifier values (the other party's number is masked, ACC-3), and a text in both languages.
    /// </summary>
    private async Task<(Dictionary<Guid, string> Organizations, HashSet<string> Own, Func<Func<StatementVocabulary, string>, LocalizedText> Both)> SurroundingsAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, IEnumerable<Guid> organizationIds, CancellationToken ct)
    {
        var ids = organizationIds.Distinct().ToList();
        var organizations = await db.Organizations.AsNoTracking()
            .Where(o => ids.Contains(o.Id))
            .ToDictionaryAsync(o => o.Id, o => o.Name, ct);
        var own = new HashSet<string>(subject.Select(k => k.Value), StringComparer.OrdinalIgnoreCase);
        var nl = new StatementVocabulary(StatementLanguage.Dutch, register.Statement.Controller);
        var en = new StatementVocabulary(StatementLanguage.English, register.Statement.Controller);
        return (organizations, own, text => new LocalizedText(text(nl), text(en)));
    }

    private async IAsyncEnumerable<AccessRecord> StreamRecordsAsync(
        CustodianDbContext db, IReadOnlyList<SubjectKey> subject, AnswerScope scope, AccessCategoryPart part,
        Dictionary<Guid, string> organizations, IReadOnlySet<string> own, Instant now, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        foreach (var r in part.Held)
        {
            yield return r;
        }

        if (part.Streamed == 0)
        {
            yield break;
        }

        var usage = part.Header.Id == UsageRecord.Category;
        await foreach (var r in SubjectRecords.StreamEventsAsync(db, subject, scope, usage, !usage, ct))
        {
            if (r.Category == part.Header.Id)
            {
                yield return RecordView(r, organizations.GetValueOrDefault(r.OrganizationId), SubjectRecords.EventExpiry(register, r), now, own);
            }
        }
    }

    /// <summary>A read of the person's data: through the read audit group commit, durable before the report is returned (fail closed).</summary>
    private Task AuditAsync(AuditActor actor, AnswerScope scope, int categories, long records, CancellationToken ct) =>
        reads.AppendAsync(
            new AuditEntry(
                "request.access_report_built",
                actor,
                scope.OrganizationId,
                [],
                null,
                new Dictionary<string, string>
                {
                    ["categories"] = categories.ToString(CultureInfo.InvariantCulture),
                    ["records"] = records.ToString(CultureInfo.InvariantCulture),
                }),
            ct);

    private static AccessRecord RecordView(SubjectRecord r, string? organization, Instant? expiry, Instant now, IReadOnlySet<string> own) => new(
        r.Type,
        r.Id,
        organization,
        FieldsOf(r.Record, r.Category, own),
        expiry switch
        {
            null => "until_event",
            // Past its period and still here: kept because the law requires it. Deliberately no more
            // than that (ACC-5): which obligation, hold or order keeps it is not told.
            { } e when e <= now => "legal_obligation",
            _ => "until",
        },
        expiry is { } x && x > now ? x : null);

    private AccessCategory CategoryOf(
        DataCategory category, IReadOnlyList<string> controllerNames, IReadOnlyList<AccessRecord> records, Func<Func<StatementVocabulary, string>, LocalizedText> both) => new(
        category.Id,
        register.Service(category.ServiceId).Name,
        category.Description,
        category.Fields,
        [.. category.PurposeIds.Select(p => register.Purpose(p)).Select(p => new AccessPurpose(p.Id, p.Name, p.StatementText))],
        both(v => v.BasisCell(category.LegalBasis)),
        BasisWireName(category.LegalBasis.Type),
        category.Controller == ControllerRole.Provider ? "provider" : "client",
        controllerNames,
        both(v => v.RetentionDetail(category.Retention)),
        [.. category.Sources.Select(s => both(v => v.Capitalise(v.Source(s))))],
        category.AutomatedDecisionMaking,
        both(v => v.YesNo(category.AutomatedDecisionMaking)),
        RecipientsOf(category, both),
        category.Portable,
        records);

    private AccessReport ReportOf(Instant now, List<AccessCategory> categories)
    {
        var c = register.Statement.Controller;
        return new AccessReport(
            AccessReport.CurrentSchemaVersion,
            now,
            new AccessController(c.Name, c.Address.Street, c.Address.PostalCode, c.Address.City, c.Address.Country, c.PrivacyEmail, c.Phone.Number),
            categories.Count > 0,
            categories,
            [.. register.Rights.Items.Select(r => new AccessRight(
                r.Id,
                [.. r.Covers.Select(RightWireName)],
                r.Title,
                [.. r.Text.Select(t => new LocalizedText(
                    t.Nl.Replace("{supervisory_authority}", register.Statement.SupervisoryAuthority.Name.Nl, StringComparison.Ordinal),
                    t.En.Replace("{supervisory_authority}", register.Statement.SupervisoryAuthority.Name.En, StringComparison.Ordinal)))]))],
            new AccessAuthority(register.Statement.SupervisoryAuthority.Name, register.Statement.SupervisoryAuthority.Url),
            AccessReportTexts.ThirdPartyNotice);
    }

    /// <summary>The field names <see cref="FieldsOf"/> gives for a record of <paramref name="type"/> in <paramref name="category"/> (without a record).</summary>
    internal static IReadOnlyList<string> FieldNamesOf(Type type, string category) => [.. PropertiesOf(type, category).Select(p => p.Name)];

    /// <summary>ACC-1(c), ACC-2, ACC-6: processors (with country and transfer safeguard), the register's disclosures that are recipients, and the client organisation.</summary>
    private List<AccessRecipient> RecipientsOf(DataCategory category, Func<Func<StatementVocabulary, string>, LocalizedText> both)
    {
        var list = new List<AccessRecipient>();
        foreach (var processor in register.Processors.Where(p => p.CategoryIds.Contains(category.Id)))
        {
            var outside = !register.Countries.IsInEea(processor.Country);
            list.Add(new AccessRecipient(
                "processor", processor.Name, processor.Activity, processor.Country, outside, outside ? both(v => v.Mechanism(processor.TransferMechanism)) : null));
        }

        foreach (var disclosure in register.Disclosures.Where(d => d.CategoryIds.Contains(category.Id) && d.PurposeId != AuthorityPurpose))
        {
            list.Add(new AccessRecipient("recipient", disclosure.Recipient, disclosure.Text, null, false, null));
        }

        // Data the provider holds as controller and shares with the person's organisation (ACC-6, fourth bullet); for
        // client-controlled data the organisation is the controller, not a recipient.
        if (category.Controller == ControllerRole.Provider && category.Sources.Contains(DataSource.ClientOrganisation))
        {
            list.Add(new AccessRecipient("client_organisation", AccessReportTexts.ClientOrganisation, null, null, false, null));
        }

        return list;
    }

    /// <summary>The record's personal data of its category, in declaration order, with other people's numbers masked (ACC-3).</summary>
    internal static IReadOnlyList<AccessField> FieldsOf(object record, string category, IReadOnlySet<string> own)
    {
        var masked = record switch
        {
            UsageRecord u => OtherParty(own, (nameof(UsageRecord.CallerNumber), u.CallerNumber), (nameof(UsageRecord.CalleeNumber), u.CalleeNumber)),
            TrafficRecord t => OtherParty(own, (nameof(TrafficRecord.Subscriber), t.Subscriber), (nameof(TrafficRecord.Counterpart), t.Counterpart)),
            _ => null,
        };
        var properties = PropertiesOf(record.GetType(), category);
        var fields = new AccessField[properties.Length];
        for (var i = 0; i < properties.Length; i++)
        {
            var (property, name) = properties[i];
            var value = Display(property.GetValue(record));
            fields[i] = new AccessField(name, property.Name == masked && value is not null ? Mask(value) : value);
        }

        return fields;
    }

    private static (PropertyInfo Property, string Name)[] PropertiesOf(Type type, string category) =>
        Properties.GetOrAdd((type, category), static key => [.. key.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<PersonalDataAttribute>()?.Category == key.Category)
            .Select(p => (p, SnakeCase(p.Name)))]);

    // Reflection once per record type: an access report can hold tens of thousands of call records.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Type Type, string Category), (PropertyInfo Property, string Name)[]> Properties = new();

    /// <summary>Of two party columns, the one that is not the person's (null when both or neither are).</summary>
    private static string? OtherParty(IReadOnlySet<string> own, (string Name, string? Value) a, (string Name, string? Value) b)
    {
        var aOwn = a.Value is not null && own.Contains(a.Value);
        var bOwn = b.Value is not null && own.Contains(b.Value);
        return (aOwn, bOwn) switch
        {
            (true, false) => b.Name,
            (false, true) => a.Name,
            _ => null,
        };
    }

    /// <summary>As on an itemised bill: the last four digits (or characters) replaced by <c>x</c>.</summary>
    internal static string Mask(string value)
    {
        var chars = value.ToCharArray();
        var left = 4;
        for (var i = chars.Length - 1; i >= 0 && left > 0; i--)
        {
            if (char.IsLetterOrDigit(chars[i]))
            {
                chars[i] = 'x';
                left--;
            }
        }

        return new string(chars);
    }

    internal static string? Display(object? value) => value switch
    {
        null => null,
        string s => s.Length == 0 ? null : s,
        Instant i => InstantPattern.ExtendedIso.Format(i),
        LocalDate d => LocalDatePattern.Iso.Format(d),
        Period p => p.ToString(),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('_');
            }

            sb.Append(char.ToLowerInvariant(name[i]));
        }

        return sb.ToString();
    }

    internal static string BasisWireName(LegalBasisType type) => type switch
    {
        LegalBasisType.Consent => "consent",
        LegalBasisType.Contract => "contract",
        LegalBasisType.LegalObligation => "legal_obligation",
        LegalBasisType.VitalInterests => "vital_interests",
        LegalBasisType.PublicTask => "public_task",
        LegalBasisType.LegitimateInterest => "legitimate_interest",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    private static string RightWireName(RightType type) => type switch
    {
        RightType.Access => "access",
        RightType.Rectification => "rectification",
        RightType.Erasure => "erasure",
        RightType.Objection => "objection",
        RightType.Restriction => "restriction",
        RightType.Portability => "portability",
        RightType.Complaint => "complaint",
        RightType.WithdrawConsent => "withdraw_consent",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
