namespace Custodian.Core.Features.Tenancy;

/// <summary>
/// A row that belongs to one client organisation. <c>CustodianDbContext</c> gives every entity that implements this a
/// global query filter bound to the context's <see cref="TenantScope"/>, and refuses to save one that lies outside it
/// (style.md §4.3 item 7: tenancy is enforced centrally, never per query). A reflection test fails for an entity that
/// has an <c>OrganizationId</c> but not this interface, or this interface but no filter.
/// </summary>
internal interface ITenantOwned
{
    Guid OrganizationId { get; }
}
