using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Hosting;
using NodaTime;

namespace Custodian.Features.Retention;

/// <summary>
/// <c>custodian hold place|list|show|extend|release</c>: legal holds for operators, through the same
/// <see cref="LegalHoldCommands"/> as the API (same rules, same audit events). The operator is provider-wide and may
/// handle authority-basis holds (<c>holds:lawful</c>): whoever runs the executable against the database has that
/// power anyway. The audit actor is the command (<c>cli:hold place</c>). Options mirror the API's fields; times are
/// ISO-8601 instants. Output: a summary, or with <c>--json</c> the hold as the API shows it. Exit codes: 0 done;
/// 1 the operation was refused (<c>error &lt;code&gt;: &lt;field&gt;: &lt;message&gt;</c> per invalid field) or the
/// database cannot be used; 2 usage error.
/// </summary>
internal static class HoldCommands
{
    internal static Command Build()
    {
        var hold = new Command("hold", "Legal holds and Art. 18 restrictions: held records are not deleted by retention sweeps while the hold lasts");
        hold.Subcommands.Add(Place());
        hold.Subcommands.Add(List());
        hold.Subcommands.Add(Show());
        hold.Subcommands.Add(Extend());
        hold.Subcommands.Add(Release());
        return hold;
    }

    private static Option<bool> Json() => new("--json") { Description = "Print the hold as JSON (the API's fields)" };

    private static Argument<Guid> IdArgument() => new("ID") { Description = "The hold's id" };

    private static Command Place()
    {
        var basis = new Option<string>("--basis") { Description = $"Legal basis: {string.Join(", ", HoldBases.Names)}", Required = true };
        var ground = new Option<string?>("--ground") { Description = $"Art. 18 restrictions only: {string.Join(", ", HoldBases.GroundNameList)}" };
        var reason = new Option<string>("--reason") { Description = "Why, without personal data (name the case, not the person); at most 500 characters", Required = true };
        var reference = new Option<string?>("--reference") { Description = "The order's or case's number (required for authority bases)" };
        var organization = new Option<string?>("--organization") { Description = "The organisation's code; leave out to hold in every organisation" };
        var categories = new Option<string[]>("--category") { Description = "A register category to hold (repeatable); none: every category", AllowMultipleArgumentsPerToken = false };
        var identifiers = new Option<string[]>("--identifier") { Description = $"kind:value to hold records holding it (repeatable), kind one of {string.Join(", ", HoldIdentifiers.KindNames)}" };
        var from = new Option<string?>("--records-from") { Description = "Hold records whose own time is at or after this instant" };
        var until = new Option<string?>("--records-until") { Description = "... and before this instant" };
        var starts = new Option<string?>("--starts-at") { Description = "When the hold starts (default: now)" };
        var ends = new Option<string?>("--ends-at") { Description = "When it ends (default: until released; a 126ni order needs one)" };
        var json = Json();
        var place = new Command("place", "Place a legal hold or restriction") { basis, ground, reason, reference, organization, categories, identifiers, from, until, starts, ends, json };
        place.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            var parsedIdentifiers = new List<HoldIdentifierInput?>();
            foreach (var text in parse.GetValue(identifiers) ?? [])
            {
                var colon = text.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0 || colon == text.Length - 1)
                {
                    await error.WriteLineAsync($"error hold.identifier_format: --identifier must be kind:value (kinds: {string.Join(", ", HoldIdentifiers.KindNames)}).");
                    return ExitCodes.Usage;
                }

                parsedIdentifiers.Add(new HoldIdentifierInput(text[..colon], text[(colon + 1)..]));
            }

            var input = new LegalHoldInput(
                parse.GetValue(basis), parse.GetValue(ground), parse.GetValue(reason), parse.GetValue(reference), parse.GetValue(organization),
                [.. parse.GetValue(categories) ?? []], parse.GetValue(from), parse.GetValue(until), parsedIdentifiers,
                parse.GetValue(starts), parse.GetValue(ends));
            return await RunAsync(parse, "place", parse.GetValue(json), (holds, caller, c) => holds.PlaceAsync(caller, input, null, c), ct);
        });
        return place;
    }

    private static Command List()
    {
        var after = new Option<Guid?>("--after") { Description = "Continue after this hold id (the previous page's last)" };
        var limit = new Option<int>("--limit") { Description = "Holds per page (1-200)", DefaultValueFactory = _ => 50 };
        var json = Json();
        var list = new Command("list", "List holds, oldest first, released ones included") { after, limit, json };
        list.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            return await WithHoldsAsync(parse, "list", async (holds, caller, c) =>
            {
                var page = await holds.ListAsync(caller, parse.GetValue(after), Math.Clamp(parse.GetValue(limit), 1, StoreCommands.MaxPageSize), c);
                var now = Now();
                if (parse.GetValue(json))
                {
                    await output.WriteLineAsync(JsonSerializer.Serialize(page.Select(h => LegalHoldDto.From(h, now)).ToList(), SweepJson.Indented));
                }
                else
                {
                    await output.WriteLineAsync("ID                                    BASIS                      ORGANIZATION                          ACTIVE  ENDS AT");
                    foreach (var h in page)
                    {
                        var dto = LegalHoldDto.From(h, now);
                        await output.WriteLineAsync(string.Join("  ",
                            h.Id.ToString().PadRight(36), dto.Basis.PadRight(25), (dto.OrganizationId?.ToString() ?? "(every organisation)").PadRight(36),
                            (dto.Active ? "yes" : "no").PadRight(6), dto.EndsAt ?? "-"));
                    }
                }

                return ExitCodes.Success;
            }, ct);
        });
        return list;
    }

    private static Command Show()
    {
        var id = IdArgument();
        var json = Json();
        var show = new Command("show", "Show one hold") { id, json };
        show.SetAction((parse, ct) => RunAsync(parse, "show", parse.GetValue(json), (holds, caller, c) => holds.GetAsync(caller, parse.GetValue(id), c), ct));
        return show;
    }

    private static Command Extend()
    {
        var id = IdArgument();
        var ends = new Option<string>("--ends-at") { Description = "The new end, later than the current one (a 126ni order: once, by at most 90 days)", Required = true };
        var json = Json();
        var extend = new Command("extend", "Move a hold's end later") { id, ends, json };
        extend.SetAction((parse, ct) => RunAsync(parse, "extend", parse.GetValue(json),
            (holds, caller, c) => holds.ExtendAsync(caller, parse.GetValue(id), new ExtendHoldInput(parse.GetValue(ends)), c), ct));
        return extend;
    }

    private static Command Release()
    {
        var id = IdArgument();
        var reason = new Option<string>("--reason") { Description = "Why the hold is released, without personal data", Required = true };
        var json = Json();
        var release = new Command("release", "Release a hold: its records go at the next sweep if expired") { id, reason, json };
        release.SetAction((parse, ct) => RunAsync(parse, "release", parse.GetValue(json),
            (holds, caller, c) => holds.ReleaseAsync(caller, parse.GetValue(id), new ReleaseHoldInput(parse.GetValue(reason)), c), ct));
        return release;
    }

    /// <summary>One operation on one hold: prints the hold, or the errors (exit 1).</summary>
    private static Task<int> RunAsync(
        ParseResult parse, string verb, bool json, Func<LegalHoldCommands, HoldCaller, CancellationToken, Task<StoreResult<LegalHold>>> operation, CancellationToken ct) =>
        WithHoldsAsync(parse, verb, async (holds, caller, c) =>
        {
            var result = await operation(holds, caller, c);
            var now = Now();
            if (!result.IsSuccess)
            {
                await WriteErrorAsync(parse.InvocationConfiguration.Error, result.Error!);
                return ExitCodes.Failure;
            }

            var output = parse.InvocationConfiguration.Output;
            var dto = LegalHoldDto.From(result.Value!, now);
            await output.WriteLineAsync(json ? JsonSerializer.Serialize(dto, SweepJson.Indented) : Text(verb, dto));
            return ExitCodes.Success;
        }, ct);

    private static async Task<int> WithHoldsAsync(
        ParseResult parse, string verb, Func<LegalHoldCommands, HoldCaller, CancellationToken, Task<int>> work, CancellationToken ct)
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
        await using var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();

        // The operator is provider-wide; the context (shared with the commands) must say so, or it sees no tenant rows.
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        var caller = new HoldCaller(new AuditActor(AuditActorKind.Cli, $"cli:hold {verb}"), TenantScope.Everything, lawful: true);
        return await work(scope.ServiceProvider.GetRequiredService<LegalHoldCommands>(), caller, ct);
    }

    /// <summary>Read after the operation: a hold placed "from now" is active at the instant it is shown.</summary>
    private static Instant Now() => Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());

    private static string Text(string verb, LegalHoldDto h)
    {
        var done = verb switch
        {
            "place" => "Placed",
            "extend" => "Extended",
            "release" => "Released",
            _ => "Hold",
        };
        var lines = new List<string>
        {
            $"{done} hold {h.Id}: {h.Basis}{(h.Ground is null ? "" : $" ({h.Ground})")}, {(h.Active ? "active" : "not active")}.",
            $"  reason:        {h.Reason}",
            $"  reference:     {h.Reference ?? "-"}",
            $"  organization:  {h.OrganizationId?.ToString() ?? "every organisation"}",
            $"  categories:    {(h.Categories.Count == 0 ? "every category" : string.Join(", ", h.Categories))}",
            $"  identifiers:   {(h.Identifiers.Count == 0 ? "-" : string.Join(", ", h.Identifiers.Select(i => $"{i.Kind}:{i.Value}")))}",
            $"  records:       {h.RecordsFrom ?? "-"} .. {h.RecordsUntil ?? "-"}",
            $"  starts at:     {h.StartsAt}",
            $"  ends at:       {h.EndsAt ?? "when released"}{(h.ExtensionCount > 0 ? string.Create(CultureInfo.InvariantCulture, $" (extended {h.ExtensionCount}x)") : "")}",
        };
        if (h.ReleasedAt is not null)
        {
            lines.Add($"  released at:   {h.ReleasedAt} ({h.ReleaseReason})");
        }

        return string.Join('\n', lines);
    }

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
}
