using Custodian.Core.Features.Store;

namespace Custodian.Hosting;

/// <summary>
/// The one place where API errors become RFC 9457 problem details. Every problem carries a stable <c>code</c>
/// (dotted, never renamed) that clients key on; <c>title</c> and <c>detail</c> are for people.
/// </summary>
internal static class ApiProblems
{
    internal static IResult NotFound(string code, string detail) => Problem(StatusCodes.Status404NotFound, code, "Not found", detail);

    internal static IResult BadRequest(string code, string detail) => Problem(StatusCodes.Status400BadRequest, code, "Bad request", detail);

    internal static IResult Unauthorized() => Problem(
        StatusCodes.Status401Unauthorized,
        "auth.api_key_required",
        "Unauthorized",
        "This endpoint needs an API key: send 'Authorization: Bearer cust_<prefix>_<secret>'. A revoked, unknown or malformed key gets this answer too.");

    internal static IResult Forbidden(string scope) => Problem(
        StatusCodes.Status403Forbidden,
        "auth.scope_missing",
        "Forbidden",
        $"This API key does not have the scope this endpoint needs ({scope}).");

    /// <summary>400 <c>validation.failed</c> with <c>errors: [{ field, code, message }]</c>, one per broken rule; nothing was stored.</summary>
    internal static IResult Validation(IReadOnlyList<FieldError> errors) => TypedResults.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid request",
        detail: "One or more fields break a rule; nothing of the request was stored. See 'errors'.",
        type: "https://custodian.example/problems/validation.failed",
        extensions: new Dictionary<string, object?>
        {
            ["code"] = "validation.failed",
            ["errors"] = errors.Select(e => new ValidationErrorDto(e.Field, e.Code, e.Message)).ToList(),
        });

    /// <summary>Maps a store operation's expected failure to its problem (the one mapping, style.md §4.3 item 3).</summary>
    internal static IResult From(StoreError error) => error switch
    {
        ValidationError v => Validation(v.Errors),
        NotFoundError n => NotFound(n.Code, n.Message),
        ConflictError c => Problem(StatusCodes.Status409Conflict, c.Code, "Conflict", c.Message),
        ForbiddenError f => Problem(StatusCodes.Status403Forbidden, f.Code, "Forbidden", f.Message),
        UnsupportedContentError u => Problem(StatusCodes.Status415UnsupportedMediaType, u.Code, "Unsupported media type", u.Message),
        ContentTooLargeError t => Problem(StatusCodes.Status413PayloadTooLarge, t.Code, "Content too large", t.Message),
        GoneError g => Problem(StatusCodes.Status410Gone, g.Code, "Gone", g.Message),
        _ => throw new InvalidOperationException($"Unmapped store error {error.GetType().Name}"),
    };

    internal static IResult Problem(int status, string code, string title, string detail) => TypedResults.Problem(
        statusCode: status,
        title: title,
        detail: detail,
        type: $"https://custodian.example/problems/{code}",
        extensions: new Dictionary<string, object?> { ["code"] = code });
}

/// <summary>One broken rule in a validation problem's <c>errors</c> list.</summary>
/// <param name="Field">The JSON field name.</param>
/// <param name="Code">The rule's stable code (identifier codes such as <c>identifier.phone.invalid</c>, or <c>field.required</c>).</param>
/// <param name="Message">What is wrong, in English; never repeats the value.</param>
internal sealed record ValidationErrorDto(string Field, string Code, string Message);
