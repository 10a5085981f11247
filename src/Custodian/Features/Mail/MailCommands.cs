using System.CommandLine;
using System.Globalization;
using Custodian.Cli;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Mail;
using Custodian.Core.Persistence;
using Custodian.Features.Audit;
using Custodian.Features.Database;
using Custodian.Features.Requests;
using Custodian.Features.Sms;
using Custodian.Hosting;
using NodaTime;

namespace Custodian.Features.Mail;

/// <summary>
/// <c>custodian mail dispatch</c> (send the due queued messages now: what <c>serve</c> does every 15 seconds) and
/// <c>custodian mail list [--all]</c> (the queue without recipients or texts: what is waiting, retrying or given up) and
/// <c>custodian mail requeue ID</c> (send a given-up message again, as "send again" on the request's office page).
/// Both use the configured database, master key, SMTP host or outbox, and SMS gateway or outbox.
/// </summary>
internal static class MailCommands
{
    internal static Command Build()
    {
        var mail = new Command("mail", "The outgoing message queue (requester mail and SMS): send due messages now, list waiting or given-up ones");

        var dispatch = new Command("dispatch", "Send every due queued message now (retries, messages of a killed node), give up those out of attempts, delete finished rows older than a week");
        dispatch.SetAction(async (parse, ct) =>
        {
            await using var services = await ServicesAsync(parse, ct);
            var result = await services.GetRequiredService<MessageDispatcher>().DispatchDueAsync(ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Sent {result.Sent}, to retry {result.Retrying}, given up {result.GivenUp}, finished rows deleted {result.Purged}."));
            return result.GivenUp > 0 ? ExitCodes.Failure : ExitCodes.Success;
        });

        var all = new Option<bool>("--all") { Description = "Also list sent and given-up messages of the last week" };
        var list = new Command("list", "List queued messages (id, channel, request reference, attempts, next attempt, state, last error); never a recipient or a text")
        {
            all,
        };
        list.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            await using var services = await ServicesAsync(parse, ct);
            var rows = await services.GetRequiredService<MessageDispatcher>().ListAsync(parse.GetValue(all), ct);
            await output.WriteLineAsync("id\tcreated\tchannel\treference\tattempts\tnext_attempt\tstate\tlast_error");
            foreach (var m in rows)
            {
                var state = m.SentAt is { } sent ? "sent " + Text(sent) : m.FailedAt is { } failed ? "given up " + Text(failed) : m.Attempts == 0 ? "waiting" : "retrying";
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{m.Id}\t{Text(m.CreatedAt)}\t{m.Channel}\t{m.Reference ?? "-"}\t{m.Attempts}\t{Text(m.NextAttemptAt)}\t{state}\t{m.LastError ?? "-"}"));
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} message(s)"));
            return ExitCodes.Success;
        });

        var messageId = new Argument<Guid>("MESSAGE_ID") { Description = "The given-up message (see 'custodian mail list --all')" };
        var requeue = new Command("requeue", "Send a given-up message again once its cause is fixed (audited message.requeued); it keeps its sealed recipient and text for a week after it was given up")
        {
            messageId,
        };
        requeue.SetAction(async (parse, ct) =>
        {
            await using var services = await ServicesAsync(parse, ct);
            var id = parse.GetValue(messageId);
            var result = await services.GetRequiredService<MessageDispatcher>().RequeueAsync(id, null, new AuditActor(AuditActorKind.Cli, "cli:mail requeue"), ct);
            if (!result.IsSuccess)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"error {result.Error!.Code}: {result.Error.Message}");
                return ExitCodes.Failure;
            }

            var row = (await services.GetRequiredService<MessageDispatcher>().ListAsync(includeFinished: true, ct)).FirstOrDefault(m => m.Id == id);
            await parse.InvocationConfiguration.Output.WriteLineAsync(row?.SentAt is not null
                ? $"Message {id} was sent again."
                : $"Message {id} is queued again; sending failed just now ({row?.LastError ?? "unknown"}), the dispatcher retries it.");
            return ExitCodes.Success;
        });

        mail.Subcommands.Add(dispatch);
        mail.Subcommands.Add(list);
        mail.Subcommands.Add(requeue);
        return mail;
    }

    private static string Text(Instant instant) => instant.ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static async Task<ServiceProvider> ServicesAsync(ParseResult parse, CancellationToken ct)
    {
        var settings = CustodianCli.ResolveSettings(parse);
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(MasterKeyFiles.LoadExisting(settings));
        services.AddLogging();
        services.AddCustodianDatabase(DatabaseTarget.Resolve(settings.Database, settings.DataFolder));
        services.AddCustodianAudit(AuditSettings.Configure(settings));
        // SMS before mail: a mail outbox also registers an SMS outbox unless a sender is registered already.
        services.AddCustodianSmsSender(SmsSettings.Configure(settings, dev: false));
        services.AddCustodianMail(MailSettings.Configure(settings, dev: false));
        return await DatabaseStartup.BuildReadyAsync(services, ct);
    }
}
