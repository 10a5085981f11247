using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Demo;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Features.Accounts;

/// <summary>
/// <c>serve --dev</c>: one demo account per role, with a known password and an already enrolled TOTP secret, printed
/// with the secret so a newcomer logs in at once (with any authenticator app, or <c>custodian user totp-code LOGIN</c>).
/// Idempotent: existing demo accounts are kept (and printed again). Never runs without <c>--dev</c>.
/// </summary>
internal static class DevStaffSeeding
{
    /// <summary>The password of every demo account. Development only; it is printed on every <c>serve --dev</c>.</summary>
    public const string DemoPassword = "custodian-demo";

    /// <summary>Demo login → role. The client contact acts for the demo organisation (<see cref="DemoSeeder.DemoCode"/>).</summary>
    public static IReadOnlyList<(string Login, string Role, string Name)> Accounts { get; } =
    [
        ("demo-admin", StaffRoles.Administrator, "Demo Beheerder"),
        ("demo-privacy", StaffRoles.PrivacyOfficer, "Demo Privacyfunctionaris"),
        ("demo-support", StaffRoles.SupportAgent, "Demo Support"),
        ("demo-lawful", StaffRoles.LawfulDisclosureOfficer, "Demo Verstrekking"),
        // A second officer: order data is released by someone other than who registered or produced it (four eyes).
        ("demo-lawful-2", StaffRoles.LawfulDisclosureOfficer, "Demo Verstrekking 2"),
        ("demo-auditor", StaffRoles.Auditor, "Demo Auditor"),
        ("demo-client", StaffRoles.ClientPrivacyContact, "Demo Klantcontact"),
    ];

    public static bool IsDemoLogin(string normalizedLogin) => Accounts.Any(a => a.Login == normalizedLogin);

    internal static async Task SeedAsync(DatabaseTarget target, MasterKey masterKey, Action<AuditOptions>? audit, string urls, TextWriter output, CancellationToken ct)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddSingleton(masterKey);
        services.AddCustodianAudit(audit);
        services.AddCustodianAccounts();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        var demoOrganization = await db.Organizations.Where(o => o.Code == DemoSeeder.DemoCode).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
        var accounts = scope.ServiceProvider.GetRequiredService<StaffAccounts>();
        var baseUrl = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0].TrimEnd('/');
        await output.WriteLineAsync($"Back office: {baseUrl}/office/login, demo accounts (password '{DemoPassword}'; TOTP secret for an authenticator app, or: custodian user totp-code LOGIN):");
        foreach (var (login, role, name) in Accounts)
        {
            var organization = StaffRoles.IsOrganizationBound(role) ? demoOrganization : null;
            if (StaffRoles.IsOrganizationBound(role) && organization is null)
            {
                await output.WriteLineAsync($"  {login}: skipped, there is no '{DemoSeeder.DemoCode}' organisation to act for");
                continue;
            }

            await accounts.EnsureDemoAsync(login, name, role, organization, DemoPassword, StaffTotp.NewSecret(), DemoSeeder.SystemActor, ct);
            var secret = await accounts.TotpSecretTextAsync(login, ct);
            await output.WriteLineAsync($"  {login,-14} {role,-27} TOTP secret {secret ?? "(not enrolled: enrol at login)"}");
        }
    }
}
