using System.Globalization;
using Custodian.Core.Features.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Custodian.Testing.Crash;

/// <summary>
/// What an import left on a copy, in a form two runs can be compared in (<see cref="Facts"/>: records, batches, audit
/// actions, month totals, the reject file), plus the invariants any one run must keep (<see cref="Problems"/>).
/// </summary>
internal sealed record ImportOutcomeFacts(IReadOnlyList<string> Facts, IReadOnlyList<string> Problems, int Records)
{
    public IReadOnlyList<string> DifferencesFrom(ImportOutcomeFacts reference)
    {
        var missing = reference.Facts.Except(Facts, StringComparer.Ordinal).Take(10).Select(f => "missing (the fault-free import has it): " + f);
        var extra = Facts.Except(reference.Facts, StringComparer.Ordinal).Take(10).Select(f => "extra (the fault-free import has not): " + f);
        return [.. missing, .. extra];
    }

    /// <summary>Records stored, and records the import batches count as committed (what the killed runs acknowledged).</summary>
    public static async Task<(long Stored, long Committed)> AcknowledgedAsync(TemplateCopy copy, CancellationToken ct)
    {
        await using var services = PreparedImport.Services(copy.Target, copy.Data);
        await using var db = PreparedImport.Context(services);
        var stored = long.Parse((await SqlRows.ReadAsync(db, "SELECT count(*) FROM usage_records", ct))[0], CultureInfo.InvariantCulture);
        var committed = long.Parse((await SqlRows.ReadAsync(db, "SELECT coalesce(sum(rows_imported), 0) FROM import_batches", ct))[0], CultureInfo.InvariantCulture);
        return (stored, committed);
    }

    public static async Task<ImportOutcomeFacts> ReadAsync(TemplateCopy copy, CancellationToken ct)
    {
        var facts = new List<string>();
        var problems = new List<string>();
        await using var services = PreparedImport.Services(copy.Target, copy.Data);
        await using var db = PreparedImport.Context(services);

        var verification = await services.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, ct);
        problems.AddRange(verification.Problems.Select(p => "audit chain: " + p.Code + " " + p.Message));

        var keys = await SqlRows.ReadAsync(db, "SELECT record_key FROM usage_records ORDER BY record_key", ct);
        facts.AddRange(keys.Select(k => "usage record " + k));
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{keys.Count - keys.Distinct(StringComparer.Ordinal).Count()} usage records stored twice"));
        }

        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT status, committed_line, rows_imported, rows_rejected FROM import_batches ORDER BY status", ct)).Select(b => "import batch " + b));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT action, count(*) FROM audit_events GROUP BY action ORDER BY action", ct)).Select(a => "audit events " + a));
        var totals = long.Parse((await SqlRows.ReadAsync(db, "SELECT coalesce(sum(row_count), 0) FROM event_month_totals WHERE family = 'usage'", ct))[0], CultureInfo.InvariantCulture);
        if (totals != keys.Count)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"the month totals count {totals} records, {keys.Count} are stored"));
        }

        // The reject file is a side effect of the import: a resumed import must not list a rejected row twice.
        var rejects = Path.Combine(copy.Folder, "rejects.csv");
        var lines = File.Exists(rejects) ? await File.ReadAllLinesAsync(rejects, ct) : [];
        facts.AddRange(lines.Select(l => "reject line " + l));
        return new ImportOutcomeFacts(facts, problems, keys.Count);
    }
}
