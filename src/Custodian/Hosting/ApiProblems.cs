namespace Custodian.Hosting;

/// <summary>
/// The one place where API errors become RFC 9457 problem details. Every problem carries a stable <c>code</c>
/// (dotted, never renamed) that clients key on; <c>title</c> and <c>detail</c> are for people.
/// </summary>
internal static class ApiProblems
{
    internal static IResult NotFound(string code, string detail) => Problem(StatusCodes.Status404NotFound, code, "Not found", detail);

    internal static IResult BadRequest(string code, string detail) => Problem(StatusCodes.Status400BadRequest, code, "Bad request", detail);

    internal static IResult Problem(int status, string code, string title, string detail) => TypedResults.Problem(
        statusCode: status,
        title: title,
        detail: detail,
        type: $"https://custodian.example/problems/{code}",
        extensions: new Dictionary<string, object?> { ["code"] = code });
}
