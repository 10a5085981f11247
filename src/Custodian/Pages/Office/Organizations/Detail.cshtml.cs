using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Organizations;

/// <summary>
/// One organisation: services, contacts, the recording setting and the processing agreement, with forms for the two
/// settings (<c>organizations:write</c>; POST-redirect-GET; a refused change re-renders with the errors beside the
/// fields and stores nothing). Another organisation's id answers as a missing one: the context's tenant filter hides it.
/// </summary>
[Authorize(Policy = Permissions.OrganizationsRead)]
internal sealed class OrganizationDetailModel(OrganizationQueries queries, OrganizationCommands commands) : PageModel
{
    public OrganizationDetail Detail { get; private set; } = null!;

    public bool CanWrite => HttpContext.Staff().Has(Permissions.OrganizationsWrite);

    /// <summary>Which form was just saved (<c>recording</c> or <c>agreement</c>), for the confirmation after the redirect.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Saved { get; set; }

    public Dictionary<string, List<FieldError>> Errors { get; private set; } = [];

    /// <summary>The values a refused form was sent with (shown again instead of the stored ones).</summary>
    public RecordingSettingInput? RecordingInput { get; private set; }

    public ProcessingAgreementInput? AgreementInput { get; private set; }

    private StoreCaller Caller
    {
        get
        {
            var staff = HttpContext.Staff();
            return new StoreCaller(staff.Actor, staff.TenantScope);
        }
    }

    public async Task<IActionResult> OnGetAsync(Guid id) => await LoadAsync(id) ? Page() : NotFound();

    public async Task<IActionResult> OnPostRecordingAsync(Guid id, bool? enabled, string? retention)
    {
        if (!CanWrite)
        {
            return Forbid();
        }

        var input = new RecordingSettingInput(enabled ?? false, string.IsNullOrWhiteSpace(retention) ? null : retention.Trim());
        var result = await commands.SetRecordingAsync(Caller, id, input, HttpContext.RequestAborted);
        return await AfterAsync(id, result, "recording", () => RecordingInput = input);
    }

    public async Task<IActionResult> OnPostAgreementAsync(Guid id, string? reference, string? signedOn, bool? organizationIsController)
    {
        if (!CanWrite)
        {
            return Forbid();
        }

        var input = new ProcessingAgreementInput(reference, signedOn, organizationIsController);
        var result = await commands.SetProcessingAgreementAsync(Caller, id, input, HttpContext.RequestAborted);
        return await AfterAsync(id, result, "agreement", () => AgreementInput = input);
    }

    private async Task<IActionResult> AfterAsync(Guid id, StoreResult<Organization> result, string form, Action keepInput)
    {
        if (result.IsSuccess)
        {
            return Redirect($"/office/organizations/{id}?saved={form}");
        }

        if (result.Error is not ValidationError)
        {
            // Not found (or another organisation's): the same answer as a GET of a missing one.
            return NotFound();
        }

        Errors = OfficeFormat.ErrorsByField(result.Error);
        keepInput();
        Saved = null;
        return await LoadAsync(id) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid id)
    {
        var detail = await queries.GetAsync(Caller, id, HttpContext.RequestAborted);
        if (!detail.IsSuccess)
        {
            return false;
        }

        Detail = detail.Value;
        return true;
    }
}
