namespace Custodian.Core.Features.Events;

/// <summary>Custodian's own usage CSV format (docs/formats/usage-csv.md).</summary>
internal sealed class UsageCsvFormat : IImportFormat<UsageRecord>
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "organization", "record_id", "service", "kind", "direction", "caller", "callee", "start", "duration", "billed",
        "outcome", "cell_id", "country", "volume", "cost", "currency",
    ];

    public static readonly IReadOnlyList<string> Kinds = ["voip", "mobile"];
    public static readonly IReadOnlyList<string> Directions = ["outbound", "inbound"];
    public static readonly IReadOnlyList<string> Outcomes = ["answered", "no_answer", "busy", "failed", "congestion"];

    private const int COrganization = 0;
    private const int CRecordId = 1;
    private const int CService = 2;
    private const int CKind = 3;
    private const int CDirection = 4;
    private const int CCaller = 5;
    private const int CCallee = 6;
    private const int CStart = 7;
    private const int CDuration = 8;
    private const int CBilled = 9;
    private const int COutcome = 10;
    private const int CCellId = 11;
    private const int CCountry = 12;
    private const int CVolume = 13;
    private const int CCost = 14;
    private const int CCurrency = 15;

    private CsvHeader? _header;

    public string Name => "custodian";

    public FileProblem? CheckFirst(IReadOnlyList<string> fields, ImportContext context, out bool isHeader)
    {
        isHeader = true;
        _header = CsvHeader.Parse(fields, Columns, ["kind", "direction", "callee", "start", "duration"], "Custodian usage CSV", out var problem);
        if (problem is null && context.TenantId is null && !_header!.Has("organization"))
        {
            problem = new FileProblem(1, "organization", "import.header.organization_required",
                "Without --tenant the file needs an 'organization' column naming each row's organisation by its code.");
        }

        return problem;
    }

    public UsageRecord? Parse(IReadOnlyList<string> f, long line, ImportContext context, out RowReject? reject)
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
        var direction = h.Get(f, CDirection);
        var caller = h.Get(f, CCaller);
        var callee = h.Get(f, CCallee);
        var outcome = h.Get(f, COutcome);
        var cell = h.Get(f, CCellId);
        var countryText = h.Get(f, CCountry);
        var volumeText = h.Get(f, CVolume);
        var costText = h.Get(f, CCost);
        var currencyText = h.Get(f, CCurrency);
        var billedText = h.Get(f, CBilled);

        string? callerE164 = null;
        string? calleeE164 = null;
        string? country = null;
        long volume = 0;
        decimal cost = 0;
        string? currency = null;
        var billed = 0;
        if (!Fields.MaxLength("record_id", recordId, 100, line, out reject)
            || !Fields.MaxLength("service", service, 100, line, out reject)
            || !Fields.OneOf("kind", ref kind, Kinds, line, out reject)
            || !Fields.OneOf("direction", ref direction, Directions, line, out reject)
            || (caller.Length > 0 && !Fields.Phone("caller", caller, context, line, out callerE164, out reject))
            || !Fields.Required("callee", callee, line, out reject)
            || !Fields.Phone("callee", callee, context, line, out calleeE164, out reject)
            || !Fields.Time("start", h.Get(f, CStart), line, out var start, out reject)
            || !context.CheckTime("start", start, line, out reject)
            || !Fields.Seconds("duration", h.Get(f, CDuration), line, out var duration, out reject)
            || (billedText.Length > 0 && !Fields.Seconds("billed", billedText, line, out billed, out reject))
            || (outcome.Length > 0 && !Fields.OneOf("outcome", ref outcome, Outcomes, line, out reject))
            || !Fields.MaxLength("cell_id", cell, 64, line, out reject)
            || (countryText.Length > 0 && !Fields.Country("country", countryText, line, out country, out reject))
            || (volumeText.Length > 0 && !Fields.Count("volume", volumeText, line, out volume, out reject))
            || (costText.Length > 0 && !Fields.Cost(costText, currencyText, line, out cost, out currency, out reject)))
        {
            return null;
        }

        if (costText.Length == 0 && currencyText.Length > 0)
        {
            reject = new RowReject(line, "currency", "import.currency.without_cost", "'currency' is given without 'cost'.");
            return null;
        }

        if (billedText.Length > 0 && billed > duration)
        {
            reject = new RowReject(line, "billed", "usage.billed.exceeds_duration", "'billed' is longer than 'duration'.");
            return null;
        }

        return new UsageRecord
        {
            OrganizationId = organization.Value,
            RecordKey = recordId.Length > 0
                ? recordId
                : ImportContext.DerivedKey(organization.Value.ToString(), start.ToString(), callerE164, calleeE164, direction, h.Get(f, CDuration)),
            StartTime = start,
            Kind = kind,
            Direction = direction,
            CallerNumber = callerE164,
            CalleeNumber = calleeE164!,
            DurationSeconds = duration,
            BilledSeconds = billedText.Length > 0 ? billed : duration,
            Outcome = outcome.Length > 0 ? outcome : null,
            CellId = cell.Length > 0 ? cell : null,
            Country = country,
            Volume = volumeText.Length > 0 ? volume : null,
            Cost = costText.Length > 0 ? cost : null,
            Currency = currency,
            ServiceReference = service.Length > 0 ? service : null,
            ImportBatchId = context.BatchId,
        };
    }
}
