using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Persistence;
using Custodian.Features.Breaches;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;

namespace Custodian.Pages.Office.Breaches;

/// <summary>
/// One breach: both clocks with time left or overdue, the controllers to inform, the notice for the AP (printable
/// HTML, Dutch or English), and for <c>breaches:manage</c> the forms to update the facts and the notification state.
/// </summary>
[Authorize(Policy = Permissions.BreachesRead)]
internal sealed class BreachModel(
    BreachQueries queries, BreachCommands commands, ProcessingRegister register, CustodianDbContext db, IStringLocalizer<OfficeResource> texts) : PageModel
{
    public BreachDetail Detail { get; private set; } = null!;

    public ProcessingRegister Register => register;

    public IReadOnlyList<Organization> Organizations { get; private set; } = [];

    public bool MayManage => HttpContext.Staff().Has(Permissions.BreachesManage);

    public string? Error { get; private set; }

    [BindProperty(SupportsGet = true)]
    public string? Done { get; set; }

    [BindProperty]
    public BreachForm Form { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(Guid id) => await LoadAsync(id, fillForm: true) ? Page() : NotFound();

    /// <summary>The notice for the AP as a printable document (<c>lang</c>: <c>nl</c> or <c>en</c>).</summary>
    public async Task<IActionResult> OnGetNoticeAsync(Guid id, string? lang)
    {
        if (await queries.GetAsync(id, HttpContext.RequestAborted) is not { } detail)
        {
            return NotFound();
        }

        var language = lang == "en" ? StatementLanguage.English : StatementLanguage.Dutch;
        return Content(BreachNotice.Render(detail, register, language), "text/html; charset=utf-8");
    }

    public async Task<IActionResult> OnPostUpdateAsync(Guid id)
    {
        if (!MayManage)
        {
            return Forbid();
        }

        if (Form.DetectedAt is null || Form.AwareAt is null)
        {
            Error = texts["Breaches.Error.TimesRequired"];
            return await LoadAsync(id, fillForm: false) ? Page() : NotFound();
        }

        var result = await commands.UpdateAsync(id, Form.ToInput(), HttpContext.Staff().Actor, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            return Redirect($"/office/breaches/{id}?done=updated");
        }

        Error = BreachForm.Describe(result.Error!, texts);
        return await LoadAsync(id, fillForm: false) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostReportAsync(Guid id, DateTime? initialReportAt, DateTime? completeReportAt, string? notNotifiedReason, string? lateReasons, bool close)
    {
        if (!MayManage)
        {
            return Forbid();
        }

        var input = new BreachReportInput(BreachDisplay.FromLocal(initialReportAt), BreachDisplay.FromLocal(completeReportAt), notNotifiedReason, lateReasons, close);
        var result = await commands.ReportAsync(id, input, HttpContext.Staff().Actor, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            return Redirect($"/office/breaches/{id}?done={(close ? "closed" : "reported")}");
        }

        Error = BreachForm.Describe(result.Error!, texts);
        return await LoadAsync(id, fillForm: true) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id, bool fillForm)
    {
        if (await queries.GetAsync(id, HttpContext.RequestAborted) is not { } detail)
        {
            return false;
        }

        Detail = detail;
        if (MayManage)
        {
            Organizations = await db.Organizations.AsNoTracking().OrderBy(o => o.Name).ToListAsync(HttpContext.RequestAborted);
            if (fillForm)
            {
                var b = detail.Breach;
                Form = new BreachForm
                {
                    Title = b.Title,
                    DetectedAt = Local(b.DetectedAt),
                    AwareAt = Local(b.AwareAt),
                    Nature = b.Nature,
                    Categories = [.. b.Categories],
                    ApproximatePeople = b.ApproximatePeople,
                    ApproximateRecords = b.ApproximateRecords,
                    LikelyConsequences = b.LikelyConsequences,
                    MeasuresTaken = b.MeasuresTaken,
                    MeasuresProposed = b.MeasuresProposed,
                    SubjectsInformed = b.SubjectsInformed,
                    SubjectsNotInformedBecause = b.SubjectsNotInformedBecause,
                    ContactPoint = b.ContactPoint,
                    OrganizationIds = [.. b.OrganizationIds],
                };
            }
        }

        return true;
    }

    private static DateTime Local(NodaTime.Instant instant) =>
        DateTime.Parse(BreachDisplay.ToLocal(instant), System.Globalization.CultureInfo.InvariantCulture);
}
