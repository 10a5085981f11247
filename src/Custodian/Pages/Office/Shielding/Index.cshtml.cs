using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;

using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;

namespace Custodian.Pages.Office.Shielding;

/// <summary>
/// The register of shielded numbers (BUDE 4.2): every shielding with its source and billing periods, a form to shield
/// an own subscriber's number (free of charge; from the current or the next billing period), ending one, and the
/// received lists and outgoing sends. Changes go through <see cref="ShieldingRegister"/> and are audited there.
/// </summary>
[Authorize(Policy = Permissions.ShieldingManage)]
internal sealed class IndexModel(ShieldingRegister register, IStringLocalizer<OfficeResource> texts) : PageModel
{
    public IReadOnlyList<ShieldedNumber> Numbers { get; private set; } = [];

    public IReadOnlyList<ShieldingReceivedList> Received { get; private set; } = [];

    public IReadOnlyList<ShieldingSend> Sends { get; private set; } = [];

    [FromQuery(Name = "done")]
    public string? Done { get; set; }

    public string? Error { get; private set; }

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAddAsync(string? number, string? when)
    {
        var now = BillingPeriod.Of(NodaTime.Instant.FromDateTimeOffset(HttpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()));
        var result = await register.AddOwnAsync(HttpContext.Staff().Actor, number, when == "next" ? now.PlusMonths(1) : now, HttpContext.RequestAborted);
        return await AnswerAsync(result.Error, "added");
    }

    public async Task<IActionResult> OnPostEndAsync(Guid id)
    {
        var result = await register.EndAsync(HttpContext.Staff().Actor, id, HttpContext.RequestAborted);
        return await AnswerAsync(result.Error, "ended");
    }

    private async Task<IActionResult> AnswerAsync(StoreError? error, string done)
    {
        if (error is null)
        {
            return Redirect($"/office/shielding?done={done}");
        }

        var codes = error is ValidationError v ? v.Errors.Select(e => e.Code).Distinct().ToList() : [error.Code];
        Error = string.Join(" ", codes.Select(code => texts["Shielding.Error." + code] is { ResourceNotFound: false } known ? known.Value : texts["Shielding.Error.Other", code].Value));
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var ct = HttpContext.RequestAborted;
        Numbers = await register.ListAsync(includeEnded: true, ct);
        Received = await register.ReceivedListsAsync(ct);
        Sends = await register.SendsAsync(ct);
    }
}
