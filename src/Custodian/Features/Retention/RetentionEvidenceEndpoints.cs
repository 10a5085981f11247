using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Store;
using Custodian.Hosting;

namespace Custodian.Features.Retention;

/// <summary>
/// Retention evidence under <c>/api/v1/retention</c> (issue 4 §3), scope <c>retention:read</c>: the sweeps' receipts
/// and the retention overview. No personal data. A provider-wide key sees everything; any other key sees its own
/// organisation's lines only (no other organisation's counts, no month partitions, no totals across tenants, no
/// counts of records kept by holds: see <see cref="SweepReceiptView"/>).
/// </summary>
internal static class RetentionEvidenceEndpoints
{
    internal static RouteGroupBuilder MapRetentionEvidenceEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/retention").WithTags("Retention");

        group.MapGet("/sweeps", async (Guid? after, int? limit, HttpContext http, CustodianDbContext db, CancellationToken ct) =>
            {
                var size = Math.Clamp(limit ?? 50, 1, StoreCommands.MaxPageSize);
                var page = await RetentionReceipts.ListAsync(db, Scope(http), after, size, ct);
                return TypedResults.Ok(new PageDto<SweepReceiptView>(page, page.Count == size ? page[^1].Id : null));
            })
            .RequireAuthorization(ApiScopes.RetentionRead)
            .WithName("ListRetentionSweeps")
            .WithSummary("Receipts of retention sweeps, newest first; 'next' continues with older ones (retention:read; a tenant key sees only its own organisation's lines)")
            .Produces<PageDto<SweepReceiptView>>();

        group.MapGet("/sweeps/{id:guid}", async (Guid id, HttpContext http, CustodianDbContext db, CancellationToken ct) =>
                await RetentionReceipts.GetAsync(db, Scope(http), id, ct) is { } receipt
                    ? Results.Ok(receipt)
                    : ApiProblems.NotFound("retention.sweep_not_found", "There is no retention sweep with this id."))
            .RequireAuthorization(ApiScopes.RetentionRead)
            .WithName("GetRetentionSweep")
            .WithSummary("One sweep's receipt: cutoff, start and end, attempts, deleted per category and organisation, kept by holds, months dropped, audit positions, lateness (retention:read)")
            .Produces<SweepReceiptView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/overview", async (HttpContext http, RetentionOverviewBuilder overview, CancellationToken ct) =>
                TypedResults.Ok(await overview.BuildAsync(Scope(http), http.RequestServices.GetService<SweepSchedule>(), ct)))
            .RequireAuthorization(ApiScopes.RetentionRead)
            .WithName("GetRetentionOverview")
            .WithSummary("Per register category: the rule, records held, the oldest record's age, the count due at the next sweep, the maximum lateness of the last 30 days, records kept by holds (retention:read)")
            .Produces<RetentionOverview>();
        return api;
    }

    private static TenantScope Scope(HttpContext http) =>
        (http.Features.Get<ApiKeyIdentity>() ?? throw new InvalidOperationException("The endpoint was reached without an API key; it lacks RequireAuthorization.")).TenantScope;
}
