using System.CommandLine;
using Custodian.Cli;
using Custodian.Core.Features.Processors;
using Custodian.Core.Features.Register;

namespace Custodian.Features.Register;

/// <summary><c>custodian register check|render</c>: validate the processing register and render the privacy statement from it.</summary>
internal static class RegisterCommands
{
    internal static Command Build()
    {
        var register = new Command("register", "The processing register (policy/register.yaml) and the privacy statement rendered from it");
        register.Subcommands.Add(BuildCheck());
        register.Subcommands.Add(BuildRender());
        return register;
    }

    private static Argument<string?> FileArgument() => new("FILE")
    {
        Description = "Register file to use. Default: --register / CUSTODIAN_REGISTER, else the shipped policy/register.yaml",
        Arity = ArgumentArity.ZeroOrOne,
    };

    private static Command BuildCheck()
    {
        var file = FileArgument();
        var check = new Command(
            "check",
            "Validate a register. Prints one line per problem as FILE:LINE:COLUMN: error|warning CODE: message. " +
            "Exits 0 when valid (warnings allowed), 1 when not.")
        {
            file,
        };
        var horizon = new Option<int>("--review-horizon")
        {
            Description = "Warn about processor reviews due within this many days (and those past due). Default: 30",
            DefaultValueFactory = _ => ProcessorReview.DefaultHorizon.Days,
        };
        check.Options.Add(horizon);
        check.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file) ?? CustodianCli.ResolveSettings(parse).RegisterPath;
            var today = NodaTime.Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()).InZone(NodaTime.DateTimeZoneProviders.Tzdb["Europe/Amsterdam"]).Date;
            var result = RegisterCheck.File(path, today, NodaTime.Period.FromDays(Math.Max(0, parse.GetValue(horizon))));
            var output = parse.InvocationConfiguration.Output;
            foreach (var d in result.Diagnostics)
            {
                await output.WriteLineAsync(d.ToString().AsMemory(), ct);
            }

            await output.WriteLineAsync(result.Summary.AsMemory(), ct);
            return result.IsValid ? ExitCodes.Success : ExitCodes.Failure;
        });
        return check;
    }

    private static Command BuildRender()
    {
        var file = FileArgument();
        var lang = new Option<string>("--lang")
        {
            Description = "Language of the statement: nl (Dutch, the original) or en (English)",
            DefaultValueFactory = _ => "nl",
        };
        lang.AcceptOnlyFromAmong("nl", "en");
        var format = new Option<string>("--format")
        {
            Description = "Output format: md (Markdown) or html (a complete HTML page)",
            DefaultValueFactory = _ => "md",
        };
        format.AcceptOnlyFromAmong("md", "html");

        var render = new Command("render", "Print the full privacy statement rendered from a register")
        {
            file,
            lang,
            format,
        };
        render.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file) ?? CustodianCli.ResolveSettings(parse).RegisterPath;
            var result = RegisterLoader.LoadFile(path);
            if (result.Register is null)
            {
                var error = parse.InvocationConfiguration.Error;
                foreach (var d in result.Diagnostics)
                {
                    await error.WriteLineAsync(d.ToString().AsMemory(), ct);
                }

                await error.WriteLineAsync($"{path}: invalid register; run 'custodian register check {path}' and fix the errors first.".AsMemory(), ct);
                return ExitCodes.Failure;
            }

            var text = StatementRenderer.Render(
                result.Register,
                parse.GetValue(lang) == "en" ? StatementLanguage.English : StatementLanguage.Dutch,
                parse.GetValue(format) == "html" ? StatementFormat.Html : StatementFormat.Markdown);
            await parse.InvocationConfiguration.Output.WriteAsync(text.AsMemory(), ct);
            return ExitCodes.Success;
        });
        return render;
    }
}
