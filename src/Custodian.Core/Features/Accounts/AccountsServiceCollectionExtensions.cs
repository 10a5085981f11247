using Custodian.Core.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Custodian.Core.Features.Accounts;

internal static class AccountsServiceCollectionExtensions
{
    /// <summary>
    /// Registers staff accounts and the login: <see cref="StaffAccounts"/>, <see cref="StaffLogin"/> (scoped, per
    /// request), the password hasher and the TOTP secret protector. Needs the database, the audit trail, a
    /// <see cref="MasterKey"/> and a <see cref="TimeProvider"/>.
    /// </summary>
    public static IServiceCollection AddCustodianAccounts(this IServiceCollection services, AccountsOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(options ?? new AccountsOptions());
        services.TryAddSingleton(new StaffPasswordHasher());
        services.TryAddSingleton(sp => new TotpSecretProtector(sp.GetRequiredService<MasterKey>()));
        services.TryAddSingleton(sp => new LoginNameKeys(sp.GetRequiredService<MasterKey>()));
        services.TryAddScoped<StaffAccounts>();
        services.TryAddScoped<StaffLogin>();
        return services;
    }
}
