using System.Globalization;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Events;

/// <summary>
/// Asterisk's <c>cdr-csv</c> Master.csv (docs/formats/usage-csv.md, "Asterisk"): no header; accountcode, src, dst,
/// dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags,
/// then uniqueid (<c>loguniqueid</c>) and userfield (<c>loguserfield</c>) when the PBX logs them: 16, 17 or 18 fields.
/// Seventeen fields are read as ending in uniqueid (the common set-up), not userfield.
/// </summary>
/// <remarks>
/// <para>Times are the PBX's local time without an offset. In the autumn hour that happens twice the offset is taken,
/// in this order, from the uniqueid (its leading number is the channel's creation time in Unix seconds), from the end
/// time (start = end − duration when the end is unambiguous), else the first occurrence (summer time). A local time in
/// the spring gap cannot have been written by a PBX on that zone: the row is rejected.</para>
/// <para>Numbers are stored only as E.164. A national number is read in the Netherlands' numbering plan (the PBX is
/// Dutch). An internal extension (up to 6 digits) or a dialplan name (<c>s</c>) is not a subscriber number: the row is
/// rejected with <c>asterisk.number.extension</c> rather than stored under a guessed number. An empty src or
/// <c>anonymous</c>/<c>unknown</c>/<c>restricted</c>/<c>private</c> is a withheld caller: stored without caller number.
/// The caller name (<c>clid</c>), channels, dialplan data and userfield are not stored (not needed; data minimisation).</para>
/// </remarks>
internal sealed class AsteriskCdrFormat : IImportFormat<UsageRecord>
{
    private static readonly LocalDateTimePattern LocalTime = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd' 'HH':'mm':'ss");
    private static readonly HashSet<string> Withheld = new(StringComparer.OrdinalIgnoreCase) { "", "anonymous", "unknown", "restricted", "private" };

    public string Name => "asterisk";

    public FileProblem? CheckFirst(IReadOnlyList<string> fields, ImportContext context, out bool isHeader)
    {
        isHeader = false;
        if (fields.Count is < 16 or > 18)
        {
            return new FileProblem(1, null, "asterisk.file.field_count",
                $"Line 1 has {fields.Count} fields; an Asterisk cdr-csv file has 16, 17 or 18 (is this Custodian's own format? then leave out --format asterisk).");
        }

        if (!LocalTime.Parse(fields[9]).Success)
        {
            return new FileProblem(1, "start", "asterisk.file.no_time",
                "Field 10 (start) of line 1 is not a time like 2026-11-03 09:15:00: this does not look like an Asterisk cdr-csv file (it has no header row).");
        }

        return null;
    }

    public UsageRecord? Parse(IReadOnlyList<string> f, long line, ImportContext context, out RowReject? reject)
    {
        if (f.Count is < 16 or > 18)
        {
            reject = new RowReject(line, "*", "asterisk.field_count", $"The row has {f.Count} fields; cdr-csv rows have 16, 17 or 18.");
            return null;
        }

        var organization = context.ResolveOrganization("accountcode", f[0], line, mustMatchTenant: false, out reject);
        if (organization is null)
        {
            return null;
        }

        var uniqueId = f.Count >= 17 ? f[16].Trim() : string.Empty;
        string? caller = null;
        var src = f[1].Trim();
        if (!Withheld.Contains(src) && !Number("src", src, context, line, out caller, out reject))
        {
            return null;
        }

        if (!Number("dst", f[2].Trim(), context, line, out var callee, out reject)
            || !Seconds("duration", f[12], line, out var duration, out reject)
            || !Seconds("billsec", f[13], line, out var billsec, out reject)
            || !Fields.MaxLength("uniqueid", uniqueId, 100, line, out reject))
        {
            return null;
        }

        var start = ResolveStart(f[9].Trim(), f[11].Trim(), duration, uniqueId, context.Zone, line, out reject);
        if (start is null || !context.CheckTime("start", start.Value, line, out reject))
        {
            return null;
        }

        return new UsageRecord
        {
            OrganizationId = organization.Value,
            RecordKey = uniqueId.Length > 0
                ? uniqueId
                : ImportContext.DerivedKey(organization.Value.ToString(), start.Value.ToString(), caller, callee, f[5], f[6], f[12], f[13]),
            StartTime = start.Value,
            Kind = "voip",
            Direction = "unknown",
            CallerNumber = caller,
            CalleeNumber = callee!,
            DurationSeconds = duration,
            BilledSeconds = billsec,
            Outcome = f[14].Trim().ToUpperInvariant() switch
            {
                "ANSWERED" => "answered",
                "NO ANSWER" => "no_answer",
                "BUSY" => "busy",
                "FAILED" => "failed",
                "CONGESTION" => "congestion",
                _ => null,
            },
            ImportBatchId = context.BatchId,
        };
    }

    private static bool Number(string field, string value, ImportContext context, long line, out string? e164, out RowReject? reject)
    {
        if (value.Length == 0 || (value.Length <= 6 && !value.StartsWith('+')) || !value.All(c => char.IsAsciiDigit(c) || c is '+' or ' ' or '-'))
        {
            e164 = null;
            reject = new RowReject(line, field, "asterisk.number.extension",
                $"'{field}' is an internal extension or dialplan name, not a subscriber number in E.164; the PBX must log the external number (CALLERID(num) / the DID).");
            return false;
        }

        return Fields.Phone(field, value, context, line, out e164, out reject);
    }

    private static bool Seconds(string field, string value, long line, out int seconds, out RowReject? reject) =>
        Fields.Seconds(field, value.Trim(), line, out seconds, out reject);

    /// <summary>The start as an instant; see the type's remarks for the autumn hour.</summary>
    internal static Instant? ResolveStart(string startText, string endText, int duration, string uniqueId, DateTimeZone zone, long line, out RowReject? reject)
    {
        var parsed = LocalTime.Parse(startText);
        if (!parsed.Success)
        {
            reject = new RowReject(line, "start", "asterisk.time.format", "'start' must be a local time like 2026-11-03 09:15:00.");
            return null;
        }

        var mapping = zone.MapLocal(parsed.Value);
        reject = null;
        switch (mapping.Count)
        {
            case 1:
                return mapping.Single().ToInstant();
            case 0:
                reject = new RowReject(line, "start", "asterisk.time.nonexistent",
                    $"'start' falls in the hour skipped when {zone.Id} moves to summer time; no clock there shows this time. Check --timezone.");
                return null;
        }

        var first = mapping.First().ToInstant();
        var last = mapping.Last().ToInstant();

        // 1. The uniqueid's leading number is the channel's creation time (Unix seconds), written in UTC by Asterisk.
        var idTime = uniqueId;
        var dash = idTime.LastIndexOf('-');
        if (dash >= 0)
        {
            idTime = idTime[(dash + 1)..];
        }

        var dot = idTime.IndexOf('.', StringComparison.Ordinal);
        if (long.TryParse(dot >= 0 ? idTime[..dot] : idTime, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) && epoch > 0)
        {
            var created = Instant.FromUnixTimeSeconds(epoch);
            var toFirst = Abs(created - first);
            var toLast = Abs(created - last);
            if (Duration.Min(toFirst, toLast) < Duration.FromMinutes(30))
            {
                return toFirst <= toLast ? first : last;
            }
        }

        // 2. An unambiguous end time pins the start: start = end - duration.
        var end = LocalTime.Parse(endText);
        if (end.Success && zone.MapLocal(end.Value) is { Count: 1 } endMapping)
        {
            var expected = endMapping.Single().ToInstant() - Duration.FromSeconds(duration);
            return Abs(expected - first) <= Abs(expected - last) ? first : last;
        }

        // 3. Both ends in the repeated hour: the first occurrence.
        return first;
    }

    private static Duration Abs(Duration d) => d < Duration.Zero ? -d : d;
}
