using System.CommandLine;
using Custodian.Cli;
using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using NodaTime.Text;

namespace Custodian.Features.ApiKeys;

/// <summary>
/// <c>custodian apikey create|list|revoke</c>: operator commands for API keys. The full key is printed once by
/// <c>create</c> and never again (only its hash is stored); keys are named by their public prefix afterwards.
/// </summary>
internal static class ApiKeyCommands
{
    internal static Command Build()
    {
        var apikey = new Command("apikey", "API keys for the provider's systems (feeds) and client organisations");

        var organization = new Option<string?>("--organization") { Description = "The code of the client organisation the key belongs to" };
        var provider = new Option<bool>("--provider") { Description = "A provider feed key (no organisation; add the scope tenants:all to reach every organisation's data)" };
        var scopes = new Option<string>("--scopes")
        {
            Description = $"Comma-separated scopes: {string.Join(", ", ApiScopes.All)}",
            Required = true,
        };
        var name = new Option<string?>("--name") { Description = "A label: which system uses the key" };
        var create = new Command("create", "Create a key and print it once")
        {
            organization,
            provider,
            scopes,
            name,
        };
        create.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var code = parse.GetValue(organization);
            if ((code is null) == !parse.GetValue(provider))
            {
                await error.WriteLineAsync("error apikey.owner_required: give exactly one of --organization CODE or --provider.");
                return ExitCodes.Usage;
            }

            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var registry = scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>();
            var list = parse.GetValue(scopes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var result = await registry.CreateAsync(code, list, parse.GetValue(name), CliActor("apikey create"), ct);
            if (!result.IsSuccess)
            {
                await WriteErrorAsync(error, result.Error);
                return ExitCodes.Failure;
            }

            await output.WriteLineAsync($"Created API key {result.Value.Key.Prefix} ({(code is null ? "provider" : "organisation " + code)}; scopes {result.Value.Key.Scopes}).");
            await output.WriteLineAsync("The key is shown only now; store it in the calling system's secret store:");
            await output.WriteLineAsync(result.Value.FullKey);
            return ExitCodes.Success;
        });

        var list = new Command("list", "List keys (prefix, owner, scopes, created, last used, revoked); never the secrets");
        list.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var keys = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>().ListAsync(ct);
            await output.WriteLineAsync("PREFIX      OWNER                SCOPES                                     CREATED               LAST USED             REVOKED");
            foreach (var (key, code) in keys)
            {
                await output.WriteLineAsync(string.Join("  ",
                    key.Prefix.PadRight(10),
                    (key.OrganizationId is null ? "(provider)" : code ?? "?").PadRight(19),
                    key.Scopes.PadRight(41),
                    Time(key.CreatedAt).PadRight(20),
                    (key.LastUsedAt is { } used ? Time(used) : "-").PadRight(20),
                    key.RevokedAt is { } revoked ? Time(revoked) : "-"));
            }

            return ExitCodes.Success;
        });

        var prefix = new Argument<string>("PREFIX") { Description = "The key's public prefix (the part after cust_)" };
        var revoke = new Command("revoke", "Revoke a key at once; requests with it get 401 from now on") { prefix };
        revoke.SetAction(async (parse, ct) =>
        {
            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<ApiKeyRegistry>().RevokeAsync(parse.GetValue(prefix)!, CliActor("apikey revoke"), ct);
            if (!result.IsSuccess)
            {
                await WriteErrorAsync(parse.InvocationConfiguration.Error, result.Error);
                return ExitCodes.Failure;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"Revoked API key {result.Value.Prefix}.");
            return ExitCodes.Success;
        });

        apikey.Subcommands.Add(create);
        apikey.Subcommands.Add(list);
        apikey.Subcommands.Add(revoke);
        return apikey;
    }

    private static AuditActor CliActor(string command) => new(AuditActorKind.Cli, $"cli:{command}");

    private static string Time(NodaTime.Instant instant) => InstantPattern.General.Format(instant);

    private static async Task WriteErrorAsync(TextWriter error, StoreError e)
    {
        if (e is ValidationError v)
        {
            foreach (var f in v.Errors)
            {
                await error.WriteLineAsync($"error {f.Code}: {f.Field}: {f.Message}");
            }

            return;
        }

        await error.WriteLineAsync($"error {e.Code}: {e.Message}");
    }

    /// <summary>The services the commands need: the database, the audit trail (key events are audited) and the registry.</summary>
    private static async Task<ServiceProvider> ServicesAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = CustodianCli.ResolveSettings(parse);
        var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddSingleton(LoadMasterKey(settings));
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        services.AddCustodianStore();
        return await DatabaseStartup.BuildReadyAsync(services, ct);
    }

    /// <summary>The configured master key, or the development key that <c>serve --dev</c> created under the data folder.</summary>
    private static MasterKey LoadMasterKey(CustodianSettings settings)
    {
        if (settings.MasterKeyFile is not null)
        {
            return MasterKey.Load(settings.MasterKeyFile);
        }

        var development = Path.Combine(settings.DataFolder, "secrets", "master.key");
        return File.Exists(development)
            ? MasterKey.Load(development)
            : throw new MasterKeyException("error secrets.master_key_required: API key events are audited, which needs the master key: give --master-key-file (or run serve --dev once to create the development key).");
    }
}
