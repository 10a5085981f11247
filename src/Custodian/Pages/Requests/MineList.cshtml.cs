using Custodian.Core.Features.Requests;
using Custodian.Features.Requests;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>"Which requests were filed in my name", step 3: the list (reference, type, received date, state; nothing else).</summary>
internal sealed class MineListModel(FiledInMyName lookup, MineSession session) : PageModel
{
    public IReadOnlyList<FiledRequest> Requests { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync()
    {
        var (email, token) = session.Read(HttpContext);
        var result = await lookup.ListAsync(email, token, HttpContext.RequestAborted);
        if (!result.IsSuccess)
        {
            return Redirect("/requests/mine?expired=true");
        }

        Requests = result.Value;
        return Page();
    }
}
