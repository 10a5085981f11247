using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Custodian.Cli;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Demo;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Features.Register;
using Custodian.Hosting;

namespace Custodian.Features.Demo;

/// <summary>
/// <c>custodian demo seed [--seed N] [--organizations N] [--subscribers N] [--months N]</c>: fills the configured
/// database with synthetic client organisations, people, services and their records, through the store's own write
/// path (validated, indexed, audited as <c>demo-seed</c>). Deterministic for a seed and day; does nothing when the
/// <c>demo</c> organisation exists.
/// </summary>
internal static class DemoCommands
{
    internal static Command Build()
    {
        var defaults = new DemoSeedOptions();
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice; the same seed on the same day gives the same data", DefaultValueFactory = _ => defaults.Seed };
        var organizations = new Option<int>("--organizations") { Description = "Client organisations (the first has the code demo)", DefaultValueFactory = _ => defaults.Organizations };
        var subscribers = new Option<int>("--subscribers") { Description = "People with a mobile subscription, over all organisations", DefaultValueFactory = _ => defaults.Subscribers };
        var months = new Option<int>("--months") { Description = "How many months back notifications, tickets and ended services go", DefaultValueFactory = _ => defaults.Months };
        var seedCommand = new Command("seed", "Create synthetic demo organisations and their data (fictional names, *.example e-mail, reserved number and address ranges)")
        {
            seed,
            organizations,
            subscribers,
            months,
        };
        seedCommand.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var options = new DemoSeedOptions(parse.GetValue(seed), parse.GetValue(organizations), parse.GetValue(subscribers), parse.GetValue(months));
            var problems = options.Check();
            if (problems.Count > 0)
            {
                foreach (var (option, message) in problems)
                {
                    await error.WriteLineAsync($"error demo.invalid_option: {option} {message}");
                }

                return ExitCodes.Usage;
            }

            var settings = CustodianCli.ResolveSettings(parse);
            // The seed is audited, which needs the installation's master key; never create one here (serve --dev does).
            var masterKey = MasterKeyFiles.LoadExisting(settings);
            var register = await ActiveRegister.LoadOrReportAsync(settings.RegisterPath, error);
            if (register is null)
            {
                return ExitCodes.Failure;
            }

            var target = DatabaseTarget.Resolve(settings.Database, settings.DataFolder);
            if (!await DatabaseStartup.PrepareAsync(target, register, output, error, ct))
            {
                return ExitCodes.Failure;
            }

            await using var services = Services(register, target, masterKey, settings.DataFolder, keysFolder: settings.KeysFolder, audit: AuditSettings.Configure(settings), s3: settings.BlobStoreS3);
            var result = await SeedAsync(services, options, DemoSeeder.CliActor, output, ct);
            return result is null ? ExitCodes.Failure : ExitCodes.Success;
        });

        var demo = new Command("demo", "Synthetic demo data for trying Custodian out (never on a production database)");
        demo.Subcommands.Add(seedCommand);
        return demo;
    }

    /// <summary>The services a seed needs: database, audit trail, register, and the store with documentation IP ranges allowed.</summary>
    /// <param name="register">The active register (organisation settings are checked against it).</param>
    /// <param name="target">The database.</param>
    /// <param name="masterKey">Derives the audit trail's keys and seals the key store of the blob data keys.</param>
    /// <param name="dataFolder">The data folder: recordings and attachments go to its blob store.</param>
    /// <param name="time">The clock; tests pass a fake one to compare two seeds byte for byte.</param>
    /// <param name="keysFolder">The key store (key-encryption keys); null means <c>&lt;data&gt;/keys</c>.</param>
    /// <param name="audit">The audit settings (origin); default: the built-in ones.</param>
    /// <param name="s3">The bucket for blob contents; null: the data folder.</param>
    internal static ServiceProvider Services(
        ActiveRegister register, DatabaseTarget target, MasterKey masterKey, string dataFolder, TimeProvider? time = null, string? keysFolder = null,
        Action<AuditOptions>? audit = null, Core.Features.Blobs.S3BlobStoreOptions? s3 = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(time ?? TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddSingleton(masterKey);
        services.AddCustodianAudit(audit);
        services.AddSingleton(register.Register);
        services.AddCustodianBlobs(dataFolder, keysFolder, s3);
        services.AddCustodianStore(new StoreOptions(AllowDocumentationAddresses: true));
        services.AddCustodianEvents();
        services.AddCustodianDemo();
        services.AddCustodianDisclosures();
        return services.BuildServiceProvider();
    }

    /// <summary>Seeds and prints what was made (or that the data was there already). Returns null when nothing could be seeded.</summary>
    internal static async Task<DemoSeedResult?> SeedAsync(
        IServiceProvider services, DemoSeedOptions options, AuditActor actor, TextWriter output, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var seeder = scope.ServiceProvider.GetRequiredService<DemoSeeder>();
        var clock = Stopwatch.StartNew();
        var result = await seeder.SeedAsync(options, actor, ct);
        if (result.Outcome == DemoSeedOutcome.AlreadySeeded)
        {
            await output.WriteLineAsync($"The database already holds demo data (organisation '{DemoSeeder.DemoCode}' exists); nothing was written.");
            return result;
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Seeded demo data in {clock.Elapsed.TotalSeconds:F1} s (seed {options.Seed}, {options.Organizations} organisations, {options.Subscribers} subscribers, {options.Months} months):"));
        foreach (var o in result.Organizations)
        {
            await output.WriteLineAsync($"  {o.Code,-16} {o.Name}");
        }

        await output.WriteLineAsync("  records: " + string.Join(", ", result.Counts.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}"))));
        if (result.Showcase is { } p)
        {
            await output.WriteLineAsync($"  a demo person to look up: {p.Name}, {p.Phone}, {p.Email}");
        }

        return result;
    }
}
