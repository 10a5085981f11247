using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Features.ApiKeys;
using Custodian.Features.Store;

namespace Custodian.Features.Organizations;

/// <summary>
/// Client organisations. Created by provider-wide keys (<c>organizations:write</c> + <c>tenants:all</c>); a tenant key
/// sees and may update only its own organisation.
/// </summary>
internal static class OrganizationEndpoints
{
    internal static RouteGroupBuilder MapOrganizationEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/organizations").WithTags("Organizations");

        group.MapPost("/", (OrganizationInput input, HttpContext http, OrganizationCommands organizations, IdempotentCreate idempotent, CancellationToken ct) =>
                idempotent.RunAsync<OrganizationInput, Organization, OrganizationDto>(
                    http,
                    input,
                    beforeCommit => organizations.CreateAsync(http.Caller(), input, beforeCommit, ct),
                    OrganizationDto.From,
                    o => $"/api/v1/organizations/{o.Id}",
                    ct))
            .RequireAuthorization(ApiScopes.OrganizationsWrite)
            .WithName("CreateOrganization")
            .WithSummary("Register a client organisation (organizations:write on a provider-wide key; Idempotency-Key supported)")
            .Produces<OrganizationDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/{id:guid}", async (Guid id, HttpContext http, OrganizationCommands organizations, CancellationToken ct) =>
                StoreEndpoints.Answer(await organizations.GetAsync(http.Caller(), id, ct), OrganizationDto.From))
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("GetOrganization")
            .WithSummary("One client organisation (store:read; a tenant key sees only its own)")
            .Produces<OrganizationDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/", async (Guid? after, int? limit, HttpContext http, OrganizationCommands organizations, CancellationToken ct) =>
            {
                var size = Math.Clamp(limit ?? 50, 1, StoreCommands.MaxPageSize);
                var page = await organizations.ListAsync(http.Caller(), after, size, ct);
                return TypedResults.Ok(new PageDto<OrganizationDto>([.. page.Select(OrganizationDto.From)], page.Count == size ? page[^1].Id : null));
            })
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("ListOrganizations")
            .WithSummary("Client organisations, a page at a time (store:read; a tenant key sees only its own)")
            .Produces<PageDto<OrganizationDto>>();

        group.MapPut("/{id:guid}", async (Guid id, OrganizationInput input, HttpContext http, OrganizationCommands organizations, CancellationToken ct) =>
                StoreEndpoints.Answer(await organizations.UpdateAsync(http.Caller(), id, input, ct), OrganizationDto.From))
            .RequireAuthorization(ApiScopes.OrganizationsWrite)
            .WithName("UpdateOrganization")
            .WithSummary("Update an organisation's names, processing agreement and call-recording retention (organizations:write; the code never changes)")
            .Produces<OrganizationDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
