using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>
/// L-06 (rollback to an earlier copy), L-08 (fork: two holders shown different histories) and the consistency proofs
/// an external holder relies on, on both engines.
/// </summary>
public sealed class AuditWitnessTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-audit-witness.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory, AllEngines]
    public async Task Verify_DatabaseRolledBackToEarlierCopy_FailsNamingSizeBelowHeldCheckpoint(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(10, Ct);
        string? backup = null;
        if (engine == Engine.Sqlite)
        {
            // "Yesterday's backup": a consistent copy of the database file as it was at 10 events.
            backup = Path.Combine(_dir.FullName, "yesterday.db");
            await using var context = f.CreateContext();
            await context.Database.ExecuteSqlAsync($"VACUUM INTO {backup}", Ct);
        }

        await f.AppendManyAsync(15, Ct, offset: 10);
        string held;
        await using (var context = f.CreateContext())
        {
            held = (await f.Checkpoints.CreateNowAsync(context, Ct)).Note;
        }

        Assert.True((await f.VerifyAsync(Ct, held)).Intact);

        AuditVerification result;
        if (backup is not null)
        {
            await using var restored = TestDatabase.ServicesFor(DatabaseTarget.Resolve(backup, _dir.FullName), s => s
                .AddSingleton(TimeProvider.System)
                .AddSingleton(MasterKey.FromBytes(AuditFixture.TestMasterKeyBytes))
                .AddCustodianAudit());
            await using var context = restored.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
            result = await restored.GetRequiredService<AuditVerifier>().VerifyAsync(context, held, Ct);
        }
        else
        {
            // PostgreSQL: the restore is the same state reached through the owner's back door.
            await using (var context = f.CreateContext())
            {
                await AuditTamper.RollBackToAsync(context, engine, 10, Ct);
            }

            result = await f.VerifyAsync(Ct, held);
        }

        Assert.Equal(10, result.EventCount);
        var first = result.Problems[0];
        Assert.Equal("audit.truncated", first.Code);
        Assert.Equal(11, first.Seq);
        Assert.Contains("covers 25 events but the log holds only 10", first.Message, StringComparison.Ordinal);
        Assert.True((await f.VerifyAsync(Ct)).Intact || backup is null);
    }

    [Theory, AllEngines]
    public async Task Verify_HeldCheckpointOlderThanLog_ChecksConsistencyProof(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(7, Ct);
        string held;
        await using (var context = f.CreateContext())
        {
            held = (await f.Checkpoints.CreateNowAsync(context, Ct)).Note;
        }

        await f.AppendManyAsync(30, Ct, offset: 7);
        var body = f.Checkpoints.Signer.Verifier.Open(held).Body!;
        await using (var context = f.CreateContext())
        {
            var proof = (await AuditProofs.ConsistencyAsync(context, 7, 37, Ct))!;
            Assert.Equal(body.Root, proof.Root1);
            Assert.True(MerkleProofs.VerifyConsistency(7, 37, proof.Proof, body.Root, proof.Root2));

            var inclusion = (await AuditProofs.InclusionAsync(context, 5, 37, Ct))!;
            Assert.True(MerkleProofs.VerifyInclusion(4, 37, inclusion.LeafHash, inclusion.Proof, proof.Root2));
            Assert.Null(await AuditProofs.ConsistencyAsync(context, 7, 38, Ct));
        }

        Assert.True((await f.VerifyAsync(Ct, held)).Intact);
    }

    [Theory, AllEngines]
    public async Task Compare_TwoHoldersShownForkedLogs_ReportsForkAndHonestPairConsistent(Engine engine)
    {
        await using var honest = await AuditFixture.CreateAsync(engine);
        await honest.AppendManyAsync(8, Ct);
        var tenantA = await CheckpointAsync(honest);              // tenant A keeps (8, X)
        await honest.AppendManyAsync(4, Ct, offset: 8);
        var tenantALater = await CheckpointAsync(honest);         // and later (12, X)

        // The forked server: same signing key, the same first 5 events, then a different history.
        await using var forked = await AuditFixture.CreateAsync(engine);
        await CopyPrefixAsync(honest, forked, 5);
        await forked.AppendManyAsync(3, Ct, offset: 500);
        var tenantBSameSize = await CheckpointAsync(forked);      // (8, Y)
        await forked.AppendManyAsync(2, Ct, offset: 600);
        var tenantB = await CheckpointAsync(forked);              // (10, Y)
        Assert.True((await forked.VerifyAsync(Ct)).Intact);       // each log is internally perfect

        var open = honest.Checkpoints.Signer.Verifier;
        var a = open.Open(tenantA).Body!;
        var aLater = open.Open(tenantALater).Body!;
        var bSame = open.Open(tenantBSameSize).Body!;
        var b = open.Open(tenantB).Body!;

        Assert.Equal("audit.fork", CheckpointWitness.Compare(a, bSame, null).Code);
        await using (var context = forked.CreateContext())
        {
            // The forked log's own proof from 8 to 10 starts from ITS root at 8, not A's.
            var proof = await AuditProofs.ConsistencyAsync(context, 8, 10, Ct);
            Assert.Equal("audit.fork", CheckpointWitness.Compare(a, b, proof!.Proof).Code);
        }

        await using (var context = honest.CreateContext())
        {
            Assert.Null(await AuditProofs.ConsistencyAsync(context, 8, 13, Ct));
            var proof = await AuditProofs.ConsistencyAsync(context, 8, 12, Ct);
            var honestPair = CheckpointWitness.Compare(aLater, a, proof!.Proof);
            Assert.True(honestPair.Consistent, honestPair.Message);
        }

        // The same through the CLI, against the honest database.
        string[] common = await CommonArgsAsync(honest, engine);
        var files = new Dictionary<string, string> { ["a"] = tenantA, ["a2"] = tenantALater, ["b"] = tenantB, ["b8"] = tenantBSameSize };
        foreach (var (name, note) in files)
        {
            await System.IO.File.WriteAllTextAsync(Held(name), note, Ct);
        }

        var (exit, output, error) = await CliTests.RunAsync([.. common, "audit", "compare", Held("a"), Held("a2")]);
        Assert.True(exit == 0, error);
        Assert.StartsWith("Consistent:", output, StringComparison.Ordinal);

        (exit, _, error) = await CliTests.RunAsync([.. common, "audit", "compare", Held("a"), Held("b")]);
        Assert.Equal(1, exit);
        Assert.StartsWith("error audit.fork:", error, StringComparison.Ordinal);

        (exit, _, error) = await CliTests.RunAsync([.. common, "audit", "compare", Held("b8"), Held("a")]);
        Assert.Equal(1, exit);
        Assert.Contains("two signed checkpoints of size 8 have different roots", error, StringComparison.Ordinal);
    }

    private string Held(string name) => Path.Combine(_dir.FullName, name + ".checkpoint");

    private static async Task<string> CheckpointAsync(AuditFixture f)
    {
        await using var context = f.CreateContext();
        return (await f.Checkpoints.CreateNowAsync(context, Ct)).Note;
    }

    /// <summary>Copies the first <paramref name="count"/> events (same ids, times, hashes) into an empty log.</summary>
    private static async Task CopyPrefixAsync(AuditFixture from, AuditFixture to, int count)
    {
        List<AuditEvent> events;
        await using (var source = from.CreateContext())
        {
            events = [.. (await AuditTamper.EventsAsync(source, Ct)).Take(count)];
        }

        await using var target = to.CreateContext();
        await using var tx = await target.Database.BeginTransactionAsync(Ct);
        foreach (var e in events)
        {
            await AuditStore.InsertEventAsync(target, e, Ct);
        }

        await AuditTamper.RepairHeadAsync(target, Ct);
        await tx.CommitAsync(Ct);
    }

    private async Task<string[]> CommonArgsAsync(AuditFixture f, Engine engine)
    {
        var keyFile = Path.Combine(_dir.FullName, "master.key");
        await System.IO.File.WriteAllTextAsync(keyFile, Convert.ToBase64String(AuditFixture.TestMasterKeyBytes), Ct);
        var dbArg = engine == Engine.Sqlite
            ? new SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource
            : f.Database.Target.ConnectionString;
        return ["--db", dbArg, "--data", _dir.FullName, "--master-key-file", keyFile];
    }
}
