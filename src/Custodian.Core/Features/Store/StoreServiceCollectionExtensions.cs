using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Subjects;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Store;

internal static class StoreServiceCollectionExtensions
{
    /// <summary>
    /// The personal-data store's operations (scoped, on the request's <c>CustodianDbContext</c>). Needs the database,
    /// the register (<c>ProcessingRegister</c>), a <see cref="TimeProvider"/>, the audit trail (<c>IAuditTrail</c>) and,
    /// for content, the blob store (<c>EncryptedBlobs</c>). Upload limits: register an <see cref="UploadOptions"/> first to change them.
    /// </summary>
    public static IServiceCollection AddCustodianStore(this IServiceCollection services, StoreOptions? options = null)
    {
        services.TryAddSingleton(options ?? new StoreOptions());
        services.TryAddScoped<StoreTransactions>();
        services.TryAddScoped<StoreCommands>();
        services.TryAddScoped<StoreContentCommands>();
        services.TryAddSingleton(new UploadOptions());
        services.TryAddScoped<OrganizationCommands>();
        services.TryAddScoped<LegalHoldCommands>();
        services.TryAddScoped<SubjectLookup>();
        services.TryAddScoped<People.PersonPage>();
        services.TryAddScoped<People.PeopleList>();
        services.TryAddScoped<OrganizationQueries>();
        services.TryAddScoped<ApiKeyRegistry>();
        services.TryAddSingleton<Idempotency.IdempotencyPurge>();
        return services;
    }
}
