using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Disclosures;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Custodian.Pages.Office.Disclosures;

/// <summary>The yearly transparency statistics (AUT-7), shown and exported as CSV or JSON.</summary>
[Authorize(Policy = Permissions.DisclosuresManage)]
internal sealed class StatisticsModel(DisclosureStatistics statistics, TimeProvider time) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public int? Year { get; set; }

    public DisclosureStatisticsReport? Report { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? format)
    {
        Year ??= Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).Year;
        Report = await statistics.ForYearAsync(DisclosurePages.Caller(HttpContext), Year.Value, HttpContext.RequestAborted);
        if (Report is null)
        {
            return NotFound();
        }

        return format switch
        {
            "csv" => File(System.Text.Encoding.UTF8.GetBytes(DisclosureStatistics.ToCsv(Report)), "text/csv", $"disclosure-statistics-{Year}.csv"),
            "json" => File(System.Text.Encoding.UTF8.GetBytes(DisclosureStatistics.ToJson(Report)), "application/json", $"disclosure-statistics-{Year}.json"),
            _ => Page(),
        };
    }
}
