using Custodian.Core.Features.Accounts;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using QRCoder;

namespace Custodian.Pages.Office.Login;

/// <summary>
/// First login: enrol a TOTP authenticator. The secret was chosen when the password was accepted (a GET changes
/// nothing) and is shown as a QR code (an SVG image, drawn here, no script) and as text; a code from it confirms.
/// </summary>
internal sealed class EnrolModel(StaffLogin staffLogin) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Message { get; private set; }

    public TotpOffer? Offer { get; private set; }

    public string? QrDataUri { get; private set; }

    public async Task<IActionResult> OnGetAsync() =>
        await LoadOfferAsync() ? Page() : Redirect("/office/login?expired=true");

    public async Task<IActionResult> OnPostAsync(string? code)
    {
        var outcome = await staffLogin.EnrolAsync(Request.Cookies[OfficeAuthentication.PendingCookie], code, HttpContext.RequestAborted);
        if (outcome.Status == LoginStatus.Failed)
        {
            await LoadOfferAsync();
        }

        return OfficeLoginFlow.Answer(this, outcome, ReturnUrl, message => Message = message);
    }

    private async Task<bool> LoadOfferAsync()
    {
        Offer = await staffLogin.EnrolmentOfferAsync(Request.Cookies[OfficeAuthentication.PendingCookie], HttpContext.RequestAborted);
        if (Offer is null)
        {
            return false;
        }

        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(Offer.ProvisioningUri, QRCodeGenerator.ECCLevel.M);
        var svg = new SvgQRCode(data).GetGraphic(5);
        // An <img> with a data: URI (allowed by the CSP's img-src): the SVG's own styling stays inside the image.
        QrDataUri = "data:image/svg+xml;base64," + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(svg));
        return true;
    }
}
