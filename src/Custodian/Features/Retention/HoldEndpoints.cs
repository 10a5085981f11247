using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Features.Store;
using NodaTime;

namespace Custodian.Features.Retention;

/// <summary>
/// Legal holds and Art. 18 restrictions under <c>/api/v1/holds</c>: place (POST, with <c>Idempotency-Key</c>), list,
/// read, extend and release. Reads need <c>holds:read</c>, changes <c>holds:write</c>; authority-basis holds also need
/// <c>holds:lawful</c> and do not exist for callers without it. The rules live in <see cref="LegalHoldCommands"/>.
/// </summary>
internal static class HoldEndpoints
{
    internal static RouteGroupBuilder MapHoldEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/holds").WithTags("Legal holds");

        group.MapPost("/", (LegalHoldInput input, HttpContext http, LegalHoldCommands holds, IdempotentCreate idempotent, TimeProvider time, CancellationToken ct) =>
                idempotent.RunAsync<LegalHoldInput, LegalHold, LegalHoldDto>(
                    http,
                    input,
                    beforeCommit => holds.PlaceAsync(Caller(http), input, beforeCommit, ct),
                    h => LegalHoldDto.From(h, Now(time)),
                    h => $"/api/v1/holds/{h.Id}",
                    ct))
            .RequireAuthorization(ApiScopes.HoldsWrite)
            .WithName("PlaceLegalHold")
            .WithSummary("Place a legal hold or Art. 18 restriction: held records are not deleted while it lasts (holds:write; authority bases need holds:lawful; Idempotency-Key supported)")
            .Produces<LegalHoldDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", async (Guid? after, int? limit, HttpContext http, LegalHoldCommands holds, TimeProvider time, CancellationToken ct) =>
            {
                var size = Math.Clamp(limit ?? 50, 1, StoreCommands.MaxPageSize);
                var page = await holds.ListAsync(Caller(http), after, size, ct);
                var now = Now(time);
                return TypedResults.Ok(new PageDto<LegalHoldDto>([.. page.Select(h => LegalHoldDto.From(h, now))], page.Count == size ? page[^1].Id : null));
            })
            .RequireAuthorization(ApiScopes.HoldsRead)
            .WithName("ListLegalHolds")
            .WithSummary("Legal holds, a page at a time, released ones included (holds:read; a tenant key sees its own organisation's, never authority holds)")
            .Produces<PageDto<LegalHoldDto>>();

        group.MapGet("/{id:guid}", async (Guid id, HttpContext http, LegalHoldCommands holds, TimeProvider time, CancellationToken ct) =>
                StoreEndpoints.Answer(await holds.GetAsync(Caller(http), id, ct), h => LegalHoldDto.From(h, Now(time))))
            .RequireAuthorization(ApiScopes.HoldsRead)
            .WithName("GetLegalHold")
            .WithSummary("One legal hold (holds:read; an authority hold is 'not found' without holds:lawful)")
            .Produces<LegalHoldDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id:guid}/extend", async (Guid id, ExtendHoldInput input, HttpContext http, LegalHoldCommands holds, TimeProvider time, CancellationToken ct) =>
                StoreEndpoints.Answer(await holds.ExtendAsync(Caller(http), id, input, ct), h => LegalHoldDto.From(h, Now(time))))
            .RequireAuthorization(ApiScopes.HoldsWrite)
            .WithName("ExtendLegalHold")
            .WithSummary("Move a hold's end later (holds:write, by the tenancy that placed it; a 126ni order once, by at most 90 days)")
            .Produces<LegalHoldDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/{id:guid}/release", async (Guid id, ReleaseHoldInput input, HttpContext http, LegalHoldCommands holds, TimeProvider time, CancellationToken ct) =>
                StoreEndpoints.Answer(await holds.ReleaseAsync(Caller(http), id, input, ct), h => LegalHoldDto.From(h, Now(time))))
            .RequireAuthorization(ApiScopes.HoldsWrite)
            .WithName("ReleaseLegalHold")
            .WithSummary("Release a hold: its records go at the next sweep if expired (holds:write, by the tenancy that placed it)")
            .Produces<LegalHoldDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static Instant Now(TimeProvider time) => Instant.FromDateTimeOffset(time.GetUtcNow());

    private static HoldCaller Caller(HttpContext http) => HoldCaller.From(
        http.Features.Get<ApiKeyIdentity>() ?? throw new InvalidOperationException("The endpoint was reached without an API key; it lacks RequireAuthorization."));
}

/// <summary>
/// A hold as the API shows it. Identifier values are shown to those who may see the hold (callers of its tenancy).
/// <c>active</c>: whether it holds records now (started, not ended, not released); <c>placedBy.tenancy</c>:
/// <c>provider</c> or <c>organization</c>, the tenancy that may extend and release it.
/// </summary>
internal sealed record LegalHoldDto(
    Guid Id,
    string Basis,
    string? Ground,
    string Reason,
    string? Reference,
    Guid? OrganizationId,
    IReadOnlyList<string> Categories,
    string? RecordsFrom,
    string? RecordsUntil,
    IReadOnlyList<LegalHoldIdentifierDto> Identifiers,
    string StartsAt,
    string? EndsAt,
    int ExtensionCount,
    bool Active,
    LegalHoldActorDto PlacedBy,
    string PlacedAt,
    string? ReleasedAt,
    LegalHoldActorDto? ReleasedBy,
    string? ReleaseReason)
{
    internal static LegalHoldDto From(LegalHold h, Instant now) => new(
        h.Id,
        HoldBases.Name(h.Basis),
        h.Ground is { } g ? HoldBases.Name(g) : null,
        h.Reason,
        h.Reference,
        h.OrganizationId,
        h.Categories,
        Wire.Time(h.RecordsFrom),
        Wire.Time(h.RecordsUntil),
        [.. h.Identifiers.Select(i => new LegalHoldIdentifierDto(i.Kind, i.Value))],
        Wire.Time(h.StartsAt),
        Wire.Time(h.EndsAt),
        h.ExtensionCount,
        h.IsActiveAt(now),
        new LegalHoldActorDto(h.PlacedByOrganizationId is null ? "provider" : "organization", Kind(h.PlacedByKind), h.PlacedById),
        Wire.Time(h.PlacedAt),
        Wire.Time(h.ReleasedAt),
        h.ReleasedByKind is { } k ? new LegalHoldActorDto(h.PlacedByOrganizationId is null ? "provider" : "organization", Kind(k), h.ReleasedById!) : null,
        h.ReleaseReason);

    private static string Kind(Core.Features.Audit.AuditActorKind kind) => kind switch
    {
        Core.Features.Audit.AuditActorKind.ApiKey => "api_key",
        Core.Features.Audit.AuditActorKind.User => "user",
        Core.Features.Audit.AuditActorKind.System => "system",
        _ => "cli",
    };
}

internal sealed record LegalHoldIdentifierDto(string Kind, string Value);

/// <param name="Tenancy"><c>provider</c> or <c>organization</c>.</param>
/// <param name="Kind"><c>api_key</c>, <c>user</c>, <c>system</c> or <c>cli</c>.</param>
/// <param name="Id">The API key's id, the user's id or the command.</param>
internal sealed record LegalHoldActorDto(string Tenancy, string Kind, string Id);
