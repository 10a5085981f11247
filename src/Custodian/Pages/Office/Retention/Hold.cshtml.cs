using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Pages.Office.Retention;

/// <summary>
/// One legal hold, and for <c>holds:write</c> the forms to extend or release it (POST, antiforgery-checked, then a
/// redirect back). Every rule is <see cref="LegalHoldCommands"/>'s, exactly as in the API: the hold must be visible to
/// the user (authority holds only with <c>holds:lawful</c>) and placed by the user's tenancy; a 126ni order extends once.
/// Reading the hold is audited (<c>hold.viewed</c>) as in the API.
/// </summary>
[Authorize(Policy = Permissions.HoldsRead)]
internal sealed class HoldModel(LegalHoldCommands holds, TimeProvider time, IStringLocalizer<OfficeResource> texts) : PageModel
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    public LegalHold Hold { get; private set; } = null!;

    public Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public bool MayWrite => HttpContext.Staff().Has(Permissions.HoldsWrite);

    /// <summary>What the last POST did (<c>extended</c>, <c>released</c>), shown after the redirect.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostExtendAsync(Guid id, DateOnly? endsOn)
    {
        if (!MayWrite)
        {
            return Forbid();
        }

        // The form asks for the last day held (Amsterdam); the hold's end is exclusive: the start of the next day.
        var endsAt = endsOn is { } day ? InstantPattern.ExtendedIso.Format(LocalDate.FromDateOnly(day).PlusDays(1).AtStartOfDayInZone(Amsterdam).ToInstant()) : null;
        var result = await holds.ExtendAsync(Caller(), id, new ExtendHoldInput(endsAt), HttpContext.RequestAborted);
        return await AnswerAsync(id, result, "extended");
    }

    public async Task<IActionResult> OnPostReleaseAsync(Guid id, string? reason)
    {
        if (!MayWrite)
        {
            return Forbid();
        }

        var result = await holds.ReleaseAsync(Caller(), id, new ReleaseHoldInput(reason), HttpContext.RequestAborted);
        return await AnswerAsync(id, result, "released");
    }

    public string Status() =>
        Hold.IsReleased ? "HoldStatus_released" : Hold.IsActiveAt(Now) ? "HoldStatus_active" : Hold.StartsAt > Now ? "HoldStatus_pending" : "HoldStatus_ended";

    private HoldCaller Caller()
    {
        var staff = HttpContext.Staff();
        return new HoldCaller(staff.Actor, staff.TenantScope, staff.Has(Permissions.HoldsLawful));
    }

    private async Task<IActionResult> AnswerAsync(Guid id, StoreResult<LegalHold> result, string done)
    {
        if (result.IsSuccess)
        {
            return Redirect($"/office/retention/holds/{id}?done={done}");
        }

        if (result.Error is NotFoundError)
        {
            return NotFound();
        }

        var codes = result.Error is ValidationError v ? v.Errors.Select(e => e.Code).Distinct().ToList() : [result.Error!.Code];
        Error = string.Join(" ", codes.Select(code => texts["HoldError_" + code] is { ResourceNotFound: false } known ? known.Value : texts["HoldErrorOther", code].Value));
        return await LoadAsync(id) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id)
    {
        var found = await holds.GetAsync(Caller(), id, HttpContext.RequestAborted);
        if (!found.IsSuccess)
        {
            return false;
        }

        Hold = found.Value!;
        return true;
    }
}
