using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Mail;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Custodian.Testing.Crash;

/// <summary>
/// What a serve action left on a copy, for comparing a killed-and-retried run with the fault-free one: the person's
/// records left, request and part states with their outcomes, answer files and productions, the counts of the request and
/// disclosure audit events (each deletion and disclosure audited exactly once), and every new mail (after the queue is dispatched: exactly the reference's, none lost, none twice). Problems are
/// the invariants that hold on their own: the audit chain verifies, every blob row has its content and (after the orphan
/// sweep, which removes what a crash left between a file and its row) every content its row, no answer file twice.
/// </summary>
internal sealed record ServeOutcomeFacts(IReadOnlyList<string> Facts, IReadOnlyList<string> Problems, int OrphansSwept)
{
    /// <summary>The audit actions compared by count with the reference (the actions of the work under test).</summary>
    private static readonly string[] CountedActions = ["request.", "disclosure."];

    /// <summary>
    /// Reads, audited each time they happen: a retry really builds the report again (it is not stored twice) and views
    /// the order page again, so these count attempts, not side effects.
    /// </summary>
    private static readonly string[] ReadActions = ["request.access_report_built", "disclosure.viewed"];

    public IReadOnlyList<string> DifferencesFrom(ServeOutcomeFacts reference)
    {
        // Multisets: a row stored twice is a difference even when both copies read the same.
        var mine = Facts.GroupBy(f => f, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var theirs = reference.Facts.GroupBy(f => f, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return [.. mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal)
            .Where(f => mine.GetValueOrDefault(f) != theirs.GetValueOrDefault(f))
            .Select(f => $"{mine.GetValueOrDefault(f)} × (the reference {theirs.GetValueOrDefault(f)} ×): {f}")];
    }

    public static async Task<ServeOutcomeFacts> ReadAsync(TemplateCopy copy, PreparedServe prepared, CancellationToken ct)
    {
        var facts = new List<string>();
        var problems = new List<string>();
        // An hour ahead: the orphan sweep leaves files younger than its (minimum) grace alone, and every writer is dead.
        await using var services = PreparedServe.Services(copy.Target, copy.Data, new PreparedServe.SettableTime(TimeProvider.System.GetUtcNow().AddHours(1)));
        await using var db = PreparedServe.Context(services);

        // Messages still queued (a kill after the commit that queued them, the retry leaving them to the dispatcher) are
        // sent now, as serve's dispatcher would: an hour ahead, the dead children's claims have lapsed.
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MessageDispatcher>().DispatchDueAsync(ct);
        }

        var verification = await services.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, ct);
        problems.AddRange(verification.Problems.Select(p => "audit chain: " + p.Code + " " + p.Message));

        // Nothing deleted that the reference kept, nothing kept that it deleted.
        foreach (var table in new[] { "contact_persons", "voip_contacts", "services" })
        {
            facts.AddRange((await SqlRows.ReadAsync(db, $"SELECT id FROM {table} ORDER BY id", ct)).Select(r => table + " " + r));
        }

        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT record_key FROM usage_records ORDER BY record_key", ct)).Select(r => "usage record " + r));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT id, state FROM data_subject_requests ORDER BY id", ct)).Select(r => "request " + r));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT category, organization_id, state, outcome FROM request_parts ORDER BY category, organization_id", ct)).Select(r => "part " + r));

        var answers = await SqlRows.ReadAsync(db, "SELECT request_id, kind, file_name FROM request_answers ORDER BY request_id, kind, file_name", ct);
        facts.AddRange(answers.Select(a => "answer " + a));
        problems.AddRange(answers.GroupBy(a => a, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"answer file stored {g.Count()} times: {g.Key}"));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT order_id, record_count FROM authority_order_productions ORDER BY order_id", ct)).Select(p => "production " + p));

        var actions = await SqlRows.ReadAsync(db, "SELECT action, count(*) FROM audit_events GROUP BY action ORDER BY action", ct);
        facts.AddRange(actions
            .Where(a => CountedActions.Any(p => a.StartsWith(p, StringComparison.Ordinal)) && !ReadActions.Any(r => a.StartsWith(r + " ", StringComparison.Ordinal)))
            .Select(a => "audit events " + a));

        // Blobs and rows agree: a crash may leave a file without its row (content is written first); the orphan sweep
        // removes it, after which every file has its row and every row its file.
        var sweep = await services.GetRequiredService<EncryptedBlobs>().SweepOrphansAsync(db, EncryptedBlobs.MinimumSweepGrace, ct);
        var store = services.GetRequiredService<IBlobStore>();
        var files = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var entry in store.ListAsync(ct))
        {
            files.Add(entry.Key);
        }

        var rows = (await SqlRows.ReadAsync(db, "SELECT store_key FROM blobs", ct)).ToHashSet(StringComparer.Ordinal);
        problems.AddRange(rows.Except(files).Select(k => "blob row without its content: " + k));
        problems.AddRange(files.Except(rows).Select(k => "blob content without its row after the orphan sweep: " + k));
        var answerBlobs = long.Parse((await SqlRows.ReadAsync(db, "SELECT count(*) FROM request_answers a WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.id = a.blob_id)", ct))[0], CultureInfo.InvariantCulture);
        var productionBlobs = long.Parse((await SqlRows.ReadAsync(db, "SELECT count(*) FROM authority_order_productions p WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.id = p.blob_id)", ct))[0], CultureInfo.InvariantCulture);
        if (answerBlobs + productionBlobs > 0)
        {
            problems.Add($"{answerBlobs} answers and {productionBlobs} productions point at no blob");
        }

        // Mails the action wrote (the template's own are in the copy already), per subject.
        var outbox = Path.Combine(copy.Data, "outbox");
        var before = prepared.TemplateMails;
        var subjects = Directory.Exists(outbox)
            ? Directory.GetFiles(outbox, "*.eml").Where(f => !before.Contains(Path.GetFileName(f))).Select(f => MimeMessage.Load(f).Subject ?? string.Empty).ToList()
            : [];
        // One fact per mail: compared as a multiset, a lost notice or a second one is a difference from the reference.
        facts.AddRange(subjects.Select(s => "mail " + s));

        return new ServeOutcomeFacts(facts, problems, sweep.OrphansRemoved);
    }
}
