using Custodian.Core.Features.Requests;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>The portal's entry to data-subject requests: one link per request type, and "which requests were filed in my name".</summary>
internal sealed class RequestsIndexModel : PageModel
{
    public IReadOnlyList<string> Types { get; } = RequestTypes.Names;
}
