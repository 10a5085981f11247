using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Localization;
using NodaTime;

namespace Custodian.Pages.Office.Disclosures;

/// <summary>
/// One order: its fields, the hold it placed (linked to the hold's page), "mark complied" for orders that are not
/// complied with by a production, and its productions with produce, release (a second officer) and download. Reading is audited (<c>disclosure.viewed</c>), as every step is.
/// </summary>
[Authorize(Policy = Permissions.DisclosuresManage)]
internal sealed class OrderModel(AuthorityOrders orders, DisclosuresOptions options, TimeProvider time, IStringLocalizer<OfficeResource> texts) : PageModel
{
    public AuthorityOrderDetail Detail { get; private set; } = null!;

    public Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public bool IsLate => Detail.Order.IsLate(Now, options.WithoutDelay);

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(Guid id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostProduceAsync(Guid id) =>
        await AnswerAsync(id, await orders.ProduceAsync(DisclosurePages.Caller(HttpContext), id, HttpContext.RequestAborted), "produced");

    public async Task<IActionResult> OnPostCompliedAsync(Guid id) =>
        await AnswerAsync(id, await orders.MarkCompliedAsync(DisclosurePages.Caller(HttpContext), id, HttpContext.RequestAborted), "complied");

    public async Task<IActionResult> OnPostReleaseAsync(Guid id, Guid production) =>
        await AnswerAsync(id, await orders.ReleaseAsync(DisclosurePages.Caller(HttpContext), production, HttpContext.RequestAborted), "released");

    public async Task<IActionResult> OnGetDownloadAsync(Guid id, Guid production)
    {
        var result = await orders.DownloadAsync(DisclosurePages.Caller(HttpContext), production, HttpContext.RequestAborted);
        if (result.Error is NotFoundError)
        {
            return NotFound();
        }

        if (!result.IsSuccess)
        {
            Errors = DisclosurePages.Texts(result.Error!, texts);
            return await LoadAsync(id) ? Page() : NotFound();
        }

        Response.Headers.CacheControl = "no-store";
        return File(result.Value.Content, "application/zip", result.Value.FileName);
    }

    private async Task<IActionResult> AnswerAsync<T>(Guid id, StoreResult<T> result, string done)
    {
        if (result.IsSuccess)
        {
            return Redirect($"/office/disclosures/orders/{id}?done={done}");
        }

        if (result.Error is NotFoundError)
        {
            return NotFound();
        }

        Errors = DisclosurePages.Texts(result.Error!, texts);
        return await LoadAsync(id) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id)
    {
        var found = await orders.GetAsync(DisclosurePages.Caller(HttpContext), id, HttpContext.RequestAborted);
        if (!found.IsSuccess)
        {
            return false;
        }

        Detail = found.Value!;
        return true;
    }
}
