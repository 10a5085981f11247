using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages;

/// <summary>The page shown for an error status on a page address (re-executed by the status-code middleware).</summary>
internal sealed class StatusModel : PageModel
{
    public bool IsNotFound { get; private set; }

    /// <summary>403: logged in, but the role lacks the page's permission (the back office).</summary>
    public bool IsForbidden { get; private set; }

    public void OnGet(int code)
    {
        IsNotFound = code == StatusCodes.Status404NotFound;
        IsForbidden = code == StatusCodes.Status403Forbidden;
        // Keep the original status: this page describes it, it does not replace it.
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodeReExecuteFeature>() is null)
        {
            Response.StatusCode = code is >= 400 and <= 599 ? code : StatusCodes.Status404NotFound;
        }
    }
}
