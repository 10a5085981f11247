using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Retention;
using Custodian.Features.Store;
using Custodian.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Disclosures;

/// <summary>
/// The authority order register under <c>/api/v1/disclosures</c>, every route needing <c>disclosures:manage</c>
/// (a provider key that was granted it by name; tenant keys cannot hold it). The rules are <see cref="AuthorityOrders"/>'s.
/// </summary>
internal static class DisclosureEndpoints
{
    internal static RouteGroupBuilder MapDisclosureEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/disclosures").WithTags("Authority orders").RequireAuthorization(ApiScopes.DisclosuresManage);

        group.MapPost("/orders", async Task<IResult> (AuthorityOrderInput input, HttpContext http, AuthorityOrders orders, DisclosuresOptions options, TimeProvider time, CancellationToken ct) =>
            {
                var result = await orders.RegisterAsync(Caller(http), input, ct);
                return result.IsSuccess
                    ? TypedResults.Created($"/api/v1/disclosures/orders/{result.Value.Id}", AuthorityOrderDto.From(result.Value, null, [], options, Now(time)))
                    : ApiProblems.From(result.Error);
            })
            .WithName("RegisterAuthorityOrder")
            .WithSummary("Register an authority order; places an authority legal hold on its scope in the same transaction (disclosures:manage)")
            .Produces<AuthorityOrderDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/orders", async (int? year, HttpContext http, AuthorityOrders orders, DisclosuresOptions options, TimeProvider time, CancellationToken ct) =>
            {
                var list = await orders.ListAsync(Caller(http), year, ct);
                var now = Now(time);
                return TypedResults.Ok(list.Select(o => AuthorityOrderDto.From(o, null, [], options, now)).ToList());
            })
            .WithName("ListAuthorityOrders")
            .WithSummary("Every order, newest received first; ?year= narrows to one calendar year (disclosures:manage)")
            .Produces<List<AuthorityOrderDto>>();

        group.MapGet("/orders/{id:guid}", async (Guid id, HttpContext http, AuthorityOrders orders, DisclosuresOptions options, TimeProvider time, CancellationToken ct) =>
                StoreEndpoints.Answer(await orders.GetAsync(Caller(http), id, ct), d => AuthorityOrderDto.From(d.Order, d.Hold, d.Productions, options, Now(time))))
            .WithName("GetAuthorityOrder")
            .WithSummary("One order with its hold and productions (disclosures:manage)")
            .Produces<AuthorityOrderDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/orders/{id:guid}/complied", async (Guid id, HttpContext http, AuthorityOrders orders, DisclosuresOptions options, TimeProvider time, CancellationToken ct) =>
                StoreEndpoints.Answer(await orders.MarkCompliedAsync(Caller(http), id, ct), o => AuthorityOrderDto.From(o, null, [], options, Now(time))))
            .WithName("MarkAuthorityOrderComplied")
            .WithSummary("Mark an order complied whose compliance is no data production (interception, preservation, intelligence); once only, no four eyes (disclosures:manage)")
            .Produces<AuthorityOrderDto>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/orders/{id:guid}/productions", async (Guid id, HttpContext http, AuthorityOrders orders, CancellationToken ct) =>
                StoreEndpoints.Answer(await orders.ProduceAsync(Caller(http), id, ct), ProductionDto.From))
            .WithName("ProduceAuthorityOrderData")
            .WithSummary("Produce exactly the order's records (CSV, JSON, manifest with SHA-256), stored encrypted, not yet released (disclosures:manage)")
            .Produces<ProductionDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/productions/{id:guid}/release", async (Guid id, HttpContext http, AuthorityOrders orders, CancellationToken ct) =>
                StoreEndpoints.Answer(await orders.ReleaseAsync(Caller(http), id, ct), ProductionDto.From))
            .WithName("ReleaseAuthorityOrderData")
            .WithSummary("Release a package for download: by a second person, not the order's registrar or the producer (disclosures:manage)")
            .Produces<ProductionDto>()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/productions/{id:guid}/download", async Task<IResult> (Guid id, HttpContext http, AuthorityOrders orders, CancellationToken ct) =>
            {
                var result = await orders.DownloadAsync(Caller(http), id, ct);
                if (!result.IsSuccess)
                {
                    return ApiProblems.From(result.Error);
                }

                http.Response.Headers.CacheControl = "no-store";
                return Results.Stream(result.Value.Content, "application/zip", result.Value.FileName);
            })
            .WithName("DownloadAuthorityOrderData")
            .WithSummary("Download a released package (ZIP); every download is audited (disclosures:manage)")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/statistics/{year:int}", async Task<IResult> (int year, string? format, HttpContext http, DisclosureStatistics statistics, CancellationToken ct) =>
            {
                var report = await statistics.ForYearAsync(Caller(http), year, ct);
                if (report is null)
                {
                    return ApiProblems.BadRequest("disclosure.year_invalid", "Give a calendar year between 2000 and 9999.");
                }

                return string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase)
                    ? Results.Text(DisclosureStatistics.ToCsv(report), "text/csv")
                    : Results.Text(DisclosureStatistics.ToJson(report), "application/json");
            })
            .WithName("DisclosureStatistics")
            .WithSummary("Counts of orders and identifiers per type for a year, for a transparency report; ?format=csv|json (disclosures:manage)");
        return api;
    }

    private static Instant Now(TimeProvider time) => Instant.FromDateTimeOffset(time.GetUtcNow());

    private static DisclosureCaller Caller(HttpContext http) => DisclosureCaller.From(
        http.Features.Get<ApiKeyIdentity>() ?? throw new InvalidOperationException("The endpoint was reached without an API key; it lacks RequireAuthorization."));
}

internal sealed record OrderTargetDto(string Kind, string Value);

internal sealed record ProductionDto(Guid Id, int RecordCount, string Sha256, string ProducedAt, string? ReleasedAt, int Downloads)
{
    public static ProductionDto From(AuthorityOrderProduction p) => new(
        p.Id, p.RecordCount, p.Sha256, InstantPattern.ExtendedIso.Format(p.ProducedAt),
        p.ReleasedAt is { } r ? InstantPattern.ExtendedIso.Format(r) : null, p.Downloads);
}

/// <summary>
/// An order as the API shows it; <c>late</c>: "without delay" is not met (the configured limit passed);
/// <c>mustInformDisclosedSubscriber</c>: an 11.11 disclosure, whose disclosed subscriber must be told (AUT-6).
/// </summary>
internal sealed record AuthorityOrderDto(
    Guid Id,
    string Reference,
    string Type,
    string Group,
    string IssuedBy,
    string? JudgeAuthorisation,
    bool NeedsLegalReview,
    bool MustInformDisclosedSubscriber,
    string ReceivedAt,
    string? CompliedAt,
    bool Late,
    string PeriodFrom,
    string PeriodUntil,
    IReadOnlyList<string> Categories,
    IReadOnlyList<OrderTargetDto> Targets,
    Guid LegalHoldId,
    string? HoldBasis,
    string? HoldEndsAt,
    decimal? CostAmount,
    string? CostNote,
    IReadOnlyList<ProductionDto> Productions)
{
    public static AuthorityOrderDto From(AuthorityOrder o, LegalHold? hold, IReadOnlyList<AuthorityOrderProduction> productions, DisclosuresOptions options, Instant now) => new(
        o.Id,
        o.Reference,
        AuthorityOrderTypes.Name(o.Type),
        AuthorityOrderTypes.Name(o.Group),
        AuthorityOrderTypes.Name(o.IssuedBy),
        o.JudgeAuthorisation,
        o.NeedsLegalReview,
        o.MustInformDisclosedSubscriber,
        InstantPattern.ExtendedIso.Format(o.ReceivedAt),
        o.CompliedAt is { } c ? InstantPattern.ExtendedIso.Format(c) : null,
        o.IsLate(now, options.WithoutDelay),
        InstantPattern.ExtendedIso.Format(o.PeriodFrom),
        InstantPattern.ExtendedIso.Format(o.PeriodUntil),
        o.Categories,
        [.. o.Targets.Select(t => new OrderTargetDto(t.Kind, t.Value))],
        o.LegalHoldId,
        hold is null ? null : HoldBases.Name(hold.Basis),
        hold?.EndsAt is { } e ? InstantPattern.ExtendedIso.Format(e) : null,
        o.CostAmount,
        o.CostNote,
        [.. productions.Select(ProductionDto.From)]);
}
