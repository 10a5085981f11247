using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Events;

/// <summary>Custodian's own traffic CSV format (docs/formats/traffic-csv.md).</summary>
internal sealed class TrafficCsvFormat : IImportFormat<TrafficRecord>
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "organization", "record_id", "service", "kind", "direction", "subscriber", "counterpart", "start", "duration",
        "bytes", "protocol", "cell_id", "country",
    ];

    public static readonly IReadOnlyList<string> Kinds = ["email", "telephony", "internet"];
    public static readonly IReadOnlyList<string> Directions = ["outbound", "inbound", "unknown"];

    private const int COrganization = 0;
    private const int CRecordId = 1;
    private const int CService = 2;
    private const int CKind = 3;
    private const int CDirection = 4;
    private const int CSubscriber = 5;
    private const int CCounterpart = 6;
    private const int CStart = 7;
    private const int CDuration = 8;
    private const int CBytes = 9;
    private const int CProtocol = 10;
    private const int CCellId = 11;
    private const int CCountry = 12;

    private CsvHeader? _header;

    public string Name => "custodian";

    public FileProblem? CheckFirst(IReadOnlyList<string> fields, ImportContext context, out bool isHeader)
    {
        isHeader = true;
        _header = CsvHeader.Parse(fields, Columns, ["kind", "subscriber", "start"], "Custodian traffic CSV", out var problem);
        if (problem is null && context.TenantId is null && !_header!.Has("organization"))
        {
            problem = new FileProblem(1, "organization", "import.header.organization_required",
                "Without --tenant the file needs an 'organization' column naming each row's organisation by its code.");
        }

        return problem;
    }

    /// <summary>The identifier kind of a traffic kind's subscriber and counterpart.</summary>
    public static string SubscriberKindOf(string kind) => kind switch
    {
        "email" => "email",
        "telephony" => "phone",
        "internet" => "ip",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public TrafficRecord? Parse(IReadOnlyList<string> f, long line, ImportContext context, out RowReject? reject)
    {
        var h = _header ?? throw new InvalidOperationException("CheckFirst was not called.");
        reject = h.CheckCount(f, line);
        if (reject is not null)
        {
            return null;
        }

        var organization = context.ResolveOrganization("organization", h.Get(f, COrganization), line, mustMatchTenant: true, out reject);
        if (organization is null)
        {
            return null;
        }

        var recordId = h.Get(f, CRecordId);
        var service = h.Get(f, CService);
        var kind = h.Get(f, CKind);
        var directionText = h.Get(f, CDirection);
        var direction = directionText.Length > 0 ? directionText : "unknown";
        var subscriberText = h.Get(f, CSubscriber);
        var counterpartText = h.Get(f, CCounterpart);
        var durationText = h.Get(f, CDuration);
        var bytesText = h.Get(f, CBytes);
        var protocol = h.Get(f, CProtocol);
        var cell = h.Get(f, CCellId);
        var countryText = h.Get(f, CCountry);

        string? subscriber = null;
        string? counterpart = null;
        string? country = null;
        var duration = 0;
        long bytes = 0;
        if (!Fields.MaxLength("record_id", recordId, 100, line, out reject)
            || !Fields.MaxLength("service", service, 100, line, out reject)
            || !Fields.OneOf("kind", ref kind, Kinds, line, out reject)
            || !Fields.OneOf("direction", ref direction, Directions, line, out reject)
            || !Fields.Required("subscriber", subscriberText, line, out reject)
            || !Identify("subscriber", kind, subscriberText, context, line, out subscriber, out reject)
            || (counterpartText.Length > 0 && !Identify("counterpart", kind, counterpartText, context, line, out counterpart, out reject))
            || !Fields.Time("start", h.Get(f, CStart), line, out var start, out reject)
            || !context.CheckTime("start", start, line, out reject)
            || (durationText.Length > 0 && !Fields.Seconds("duration", durationText, line, out duration, out reject))
            || (bytesText.Length > 0 && !Fields.Count("bytes", bytesText, line, out bytes, out reject))
            || !Fields.MaxLength("protocol", protocol, 20, line, out reject)
            || !Fields.MaxLength("cell_id", cell, 64, line, out reject)
            || (countryText.Length > 0 && !Fields.Country("country", countryText, line, out country, out reject)))
        {
            return null;
        }

        return new TrafficRecord
        {
            OrganizationId = organization.Value,
            RecordKey = recordId.Length > 0
                ? recordId
                : ImportContext.DerivedKey(organization.Value.ToString(), start.ToString(), kind, subscriber, counterpart, direction, durationText, bytesText),
            StartTime = start,
            Kind = kind,
            Direction = direction,
            SubscriberKind = SubscriberKindOf(kind),
            Subscriber = subscriber!,
            Counterpart = counterpart,
            DurationSeconds = durationText.Length > 0 ? duration : null,
            Bytes = bytesText.Length > 0 ? bytes : null,
            Protocol = protocol.Length > 0 ? protocol.ToLowerInvariant() : null,
            CellId = cell.Length > 0 ? cell : null,
            Country = country,
            ServiceReference = service.Length > 0 ? service : null,
            ImportBatchId = context.BatchId,
        };
    }

    /// <summary>
    /// The canonical, look-up form of an identifier of the traffic kind: E.164 for telephony, lower-case e-mail, and the
    /// canonical IP address (any valid address: traffic logs legitimately hold private and carrier-grade NAT addresses).
    /// </summary>
    private static bool Identify(string field, string kind, string value, ImportContext context, long line, out string? canonical, out RowReject? reject)
    {
        if (kind == "telephony")
        {
            return Fields.Phone(field, value, context, line, out canonical, out reject);
        }

        var result = kind == "email" ? Email.Normalize(value) : IpAddress.Normalize(value);
        if (result.IsValid)
        {
            canonical = kind == "email" ? result.Value.ToLowerInvariant() : result.Value;
            reject = null;
            return true;
        }

        canonical = null;
        reject = new RowReject(line, field, result.Error.Code, result.Error.Message);
        return false;
    }
}
