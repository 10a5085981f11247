using Custodian.Core.Features.Store;

namespace Custodian.Pages.Requests;

/// <summary>An error on one field of a portal form: the field's id (the summary links to it) and the text's resource key.</summary>
internal sealed record PortalFieldError(string Field, string MessageKey);

/// <summary>Turns the intake's field errors into the portal's texts (one text per field; the codes stay in Core).</summary>
internal static class PortalForms
{
    public static IReadOnlyList<PortalFieldError> From(StoreError? error) => error is ValidationError v
        ? [.. v.Errors.GroupBy(e => e.Field, StringComparer.Ordinal).Select(g => new PortalFieldError(g.Key, MessageKey(g.Key, g.First().Code)))]
        : [];

    private static string MessageKey(string field, string code) => (field, code) switch
    {
        // The contact: an e-mail address OR a phone number (the code goes by SMS to a number).
        ("email", "field.required") => "Sms.Error.contactRequired",
        ("phone", "request.contact.one_channel") => "Sms.Error.oneChannel",
        ("phone", "request.mandate.email_required") => "Sms.Error.representativeEmail",
        ("phone", _) => "Sms.Error.phone",
        _ => MessageKey(field),
    };

    private static string MessageKey(string field) => field switch
    {
        "subjectEmail" or "subjectPhone" => "Mandate.Error.subject",
        "mandate" => "Mandate.Error.statement",
        _ => "Portal.Requests.Error." + field,
    };

    /// <summary>The error of one field, or null.</summary>
    public static PortalFieldError? For(IReadOnlyList<PortalFieldError> errors, string field) => errors.FirstOrDefault(e => e.Field == field);
}
