using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Features.Breaches;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Localization;
using NodaTime;

namespace Custodian.Pages.Office.Breaches;

/// <summary>
/// The breach register (GDPR 33(5), Tw 11.3a): every breach, open ones first with both clocks; for
/// <c>breaches:manage</c> the form to record a new one (then to its page).
/// </summary>
[Authorize(Policy = Permissions.BreachesRead)]
internal sealed class IndexModel(
    BreachQueries queries, BreachCommands commands, ProcessingRegister register, CustodianDbContext db, TimeProvider time, IStringLocalizer<OfficeResource> texts) : PageModel
{
    public IReadOnlyList<BreachSummary> Breaches { get; private set; } = [];

    public ProcessingRegister Register => register;

    public IReadOnlyList<Organization> Organizations { get; private set; } = [];

    public bool MayManage => HttpContext.Staff().Has(Permissions.BreachesManage);

    public string? Error { get; private set; }

    /// <summary>The form's defaults: detection and awareness now.</summary>
    public string NowLocal => BreachDisplay.ToLocal(Instant.FromDateTimeOffset(time.GetUtcNow()));

    [BindProperty]
    public BreachForm Form { get; set; } = new();

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        if (!MayManage)
        {
            return Forbid();
        }

        if (Form.DetectedAt is null || Form.AwareAt is null)
        {
            Error = texts["Breaches.Error.TimesRequired"];
            await LoadAsync();
            return Page();
        }

        var result = await commands.RecordAsync(Form.ToInput(), HttpContext.Staff().Actor, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            return Redirect($"/office/breaches/{result.Value.Id}");
        }

        Error = BreachForm.Describe(result.Error!, texts);
        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        Breaches = await queries.ListAsync(openOnly: false, HttpContext.RequestAborted);
        if (MayManage)
        {
            Organizations = await db.Organizations.AsNoTracking().OrderBy(o => o.Name).ToListAsync(HttpContext.RequestAborted);
        }
    }
}

/// <summary>The breach form's fields (record and edit).</summary>
internal sealed class BreachForm
{
    public string? Title { get; set; }

    public DateTime? DetectedAt { get; set; }

    public DateTime? AwareAt { get; set; }

    public string? Nature { get; set; }

    public List<string> Categories { get; set; } = [];

    public int? ApproximatePeople { get; set; }

    public int? ApproximateRecords { get; set; }

    public string? LikelyConsequences { get; set; }

    public string? MeasuresTaken { get; set; }

    public string? MeasuresProposed { get; set; }

    public bool SubjectsInformed { get; set; }

    public SubjectNoticeExemption SubjectsNotInformedBecause { get; set; }

    public string? ContactPoint { get; set; }

    public List<Guid> OrganizationIds { get; set; } = [];

    public BreachInput ToInput() => new(
        Title,
        BreachDisplay.FromLocal(DetectedAt) ?? default,
        BreachDisplay.FromLocal(AwareAt) ?? default,
        Nature,
        Categories,
        ApproximatePeople,
        ApproximateRecords,
        LikelyConsequences,
        MeasuresTaken,
        MeasuresProposed,
        SubjectsInformed,
        SubjectsNotInformedBecause,
        ContactPoint,
        OrganizationIds);

    public static string Describe(StoreError error, IStringLocalizer texts)
    {
        var codes = error is ValidationError v ? v.Errors.Select(e => (e.Field, e.Code)).Distinct().ToList() : [(string.Empty, error.Code)];
        return string.Join(" ", codes.Select(c => texts["Breaches.Error." + c.Code] is { ResourceNotFound: false } known
            ? known.Value
            : texts["Breaches.Error.Other", c.Field, c.Code].Value));
    }
}
