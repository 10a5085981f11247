using System.Globalization;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Shielding;
using Custodian.Features.ApiKeys;
using Custodian.Hosting;

namespace Custodian.Features.Shielding;

/// <summary>
/// <c>POST /api/v1/bills/itemised</c> with <c>{"number": "+31612345678", "period": "2026-10"}</c>: the subscriber's
/// itemised bill specification for a billing period, shielded called numbers masked (<c>+31 88 308 ****</c>). A POST
/// so the subscriber's number stays out of URLs and access logs. Audited (<c>bill.itemised_viewed</c>). Scope <c>bills:read</c>;
/// a tenant key sees only its own organisation's usage records.
/// </summary>
internal static class ShieldingEndpoints
{
    internal static RouteGroupBuilder MapShieldingEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/bills/itemised", async (ItemisedBillRequest body, HttpContext http, ItemisedBillBuilder bills, CancellationToken ct) =>
            {
                var result = await bills.BuildAsync(http.Caller(), body?.Number, body?.Period, ct);
                return result.IsSuccess ? Results.Ok(ItemisedBillDto.From(result.Value)) : ApiProblems.From(result.Error);
            })
            .RequireAuthorization(ApiScopes.BillsRead)
            .WithTags("Bills")
            .WithName("GetItemisedBill")
            .WithSummary("A subscriber's itemised bill specification for a billing period (YYYY-MM), shielded numbers masked (bills:read; audited)")
            .Produces<ItemisedBillDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }
}

/// <param name="Number">The subscriber's number, any accepted spelling.</param>
/// <param name="Period">The billing period, <c>YYYY-MM</c> (a calendar month, Europe/Amsterdam).</param>
internal sealed record ItemisedBillRequest(string? Number, string? Period);

/// <param name="Number">E.164.</param>
/// <param name="Period">YYYY-MM.</param>
/// <param name="Calls">Oldest first.</param>
/// <param name="BilledSeconds">Sum of the calls' billed seconds.</param>
/// <param name="Totals">Cost per currency (ISO 4217).</param>
internal sealed record ItemisedBillDto(string Number, string Period, IReadOnlyList<ItemisedBillLineDto> Calls, int BilledSeconds, IReadOnlyDictionary<string, decimal> Totals)
{
    internal static ItemisedBillDto From(ItemisedBill b) => new(
        b.Number,
        b.Period,
        [.. b.Lines.Select(l => new ItemisedBillLineDto(
            l.Start.ToString("uuuu'-'MM'-'dd'T'HH':'mm':'ss", CultureInfo.InvariantCulture), l.Called, l.Masked, l.DurationSeconds, l.BilledSeconds, l.Cost, l.Currency, l.Outcome))],
        b.BilledSeconds,
        b.Totals);
}

/// <param name="Start">Local time in Europe/Amsterdam, ISO 8601 without offset.</param>
/// <param name="Called">The called number for display; the last four digits are <c>****</c> when shielded.</param>
/// <param name="Masked">Whether the number is shielded in this period.</param>
/// <param name="DurationSeconds">The call's duration.</param>
/// <param name="BilledSeconds">The billed duration.</param>
/// <param name="Cost">The cost; null when the feed has none.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="Outcome">answered, no_answer, busy, failed, congestion; null when unknown.</param>
internal sealed record ItemisedBillLineDto(string Start, string Called, bool Masked, int DurationSeconds, int BilledSeconds, decimal? Cost, string? Currency, string? Outcome);
