using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Shielding;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Hosting;

namespace Custodian.Features.Shielding;

/// <summary>
/// <c>custodian bill itemised --number N --period YYYY-MM [--json]</c> and <c>custodian shielding
/// list|add|end|import|export</c>. Operators act provider-wide; every command is audited like its API/page twin.
/// Exit 0 on success, 1 on a refused operation (the error on stderr as <c>error CODE: ...</c>), 2 on bad usage.
/// </summary>
internal static class ShieldingCommands
{
    internal static Command BuildBill()
    {
        var number = new Option<string>("--number") { Description = "The subscriber's number (E.164 or national)", Required = true };
        var period = new Option<string>("--period") { Description = "The billing period, YYYY-MM (calendar month, Europe/Amsterdam)", Required = true };
        var json = new Option<bool>("--json") { Description = "Print the specification as JSON" };
        var itemised = new Command("itemised", "A subscriber's itemised bill specification for a billing period, shielded numbers masked") { number, period, json };
        itemised.SetAction((parse, ct) => WithServicesAsync(parse, "bill itemised", async (sp, actor) =>
        {
            var result = await sp.GetRequiredService<ItemisedBillBuilder>().BuildAsync(
                new StoreCaller(actor, TenantScope.Everything), parse.GetValue(number), parse.GetValue(period), ct);
            if (!result.IsSuccess)
            {
                return await FailAsync(parse, result.Error);
            }

            var output = parse.InvocationConfiguration.Output;
            await output.WriteAsync(parse.GetValue(json)
                ? JsonSerializer.Serialize(ItemisedBillDto.From(result.Value), SweepJson.Indented) + "\n"
                : ItemisedBillBuilder.Text(result.Value));
            return ExitCodes.Success;
        }, ct));
        return new Command("bill", "Bills: itemised specifications") { itemised };
    }

    internal static Command Build()
    {
        var shielding = new Command("shielding", "The register of shielded numbers (BUDE 4.2): own requests, received and outgoing lists");

        var includeEnded = new Option<bool>("--all") { Description = "Include ended shieldings" };
        var list = new Command("list", "The shielded numbers, newest first") { includeEnded };
        list.SetAction((parse, ct) => WithServicesAsync(parse, "shielding list", async (sp, _) =>
        {
            var output = parse.InvocationConfiguration.Output;
            foreach (var n in await sp.GetRequiredService<ShieldingRegister>().ListAsync(parse.GetValue(includeEnded), ct))
            {
                await output.WriteLineAsync(string.Join("  ",
                    n.Id, n.Number, n.Source, n.ProviderName ?? "-", "from " + BillingPeriod.Format(n.EffectiveFrom),
                    n.EffectiveUntil is { } u ? "until " + BillingPeriod.Format(u) : "running"));
            }

            return ExitCodes.Success;
        }, ct));

        var number = new Option<string>("--number") { Description = "The subscriber's number", Required = true };
        var from = new Option<string?>("--period") { Description = "First billing period (YYYY-MM); default: the current one" };
        var add = new Command("add", "Shield an own subscriber's number (free of charge; at the latest from the next billing period)") { number, from };
        add.SetAction((parse, ct) => WithServicesAsync(parse, "shielding add", async (sp, actor) =>
        {
            if (!TryPeriod(parse, from, out var period))
            {
                return ExitCodes.Usage;
            }

            var result = await sp.GetRequiredService<ShieldingRegister>().AddOwnAsync(actor, parse.GetValue(number), period, ct);
            if (!result.IsSuccess)
            {
                return await FailAsync(parse, result.Error);
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"Shielded {result.Value.Number} from billing period {BillingPeriod.Format(result.Value.EffectiveFrom)} ({result.Value.Id}).");
            return ExitCodes.Success;
        }, ct));

        var id = new Option<Guid>("--id") { Description = "The shielded number's id (see 'shielding list')", Required = true };
        var end = new Command("end", "End an own shielding at the subscriber's wish (from the next billing period)") { id };
        end.SetAction((parse, ct) => WithServicesAsync(parse, "shielding end", async (sp, actor) =>
        {
            var result = await sp.GetRequiredService<ShieldingRegister>().EndAsync(actor, parse.GetValue(id), ct);
            if (!result.IsSuccess)
            {
                return await FailAsync(parse, result.Error);
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(
                $"Ended; shown in full from billing period {BillingPeriod.Format(result.Value.EffectiveUntil!.Value)}.");
            return ExitCodes.Success;
        }, ct));

        var provider = new Option<string>("--from") { Description = "The provider that sent the list", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The list: CSV, header 'number', one E.164 number per line", Required = true };
        var importFrom = new Option<string?>("--period") { Description = "First billing period the list applies to (YYYY-MM); default: the current one" };
        var import = new Command("import", "Apply a list received from another provider, replacing its previous list") { provider, file, importFrom };
        import.SetAction((parse, ct) => WithServicesAsync(parse, "shielding import", async (sp, actor) =>
        {
            if (!TryPeriod(parse, importFrom, out var period))
            {
                return ExitCodes.Usage;
            }

            var path = parse.GetValue(file)!;
            var content = await File.ReadAllTextAsync(path.FullName, ct);
            var result = await sp.GetRequiredService<ShieldingRegister>().ImportReceivedAsync(actor, parse.GetValue(provider), path.Name, content, period, ct);
            if (!result.IsSuccess)
            {
                return await FailAsync(parse, result.Error);
            }

            if (!result.Value.Applied)
            {
                foreach (var e in result.Value.Errors)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"error {e}");
                }

                await parse.InvocationConfiguration.Error.WriteLineAsync("Nothing was applied.");
                return ExitCodes.Failure;
            }

            var l = result.Value.List!;
            await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Applied {l.NumberCount} number(s) from {l.ProviderName} as of {BillingPeriod.Format(l.EffectiveFrom)}; {result.Value.Ended} of its previous list stopped there."));
            return ExitCodes.Success;
        }, ct));

        var to = new Option<string>("--to") { Description = "The receiving provider", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "Write the list to this file (default: standard output)" };
        var export = new Command("export", "Produce our list of shielded numbers for another provider (numbers only) and record the send") { to, output };
        export.SetAction((parse, ct) => WithServicesAsync(parse, "shielding export", async (sp, actor) =>
        {
            var result = await sp.GetRequiredService<ShieldingRegister>().ExportAsync(actor, parse.GetValue(to), ct);
            if (!result.IsSuccess)
            {
                return await FailAsync(parse, result.Error);
            }

            if (parse.GetValue(output) is { } outFile)
            {
                await File.WriteAllTextAsync(outFile.FullName, result.Value.Content, ct);
                await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Wrote {result.Value.Send.NumberCount} number(s) for {result.Value.Send.ProviderName} to {outFile.FullName} (sha256 {result.Value.Send.Sha256})."));
            }
            else
            {
                await parse.InvocationConfiguration.Output.WriteAsync(result.Value.Content);
            }

            return ExitCodes.Success;
        }, ct));

        shielding.Subcommands.Add(list);
        shielding.Subcommands.Add(add);
        shielding.Subcommands.Add(end);
        shielding.Subcommands.Add(import);
        shielding.Subcommands.Add(export);
        return shielding;
    }

    private static bool TryPeriod(ParseResult parse, Option<string?> option, out NodaTime.YearMonth? period)
    {
        period = null;
        if (parse.GetValue(option) is not { } text)
        {
            return true;
        }

        period = BillingPeriod.Parse(text);
        if (period is null)
        {
            parse.InvocationConfiguration.Error.WriteLine("error bill.period.invalid: --period is a calendar month written as YYYY-MM.");
            return false;
        }

        return true;
    }

    private static async Task<int> FailAsync(ParseResult parse, StoreError error)
    {
        var writer = parse.InvocationConfiguration.Error;
        if (error is ValidationError v)
        {
            foreach (var f in v.Errors)
            {
                await writer.WriteLineAsync($"error {f.Code}: {f.Field}: {f.Message}");
            }
        }
        else
        {
            await writer.WriteLineAsync($"error {error.Code}: {error.Message}");
        }

        return ExitCodes.Failure;
    }

    private static async Task<int> WithServicesAsync(
        ParseResult parse, string command, Func<IServiceProvider, AuditActor, Task<int>> work, CancellationToken ct)
    {
        var error = parse.InvocationConfiguration.Error;
        var settings = CustodianCli.ResolveSettings(parse);
        var masterKey = MasterKeyFiles.LoadExisting(settings);
        if (await DatabaseStartup.OpenForCommandAsync(settings, error, ct) is not ({ } register, { } target))
        {
            return ExitCodes.Failure;
        }

        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(target);
        services.AddSingleton(masterKey);
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        services.AddSingleton(register.Register);
        services.AddCustodianStore();
        services.AddCustodianShielding();
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        // The operator is provider-wide; the context must say so, or it sees no tenant rows (the usage records).
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        return await work(scope.ServiceProvider, new AuditActor(AuditActorKind.Cli, $"cli:{command}"));
    }
}
