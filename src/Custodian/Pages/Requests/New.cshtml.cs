using Custodian.Core.Features.Requests;
using Custodian.Features.Requests;
using Custodian.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Custodian.Pages.Requests;

/// <summary>Whether a request type asks for details, and whether they are required.</summary>
internal enum DetailsMode
{
    None,
    Optional,
    Required,
}

/// <summary>
/// The form for one request type. Every accepted submission answers with the same redirect to the code page, whether
/// or not the address belongs to anyone we know (attack A8): the intake never looks the person up.
/// </summary>
internal sealed class NewRequestModel(RequestIntake intake) : PageModel
{
    [FromRoute]
    public string Type { get; set; } = string.Empty;

    public string? Email { get; private set; }

    /// <summary>The requester's phone number instead of an e-mail address: the code then goes by SMS.</summary>
    public string? Phone { get; private set; }

    public string? Details { get; private set; }

    public string? SubjectEmail { get; private set; }

    public string? SubjectPhone { get; private set; }

    public string? Mandate { get; private set; }

    public string Language { get; private set; } = "nl";

    public IReadOnlyList<PortalFieldError> Errors { get; private set; } = [];

    public bool RateLimited { get; private set; }

    public DetailsMode DetailsMode => RequestTypes.Parse(Type) switch
    {
        RequestType.Rectification or RequestType.Objection => DetailsMode.Required,
        RequestType.Erasure or RequestType.Restriction or RequestType.WithdrawConsent => DetailsMode.Optional,
        _ => DetailsMode.None,
    };

    public IActionResult OnGet()
    {
        if (RequestTypes.Parse(Type) is null)
        {
            return NotFound();
        }

        Language = Languages.Code(System.Globalization.CultureInfo.CurrentUICulture);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? email, string? phone, string? details, string? language, string? subjectEmail, string? subjectPhone, string? mandate)
    {
        SubjectEmail = subjectEmail;
        SubjectPhone = subjectPhone;
        Mandate = mandate;
        if (RequestTypes.Parse(Type) is null)
        {
            return NotFound();
        }

        Email = email;
        Phone = phone;
        Details = DetailsMode == DetailsMode.None ? null : details;
        Language = language is "en" ? "en" : "nl";
        if (DetailsMode == DetailsMode.Required && string.IsNullOrWhiteSpace(details))
        {
            // Checked before the intake so the form comes back with everything else the person typed.
            // The address is checked here too, so the person sees every problem at once.
            var hasEmail = !string.IsNullOrWhiteSpace(email);
            var hasPhone = !string.IsNullOrWhiteSpace(phone);
            PortalFieldError? contactError = (hasEmail, hasPhone) switch
            {
                (true, true) => new PortalFieldError("phone", "Sms.Error.oneChannel"),
                (false, false) => new PortalFieldError("email", "Sms.Error.contactRequired"),
                (true, false) when !Core.Identifiers.Email.Normalize(email).IsValid => new PortalFieldError("email", "Portal.Requests.Error.email"),
                (false, true) when !Core.Identifiers.Phone.Normalize(phone).IsValid => new PortalFieldError("phone", "Sms.Error.phone"),
                _ => null,
            };
            Errors = contactError is null
                ? [new PortalFieldError("details", "Portal.Requests.Error.detailsRequired")]
                : [contactError, new PortalFieldError("details", "Portal.Requests.Error.detailsRequired")];
            return Page();
        }

        var result = await intake.SubmitAsync(
            new SubmitRequestInput(Type, email, phone, language, Details, subjectEmail, subjectPhone, mandate), RequestChannel.Portal, PortalSession.ClientAddress(HttpContext), HttpContext.RequestAborted);
        if (result.Error is RateLimitedError limited)
        {
            PortalSession.RateLimited(HttpContext, limited);
            RateLimited = true;
            return Page();
        }

        if (!result.IsSuccess)
        {
            Errors = PortalForms.From(result.Error);
            return Page();
        }

        return RedirectToPage("/Requests/Verify", new { reference = result.Value.Reference, sent = true });
    }
}
