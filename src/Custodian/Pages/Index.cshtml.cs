using System.Globalization;
using Custodian.Features.Register;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages;

/// <summary>The public portal's home page: who the provider is and where its privacy statement is.</summary>
internal sealed class IndexModel(ActiveRegister register) : PageModel
{
    public string ControllerName { get; private set; } = string.Empty;

    public string LastUpdated { get; private set; } = string.Empty;

    public void OnGet()
    {
        ControllerName = register.Register.Statement.Controller.Name;
        LastUpdated = register.Register.Statement.LastUpdated.ToString("d MMMM yyyy", CultureInfo.CurrentCulture);
    }
}
