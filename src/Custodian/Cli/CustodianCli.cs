using System.CommandLine;
using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Persistence;
using Custodian.Features.Accounts;
using Custodian.Features.ApiKeys;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Features.Demo;
using Custodian.Features.Import;
using Custodian.Features.Keys;
using Custodian.Features.Register;
using Custodian.Features.Retention;
using Custodian.Hosting;

namespace Custodian.Cli;

/// <summary>
/// The <c>custodian</c> command line: <c>serve</c> runs the web application, the other commands are operator tools
/// that work on the same database and register. Grammar: <c>custodian &lt;noun&gt; &lt;verb&gt;</c>.
/// Exit codes: 0 success, 1 the work failed (invalid register, unsafe database...), 2 usage error.
/// </summary>
internal static class CustodianCli
{
    internal static readonly Option<string?> ConfigOption = new("--config")
    {
        Description = "Settings file (JSON). Default: custodian.json in the working directory, when present. Env: CUSTODIAN_CONFIG",
        Recursive = true,
    };

    internal static readonly Option<string?> DbOption = Global("db");
    internal static readonly Option<string?> DataOption = Global("data");
    internal static readonly Option<string?> RegisterOption = Global("register");
    internal static readonly Option<string?> MasterKeyFileOption = Global("masterKeyFile");
    internal static readonly Option<string?> KeysOption = Global("keys");
    internal static readonly Option<string?> AuditOriginOption = Global("auditOrigin");
    internal static readonly Option<string?> AuditCheckpointExportOption = Global("auditCheckpointExport");

    internal static RootCommand Build()
    {
        var root = new RootCommand(
            "Custodian keeps a telecom provider's privacy statement true: the processing register as code, the personal-data " +
            "store, retention, data-subject requests, disclosures and a tamper-evident audit trail.\n\n" +
            "Settings come from flags, then environment variables, then the settings file (--config).")
        {
            ConfigOption,
            DbOption,
            DataOption,
            RegisterOption,
            MasterKeyFileOption,
            KeysOption,
            AuditOriginOption,
            AuditCheckpointExportOption,
        };

        root.Subcommands.Add(ServeCommand.Build());
        root.Subcommands.Add(DbCommands.Build());
        root.Subcommands.Add(RegisterCommands.Build());
        root.Subcommands.Add(AuditCommands.Build());
        root.Subcommands.Add(ApiKeyCommands.Build());
        root.Subcommands.Add(DemoCommands.Build());
        root.Subcommands.Add(ImportCommands.Build());
        root.Subcommands.Add(RetentionCommands.Build());
        root.Subcommands.Add(HoldCommands.Build());
        root.Subcommands.Add(KeyCommands.Build());
        root.Subcommands.Add(Features.Blobs.BlobCommands.Build());
        root.Subcommands.Add(UserCommands.Build());
        root.Subcommands.Add(Features.Shielding.ShieldingCommands.BuildBill());
        root.Subcommands.Add(Features.Shielding.ShieldingCommands.Build());
        root.Subcommands.Add(Features.Disclosures.DisclosureCommands.Build());
        root.Subcommands.Add(Features.Breaches.BreachCliCommands.Build());
        root.Subcommands.Add(Features.Mail.MailCommands.Build());
        return root;
    }

    internal static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null)
    {
        var root = Build();
        var config = new InvocationConfiguration
        {
            Output = output ?? Console.Out,
            Error = error ?? Console.Error,
            EnableDefaultExceptionHandler = false,
        };
        try
        {
            var parse = root.Parse(args);
            if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
            {
                foreach (var e in parse.Errors)
                {
                    await config.Error.WriteLineAsync(e.Message);
                }

                await config.Error.WriteLineAsync("Run 'custodian --help' or 'custodian <command> --help' for usage.");
                return ExitCodes.Usage;
            }

            return await parse.InvokeAsync(config);
        }
        catch (Exception ex) when (ex is SettingsException or MasterKeyException or DatabaseTargetException or DatabaseNotReadyException or KeyStoreException or JobLeaseLostException)
        {
            await config.Error.WriteLineAsync(ex.Message);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (StorageFaults.Classify(ex) is { } fault)
        {
            // The machine's fault (disk full, read-only, database down), not a bug: one clear line, no stack trace.
            await config.Error.WriteLineAsync($"error {fault.Code}: {fault.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Resolves the settings for a command from its flags, the process environment and the settings file.</summary>
    internal static CustodianSettings ResolveSettings(ParseResult parse, IReadOnlyDictionary<string, string?>? extraFlags = null)
    {
        var flags = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["db"] = parse.GetValue(DbOption),
            ["data"] = parse.GetValue(DataOption),
            ["register"] = parse.GetValue(RegisterOption),
            ["masterKeyFile"] = parse.GetValue(MasterKeyFileOption),
            ["keys"] = parse.GetValue(KeysOption),
            ["auditOrigin"] = parse.GetValue(AuditOriginOption),
            ["auditCheckpointExport"] = parse.GetValue(AuditCheckpointExportOption),
        };
        if (extraFlags is not null)
        {
            foreach (var (k, v) in extraFlags)
            {
                flags[k] = v;
            }
        }

        return SettingsResolver.Resolve(flags, Environment.GetEnvironmentVariable, parse.GetValue(ConfigOption), Environment.CurrentDirectory);
    }

    private static Option<string?> Global(string key)
    {
        var d = SettingsResolver.Descriptors.Single(x => x.Key == key);
        return new Option<string?>(d.Flag)
        {
            Description = $"{d.Description}. Env: {d.EnvironmentVariable}. Default: {d.Default}",
            Recursive = true,
        };
    }
}

internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
