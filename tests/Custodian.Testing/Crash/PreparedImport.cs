using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Custodian.Testing.Crash;

/// <summary>How one run of a crash trial is stopped: at an armed fail point, or by SIGKILL from outside after a delay.</summary>
internal sealed record CrashKill(string? FailPoint, TimeSpan? Delay)
{
    public static CrashKill At(string failPoint) => new(failPoint, null);

    public static CrashKill After(TimeSpan delay) => new(null, delay);

    public override string ToString() => FailPoint is not null
        ? "fail point " + FailPoint
        : string.Create(CultureInfo.InvariantCulture, $"SIGKILL after {Delay!.Value.TotalMilliseconds:F0} ms");
}

/// <summary>What a crash trial of <see cref="PreparedImport"/> runs, kills and runs again to the end.</summary>
internal enum CrashOperation
{
    /// <summary><c>custodian import usage</c> of the usage file.</summary>
    ImportUsage,

    /// <summary><c>custodian import traffic</c> of the traffic file (which spans two or three months).</summary>
    ImportTraffic,

    /// <summary><c>custodian import abandon</c> of the traffic file's batch, fully imported; then the file imported afresh.</summary>
    AbandonImported,

    /// <summary>The same for a traffic batch whose import was killed after its first chunk and never resumed.</summary>
    AbandonInterrupted,
}

/// <summary>One crash trial: the kills (each run killed in turn on the same copy), then a run to the end.</summary>
/// <param name="Operation">What was killed.</param>
/// <param name="Kills">The kills, in order.</param>
/// <param name="Landed">How many of them killed the process (a late delay lets it finish first).</param>
/// <param name="Divergences">Broken invariants and differences from the fault-free reference; empty when the trial passed.</param>
/// <param name="Elapsed">Wall-clock time of the whole trial.</param>
internal sealed record ImportTrial(CrashOperation Operation, IReadOnlyList<CrashKill> Kills, int Landed, IReadOnlyList<string> Divergences, TimeSpan Elapsed)
{
    public bool Passed => Divergences.Count == 0;

    public override string ToString() => Operation + ": " + string.Join(", then ", Kills);
}

/// <summary>
/// Crash trials for <c>custodian import usage|traffic</c> and <c>custodian import abandon</c> (issue 8 §4), all on
/// copies of one prepared template (a migrated database with the files' organisation). An import trial imports a file
/// with rejected rows in small chunks; an abandon trial starts from a snapshot where the traffic file's batch was
/// imported (fully, or killed after its first chunk) and abandons it. Each trial kills the operation one or more times
/// in a row (at a named fail point of the importer, the abandon or the audit append, or at a random moment), runs it
/// once more to the end, and compares with the same operation run fault-free on another copy: the same records, batches,
/// audit events, reject file, month totals that count the rows, an intact audit chain. After every kill of an import,
/// what the killed run acknowledged (the batch's committed rows) must be stored and never shrink; after every kill of
/// an abandon, the batch's rows never come back and the month totals still count them. An abandon trial ends with a
/// fresh import of the file, which must succeed and store what the fault-free import stored.
/// </summary>
internal sealed class PreparedImport : IAsyncDisposable
{
    /// <summary>The importer's and the audit append's fail points, with the pass to die on (chunks of <see cref="ChunkRows"/>).</summary>
    public static readonly IReadOnlyList<string> FailPointsToHit =
    [
        "import.chunk_written:1",
        "import.chunk_written:3",
        "import.chunk_written:6", // the last chunk: rows, totals and the batch's completion in one transaction
        AuditTrail.FailPointBeforeInsert,
        AuditTrail.FailPointAfterInsert,
        AuditTrail.FailPointBeforeCommit,
    ];

    /// <summary>The fail points each operation is killed at (<see cref="FailPointsToHit"/> for the usage import).</summary>
    public static readonly IReadOnlyDictionary<CrashOperation, IReadOnlyList<string>> FailPointsOf = new Dictionary<CrashOperation, IReadOnlyList<string>>
    {
        [CrashOperation.ImportUsage] = FailPointsToHit,
        [CrashOperation.ImportTraffic] = ["import.chunk_written:1", "import.chunk_written:3", AuditTrail.FailPointAfterInsert, AuditTrail.FailPointBeforeCommit],
        [CrashOperation.AbandonImported] =
        [
            ImportBatchAbandon.FailPointMarked,
            ImportBatchAbandon.FailPointMonthDeleted + ":1", // one month's rows gone, the next month's still there
            ImportBatchAbandon.FailPointMonthDeleted + ":2",
            ImportBatchAbandon.FailPointRowsDeleted,
            AuditTrail.FailPointBeforeInsert,
            AuditTrail.FailPointAfterInsert,
            AuditTrail.FailPointBeforeCommit,
        ],
        [CrashOperation.AbandonInterrupted] = [ImportBatchAbandon.FailPointMarked, ImportBatchAbandon.FailPointMonthDeleted + ":1", AuditTrail.FailPointBeforeCommit],
    };

    public const int Rows = 3_000;
    public const int TrafficRows = 1_500;
    public const int ChunkRows = 500;
    private const int RejectEvery = 97;

    private static readonly byte[] KeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private readonly DatabaseTemplate _template;
    private readonly string _executable;
    private readonly Dictionary<CrashOperation, Reference> _references = [];

    private PreparedImport(DatabaseTemplate template, string executable)
    {
        _template = template;
        _executable = executable;
    }

    /// <summary>Process start to exit of the fault-free usage import (random kill delays are drawn within it).</summary>
    public TimeSpan ReferenceRunTime => _references[CrashOperation.ImportUsage].RunTime;

    /// <summary>Process start to exit of a usage import that finds the file already imported (start-up, hashing, checks).</summary>
    public TimeSpan IdleRunTime => _references[CrashOperation.ImportUsage].IdleRunTime;

    /// <summary>Records the usage reference stored.</summary>
    public int ReferenceRecords => _references[CrashOperation.ImportUsage].Facts.Records;

    /// <summary>The operations prepared (each has its fault-free reference).</summary>
    public IReadOnlyCollection<CrashOperation> Operations => _references.Keys;

    private string CsvPath => Path.Combine(_template.Folder, "usage.csv");

    private string TrafficPath => Path.Combine(_template.Folder, "traffic.csv");

    private string KeyPath => Path.Combine(_template.Folder, "master.key");

    /// <summary>
    /// A migrated database with the files' organisation as template, and for each of <paramref name="operations"/>
    /// (default: the usage import alone) the fault-free reference on copies (abandons: on a snapshot of the batch).
    /// </summary>
    public static async Task<PreparedImport> CreateAsync(
        Engine engine, PostgresServer? server, string workFolder, CancellationToken ct, string? executable = null, IReadOnlyCollection<CrashOperation>? operations = null)
    {
        operations ??= [CrashOperation.ImportUsage];
        var template = await DatabaseTemplate.CreateAsync(engine, server, workFolder, "import-crash", ct);
        var prepared = new PreparedImport(template, executable ?? CrashChild.DefaultExecutable);
        try
        {
            await File.WriteAllTextAsync(prepared.KeyPath, Convert.ToBase64String(KeyBytes), ct);
            var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
            await File.WriteAllTextAsync(prepared.CsvPath, UsageFile.Generate(Rows, RejectEvery, now - Duration.FromDays(20)), ct);

            // 40 days: always across a month's end, so an abandon deletes two or three months, each in its own transaction.
            await File.WriteAllTextAsync(prepared.TrafficPath, TrafficFile.Generate(TrafficRows, RejectEvery, now - Duration.FromDays(45), Duration.FromDays(40)), ct);
            await using (var services = Services(template.Target, template.Data))
            {
                await using (var scope = services.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
                }

                await using var db = Context(services);
                db.Organizations.Add(new Organization { Code = "demo", Name = "Demo B.V.", BillingCompanyName = "Demo B.V." });
                await db.SaveChangesAsync(ct);
                if (engine == Engine.Sqlite)
                {
                    await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
                }
            }

            template.Seal();
            foreach (var operation in operations.Order())
            {
                prepared._references[operation] = await prepared.ReferenceAsync(operation, ct);
            }

            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync();
            throw;
        }
    }

    /// <summary>A random moment of the usage import (<see cref="RandomKill(CrashOperation, Random)"/>).</summary>
    public CrashKill RandomKill(Random random) => RandomKill(CrashOperation.ImportUsage, random);

    /// <summary>A random moment of <paramref name="operation"/>: drawn evenly from a little before the idle start-up to the end of the fault-free run.</summary>
    public CrashKill RandomKill(CrashOperation operation, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var reference = _references[operation];
        var from = reference.IdleRunTime.TotalMilliseconds * 0.5;
        var to = Math.Max(from + 1, reference.RunTime.TotalMilliseconds);
        return CrashKill.After(TimeSpan.FromMilliseconds(from + (random.NextDouble() * (to - from))));
    }

    /// <summary>A usage import trial (<see cref="TrialAsync(CrashOperation, IReadOnlyList{CrashKill}, CancellationToken)"/>).</summary>
    public Task<ImportTrial> TrialAsync(IReadOnlyList<CrashKill> kills, CancellationToken ct) => TrialAsync(CrashOperation.ImportUsage, kills, ct);

    /// <summary>On a fresh copy: each kill in turn (a restart that is itself killed), then a run to the end, then the comparison.</summary>
    public async Task<ImportTrial> TrialAsync(CrashOperation operation, IReadOnlyList<CrashKill> kills, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(kills);
        var reference = _references[operation];
        var clock = Stopwatch.StartNew();
        var copy = await reference.Template.CopyAsync(ct);
        try
        {
            var divergences = new List<string>();
            var landed = 0;
            var importing = reference.Batch is null;
            long? before = null;
            foreach (var kill in kills)
            {
                var run = await RunAsync(copy, operation, kill, ct);
                if (run.Killed)
                {
                    landed++;
                }
                else if (run.Exit != 0)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"{kill}: the run failed (exit {run.Exit}): {Trim(run.Error)}"));
                }

                var (stored, committed, totals) = await ImportOutcomeFacts.CountsAsync(copy, reference.Family, ct);
                if (totals != stored)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"after {kill}: {stored} records stored but the month totals count {totals}"));
                }

                if (importing)
                {
                    // What the killed run acknowledged (committed chunks, the batch's count) is stored and never shrinks.
                    if (stored != committed)
                    {
                        divergences.Add(string.Create(CultureInfo.InvariantCulture, $"after {kill}: {stored} records stored but the batch counts {committed} committed"));
                    }

                    if (committed < before)
                    {
                        divergences.Add(string.Create(CultureInfo.InvariantCulture, $"after {kill}: {committed} records committed, fewer than the {before} acknowledged before"));
                    }

                    before = Math.Max(before ?? 0, committed);
                }
                else
                {
                    // A month's delete, once committed, stays done: a killed abandon never brings rows back.
                    if (stored > before)
                    {
                        divergences.Add(string.Create(CultureInfo.InvariantCulture, $"after {kill}: {stored} records stored, more than the {before} an earlier abandon left"));
                    }

                    before = stored;
                }
            }

            var last = await RunAsync(copy, operation, null, ct);
            if (last.Exit != 0)
            {
                divergences.Add(string.Create(CultureInfo.InvariantCulture, $"the run to the end failed (exit {last.Exit}): {Trim(last.Error)}"));
            }

            var outcome = await ImportOutcomeFacts.ReadAsync(copy, reference.Family, ct);
            divergences.AddRange(outcome.Problems);
            divergences.AddRange(outcome.DifferencesFrom(reference.Facts));
            if (reference.Reimported is { } reimported)
            {
                var again = await RunAsync(copy, CrashOperation.ImportTraffic, null, ct);
                if (again.Exit != 0)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"the fresh import after the abandon failed (exit {again.Exit}): {Trim(again.Error)}"));
                }

                var after = await ImportOutcomeFacts.ReadAsync(copy, reference.Family, ct);
                divergences.AddRange(after.Problems.Select(p => "after the fresh import: " + p));
                divergences.AddRange(after.DifferencesFrom(reimported).Select(d => "after the fresh import: " + d));
            }

            return new ImportTrial(operation, kills, landed, divergences, clock.Elapsed);
        }
        finally
        {
            await copy.Remove();
        }
    }

    /// <summary>
    /// On a fresh copy: a usage import during which <paramref name="fault"/> happens after <paramref name="after"/> (the
    /// PostgreSQL server stopped), then <paramref name="recover"/> once that import has ended, then a run to the end,
    /// compared with the fault-free reference. What the interrupted run kept must be what its batch acknowledged (whole
    /// committed chunks). <paramref name="prepare"/>, if given, runs on the fresh copy before the import starts (e.g. to
    /// leave the disk almost full). Returns the interrupted run, the records it kept, and the divergences (empty: passed).
    /// </summary>
    public async Task<(ChildRun Interrupted, long Kept, IReadOnlyList<string> Divergences)> FaultTrialAsync(
        TimeSpan after, Func<Task> fault, Func<Task> recover, CancellationToken ct, Func<Task>? prepare = null)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(recover);
        var reference = _references[CrashOperation.ImportUsage];
        var copy = await _template.CopyAsync(ct);
        try
        {
            if (prepare is not null)
            {
                await prepare();
            }

            var running = RunAsync(copy, CrashOperation.ImportUsage, null, ct);
            await Task.Delay(after, ct);
            ChildRun interrupted;
            try
            {
                await fault();
            }
            finally
            {
                interrupted = await running;
                await recover();
            }

            var divergences = new List<string>();
            var (stored, committed, totals) = await ImportOutcomeFacts.CountsAsync(copy, reference.Family, ct);
            if (stored != committed || totals != stored)
            {
                divergences.Add(string.Create(CultureInfo.InvariantCulture,
                    $"after the fault: {stored} records stored, the batch counts {committed} committed, the month totals {totals}"));
            }

            var last = await RunAsync(copy, CrashOperation.ImportUsage, null, ct);
            if (last.Exit != 0)
            {
                divergences.Add(string.Create(CultureInfo.InvariantCulture, $"the run after the fault failed (exit {last.Exit}): {Trim(last.Error)}"));
            }

            var outcome = await ImportOutcomeFacts.ReadAsync(copy, reference.Family, ct);
            divergences.AddRange(outcome.Problems);
            divergences.AddRange(outcome.DifferencesFrom(reference.Facts));
            return (interrupted, stored, divergences);
        }
        finally
        {
            await copy.Remove();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var reference in _references.Values.Where(r => r.Template != _template))
        {
            await reference.Template.DisposeAsync();
        }

        await _template.DisposeAsync();
    }

    private static string Trim(string text) => text.Length > 400 ? text[..400] : text;

    /// <summary>
    /// The fault-free reference of <paramref name="operation"/>, run on two copies (the kill moments scale with the shorter
    /// of the two: one run slowed by a busy machine would put most kills after the end; and the second must end like the
    /// first), each followed by an idle run (nothing left to do). An abandon's copies start from a snapshot of the batch.
    /// </summary>
    private async Task<Reference> ReferenceAsync(CrashOperation operation, CancellationToken ct)
    {
        var (template, batch) = operation switch
        {
            CrashOperation.AbandonImported => await SnapshotAsync(null, ct),
            CrashOperation.AbandonInterrupted => await SnapshotAsync(CrashKill.At("import.chunk_written:2"), ct),
            _ => (_template, (Guid?)null),
        };
        var family = operation == CrashOperation.ImportUsage ? "usage" : "traffic";
        var runs = new List<TimeSpan>();
        var idle = new List<TimeSpan>();
        ImportOutcomeFacts? first = null;
        ImportOutcomeFacts? reimported = null;
        for (var n = 0; n < 2; n++)
        {
            var copy = await template.CopyAsync(ct);
            try
            {
                var run = await RunAsync(copy, operation, null, ct, batch);
                var outcome = await ImportOutcomeFacts.ReadAsync(copy, family, ct);
                if (run.Exit != 0 || outcome.Problems.Count > 0 || (first is not null && outcome.DifferencesFrom(first).Count > 0))
                {
                    throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                        $"fault-free {operation} run {n + 1} failed or is unsound (exit {run.Exit}): {Trim(run.Error)} {string.Join("; ", [.. outcome.Problems, .. first is null ? [] : outcome.DifferencesFrom(first)])}"));
                }

                first ??= outcome;
                runs.Add(run.Elapsed);
                idle.Add((await RunAsync(copy, operation, null, ct, batch)).Elapsed);
                if (batch is not null && n == 0)
                {
                    // After the abandon the file is imported afresh: it must store what the fault-free import stores.
                    await RunAsync(copy, CrashOperation.ImportTraffic, null, ct);
                    reimported = await ImportOutcomeFacts.ReadAsync(copy, family, ct);
                    var imported = _references[CrashOperation.ImportTraffic].Facts;
                    var differences = reimported.DifferencesFrom(imported).Where(d => d.Contains(" record ", StringComparison.Ordinal) || d.Contains("reject line", StringComparison.Ordinal)).ToList();
                    if (reimported.Problems.Count > 0 || differences.Count > 0)
                    {
                        throw new InvalidOperationException($"the import after a fault-free {operation} differs from the first import: " + string.Join("; ", [.. reimported.Problems, .. differences]));
                    }
                }
            }
            finally
            {
                await copy.Remove();
            }
        }

        return new Reference(template, batch, family, first!, reimported, runs.Min(), idle.Min());
    }

    /// <summary>A snapshot of a copy where the traffic file was imported (to the end, or killed by <paramref name="kill"/>), and its batch.</summary>
    private async Task<(DatabaseTemplate Template, Guid? Batch)> SnapshotAsync(CrashKill? kill, CancellationToken ct)
    {
        if (!_references.ContainsKey(CrashOperation.ImportTraffic))
        {
            throw new InvalidOperationException("an abandon's reference needs the traffic import's: prepare both");
        }

        var copy = await _template.CopyAsync(ct);
        try
        {
            var run = await RunAsync(copy, CrashOperation.ImportTraffic, kill, ct);
            if (kill is null ? run.Exit != 0 : !run.Killed)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"the traffic import for the abandon's snapshot ended with exit {run.Exit}: {Trim(run.Error)}"));
            }

            Guid batch;
            await using (var services = Services(copy.Target, copy.Data))
            await using (var db = Context(services))
            {
                batch = await db.Set<ImportBatch>().Select(b => b.Id).SingleAsync(ct);
            }

            return (_template.Snapshot(copy), batch);
        }
        catch
        {
            await copy.Remove();
            throw;
        }
    }

    private Task<ChildRun> RunAsync(TemplateCopy copy, CrashOperation operation, CrashKill? kill, CancellationToken ct, Guid? batch = null)
    {
        string[] what = operation switch
        {
            CrashOperation.ImportUsage => ["import", "usage", CsvPath, "--reject-file", Path.Combine(copy.Folder, "rejects.csv")],
            CrashOperation.ImportTraffic => ["import", "traffic", TrafficPath, "--reject-file", Path.Combine(copy.Folder, "rejects.csv")],
            _ => ["import", "abandon", (batch ?? _references[operation].Batch!.Value).ToString()],
        };
        return CrashChild.RunAsync(
            _executable,
            [.. what, "--db", copy.Target.ConnectionString, "--data", copy.Data, "--master-key-file", KeyPath],
            new Dictionary<string, string> { [ImportOptions.ChunkRowsVariable] = ChunkRows.ToString(CultureInfo.InvariantCulture) },
            kill?.FailPoint,
            kill?.Delay,
            ct);
    }

    /// <summary>Services on a copy, wired like the child's (same master key), for reading it.</summary>
    internal static ServiceProvider Services(DatabaseTarget target, string data) =>
        new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddLogging()
            .AddCustodianDatabase(target)
            .AddSingleton(MasterKey.FromBytes(KeyBytes))
            .AddSingleton(ShippedRegister.Register)
            .AddCustodianAudit()
            .AddCustodianEvents()
            .BuildServiceProvider();

    internal static CustodianDbContext Context(ServiceProvider services)
    {
        var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    /// <summary>An operation's fault-free outcome, and where its trials start from.</summary>
    /// <param name="Template">The template its copies come from (a snapshot for an abandon).</param>
    /// <param name="Batch">The batch an abandon abandons; null for an import.</param>
    /// <param name="Family">The records it touches: <c>usage</c> or <c>traffic</c>.</param>
    /// <param name="Facts">What the fault-free run left.</param>
    /// <param name="Reimported">After an abandon: what the fresh import of the file then left.</param>
    /// <param name="RunTime">Process start to exit of the fault-free run (random kill delays are drawn within it).</param>
    /// <param name="IdleRunTime">Process start to exit of a run with nothing left to do.</param>
    private sealed record Reference(DatabaseTemplate Template, Guid? Batch, string Family, ImportOutcomeFacts Facts, ImportOutcomeFacts? Reimported, TimeSpan RunTime, TimeSpan IdleRunTime);
}
