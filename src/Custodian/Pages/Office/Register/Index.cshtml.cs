using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Register;
using Custodian.Features.Office;
using Custodian.Features.Register;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Office.Register;

/// <summary>The processing register this process runs with: as tables, as the rendered statement, and the <c>register check</c> result.</summary>
[Authorize(Policy = Permissions.RegisterRead)]
internal sealed class RegisterModel(ActiveRegister active) : PageModel
{
    public RegisterOverview Overview { get; private set; } = null!;

    public string Sha256 => active.Sha256;

    public void OnGet() => Overview = RegisterTable.Overview(active.Register, active.Content, active.Path, OfficeFormat.Language);
}
