using Custodian.Core.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>
/// The page behind the link in a mandate confirmation (<see cref="RequestMandates"/>). GET only shows the request's
/// reference and type with two buttons: the decision is a POST, so a mail scanner that follows links cannot confirm.
/// </summary>
internal sealed class MandateModel(RequestMandates mandates) : PageModel
{
    [FromRoute]
    public string Reference { get; set; } = string.Empty;

    public string? Token { get; private set; }

    public MandateView? View { get; private set; }

    /// <summary><c>confirmed</c>, <c>rejected</c>, or null before the decision.</summary>
    public string? Decision { get; private set; }

    public bool Invalid { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? token)
    {
        Token = token;
        var result = await mandates.DescribeAsync(Reference, token, HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            View = result.Value;
            return Page();
        }

        return Refused();
    }

    public async Task<IActionResult> OnPostAsync(string? token, string? decision)
    {
        var result = await mandates.DecideAsync(Reference, token, decision == "confirm", HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            Decision = result.Value.Decision;
            return Page();
        }

        return Refused();
    }

    private PageResult Refused()
    {
        Invalid = true;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        if (HttpContext.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }

        return Page();
    }
}
