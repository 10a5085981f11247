using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Breaches;
using Custodian.Core.Features.Store;
using Custodian.Features.ApiKeys;
using Custodian.Features.Store;
using Custodian.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Breaches;

/// <summary>
/// The breach register for the provider's other systems (a SIEM, the incident tool) under <c>/api/v1/breaches</c>:
/// list with the clocks and read one (<c>breaches:read</c>), record one and its notification state
/// (<c>breaches:write</c>). Provider keys only: the register is the provider's own (a tenant key gets
/// <c>breaches.provider_only</c>). The same commands as the back office, so the same rules and audit events apply.
/// </summary>
internal static class BreachEndpoints
{
    internal static RouteGroupBuilder MapBreachEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/breaches").WithTags("Breaches")
            .RequireProviderKey("breaches.provider_only", "The breach register is the provider's own: use a provider key.");
        group.MapGet("/", async (bool? open, BreachQueries queries, CancellationToken ct) =>
                Results.Ok(new BreachListDto([.. (await queries.ListAsync(open == true, ct)).Select(BreachSummaryDto.From)])))
            .RequireAuthorization(ApiScopes.BreachesRead)
            .WithName("ListBreaches")
            .WithSummary("Every breach, open ones first, with the 24-hour (611/2013) and 72-hour (GDPR) clocks and, after the initial notice, the 3-day complete-notice clock; ?open=true: open ones only (breaches:read)")
            .Produces<BreachListDto>();

        group.MapGet("/{id:guid}", async (Guid id, BreachQueries queries, CancellationToken ct) =>
                await queries.GetAsync(id, ct) is { } detail
                    ? Results.Ok(BreachDto.From(detail))
                    : ApiProblems.NotFound("breaches.not_found", "No breach with this id."))
            .RequireAuthorization(ApiScopes.BreachesRead)
            .WithName("GetBreach")
            .WithSummary("One breach: facts, notification state and clocks (breaches:read)")
            .Produces<BreachDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (BreachRecordInput input, HttpContext http, BreachCommands commands, BreachQueries queries, IdempotentCreate idempotent, CancellationToken ct) =>
            {
                var v = new FieldValidator();
                var detected = ParseTime(v, "detectedAt", input.DetectedAt, required: true);
                var aware = ParseTime(v, "awareAt", input.AwareAt, required: true);
                var exemption = BreachWire.ParseExemption(input.SubjectsNotInformedBecause);
                if (exemption is null)
                {
                    v.Add("subjectsNotInformedBecause", "breaches.unknown_exemption", "Use none, encrypted, measures or disproportionate.");
                }

                if (!v.IsValid)
                {
                    return ApiProblems.From(v.ToError());
                }

                var record = new BreachInput(
                    input.Title, detected!.Value, aware!.Value, input.Nature, input.Categories ?? [], input.ApproximatePeople,
                    input.ApproximateRecords, input.LikelyConsequences, input.MeasuresTaken, input.MeasuresProposed,
                    input.SubjectsInformed, exemption!.Value, input.ContactPoint, input.OrganizationIds ?? []);

                // A SIEM or incident tool retries on a timeout: with an Idempotency-Key the retry gets the first answer
                // instead of a second breach with its own clocks. The answer is built in the record's transaction, so
                // the organisations it names are read first.
                var organizations = await queries.OrganizationsAsync(record.OrganizationIds, ct);
                return await idempotent.RunAsync<BreachRecordInput, Breach, BreachDto>(
                    http,
                    input,
                    beforeCommit => commands.RecordAsync(record, http.Caller().Actor, beforeCommit, ct),
                    b => BreachDto.From(queries.Describe(b, organizations)),
                    b => $"/api/v1/breaches/{b.Id}",
                    ct);
            })
            .RequireAuthorization(ApiScopes.BreachesWrite)
            .WithName("RecordBreach")
            .WithSummary("Record a breach: title, detection and awareness times, nature, register categories, approximate numbers, consequences, measures, contact point, concerned organisations (breaches:write; Idempotency-Key supported)")
            .Produces<BreachDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id:guid}/reports", async (Guid id, BreachReportRequest input, HttpContext http, BreachCommands commands, BreachQueries queries, CancellationToken ct) =>
            {
                if (await queries.GetAsync(id, ct) is not { } current)
                {
                    return ApiProblems.NotFound("breaches.not_found", "No breach with this id.");
                }

                var v = new FieldValidator();
                var initial = ParseTime(v, "initialReportAt", input.InitialReportAt, required: false);
                var complete = ParseTime(v, "completeReportAt", input.CompleteReportAt, required: false);
                if (!v.IsValid)
                {
                    return ApiProblems.From(v.ToError());
                }

                // Fields left out keep their stored values: the initial and the complete notice arrive days apart.
                var b = current.Breach;
                var result = await commands.ReportAsync(
                    id,
                    new BreachReportInput(
                        initial ?? b.InitialReportAt, complete ?? b.CompleteReportAt, input.NotNotifiedReason ?? b.NotNotifiedReason,
                        input.LateReasons ?? b.LateReasons, input.Close),
                    http.Caller().Actor,
                    ct);
                if (!result.IsSuccess)
                {
                    return ApiProblems.From(result.Error);
                }

                return Results.Ok(BreachDto.From((await queries.GetAsync(id, ct))!));
            })
            .RequireAuthorization(ApiScopes.BreachesWrite)
            .WithName("ReportBreach")
            .WithSummary("Set the notification state: initial and complete notice times, the reason it is not notified, late reasons (required once a clock is missed: breaches.late_reasons_required), close; fields left out keep their values (breaches:write)")
            .Produces<BreachDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static Instant? ParseTime(FieldValidator v, string field, string? text, bool required)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            if (required)
            {
                v.Add(field, "field.required", "Give the time as an ISO 8601 instant, e.g. 2026-03-02T08:00:00Z.");
            }

            return null;
        }

        var parsed = OffsetDateTimePattern.ExtendedIso.Parse(text.Trim());
        if (parsed.Success)
        {
            return parsed.Value.ToInstant();
        }

        v.Add(field, "breaches.invalid_time", "Give the time as an ISO 8601 instant with offset, e.g. 2026-03-02T08:00:00Z.");
        return null;
    }
}
