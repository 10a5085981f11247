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

/// <summary>One import crash trial: the kills (each run killed in turn on the same copy), then a run to the end.</summary>
/// <param name="Kills">The kills, in order.</param>
/// <param name="Landed">How many of them killed the process (a late delay lets it finish first).</param>
/// <param name="Divergences">Broken invariants and differences from the fault-free reference; empty when the trial passed.</param>
/// <param name="Elapsed">Wall-clock time of the whole trial.</param>
internal sealed record ImportTrial(IReadOnlyList<CrashKill> Kills, int Landed, IReadOnlyList<string> Divergences, TimeSpan Elapsed)
{
    public bool Passed => Divergences.Count == 0;

    public override string ToString() => string.Join(", then ", Kills);
}

/// <summary>
/// Crash trials for <c>custodian import usage</c> (issue 8 §4): a usage file with rejected rows, imported in small chunks
/// into a copy of one prepared template; each trial kills the import one or more times in a row (at a named fail point
/// of the importer or the audit append, or at a random moment), runs it once more to the end, and compares with a
/// fault-free import of the same file on another copy: the same records, one batch, one audit event, the same reject
/// file, month totals that count the rows, an intact audit chain. After every kill, what the killed run acknowledged
/// (the batch's committed rows) must be stored and never shrink (no acknowledged write lost).
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

    public const int Rows = 3_000;
    public const int ChunkRows = 500;
    private const int RejectEvery = 97;

    private static readonly byte[] KeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private readonly DatabaseTemplate _template;
    private readonly string _executable;
    private ImportOutcomeFacts _reference = null!;

    private PreparedImport(DatabaseTemplate template, string executable)
    {
        _template = template;
        _executable = executable;
    }

    /// <summary>Process start to exit of the fault-free import (random kill delays are drawn within it).</summary>
    public TimeSpan ReferenceRunTime { get; private set; }

    /// <summary>Process start to exit of an import that finds the file already imported (start-up, hashing, checks).</summary>
    public TimeSpan IdleRunTime { get; private set; }

    /// <summary>Records the reference stored.</summary>
    public int ReferenceRecords => _reference.Records;

    private string CsvPath => Path.Combine(_template.Folder, "usage.csv");

    private string KeyPath => Path.Combine(_template.Folder, "master.key");

    /// <summary>A migrated database with the file's organisation as template, and the fault-free reference import on a copy.</summary>
    public static async Task<PreparedImport> CreateAsync(Engine engine, PostgresServer? server, string workFolder, CancellationToken ct, string? executable = null)
    {
        var template = await DatabaseTemplate.CreateAsync(engine, server, workFolder, "import-crash", ct);
        var prepared = new PreparedImport(template, executable ?? CrashChild.DefaultExecutable);
        try
        {
            await File.WriteAllTextAsync(prepared.KeyPath, Convert.ToBase64String(KeyBytes), ct);
            var start = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()) - Duration.FromDays(20);
            await File.WriteAllTextAsync(prepared.CsvPath, UsageFile.Generate(Rows, RejectEvery, start), ct);
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
            var copy = await template.CopyAsync(ct);
            try
            {
                var reference = await prepared.RunAsync(copy, null, ct);
                if (reference.Exit != 0)
                {
                    throw new InvalidOperationException($"the fault-free import failed (exit {reference.Exit}): {reference.Error}");
                }

                prepared.ReferenceRunTime = reference.Elapsed;
                prepared._reference = await ImportOutcomeFacts.ReadAsync(copy, ct);
                if (prepared._reference.Problems.Count > 0)
                {
                    throw new InvalidOperationException("the fault-free import is itself unsound: " + string.Join("; ", prepared._reference.Problems));
                }

                prepared.IdleRunTime = (await prepared.RunAsync(copy, null, ct)).Elapsed;
            }
            finally
            {
                await copy.Remove();
            }

            // Once more on another copy: the kill moments scale with the shorter of the two (one run slowed by a busy
            // machine would put most kills after the end), and the second must end like the first.
            var again = await template.CopyAsync(ct);
            try
            {
                var second = await prepared.RunAsync(again, null, ct);
                var outcome = await ImportOutcomeFacts.ReadAsync(again, ct);
                if (second.Exit != 0 || outcome.DifferencesFrom(prepared._reference).Count > 0)
                {
                    throw new InvalidOperationException("two fault-free imports of the same file differ: " + string.Join("; ", outcome.DifferencesFrom(prepared._reference)));
                }

                prepared.ReferenceRunTime = TimeSpan.FromTicks(Math.Min(prepared.ReferenceRunTime.Ticks, second.Elapsed.Ticks));
                prepared.IdleRunTime = TimeSpan.FromTicks(Math.Min(prepared.IdleRunTime.Ticks, (await prepared.RunAsync(again, null, ct)).Elapsed.Ticks));
            }
            finally
            {
                await again.Remove();
            }

            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync();
            throw;
        }
    }

    /// <summary>A random moment of the import: drawn evenly from a little before the idle start-up to the end of the fault-free run.</summary>
    public CrashKill RandomKill(Random random)
    {
        var from = IdleRunTime.TotalMilliseconds * 0.5;
        var to = Math.Max(from + 1, ReferenceRunTime.TotalMilliseconds);
        return CrashKill.After(TimeSpan.FromMilliseconds(from + (random.NextDouble() * (to - from))));
    }

    /// <summary>On a fresh copy: each kill in turn (a restart that is itself killed), then a run to the end, then the comparison.</summary>
    public async Task<ImportTrial> TrialAsync(IReadOnlyList<CrashKill> kills, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var copy = await _template.CopyAsync(ct);
        try
        {
            var divergences = new List<string>();
            var landed = 0;
            var acknowledged = 0L;
            foreach (var kill in kills)
            {
                var run = await RunAsync(copy, kill, ct);
                if (run.Killed)
                {
                    landed++;
                }
                else if (run.Exit != 0)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"{kill}: the run failed (exit {run.Exit}): {Trim(run.Error)}"));
                }

                // What the killed run acknowledged (committed chunks, the batch's count) is stored and never shrinks.
                var (stored, committed) = await ImportOutcomeFacts.AcknowledgedAsync(copy, ct);
                if (stored != committed)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"after {kill}: {stored} records stored but the batch counts {committed} committed"));
                }

                if (committed < acknowledged)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"after {kill}: {committed} records committed, fewer than the {acknowledged} acknowledged before"));
                }

                acknowledged = Math.Max(acknowledged, committed);
            }

            var last = await RunAsync(copy, null, ct);
            if (last.Exit != 0)
            {
                divergences.Add(string.Create(CultureInfo.InvariantCulture, $"the run to the end failed (exit {last.Exit}): {Trim(last.Error)}"));
            }

            var outcome = await ImportOutcomeFacts.ReadAsync(copy, ct);
            divergences.AddRange(outcome.Problems);
            divergences.AddRange(outcome.DifferencesFrom(_reference));
            return new ImportTrial(kills, landed, divergences, clock.Elapsed);
        }
        finally
        {
            await copy.Remove();
        }
    }

    /// <summary>
    /// On a fresh copy: an import during which <paramref name="fault"/> happens after <paramref name="after"/> (the
    /// PostgreSQL server stopped), then <paramref name="recover"/> once that import has ended, then a run to the end,
    /// compared with the fault-free reference. Returns the interrupted run and the divergences (empty: passed).
    /// </summary>
    public async Task<(ChildRun Interrupted, IReadOnlyList<string> Divergences)> FaultTrialAsync(
        TimeSpan after, Func<Task> fault, Func<Task> recover, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentNullException.ThrowIfNull(recover);
        var copy = await _template.CopyAsync(ct);
        try
        {
            var running = RunAsync(copy, null, ct);
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
            var last = await RunAsync(copy, null, ct);
            if (last.Exit != 0)
            {
                divergences.Add(string.Create(CultureInfo.InvariantCulture, $"the run after the fault failed (exit {last.Exit}): {Trim(last.Error)}"));
            }

            var outcome = await ImportOutcomeFacts.ReadAsync(copy, ct);
            divergences.AddRange(outcome.Problems);
            divergences.AddRange(outcome.DifferencesFrom(_reference));
            return (interrupted, divergences);
        }
        finally
        {
            await copy.Remove();
        }
    }

    public ValueTask DisposeAsync() => _template.DisposeAsync();

    private static string Trim(string text) => text.Length > 400 ? text[..400] : text;

    private Task<ChildRun> RunAsync(TemplateCopy copy, CrashKill? kill, CancellationToken ct) =>
        CrashChild.RunAsync(
            _executable,
            ["import", "usage", CsvPath, "--reject-file", Path.Combine(copy.Folder, "rejects.csv"), "--db", copy.Target.ConnectionString, "--data", copy.Data, "--master-key-file", KeyPath],
            new Dictionary<string, string> { [ImportOptions.ChunkRowsVariable] = ChunkRows.ToString(CultureInfo.InvariantCulture) },
            kill?.FailPoint,
            kill?.Delay,
            ct);

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
}
