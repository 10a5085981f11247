using Custodian.Core.Common;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Demo;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Custodian.Features.Register;

namespace Custodian.Features.Demo;

/// <summary>
/// <c>serve --dev</c> on an empty database: seeds the default demo data set, creates a tenant key of the <c>demo</c>
/// organisation and a provider key, and prints them once with a ready-to-paste subject look-up, so a newcomer sees a
/// person's data across categories within a minute. A database that holds any organisation is left alone.
/// </summary>
internal static class DevSeeding
{
    /// <summary>The scopes of the printed tenant key: everything a tenant key can hold.</summary>
    internal static readonly string[] TenantScopes = [ApiScopes.StoreRead, ApiScopes.StoreWrite, ApiScopes.SubjectsLookup];

    /// <returns>The seed's result, or null when the database was not empty and nothing was done.</returns>
    internal static async Task<DemoSeedResult?> SeedIfEmptyAsync(
        ActiveRegister register, DatabaseTarget target, MasterKey masterKey, string dataFolder, string? keysFolder, string urls, TextWriter output, CancellationToken ct,
        Action<Core.Features.Audit.AuditOptions>? audit = null, Core.Features.Blobs.S3BlobStoreOptions? s3 = null)
    {
        await using var services = DemoCommands.Services(register, target, masterKey, dataFolder, keysFolder: keysFolder, audit: audit, s3: s3);
        await using (var check = services.CreateAsyncScope())
        {
            if (!await check.ServiceProvider.GetRequiredService<DemoSeeder>().IsEmptyAsync(ct))
            {
                await output.WriteLineAsync("Demo data: the database already holds organisations; nothing seeded ('custodian apikey create' makes keys).");
                return null;
            }
        }

        await output.WriteLineAsync("Demo data: the database is empty, seeding the default demo set (custodian demo seed --help for other sizes).");
        var result = await DemoCommands.SeedAsync(services, new DemoSeedOptions(), DemoSeeder.SystemActor, output, ct);
        if (result?.Outcome != DemoSeedOutcome.Seeded)
        {
            return result;
        }

        await using var scope = services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>();
        var tenant = await registry.CreateAsync(DemoSeeder.DemoCode, TenantScopes, "demo tenant key (serve --dev)", DemoSeeder.SystemActor, ct);
        var provider = await registry.CreateAsync(null, [.. ApiScopes.ProviderDefaults], "demo provider key (serve --dev)", DemoSeeder.SystemActor, ct);
        if (!tenant.IsSuccess || !provider.IsSuccess)
        {
            throw new InvalidOperationException($"Creating the demo API keys failed: {tenant.Error?.Code ?? provider.Error?.Code}.");
        }

        var baseUrl = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)[0].TrimEnd('/');
        var identifier = result.Showcase is { } p ? Phone.FormatNational(p.Phone).Replace(" ", string.Empty, StringComparison.Ordinal) : null;
        await output.WriteLineAsync("  API keys, shown only now (only their hashes are stored):");
        await output.WriteLineAsync($"    tenant 'demo' ({string.Join(' ', TenantScopes)}): {tenant.Value.FullKey}");
        await output.WriteLineAsync($"    provider (all but the secret scopes, every org): {provider.Value.FullKey}");
        if (result.Showcase is { } showcase)
        {
            var orders = scope.ServiceProvider.GetRequiredService<Core.Features.Disclosures.AuthorityOrders>();
            if (await DemoAuthorityOrder.SeedAsync(orders, showcase, scope.ServiceProvider.GetRequiredService<TimeProvider>(), ct))
            {
                await output.WriteLineAsync($"  One example authority order ({DemoAuthorityOrder.Reference}): log in as demo-lawful to see it, demo-lawful-2 releases its data.");
            }
        }

        if (identifier is not null)
        {
            await output.WriteLineAsync($"  Find {result.Showcase!.Name}'s data across categories:");
            await output.WriteLineAsync($"    curl -s -H 'Authorization: Bearer {tenant.Value.FullKey}' '{baseUrl}/api/v1/subjects?identifier={identifier}&reason=demo'");
        }

        return result;
    }
}
