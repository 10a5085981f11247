using Custodian.Core.Features.Store;

namespace Custodian.Pages.Requests;

/// <summary>An error on one field of a portal form: the field's id (the summary links to it) and the text's resource key.</summary>
internal sealed record PortalFieldError(string Field, string MessageKey);

/// <summary>Turns the intake's field errors into the portal's texts (one text per field; the codes stay in Core).</summary>
internal static class PortalForms
{
    public static IReadOnlyList<PortalFieldError> From(StoreError? error) => error is ValidationError v
        ? [.. v.Errors.Select(e => e.Field).Distinct(StringComparer.Ordinal).Select(f => new PortalFieldError(f, MessageKey(f)))]
        : [];

    private static string MessageKey(string field) => field switch
    {
        "subjectEmail" or "subjectPhone" => "Mandate.Error.subject",
        "mandate" => "Mandate.Error.statement",
        _ => "Portal.Requests.Error." + field,
    };

    /// <summary>The error of one field, or null.</summary>
    public static PortalFieldError? For(IReadOnlyList<PortalFieldError> errors, string field) => errors.FirstOrDefault(e => e.Field == field);
}
