using System.Globalization;
using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Shielding;

/// <summary>One call on the specification. The called number is only ever here in its display form, masked when shielded.</summary>
/// <param name="Start">Local start time (Europe/Amsterdam).</param>
/// <param name="Called">The called number for display: <c>+31 88 308 ****</c> when shielded (SHD-4).</param>
/// <param name="Masked">Whether <paramref name="Called"/> is masked.</param>
/// <param name="DurationSeconds">The call's duration.</param>
/// <param name="BilledSeconds">The billed duration.</param>
/// <param name="Cost">The call's cost; null when the feed has none.</param>
/// <param name="Currency">ISO 4217, with <paramref name="Cost"/>.</param>
/// <param name="Outcome">answered, no_answer, busy, ...; null when not known.</param>
internal sealed record ItemisedBillLine(LocalDateTime Start, string Called, bool Masked, int DurationSeconds, int BilledSeconds, decimal? Cost, string? Currency, string? Outcome);

/// <summary>A subscriber's itemised bill specification for one billing period.</summary>
/// <param name="Number">The subscriber's number (E.164).</param>
/// <param name="Period">The billing period (<c>2026-10</c>).</param>
/// <param name="Lines">The outgoing calls of the period, oldest first.</param>
/// <param name="Totals">Cost per currency.</param>
internal sealed record ItemisedBill(string Number, string Period, IReadOnlyList<ItemisedBillLine> Lines, IReadOnlyDictionary<string, decimal> Totals)
{
    public int BilledSeconds => Lines.Sum(l => l.BilledSeconds);
}

/// <summary>
/// The itemised-bill renderer (issue 7 §2): a subscriber's outgoing calls of one billing period (a calendar month in
/// Amsterdam) from the usage records, with every called number that is shielded in that period (own register or a
/// received list) masked in its last four digits (BUDE 4.2(4)). Shielding is decided per billing period, not per
/// call: a number shielded from November is masked on November's bill and shown on October's.
/// Reading the specification is an access to personal data: audited (<c>bill.itemised_viewed</c>) before it is returned.
/// </summary>
internal sealed class ItemisedBillBuilder(CustodianDbContext db, StoreTransactions transactions, AuditHasher hasher)
{
    public const string AuditAction = "bill.itemised_viewed";

    public async Task<StoreResult<ItemisedBill>> BuildAsync(StoreCaller caller, string? number, string? period, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var v = new FieldValidator();
        var normalized = Phone.Normalize(number);
        if (!normalized.IsValid)
        {
            v.Add("number", normalized.Error.Code, normalized.Error.Message);
        }

        var month = BillingPeriod.Parse(period);
        if (month is null)
        {
            v.Add("period", "bill.period.invalid", "The billing period is a calendar month written as YYYY-MM.");
        }

        if (!v.IsValid)
        {
            return v.ToError();
        }

        var e164 = normalized.Value!;
        var p = month!.Value;
        var from = BillingPeriod.Start(p);
        var until = BillingPeriod.End(p);
        var bill = await transactions.ReadAsync(
            async c =>
            {
                var shielded = await ShieldingRegister.ShieldedInAsync(db, p, c);
                // Only the period's records, read by caller number and time range (never the number's whole history).
                var calls = (await EventLookup.FindUsageByCallerAsync(db, e164, from, until, c))
                    .Where(u => u.Direction != "inbound")
                    .OrderBy(u => u.StartTime).ThenBy(u => u.RecordKey, StringComparer.Ordinal)
                    .ToList();
                var lines = calls.Select(u =>
                {
                    var masked = shielded.Contains(u.CalleeNumber);
                    return new ItemisedBillLine(
                        u.StartTime.InZone(RetentionCalendar.Zone).LocalDateTime,
                        masked ? NumberMasking.Masked(u.CalleeNumber) : NumberMasking.Display(u.CalleeNumber),
                        masked, u.DurationSeconds, u.BilledSeconds, u.Cost, u.Currency, u.Outcome);
                }).ToList();
                var totals = lines.Where(l => l.Cost is not null && l.Currency is not null)
                    .GroupBy(l => l.Currency!, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Sum(l => l.Cost!.Value), StringComparer.Ordinal);
                return new ItemisedBill(e164, BillingPeriod.Format(p), lines, totals);
            },
            b => new AuditEntry(AuditAction, caller.Actor, caller.TenantId, [],
                Details: new Dictionary<string, string>
                {
                    ["identifier"] = hasher.HashIdentifier("phone", e164),
                    ["period"] = b.Period,
                    ["lines"] = BillingPeriod.Invariant(b.Lines.Count),
                    ["masked"] = BillingPeriod.Invariant(b.Lines.Count(l => l.Masked)),
                }),
            ct);
        return bill;
    }

    private static readonly LocalDateTimePattern Time = LocalDateTimePattern.CreateWithInvariantCulture("uuuu'-'MM'-'dd HH':'mm':'ss");

    /// <summary>Plain-text rendering (the CLI's default output): one call per line, then the totals.</summary>
    public static string Text(ItemisedBill bill)
    {
        ArgumentNullException.ThrowIfNull(bill);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Itemised bill specification for {NumberMasking.Display(bill.Number)}, billing period {bill.Period} (Europe/Amsterdam)\n\n");
        var rows = bill.Lines.Select(l => new[]
        {
            Time.Format(l.Start), l.Called, Duration(l.DurationSeconds), Duration(l.BilledSeconds),
            l.Cost is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{l.Cost:0.00##} {l.Currency}"),
        }).ToList();
        string[] header = ["START", "CALLED NUMBER", "DURATION", "BILLED", "COST"];
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        void Row(string[] cells) => text.Append(string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        Row(header);
        rows.ForEach(Row);
        text.Append(CultureInfo.InvariantCulture, $"\n{bill.Lines.Count} call(s), billed {Duration(bill.BilledSeconds)}");
        foreach (var (currency, total) in bill.Totals.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $", {total:0.00##} {currency}");
        }

        text.Append(".\nShielded numbers are shown with their last four digits masked (****).\n");
        return text.ToString();
    }

    private static string Duration(int seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}:{seconds % 60:00}");
}
