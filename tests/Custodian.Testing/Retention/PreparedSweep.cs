using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Retention;
using Custodian.Testing.Crash;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Npgsql;

namespace Custodian.Testing.Retention;

/// <summary>How a trial's first <c>custodian retention run</c> is stopped.</summary>
internal abstract record SweepKill
{
    /// <summary>The sweep's fail points, in the order a sweep passes them; all but the first and last repeat per month or batch.</summary>
    public static readonly IReadOnlyList<string> FailPoints =
    [
        "retention.sweep.started",
        "retention.month.preserved",
        "retention.month.dropped",
        "retention.month.before_commit",
        "retention.month.committed",
        "retention.rows.deleted",
        "retention.rows.audited",
        "retention.rows.committed",
        "retention.rows.file_committed",
        "retention.month.sealed",
        "retention.seal.copied",
        "retention.records.deleted",
        "retention.records.audited",
        "retention.records.committed",
        "retention.sweep.finishing",
    ];

    /// <summary>Not at all: the uninterrupted reference.</summary>
    public static readonly SweepKill None = new NoKill();

    /// <summary>The process kills itself (SIGKILL) at a named fail point (<c>name</c> or <c>name:n</c> for the n-th pass).</summary>
    public static SweepKill At(string failPoint) => new AtFailPoint(failPoint);

    /// <summary>SIGKILL from outside after <paramref name="delay"/> (if the sweep has not finished by then).</summary>
    public static SweepKill After(TimeSpan delay) => new AfterDelay(delay);

    public sealed record NoKill : SweepKill
    {
        public override string ToString() => "no kill";
    }

    public sealed record AtFailPoint(string FailPoint) : SweepKill
    {
        public override string ToString() => "fail point " + FailPoint;
    }

    public sealed record AfterDelay(TimeSpan Delay) : SweepKill
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"SIGKILL after {Delay.TotalMilliseconds:F0} ms");
    }
}

/// <summary>One kill trial: where the kill landed, what the rerun left, and how that differs from the reference.</summary>
/// <param name="Kill">How the first run was stopped.</param>
/// <param name="Killed">Whether it died by the kill (false: it finished first, or the fail point was not reached).</param>
/// <param name="Position">The sweep's stored position when it died: its step and batch count, "before the sweep started" or "finished".</param>
/// <param name="Outcome">What the rerun left.</param>
/// <param name="Divergences">Broken invariants and differences from the uninterrupted sweep; empty when the trial passed.</param>
/// <param name="OtherDay">The trial's sweep ran on another Amsterdam day than the reference (midnight passed): not comparable, prepare again.</param>
/// <param name="Elapsed">Wall-clock time of the whole trial (copy, both runs, comparison).</param>
/// <param name="FirstRunTime">How long the first (killed) process lived.</param>
internal sealed record SweepTrial(
    SweepKill Kill, bool Killed, string Position, SweepOutcome Outcome, IReadOnlyList<string> Divergences, bool OtherDay, TimeSpan Elapsed, TimeSpan FirstRunTime)
{
    public bool Passed => Divergences.Count == 0;
}

/// <summary>A copy of a <see cref="PreparedSweep"/> template: its database, data folder, master key file and services to read it.</summary>
internal sealed class SweepCopy(DatabaseTarget target, string data, string masterKeyFile, ServiceProvider services, Func<Task> remove) : IAsyncDisposable
{
    public DatabaseTarget Target { get; } = target;

    public string Data { get; } = data;

    public string MasterKeyFile { get; } = masterKeyFile;

    public ServiceProvider Services { get; } = services;

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await remove();
    }
}

/// <summary>
/// A data set stored once, as a template (SQLite: a checkpointed database file and its data folder; PostgreSQL: a
/// template database and the data folder), with the result of an uninterrupted <c>custodian retention run</c> on a copy:
/// the reference every kill trial on a fresh copy is compared with. The one implementation behind the CI crash test
/// (<c>SweepCrashTests</c>) and the nightly soak (<c>bench/Custodian.Bench sweep-soak</c>).
/// </summary>
internal sealed class PreparedSweep : IAsyncDisposable
{
    /// <summary>The master key the child processes get (the same bytes the set-up wrapped the data keys with).</summary>
    private static readonly byte[] KeyBytes = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static readonly AuditActor Operator = new(AuditActorKind.Cli, "cli:sweep-kill-setup");
    private static readonly HoldCaller HoldOperator = new(new AuditActor(AuditActorKind.Cli, "cli:sweep-kill-setup"), TenantScope.Everything, lawful: true);

    private readonly DatabaseTemplate _template;
    private readonly string _executable;

    private PreparedSweep(DatabaseTemplate template, string executable, SweepDataSet data)
    {
        _template = template;
        _executable = executable;
        Data = data;
    }

    public SweepDataSet Data { get; }

    /// <summary>What the uninterrupted sweep left.</summary>
    public SweepOutcome Reference { get; private set; } = null!;

    /// <summary>How long the uninterrupted <c>custodian retention run</c> took, process start to exit (random kills fall within it).</summary>
    public TimeSpan ReferenceRunTime { get; private set; }

    /// <summary>
    /// How long a <c>custodian retention run</c> took that found nothing left to do (start-up, database checks, lease,
    /// receipt), measured after the reference: a kill earlier than this mostly lands before the sweep's work.
    /// </summary>
    public TimeSpan IdleRunTime { get; private set; }

    /// <summary>Sweeps in the template (an earlier sweep of the data set counts one).</summary>
    public int SweepsBefore { get; private set; }

    /// <summary>The <c>custodian</c> executable beside the running assembly (test and bench outputs both have it).</summary>
    public static string DefaultExecutable => CrashChild.DefaultExecutable;

    /// <summary>
    /// Stores <paramref name="data"/> through the product's paths (importer, encrypted blobs, hold commands, an earlier
    /// in-process sweep when the set has a released hold) into a template, then runs the uninterrupted reference on a copy.
    /// </summary>
    /// <param name="engine">The engine.</param>
    /// <param name="data">The data set.</param>
    /// <param name="server">The PostgreSQL server (for <see cref="Engine.Postgres"/>).</param>
    /// <param name="workFolder">Where the template and the trials' copies go (a subfolder, removed on dispose).</param>
    /// <param name="ct">Cancellation.</param>
    /// <param name="executable">The <c>custodian</c> executable; default <see cref="DefaultExecutable"/>.</param>
    public static async Task<PreparedSweep> CreateAsync(
        Engine engine, SweepDataSet data, PostgresServer? server, string workFolder, CancellationToken ct, string? executable = null)
    {
        var template = await DatabaseTemplate.CreateAsync(engine, server, workFolder, "sweep", ct);
        var prepared = new PreparedSweep(template, executable ?? DefaultExecutable, data);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(template.Folder, "master.key"), Convert.ToBase64String(KeyBytes), ct);
            await StoreAsync(template.Target, template.Data, data, ct);
            template.Seal();
            prepared.SweepsBefore = data.ReleasedHold is null ? 0 : 1;
            var reference = await prepared.TrialAsync(SweepKill.None, ct);
            if (reference.Outcome.Problems.Count > 0)
            {
                throw new InvalidOperationException("The uninterrupted sweep itself is unsound: " + string.Join("; ", reference.Outcome.Problems));
            }

            prepared.Reference = reference.Outcome;
            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// On a fresh copy of the template: runs <c>custodian retention run</c> stopped by <paramref name="kill"/>, then runs
    /// it again to the end, and compares what is left with the reference.
    /// </summary>
    public async Task<SweepTrial> TrialAsync(SweepKill kill, CancellationToken ct)
    {
        var sw = Stopwatch.StartNew();
        var copy = await _template.CopyAsync(ct);
        var (target, data) = (copy.Target, copy.Data);
        try
        {
            var key = Path.Combine(_template.Folder, "master.key");
            var divergences = new List<string>();
            var killed = false;
            var position = "not killed";
            var first = Stopwatch.StartNew();
            switch (kill)
            {
                case SweepKill.AtFailPoint point:
                    var (exit, _) = await RunChildAsync(target, data, key, point.FailPoint, null, ct);
                    killed = exit == 137; // else the sweep never passed the point that often and simply finished
                    break;
                case SweepKill.AfterDelay after:
                    (_, killed) = await RunChildAsync(target, data, key, null, after.Delay, ct);
                    break;
            }

            var firstRunTime = first.Elapsed;
            await using var services = Services(target, data);
            if (kill is not SweepKill.NoKill)
            {
                position = await PositionAsync(services, ct);
            }

            var started = Stopwatch.StartNew();
            var (rerun, _) = await RunChildAsync(target, data, key, null, null, ct);
            if (kill is SweepKill.NoKill)
            {
                ReferenceRunTime = started.Elapsed;
            }

            if (rerun != 0)
            {
                divergences.Add(string.Create(CultureInfo.InvariantCulture, $"the rerun failed (exit {rerun})"));
            }

            var outcome = await SweepOutcome.ReadAsync(services, ct);
            if (kill is SweepKill.NoKill)
            {
                started.Restart();
                await RunChildAsync(target, data, key, null, null, ct);
                IdleRunTime = started.Elapsed;
            }

            divergences.AddRange(outcome.Problems);
            var otherDay = false;
            if (Reference is { } reference)
            {
                otherDay = reference.CutoffDay != outcome.CutoffDay;
                divergences.AddRange(outcome.DifferencesFrom(reference));

                // A killed sweep is resumed by the rerun, not started anew: one sweep more than the template had. (A process
                // that finished before its kill leaves a completed sweep, and the rerun then starts one that finds nothing.)
                var expected = position == "finished" ? 2 : 1;
                if (outcome.Sweeps - SweepsBefore != expected)
                {
                    divergences.Add(string.Create(CultureInfo.InvariantCulture, $"{outcome.Sweeps - SweepsBefore} sweeps instead of {expected}: the killed one was not resumed"));
                }
            }

            return new SweepTrial(kill, killed, position, outcome, otherDay ? [] : divergences, otherDay, sw.Elapsed, firstRunTime);
        }
        finally
        {
            await copy.Remove();
        }
    }

    /// <summary>
    /// A fresh copy of the template for a test that runs its own processes on it (the several-nodes test); its services
    /// read it like the trials' (plus <paramref name="configure"/>). Dispose it to drop the copy.
    /// </summary>
    public async Task<SweepCopy> NewCopyAsync(CancellationToken ct, Action<IServiceCollection>? configure = null)
    {
        var copy = await _template.CopyAsync(ct);
        return new SweepCopy(copy.Target, copy.Data, Path.Combine(_template.Folder, "master.key"), Services(copy.Target, copy.Data, configure: configure), copy.Remove);
    }

    /// <summary>
    /// Runs <c>custodian retention run</c> on <paramref name="copy"/> with <paramref name="failPoint"/> armed and
    /// <paramref name="environment"/> added; returns its exit code (137: killed at the fail point).
    /// </summary>
    public async Task<int> RunSweepAsync(SweepCopy copy, string? failPoint, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(copy);
        var (exit, _) = await RunChildAsync(copy.Target, copy.Data, copy.MasterKeyFile, failPoint, null, ct, environment);
        return exit;
    }

    /// <summary>As <see cref="RunSweepAsync"/>, with the child's output (the PostgreSQL restart test reads its error line).</summary>
    public Task<ChildRun> RunSweepChildAsync(SweepCopy copy, string? failPoint, IReadOnlyDictionary<string, string>? environment, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(copy);
        var variables = new Dictionary<string, string> { [RetentionRunCommand.BatchRowsVariable] = Data.BatchRows.ToString(CultureInfo.InvariantCulture) };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        return CrashChild.RunAsync(
            _executable, ["retention", "run", "--db", copy.Target.ConnectionString, "--data", copy.Data, "--master-key-file", copy.MasterKeyFile], variables, failPoint, null, ct);
    }

    public ValueTask DisposeAsync() => _template.DisposeAsync();

    /// <summary>Where the killed sweep stood: the receipt's step and batch count (a step boundary), as the rerun finds it.</summary>
    private async Task<string> PositionAsync(ServiceProvider services, CancellationToken ct)
    {
        await using var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(TenantScope.Everything);
        var runs = await db.Set<RetentionSweepRun>().AsNoTracking().ToListAsync(ct);
        if (runs.FirstOrDefault(r => r.State == RetentionSweepRun.Running) is { } running)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{running.Step} after batch {running.Batches}");
        }

        return runs.Count > SweepsBefore ? "finished" : "before the sweep started";
    }

    /// <summary>Runs <c>custodian retention run</c>; returns its exit code and whether this side killed it.</summary>
    private async Task<(int Exit, bool Killed)> RunChildAsync(
        DatabaseTarget target, string data, string key, string? failPoint, TimeSpan? killAfter, CancellationToken ct, IReadOnlyDictionary<string, string>? environment = null)
    {
        var variables = new Dictionary<string, string> { [RetentionRunCommand.BatchRowsVariable] = Data.BatchRows.ToString(CultureInfo.InvariantCulture) };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        var run = await CrashChild.RunAsync(
            _executable,
            ["retention", "run", "--db", target.ConnectionString, "--data", data, "--master-key-file", key],
            variables,
            failPoint,
            killAfter,
            ct);
        return (run.Exit, run.KilledFromOutside);
    }

    /// <summary>Services on a copy, wired like the child's (same master key, blobs in its data folder), for reading it.</summary>
    private static ServiceProvider Services(DatabaseTarget target, string data, TimeProvider? time = null, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection()
            .AddSingleton(time ?? TimeProvider.System)
            .AddLogging()
            .AddCustodianDatabase(target)
            .AddSingleton(MasterKey.FromBytes(KeyBytes))
            .AddSingleton(ShippedRegister.Register)
            .AddCustodianAudit()
            .AddCustodianEvents()
            .AddCustodianBlobs(data)
            .AddCustodianRetentionSweep();
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    private static async Task StoreAsync(DatabaseTarget target, string data, SweepDataSet set, CancellationToken ct)
    {
        var clock = new SettableClock();
        await using (var services = Services(target, data, clock))
        {
            await using (var scope = services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
            }

            var organizations = new Dictionary<string, Guid>(StringComparer.Ordinal);
            await using (var db = Context(services))
            {
                foreach (var code in new[] { SweepDataSet.Demo, SweepDataSet.Other })
                {
                    var organization = new Organization { Code = code, Name = $"{code} B.V.", BillingCompanyName = $"{code} B.V." };
                    db.Organizations.Add(organization);
                    organizations[code] = organization.Id;
                }

                await db.SaveChangesAsync(ct);
            }

            await ImportHistoryAsync(services, clock, Path.Combine(data, "..", "usage.csv"), set.UsageCsv(), ct);
            await AddRecordingsAsync(services, organizations, set, ct);

            if (set.ReleasedHold is { } released)
            {
                // An earlier sweep, days ago, honoured a hold on this number (moving its rows of dropped months to the held
                // table); the hold has been released since, so the trials' sweep deletes those rows from the held table.
                clock.Now = set.Now - Duration.FromDays(set.EarlierSweepDaysAgo);
                var hold = await PlaceHoldAsync(services, SweepDataSet.Demo, "usage.call_detail_records", released, ct);
                var earlier = await services.GetRequiredService<RetentionSweeper>().WithBatchSize(set.BatchRows).RunAsync(null, ct)
                    ?? throw new InvalidOperationException("the earlier sweep found the lease taken");
                clock.Now += Duration.FromHours(1);
                await using var db = Context(services);
                var result = await Commands(services, db).ReleaseAsync(HoldOperator, hold, new ReleaseHoldInput("dispute settled"), ct);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException("releasing the hold failed: " + result.Error);
                }

                clock.Now = null;
            }

            if (set.HeldCaller is { } heldCaller)
            {
                await PlaceHoldAsync(services, SweepDataSet.Demo, "usage.call_detail_records", heldCaller, ct);
            }

            if (set.HeldRecordingCaller is { } heldRecording)
            {
                await PlaceHoldAsync(services, null, "general.support_call_recordings", heldRecording, ct);
            }

            if (target.Engine == DatabaseEngine.Sqlite)
            {
                // The template is copied as files: the main file must be the whole database.
                await using var db = Context(services);
                await db.Database.OpenConnectionAsync(ct);
                var connection = (SqliteConnection)db.Database.GetDbConnection();

                // As an earlier nightly sweep would have: the old months sealed into their own files (EventMonthFiles),
                // all but the newest settled one, which the trials' sweeps seal. So the trials drop sealed months,
                // delete rows from a sealed one and seal one, each with its fail points.
                var sealable = (await EventPartitions.MainTableMonthsAsync(connection, null, UsageTable.Instance, ct))
                    .Where(m => m.CompareTo(EventPartitions.SettledBefore(set.Now)) < 0)
                    .ToList();
                foreach (var month in sealable.Take(sealable.Count - 1))
                {
                    await EventMonthFiles.SealAsync(connection, UsageTable.Instance, month, ct);
                }

                await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
            }
        }

        if (target.Engine == DatabaseEngine.Sqlite)
        {
            SqliteConnection.ClearAllPools();
        }
        else
        {
            // CREATE DATABASE ... TEMPLATE needs the template without connections.
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// Stores records that are already older than their retention (what a sweep must delete): the product's importer
    /// refuses such rows, so this one reads usage retention as a hundred years; the rest is the product's path.
    /// </summary>
    private static async Task ImportHistoryAsync(ServiceProvider services, TimeProvider clock, string path, string csv, CancellationToken ct)
    {
        await File.WriteAllTextAsync(path, csv, ct);
        var register = services.GetRequiredService<ProcessingRegister>();
        var keepLonger = register with
        {
            Categories = [.. register.Categories.Select(c => c.Id is UsageRecord.Category or TrafficRecord.Category
                ? c with { Retention = new FixedRetention(Period.FromYears(100), RetentionAnchor.RecordTime) }
                : c)],
        };
        var importer = new EventImporter(
            services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(), services.GetRequiredService<IAuditTrail>(), clock, new ImportOptions(), keepLonger);
        var result = await importer.ImportAsync(new ImportRequest(EventFamily.Usage, path, Operator), null, ct);
        if (result.Outcome != ImportOutcome.Imported)
        {
            throw new InvalidOperationException($"the data set's import ended {result.Outcome}");
        }
    }

    private static async Task AddRecordingsAsync(ServiceProvider services, Dictionary<string, Guid> organizations, SweepDataSet set, CancellationToken ct)
    {
        var blobs = services.GetRequiredService<EncryptedBlobs>();
        await using var db = Context(services);
        foreach (var recording in set.Recordings)
        {
            var id = Guid.CreateVersion7();
            var organization = organizations[recording.Organization];
            using var content = new MemoryStream([1, 2, 3, 4]);
            var blob = await blobs.PutAsync(db, organization, DataKeyOwner.Subject(id), content, "audio/wav", ct);
            db.Set<SupportCallRecording>().Add(new SupportCallRecording
            {
                Id = id,
                OrganizationId = organization,
                CallerNumber = recording.Caller,
                CalledAt = recording.CalledAt,
                DurationSeconds = 60,
                ContentBlobId = blob.Id,
                MediaType = "audio/wav",
                ContentLength = 4,
                CreatedAt = set.Now,
            });
            await db.SaveChangesAsync(ct);
        }
    }

    private static async Task<Guid> PlaceHoldAsync(ServiceProvider services, string? organization, string category, string phone, CancellationToken ct)
    {
        await using var db = Context(services);
        var result = await Commands(services, db).PlaceAsync(
            HoldOperator,
            new LegalHoldInput("legal_claims", null, "sweep kill trial", null, organization, [category], null, null, [new HoldIdentifierInput("phone", phone)], null, null),
            null,
            ct);
        return result.IsSuccess ? result.Value.Id : throw new InvalidOperationException("placing the hold failed: " + result.Error);
    }

    private static LegalHoldCommands Commands(ServiceProvider services, CustodianDbContext db) =>
        ActivatorUtilities.CreateInstance<LegalHoldCommands>(services, db, ActivatorUtilities.CreateInstance<StoreTransactions>(services, db));

    private static CustodianDbContext Context(ServiceProvider services)
    {
        var db = services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    /// <summary>The real clock, or a set instant while the set-up plays an earlier sweep.</summary>
    private sealed class SettableClock : TimeProvider
    {
        public Instant? Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now?.ToDateTimeOffset() ?? System.GetUtcNow();
    }
}
