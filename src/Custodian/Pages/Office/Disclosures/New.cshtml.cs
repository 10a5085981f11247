using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Register;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Pages.Office.Disclosures;

/// <summary>
/// The form for a new order (POST, antiforgery-checked). Dates and times are entered in Amsterdam time; the period's
/// last day is inclusive on the form and exclusive in the order. Every rule is <see cref="AuthorityOrders"/>'s.
/// </summary>
[Authorize(Policy = Permissions.DisclosuresManage)]
internal sealed class NewModel(AuthorityOrders orders, ProcessingRegister register, TimeProvider time, IStringLocalizer<OfficeResource> texts) : PageModel
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    public ProcessingRegister Register => register;

    public IReadOnlyList<string> Errors { get; private set; } = [];

    [BindProperty] public string? Reference { get; set; }
    [BindProperty] public string? Type { get; set; }
    [BindProperty] public string? IssuedBy { get; set; }
    [BindProperty] public string? JudgeAuthorisation { get; set; }
    [BindProperty] public DateTime? ReceivedAt { get; set; }
    [BindProperty] public DateOnly? PeriodFrom { get; set; }
    [BindProperty] public DateOnly? PeriodTo { get; set; }
    [BindProperty] public List<string> Categories { get; set; } = [];
    [BindProperty] public string? TargetKind { get; set; }
    [BindProperty] public string? Targets { get; set; }
    [BindProperty] public decimal? CostAmount { get; set; }
    [BindProperty] public string? CostNote { get; set; }

    /// <summary>The form starts empty except for the received time: now, in Amsterdam, to the minute.</summary>
    public void OnGet()
    {
        var now = Instant.FromDateTimeOffset(time.GetUtcNow()).InZone(Amsterdam).LocalDateTime;
        ReceivedAt = now.PlusSeconds(-now.Second).PlusNanoseconds(-now.NanosecondOfSecond).ToDateTimeUnspecified();
    }

    public async Task<IActionResult> OnPostAsync()
    {
        var input = new AuthorityOrderInput(
            Reference,
            Type,
            IssuedBy,
            string.IsNullOrWhiteSpace(JudgeAuthorisation) ? null : JudgeAuthorisation,
            ReceivedAt is { } r ? Format(LocalDateTime.FromDateTime(r).InZoneLeniently(Amsterdam).ToInstant()) : null,
            PeriodFrom is { } f ? Format(LocalDate.FromDateOnly(f).AtStartOfDayInZone(Amsterdam).ToInstant()) : null,
            PeriodTo is { } t ? Format(LocalDate.FromDateOnly(t).PlusDays(1).AtStartOfDayInZone(Amsterdam).ToInstant()) : null,
            [.. Categories],
            [.. (Targets ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => new OrderTargetInput(TargetKind, v))],
            CostAmount,
            string.IsNullOrWhiteSpace(CostNote) ? null : CostNote);
        var result = await orders.RegisterAsync(DisclosurePages.Caller(HttpContext), input, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            return Redirect($"/office/disclosures/orders/{result.Value.Id}?done=registered");
        }

        Errors = DisclosurePages.Texts(result.Error!, texts);
        return Page();
    }

    private static string Format(Instant i) => InstantPattern.ExtendedIso.Format(i);
}
