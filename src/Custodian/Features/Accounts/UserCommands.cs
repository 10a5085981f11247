using System.CommandLine;
using Custodian.Cli;
using Custodian.Configuration;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Hosting;
using NodaTime.Text;

namespace Custodian.Features.Accounts;

/// <summary>
/// <c>custodian user add|list|disable|reset-password|reset-totp|unlock|totp-code</c>: operator commands for back-office accounts. The
/// first administrator is made here. Every change is audited (actor <c>cli:user &lt;verb&gt;</c>). A new account has no
/// second factor; it enrols one (TOTP) at its first login.
/// </summary>
internal static class UserCommands
{
    internal static Command Build()
    {
        var user = new Command("user", "Back-office accounts: staff and client organisations' privacy contacts");
        user.Subcommands.Add(BuildAdd());
        user.Subcommands.Add(BuildList());
        user.Subcommands.Add(BuildChange("disable", "Disable an account; its sessions end at once", (a, login, actor, ct) => a.DisableAsync(login, actor, ct), "Disabled"));
        user.Subcommands.Add(BuildResetPassword());
        user.Subcommands.Add(BuildChange("reset-totp", "Forget an account's second factor (lost phone); it enrols a new one at its next login. Ends its sessions", (a, login, actor, ct) => a.ResetTotpAsync(login, actor, ct), "Reset the second factor of"));
        user.Subcommands.Add(BuildChange("unlock", "Lift a lockout after repeated failed logins", (a, login, actor, ct) => a.UnlockAsync(login, actor, ct), "Unlocked"));
        user.Subcommands.Add(BuildTotpCode());
        return user;
    }

    private static Command BuildAdd()
    {
        var login = new Argument<string>("LOGIN") { Description = "The login name: 2-64 characters a-z 0-9 . _ -" };
        var role = new Option<string>("--role") { Description = $"The role: {string.Join(", ", StaffRoles.All)}", Required = true };
        var organization = new Option<string?>("--organization") { Description = $"The code of the organisation a {StaffRoles.ClientPrivacyContact} acts for (that role only)" };
        var name = new Option<string?>("--name") { Description = "The display name (default: the login name)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = $"Read the initial password from standard input (at least {StaffPasswordHasher.MinimumLength} characters) instead of generating one" };
        var add = new Command("add", "Create an account and print its one-time initial password (or read one with --password-stdin)")
        {
            login,
            role,
            organization,
            name,
            passwordStdin,
        };
        add.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            string? password = null;
            if (parse.GetValue(passwordStdin))
            {
                password = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n');
                if (string.IsNullOrEmpty(password))
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync("error staff_user.password_required: --password-stdin was given but standard input held no password.");
                    return ExitCodes.Usage;
                }
            }

            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().AddAsync(
                parse.GetValue(login)!, parse.GetValue(role)!, parse.GetValue(organization), parse.GetValue(name), password, CliActor("user add"), ct);
            if (!result.IsSuccess)
            {
                await WriteErrorAsync(parse.InvocationConfiguration.Error, result.Error);
                return ExitCodes.Failure;
            }

            var created = result.Value.User;
            await output.WriteLineAsync($"Created account {created.LoginName} ({created.Role}{(parse.GetValue(organization) is { } code ? ", organisation " + code : string.Empty)}).");
            if (result.Value.InitialPassword is { } initial)
            {
                await output.WriteLineAsync("Initial password, shown only now (give it to the person over a separate channel):");
                await output.WriteLineAsync(initial);
            }

            await output.WriteLineAsync(ExpiryNote());

            await output.WriteLineAsync("At the first login at /office/login the account sets up its authenticator app (TOTP).");
            return ExitCodes.Success;
        });
        return add;
    }

    /// <summary>A forgotten password: a new one-time password, printed once; the account's sessions end (audited).</summary>
    private static Command BuildResetPassword()
    {
        var login = new Argument<string>("LOGIN") { Description = "The account's login name" };
        var command = new Command("reset-password", "Give an account a new one-time password (printed once; it must be changed at the next login). Ends its sessions") { login };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().ResetPasswordAsync(parse.GetValue(login)!, CliActor("user reset-password"), ct);
            if (!result.IsSuccess)
            {
                await WriteErrorAsync(parse.InvocationConfiguration.Error, result.Error);
                return ExitCodes.Failure;
            }

            await output.WriteLineAsync($"Reset the password of {result.Value.User.LoginName}; its sessions have ended.");
            await output.WriteLineAsync("One-time password, shown only now (give it to the person over a separate channel):");
            await output.WriteLineAsync(result.Value.InitialPassword);
            await output.WriteLineAsync(ExpiryNote());
            return ExitCodes.Success;
        });
        return command;
    }

    private static string ExpiryNote() =>
        $"It must be changed at the first login and stops working after {(long)new AccountsOptions().InitialPasswordLifetime.TotalHours} hours (then: custodian user reset-password LOGIN).";

    private static Command BuildList()
    {
        var list = new Command("list", "List accounts: login, role, organisation, second factor, locked, created, last login, disabled");
        list.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var users = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().ListAsync(ct);
            await output.WriteLineAsync("LOGIN                 ROLE                        ORGANISATION  TOTP  LOCKED  CREATED               LAST LOGIN            DISABLED");
            foreach (var u in users)
            {
                await output.WriteLineAsync(string.Join("  ",
                    u.LoginName.PadRight(20),
                    u.Role.PadRight(26),
                    (u.OrganizationCode ?? "-").PadRight(12),
                    (u.TotpEnrolled ? "yes" : "no").PadRight(4),
                    (u.Locked ? "yes" : "no").PadRight(6),
                    Time(u.CreatedAt).PadRight(20),
                    (u.LastLoginAt is { } last ? Time(last) : "-").PadRight(20),
                    u.DisabledAt is { } disabled ? Time(disabled) : "-"));
            }

            return ExitCodes.Success;
        });
        return list;
    }

    private static Command BuildChange(
        string verb, string description, Func<StaffAccounts, string, AuditActor, CancellationToken, Task<StoreResult<StaffUser>>> change, string done)
    {
        var login = new Argument<string>("LOGIN") { Description = "The account's login name" };
        var command = new Command(verb, description) { login };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var result = await change(scope.ServiceProvider.GetRequiredService<StaffAccounts>(), parse.GetValue(login)!, CliActor("user " + verb), ct);
            if (!result.IsSuccess)
            {
                await WriteErrorAsync(parse.InvocationConfiguration.Error, result.Error);
                return ExitCodes.Failure;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync($"{done} {result.Value.LoginName}.");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Development only: the current code of a demo account, so a newcomer can log in without an authenticator app.
    /// Refuses unless the database is <c>serve --dev</c>'s own (the default database under the data folder, with the
    /// development master key) and the account is one of the demo accounts.
    /// </summary>
    private static Command BuildTotpCode()
    {
        var login = new Argument<string>("LOGIN") { Description = "A demo account's login name (see serve --dev's output)" };
        var command = new Command("totp-code", "Development only: print the current TOTP code of a demo account of serve --dev's database") { login };
        command.SetAction(async (parse, ct) =>
        {
            var settings = CustodianCli.ResolveSettings(parse);
            var name = StaffLoginNames.Normalize(parse.GetValue(login));
            if (settings.Sources.GetValueOrDefault("db") != SettingSource.Default || settings.MasterKeyFile is not null || !DevStaffSeeding.IsDemoLogin(name))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync(
                    "error staff_user.not_demo: totp-code works only for the demo accounts of serve --dev's own database (no --db, no --master-key-file); real accounts use an authenticator app.");
                return ExitCodes.Failure;
            }

            await using var services = await ServicesAsync(parse, ct);
            await using var scope = services.CreateAsyncScope();
            var code = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().CurrentCodeAsync(name, ct);
            if (code is null)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error staff_user.not_found: no enrolled demo account of this name (run serve --dev once).");
                return ExitCodes.Failure;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(code);
            return ExitCodes.Success;
        });
        return command;
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

    private static async Task<ServiceProvider> ServicesAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = CustodianCli.ResolveSettings(parse);
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(DatabaseTarget.Resolve(settings.Database, settings.DataFolder));
        services.AddSingleton(MasterKeyFiles.LoadExisting(settings));
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        services.AddCustodianAccounts();
        return await DatabaseStartup.BuildReadyAsync(services, ct);
    }
}
