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

    /// <summary>
    /// Records of <paramref name="family"/> (<c>usage</c> or <c>traffic</c>) stored, records the import batches count as
    /// committed (what the killed runs acknowledged), and records the month totals count.
    /// </summary>
    public static async Task<(long Stored, long Committed, long Totals)> CountsAsync(TemplateCopy copy, string family, CancellationToken ct)
    {
        await using var services = PreparedImport.Services(copy.Target, copy.Data);
        await using var db = PreparedImport.Context(services);
        return (await CountAsync(db, $"SELECT count(*) FROM {family}_records", ct),
            await CountAsync(db, "SELECT coalesce(sum(rows_imported), 0) FROM import_batches WHERE status <> 'abandoned'", ct),
            await TotalsAsync(db, family, ct));
    }

    public static async Task<ImportOutcomeFacts> ReadAsync(TemplateCopy copy, string family, CancellationToken ct)
    {
        var facts = new List<string>();
        var problems = new List<string>();
        await using var services = PreparedImport.Services(copy.Target, copy.Data);
        await using var db = PreparedImport.Context(services);

        var verification = await services.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, ct);
        problems.AddRange(verification.Problems.Select(p => "audit chain: " + p.Code + " " + p.Message));

        var keys = await SqlRows.ReadAsync(db, $"SELECT record_key FROM {family}_records ORDER BY record_key", ct);
        facts.AddRange(keys.Select(k => family + " record " + k));
        if (keys.Distinct(StringComparer.Ordinal).Count() != keys.Count)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"{keys.Count - keys.Distinct(StringComparer.Ordinal).Count()} {family} records stored twice"));
        }

        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT status, committed_line, rows_imported, rows_rejected FROM import_batches ORDER BY status", ct)).Select(b => "import batch " + b));
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT action, count(*) FROM audit_events GROUP BY action ORDER BY action", ct)).Select(a => "audit events " + a));

        // What an abandon says about the batch (its state before, the rows removed) must not depend on a crash in between.
        facts.AddRange((await SqlRows.ReadAsync(db, "SELECT details FROM audit_events WHERE action = 'import.abandoned'", ct)).Select(d => "abandon audited " + d));
        var totals = await TotalsAsync(db, family, ct);
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

    private static Task<long> TotalsAsync(Microsoft.EntityFrameworkCore.DbContext db, string family, CancellationToken ct) =>
        CountAsync(db, $"SELECT coalesce(sum(row_count), 0) FROM event_month_totals WHERE family = '{family}'", ct);

    private static async Task<long> CountAsync(Microsoft.EntityFrameworkCore.DbContext db, string sql, CancellationToken ct) =>
        long.Parse((await SqlRows.ReadAsync(db, sql, ct))[0], CultureInfo.InvariantCulture);
}
