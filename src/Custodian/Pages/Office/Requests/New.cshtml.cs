using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Queue;
using Custodian.Core.Features.Store;
using Custodian.Features.Office;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Pages.Office.Requests;

/// <summary>
/// Staff entry of a request that arrived by letter, e-mail or phone (issue 6 §1): channel, day of receipt (today or
/// earlier), type, the requester's identifier, language, details and an optional scan of the letter (stored
/// encrypted). The form posts (antiforgery); the identifier and details never go into a URL.
/// </summary>
[Authorize(Policy = Permissions.RequestsEnter)]
[RequestFormLimits(MultipartBodyLengthLimit = LetterScans.MaxBytes + (64 * 1024))]
[RequestSizeLimit(LetterScans.MaxBytes + (64 * 1024))]
internal sealed class NewRequestModel(StaffRequestEntry entry, TimeProvider time) : PageModel
{
    public static IReadOnlyList<string> Channels { get; } = ["letter", "email", "phone"];

    public static IReadOnlyList<string> IdentifierKinds { get; } = ["email", "phone"];

    [BindProperty]
    public string? Channel { get; set; }

    [BindProperty]
    public string? ReceivedOn { get; set; }

    [BindProperty]
    public string? Type { get; set; }

    [BindProperty]
    public string? IdentifierKind { get; set; }

    [BindProperty]
    public string? Identifier { get; set; }

    [BindProperty]
    public string? Language { get; set; }

    [BindProperty]
    public string? Details { get; set; }

    [BindProperty]
    public IFormFile? Scan { get; set; }

    /// <summary>Field name → the error's stable code (texts: <c>Requests.New.Error.*</c>).</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    public string Today { get; private set; } = "";

    public void OnGet()
    {
        Today = LocalDatePattern.Iso.Format(TodayDate());
        ReceivedOn = Today;
        Channel = "letter";
        Language = "nl";
        IdentifierKind = "email";
    }

    public async Task<IActionResult> OnPostAsync()
    {
        Today = LocalDatePattern.Iso.Format(TodayDate());
        LocalDate? received = null;
        if (!string.IsNullOrWhiteSpace(ReceivedOn))
        {
            var parsed = LocalDatePattern.Iso.Parse(ReceivedOn.Trim());
            if (parsed.Success)
            {
                received = parsed.Value;
            }
            else
            {
                Errors["receivedOn"] = "request.received_invalid";
            }
        }

        LetterScanUpload? scan = null;
        if (Scan is { Length: > 0 })
        {
            if (Scan.Length > LetterScans.MaxBytes)
            {
                Errors["scan"] = "upload.too_large";
            }
            else
            {
                using var buffer = new MemoryStream();
                await Scan.CopyToAsync(buffer, HttpContext.RequestAborted);
                scan = new LetterScanUpload(buffer.ToArray());
            }
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        var staff = HttpContext.Staff();
        var result = await entry.EnterAsync(
            staff.UserId,
            new EnterRequestInput(Channel, received, Type, IdentifierKind, Identifier, Language, Details),
            scan,
            HttpContext.RequestAborted);
        if (result.IsSuccess)
        {
            return Redirect($"/office/requests/{result.Value.Id}");
        }

        switch (result.Error)
        {
            case ValidationError v:
                foreach (var e in v.Errors)
                {
                    Errors.TryAdd(e.Field, e.Code);
                }

                break;
            default:
                Errors["scan"] = result.Error.Code;
                break;
        }

        return Page();
    }

    /// <summary>The text of an error code, or the generic text when the code has none of its own.</summary>
    public string ErrorText(Microsoft.Extensions.Localization.IStringLocalizer texts, string field)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var code = Errors[field];
        var specific = texts["Requests.New.Error." + code];
        return specific.ResourceNotFound ? texts["Requests.New.Error.invalid"] : specific;
    }

    private LocalDate TodayDate() => RequestDeadlines.ReceivedOn(Instant.FromDateTimeOffset(time.GetUtcNow()));
}
