using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Disclosures.Emergency;
using Custodian.Features.ApiKeys;
using Custodian.Hosting;

namespace Custodian.Features.Disclosures.Emergency;

/// <summary>
/// <c>POST /api/v1/emergency/caller-lookups</c> with <c>{"number": "+31612345678"}</c>: the subscriber data the
/// network passes with a 112 call (Tw 11.10), even when caller ID is blocked. A POST, not a GET with the number in the
/// query, so the number never lands in access logs or proxies' URLs. Every call is logged and audited.
/// 200 with <see cref="EmergencyCallerDto"/>; 404 <c>emergency.number_unknown</c>; 400 for a number that is not one.
/// </summary>
internal static class EmergencyEndpoints
{
    internal static RouteGroupBuilder MapEmergencyEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/emergency/caller-lookups", async (EmergencyLookupRequest body, HttpContext http, EmergencyCallerLookup lookup, CancellationToken ct) =>
            {
                var result = await lookup.LookUpAsync(http.Caller(), body?.Number, ct);
                return result.IsSuccess ? Results.Ok(EmergencyCallerDto.From(result.Value)) : ApiProblems.From(result.Error);
            })
            .RequireAuthorization(ApiScopes.EmergencyLookup)
            .WithTags("Emergency")
            .WithName("LookUpEmergencyCaller")
            .WithSummary("112: the caller's number, subscriber name and address, even with caller ID blocked (emergency:lookup; every use logged)")
            .Produces<EmergencyCallerDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <param name="Number">The caller's number; any accepted spelling, normalised to E.164.</param>
internal sealed record EmergencyLookupRequest(string? Number);

/// <param name="Number">E.164.</param>
/// <param name="Name">The subscriber (the contracting organisation).</param>
/// <param name="Addresses">The subscriber's addresses, oldest first (see <paramref name="AddressBasis"/>).</param>
/// <param name="AddressBasis"><c>organization_delivery_addresses</c>: the store has no address per number, these are the subscriber organisation's.</param>
/// <param name="LookupId">The disclosure log entry of this call.</param>
internal sealed record EmergencyCallerDto(string Number, string Name, IReadOnlyList<EmergencyAddressDto> Addresses, string AddressBasis, Guid LookupId)
{
    internal static EmergencyCallerDto From(EmergencyCallerData d) => new(
        d.Number, d.SubscriberName, [.. d.Addresses.Select(a => new EmergencyAddressDto(a.Street, a.HouseNumber, a.Postcode, a.City, a.Country))], d.AddressBasis, d.LookupId);
}

internal sealed record EmergencyAddressDto(string Street, string HouseNumber, string Postcode, string Place, string Country);
