using System.Globalization;
using Custodian.Core.Features.Register;
using Custodian.Features.Register;
using Custodian.Hosting;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages;

/// <summary>
/// The privacy statement, rendered from the processing register this process runs with (never a static copy), so the
/// page cannot drift from what the system does. The renderer HTML-encodes every register text.
/// </summary>
internal sealed class PrivacyModel(ActiveRegister register) : PageModel
{
    public string ArticleHtml { get; private set; } = string.Empty;

    public void OnGet()
    {
        var language = Languages.IsEnglish(CultureInfo.CurrentUICulture) ? StatementLanguage.English : StatementLanguage.Dutch;
        ArticleHtml = StatementRenderer.RenderHtmlArticle(register.Register, language);
    }
}
