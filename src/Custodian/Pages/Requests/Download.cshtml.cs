using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;

namespace Custodian.Pages.Requests;

/// <summary>
/// Downloads one answer for the verified session: each click issues a fresh single-use link and spends it at once
/// (issue 6 §5), so no reusable link ever leaves the server. A POST with antiforgery, never a GET: a link in a mail,
/// a log or the history cannot fetch the answer.
/// </summary>
internal sealed class DownloadAnswerModel(RequestStatusQuery query, RequestAnswerList answers, RequestAnswers files) : PageModel
{
    /// <summary>The one-step link lives only as long as it takes to open it.</summary>
    private static readonly Duration LinkLifetime = Duration.FromMinutes(1);

    public IActionResult OnGet(string reference) => Redirect("/requests/" + RequestReferences.Canonical(reference));

    public async Task<IActionResult> OnPostAsync(string reference, Guid answerId)
    {
        var ct = HttpContext.RequestAborted;
        var request = await query.AuthorizeAsync(reference, PortalSession.Token(HttpContext), ct);
        if (request is null)
        {
            return RedirectToPage("/Requests/Verify", new { reference = RequestReferences.Canonical(reference), expired = PortalSession.Token(HttpContext) is not null });
        }

        var back = "/requests/" + request.Reference + "?download=true";
        if (!(await answers.ListAsync(request.Id, ct)).Any(a => a.Id == answerId))
        {
            return Redirect(back);
        }

        var (token, issueError) = await files.IssueDownloadAsync(answerId, LinkLifetime, ct);
        if (issueError is not null || token is null)
        {
            return Redirect(back);
        }

        var (opened, openError) = await files.OpenAsync(request.Id, token, RequestIntake.Requester(RequestChannel.Portal), ct);
        if (openError is not null || opened is null)
        {
            return Redirect(back);
        }

        Response.Headers.CacheControl = "no-store";
        return File(opened.Content, opened.Answer.ContentType, opened.Answer.FileName);
    }
}
