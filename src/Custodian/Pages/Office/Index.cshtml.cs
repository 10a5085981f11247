using Custodian.Core.Features.Accounts;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office;

/// <summary>The back office's start page: who you are and what your role may do.</summary>
[Authorize(Policy = Permissions.OfficeAccess)]
internal sealed class StartModel : PageModel
{
    public StaffIdentity Staff => HttpContext.Staff();
}
