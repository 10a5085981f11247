using System.Globalization;
using Custodian.Core.Features.Requests;
using Custodian.Hosting;
using NodaTime.Text;

namespace Custodian.Features.Requests;

/// <summary>
/// The submitted form of a request. Exactly one contact: <c>email</c> or <c>phone</c> (the code then goes by SMS).
/// On someone else's behalf: <c>email</c> is the representative's own address (the code goes there), exactly one of
/// <c>subjectEmail</c> / <c>subjectPhone</c> names the person as we know them, and <c>mandate</c> states the relation
/// and the mandate. The person then confirms the mandate through their own address on file before anything happens.
/// </summary>
/// <param name="Type">access, rectification, erasure, restriction, portability, objection or withdraw_consent.</param>
/// <param name="Email">Your own e-mail address: the one-time code is sent there. Give this or <c>phone</c>, not both.</param>
/// <param name="Phone">Your own mobile number instead of <c>email</c> (E.164, e.g. +31612345678; a Dutch number such as 06 12345678 is read as +31): the one-time code and later notices are sent there by SMS. Not for a request on someone else's behalf (use <c>email</c>).</param>
/// <param name="Language">nl (default) or en.</param>
/// <param name="Details">What to correct, the grounds of an objection, the scope.</param>
/// <param name="SubjectEmail">On someone else's behalf: that person's e-mail address as we know them.</param>
/// <param name="SubjectPhone">On someone else's behalf: that person's phone number as we know them (the confirmation link goes there by SMS if we hold that number).</param>
/// <param name="Mandate">On someone else's behalf (required then): your relation to the person and your mandate.</param>
internal sealed record SubmitRequestDto(
    string? Type, string? Email, string? Phone, string? Language, string? Details,
    string? SubjectEmail = null, string? SubjectPhone = null, string? Mandate = null);

/// <summary>The person's decision on a mandate.</summary>
/// <param name="Token">The mandate code from the message sent to the person's address on file.</param>
/// <param name="Decision">confirm or reject.</param>
internal sealed record MandateDecisionDto(string? Token, string? Decision);

internal sealed record MandateDecisionResponse(string Reference, string Decision);

/// <summary>The answer to every accepted submission: the same whether or not the person is known.</summary>
internal sealed record SubmitRequestResponse(string Reference, string Status, string Message);

internal sealed record VerifyRequestDto(string? Code);

internal sealed record VerifyRequestResponse(string Token, string ExpiresAt);

internal sealed record RequestTimelineDto(string At, string Kind);

internal sealed record RequestStatusDto(string Reference, string Type, string State, string Language, string ReceivedOn, string DueOn, string? ExtendedDueOn, IReadOnlyList<RequestTimelineDto> Timeline);

/// <summary>
/// The public data-subject request API (anonymous by design: a data subject has no API key):
/// <c>POST /api/v1/requests</c>, <c>POST /api/v1/requests/{reference}/verify</c>, <c>POST /api/v1/requests/{reference}/code</c>,
/// <c>POST /api/v1/requests/{reference}/mandate</c>, <c>GET /api/v1/requests/{reference}</c>
/// (with <c>Authorization: Bearer &lt;request token&gt;</c> from verify).
/// </summary>
internal static class RequestEndpoints
{
    private const string SubmitMessage =
        "If the e-mail address or phone number is right, a verification code is on its way to it. Enter the code with the reference to continue.";

    private const string ResendMessage =
        "If this request is waiting for its code, a new code is on its way to its address; earlier codes no longer work.";

    internal static RouteGroupBuilder MapRequestEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/requests").WithTags("Data-subject requests").AllowAnonymous();

        group.MapPost("/", async (SubmitRequestDto body, HttpContext http, RequestIntake intake, CancellationToken ct) =>
            {
                var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                var result = await intake.SubmitAsync(new SubmitRequestInput(body.Type, body.Email, body.Phone, body.Language, body.Details, body.SubjectEmail, body.SubjectPhone, body.Mandate), RequestChannel.Api, client, ct);
                if (result.Error is RateLimitedError limited)
                {
                    http.Response.Headers.RetryAfter = Math.Ceiling(limited.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                    return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, limited.Code, "Too many requests", limited.Message);
                }

                return result.IsSuccess
                    ? TypedResults.Accepted((string?)null, new SubmitRequestResponse(result.Value.Reference, "received", SubmitMessage))
                    : ApiProblems.From(result.Error);
            })
            .WithName("SubmitRequest")
            .WithSummary("File a data-subject request; a one-time code is e-mailed to the given address, or sent by SMS to the given phone number (the answer never says whether the person is known)")
            .Produces<SubmitRequestResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapPost("/{reference}/verify", async (string reference, VerifyRequestDto body, RequestIntake intake, CancellationToken ct) =>
            {
                var result = await intake.VerifyAsync(reference, body.Code, ct);
                if (result.IsSuccess)
                {
                    return Results.Ok(new VerifyRequestResponse(result.Value.Token, InstantPattern.General.Format(result.Value.ExpiresAt)));
                }

                return result.Error is VerificationError v
                    ? ApiProblems.Problem(StatusCodes.Status400BadRequest, v.Code, "Verification failed", v.Message)
                    : ApiProblems.From(result.Error);
            })
            .WithName("VerifyRequest")
            .WithSummary("Enter the code from the e-mail or SMS (single use, 10 minutes, locked after 5 wrong tries); returns a request token valid for one hour")
            .Produces<VerifyRequestResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapPost("/{reference}/code", async (string reference, HttpContext http, RequestIntake intake, CancellationToken ct) =>
            {
                var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                var result = await intake.ResendCodeAsync(reference, client, ct);
                if (result.Error is RateLimitedError limited)
                {
                    http.Response.Headers.RetryAfter = Math.Ceiling(limited.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                    return ApiProblems.Problem(StatusCodes.Status429TooManyRequests, limited.Code, "Too many requests", limited.Message);
                }

                return result.IsSuccess
                    ? TypedResults.Accepted((string?)null, new SubmitRequestResponse(reference, "received", ResendMessage))
                    : ApiProblems.From(result.Error);
            })
            .WithName("ResendRequestCode")
            .WithSummary("Send a new verification code for a request awaiting verification (earlier codes stop working); the answer is the same whether or not a code was sent")
            .Produces<SubmitRequestResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapPost("/{reference}/mandate", async (string reference, MandateDecisionDto body, RequestMandates mandates, CancellationToken ct) =>
            {
                var confirm = body.Decision?.Trim() switch { "confirm" => true, "reject" => false, _ => (bool?)null };
                if (confirm is null)
                {
                    return ApiProblems.Problem(StatusCodes.Status400BadRequest, "request.mandate_decision_invalid", "Invalid decision", "The decision must be confirm or reject.");
                }

                var result = await mandates.DecideAsync(reference, body.Token, confirm.Value, ct);
                if (result.IsSuccess)
                {
                    return Results.Ok(new MandateDecisionResponse(result.Value.Reference, result.Value.Decision));
                }

                return result.Error is MandateError m
                    ? ApiProblems.Problem(StatusCodes.Status400BadRequest, m.Code, "Mandate not accepted", m.Message)
                    : ApiProblems.From(result.Error);
            })
            .WithName("DecideRequestMandate")
            .WithSummary("The person a request was made for confirms or rejects the representative's mandate with the code sent to their address or phone number on file (single use, 7 days, bound to this request)")
            .Produces<MandateDecisionResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/{reference}", async (string reference, HttpContext http, RequestStatusQuery query, CancellationToken ct) =>
            {
                string? header = http.Request.Headers.Authorization;
                var token = header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
                var result = await query.GetAsync(reference, token, ct);
                if (!result.IsSuccess)
                {
                    http.Response.Headers.WWWAuthenticate = "Bearer";
                    return ApiProblems.Problem(StatusCodes.Status401Unauthorized, result.Error.Code, "Unauthorized", result.Error.Message);
                }

                var s = result.Value;
                return Results.Ok(new RequestStatusDto(
                    s.Reference,
                    s.Type,
                    s.State,
                    s.Language,
                    LocalDatePattern.Iso.Format(s.ReceivedOn),
                    LocalDatePattern.Iso.Format(s.DueOn),
                    s.ExtendedDueOn is { } e ? LocalDatePattern.Iso.Format(e) : null,
                    [.. s.Timeline.Select(t => new RequestTimelineDto(InstantPattern.General.Format(t.At), t.Kind))]));
            })
            .WithName("GetRequestStatus")
            .WithSummary("A request's state, deadlines and timeline, for the holder of its request token (Authorization: Bearer <token>)")
            .Produces<RequestStatusDto>()
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        return api;
    }
}
