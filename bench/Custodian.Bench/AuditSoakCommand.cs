using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;

namespace Custodian.Bench;

/// <summary>
/// <c>audit-soak</c>: security.md §2.4 G2.1 and G2.4 outside the test run. (1) N random single-bit mutations of stored
/// audit events (any field of any event, as the L-01 test does 150 times), each verified and undone: detected/total and
/// whether the first problem names the mutated event. (2) M legitimate appends through the product's audit trail,
/// verified every so often: false positives. (3) The full verification rate of the resulting log (entries/s).
/// </summary>
internal static class AuditSoakCommand
{
    private static readonly string[] Columns = ["id", "occurred_at", "organization_id", "actor_kind", "actor_id", "action", "objects", "reason", "details", "leaf_hash", "tree_root"];

    public static Command Build()
    {
        var engine = new Option<string>("--engine") { Description = "sqlite or postgres", DefaultValueFactory = _ => "sqlite" };
        engine.AcceptOnlyFromAmong("sqlite", "postgres");
        var mutations = new Option<int>("--mutations") { Description = "Random bit flips to make and verify", DefaultValueFactory = _ => 10_000 };
        var logSize = new Option<int>("--log-size") { Description = "Events in the log the mutations are made in", DefaultValueFactory = _ => 200 };
        var appends = new Option<int>("--appends") { Description = "Legitimate appends checked for false positives (G2.1 asks 1000000)", DefaultValueFactory = _ => 100_000 };
        var verifyEvery = new Option<int>("--verify-every") { Description = "Verify the growing log after every this many legitimate appends", DefaultValueFactory = _ => 10_000 };
        var pg = new Option<string?>("--pg") { Description = "PostgreSQL server where the benchmark may CREATE/DROP DATABASE; default: a throwaway cluster" };
        var seed = new Option<int>("--seed") { Description = "Seed of the mutations", DefaultValueFactory = _ => 20260302 };
        var command = new Command("audit-soak", "Randomised audit-log mutations (detection rate), legitimate appends (false positives) and full verification throughput")
        {
            engine, mutations, logSize, appends, verifyEvery, pg, seed,
        };
        command.SetAction(async (parse, ct) =>
        {
            var which = parse.GetValue(engine) == "postgres" ? DatabaseEngine.Postgres : DatabaseEngine.Sqlite;
            return await RunAsync(which, parse.GetValue(mutations), parse.GetValue(logSize), parse.GetValue(appends), Math.Max(1, parse.GetValue(verifyEvery)), parse.GetValue(pg), parse.GetValue(seed), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(DatabaseEngine engine, int mutations, int logSize, int appends, int verifyEvery, string? pg, int seed, CancellationToken ct)
    {
        var log = Console.Out;
        log.WriteLine(Machine.Describe());
        var work = Directory.CreateTempSubdirectory("custodian-audit-soak.");
        PostgresServer? server = null;
        try
        {
            if (engine == DatabaseEngine.Postgres)
            {
                var availability = await PostgresServer.ConnectOrStartAsync(pg);
                server = availability.Server;
                if (server is null)
                {
                    await Console.Error.WriteLineAsync($"PostgreSQL is not available: {availability.Failure ?? availability.SkipReason}.");
                    return 1;
                }
            }

            var failures = 0;
            await using (var db = await BenchDatabase.CreateAsync(engine, work.FullName, server, "mutations", null, ct))
            {
                failures += await MutationsAsync(db, mutations, logSize, seed, log, ct);
            }

            await using (var db = await BenchDatabase.CreateAsync(engine, work.FullName, server, "appends", null, ct))
            {
                failures += await AppendsAsync(db, appends, verifyEvery, log, ct);
            }

            return failures == 0 ? 0 : 1;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            work.Delete(recursive: true);
        }
    }

    private static async Task<int> MutationsAsync(BenchDatabase db, int mutations, int logSize, int seed, TextWriter log, CancellationToken ct)
    {
        await AppendAsync(db, logSize, 0, ct);
        var verifier = db.Services.GetRequiredService<AuditVerifier>();
        await using var context = db.CreateContext(TenantScope.Everything);
        await context.Database.ExecuteSqlRawAsync(
            db.Engine == DatabaseEngine.Sqlite ? AuditDatabaseSql.SqliteAppendOnlyDown : AuditDatabaseSql.PostgresAppendOnlyDown, ct);
        var events = await context.Set<AuditEvent>().AsNoTracking().OrderBy(e => e.Seq).ToListAsync(ct);
        var random = new Random(seed);
        int detected = 0, located = 0;
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < mutations; round++)
        {
            var e = events[random.Next(events.Count)];
            var column = Columns[random.Next(Columns.Length)];
            var (original, mutated) = Mutate(e, column, random);
            await SetColumnAsync(context, e.Seq, column, mutated, ct);
            var result = await verifier.VerifyAsync(context, null, ct);
            await SetColumnAsync(context, e.Seq, column, original, ct);
            if (!result.Intact)
            {
                detected++;
                located += result.Problems[0].Seq == e.Seq ? 1 : 0;
            }
            else
            {
                log.WriteLine($"  UNDETECTED: round {round}, {column} of event {e.Seq}");
            }
        }

        var intactAfter = (await verifier.VerifyAsync(context, null, ct)).Intact;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{db.Engine} mutations: {detected}/{mutations} detected, {located}/{mutations} at the mutated event, log of {logSize} events, {clock.Elapsed.TotalSeconds:F1} s; intact after undoing all: {intactAfter}"));
        return detected == mutations && located == mutations && intactAfter ? 0 : 1;
    }

    private static async Task<int> AppendsAsync(BenchDatabase db, int appends, int verifyEvery, TextWriter log, CancellationToken ct)
    {
        var verifier = db.Services.GetRequiredService<AuditVerifier>();
        var falsePositives = 0;
        var verifications = 0;
        var appendClock = new Stopwatch();
        for (var done = 0; done < appends;)
        {
            var batch = Math.Min(verifyEvery, appends - done);
            appendClock.Start();
            await AppendAsync(db, batch, done, ct);
            appendClock.Stop();
            done += batch;
            await using var context = db.CreateContext(TenantScope.Everything);
            var result = await verifier.VerifyAsync(context, null, ct);
            verifications++;
            if (!result.Intact || result.EventCount != done)
            {
                falsePositives++;
                log.WriteLine($"  FALSE POSITIVE at {done} appends: {string.Join("; ", result.Problems)}");
            }
        }

        var checkpoints = 0;
        var clock = Stopwatch.StartNew();
        await using (var context = db.CreateContext(TenantScope.Everything))
        {
            var result = await verifier.VerifyAsync(context, null, ct);
            clock.Stop();
            checkpoints = result.CheckpointCount;
            falsePositives += result.Intact ? 0 : 1;
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{db.Engine} appends: {appends} legitimate appends ({appends / appendClock.Elapsed.TotalSeconds:F0}/s, batches of 1000 per transaction), {verifications + 1} verifications, {falsePositives} false positives"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{db.Engine} full verification: {appends} entries and {checkpoints} signed checkpoints in {clock.Elapsed.TotalSeconds:F2} s = {appends / clock.Elapsed.TotalSeconds:F0} entries/s"));
        return falsePositives == 0 ? 0 : 1;
    }

    /// <summary>Appends through the product's trail, 1,000 events per transaction (the sequence and tree are the same as one per transaction).</summary>
    private static async Task AppendAsync(BenchDatabase db, int count, int offset, CancellationToken ct)
    {
        var trail = db.Services.GetRequiredService<IAuditTrail>();
        await using var context = db.CreateContext(TenantScope.Everything);
        for (var i = 0; i < count;)
        {
            await using var tx = await context.Database.BeginTransactionAsync(ct);
            for (var j = 0; j < 1000 && i < count; j++, i++)
            {
                var n = offset + i;
                await trail.AppendAsync(context, new AuditEntry(
                    "bench.happened",
                    new AuditActor(AuditActorKind.System, $"bench-{n % 7}"),
                    db.OrganizationId,
                    [new AuditObject("thing", n.ToString(CultureInfo.InvariantCulture))],
                    Reason: n % 3 == 0 ? $"ticket T-{n}" : null,
                    Details: new Dictionary<string, string> { ["n"] = n.ToString(CultureInfo.InvariantCulture) }), ct);
            }

            await tx.CommitAsync(ct);
        }
    }

    /// <summary>Sets one column of one event (column names come from <see cref="Columns"/>, never from input).</summary>
    private static Task<int> SetColumnAsync(CustodianDbContext context, long seq, string column, object? value, CancellationToken ct)
    {
        if (value is null)
        {
            var setNull = "UPDATE audit_events SET " + column + " = NULL WHERE seq = {0}";
            return context.Database.ExecuteSqlRawAsync(setNull, [seq], ct);
        }

        var sql = "UPDATE audit_events SET " + column + " = {0} WHERE seq = {1}";
        return context.Database.ExecuteSqlRawAsync(sql, [value, seq], ct);
    }

    private static (object? Original, object? Mutated) Mutate(AuditEvent e, string column, Random random) => column switch
    {
        "id" => (e.Id, FlipGuid(e.Id, random)),
        "organization_id" => (e.OrganizationId, e.OrganizationId is { } o ? FlipGuid(o, random) : Guid.NewGuid()),
        "occurred_at" => (e.OccurredAt.ToDateTimeUtc(), (e.OccurredAt + Duration.FromTicks(10L << random.Next(30))).ToDateTimeUtc()),
        "leaf_hash" => (e.LeafHash, FlipBytes(e.LeafHash, random)),
        "tree_root" => (e.TreeRoot, FlipBytes(e.TreeRoot, random)),
        "reason" => (e.Reason, e.Reason is null ? "a reason that was never given" : FlipText(e.Reason, random)),
        "actor_kind" => (e.ActorKind, FlipText(e.ActorKind, random)),
        "actor_id" => (e.ActorId, FlipText(e.ActorId, random)),
        "action" => (e.Action, FlipText(e.Action, random)),
        "objects" => (e.Objects, FlipText(e.Objects, random)),
        "details" => (e.Details, FlipText(e.Details, random)),
        _ => throw new ArgumentOutOfRangeException(nameof(column)),
    };

    private static Guid FlipGuid(Guid g, Random random)
    {
        var bytes = g.ToByteArray();
        bytes[random.Next(16)] ^= (byte)(1 << random.Next(8));
        return new Guid(bytes);
    }

    private static byte[] FlipBytes(byte[] b, Random random)
    {
        var copy = (byte[])b.Clone();
        copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    /// <summary>One of the low 7 bits of one character, never NUL (PostgreSQL text cannot hold it).</summary>
    private static string FlipText(string s, Random random)
    {
        var chars = s.ToCharArray();
        var i = random.Next(chars.Length);
        var flipped = (char)(chars[i] ^ (1 << random.Next(7)));
        chars[i] = flipped == '\0' ? (char)(chars[i] ^ 0x40) : flipped;
        return new string(chars);
    }
}
