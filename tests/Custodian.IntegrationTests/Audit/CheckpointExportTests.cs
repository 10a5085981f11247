using Custodian.Core.Features.Audit;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>The off-box export (G2.3) and the audit settings as an operator sets them.</summary>
public sealed class CheckpointExportTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-audit-export.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory, AllEngines]
    public async Task ExportNew_SeveralCheckpoints_AppendsEachOnceAndLatestVerifies(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine, o => o.CheckpointEveryEvents = 4);
        var target = Path.Combine(_dir.FullName, "offbox");
        await f.AppendManyAsync(9, Ct);   // checkpoints at 1 (the first is due by time), 5 and 9 by count
        long made;

        await using (var context = f.CreateContext())
        {
            var stored = await context.Set<AuditCheckpoint>().CountAsync(Ct);
            Assert.Equal(stored, await CheckpointExport.ExportNewAsync(context, target, Ct));
            Assert.Equal(0, await CheckpointExport.ExportNewAsync(context, target, Ct));
            await f.AppendManyAsync(1, Ct, offset: 9);
            made = (await f.Checkpoints.CreateNowAsync(context, Ct)).Number;   // size 10
            Assert.Equal(1, await CheckpointExport.ExportNewAsync(context, target, Ct));
            Assert.Equal(stored + 1, made);
        }

        var log = await File.ReadAllTextAsync(Path.Combine(target, CheckpointExport.LogFile), Ct);
        Assert.Equal(made, log.Split("# checkpoint ").Length - 1);
        Assert.Contains($"# checkpoint {made}\ncustodian.invalid/audit\n10\n", log, StringComparison.Ordinal);
        var latest = await File.ReadAllTextAsync(Path.Combine(target, CheckpointExport.LatestFile), Ct);
        Assert.Equal(10, f.Checkpoints.Signer.Verifier.Open(latest).Body!.Size);
        Assert.True((await f.VerifyAsync(Ct, latest)).Intact);
        Assert.Empty(Directory.GetFiles(target, "*.tmp-*"));
    }

    [Fact]
    public async Task LastExported_TornLastRecord_IsWrittenAgain()
    {
        var path = Path.Combine(_dir.FullName, CheckpointExport.LogFile);
        await File.WriteAllTextAsync(path, "# checkpoint 1\no\n1\nroot\n\n\u2014 o sig\n# checkpoint 2\no\n2\nro", Ct);

        Assert.Equal(1, CheckpointExport.LastExported(path));
    }

    [Theory, AllEngines]
    public async Task Cli_AuditOriginAndExportSettings_SignWithOriginAndExport(Engine engine)
    {
        await using var f = await AuditFixture.CreateAsync(engine, o => o.Origin = "audit.custodian.example/log");
        await f.AppendManyAsync(3, Ct);
        var keyFile = Path.Combine(_dir.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(AuditFixture.TestMasterKeyBytes), Ct);
        var dbArg = engine == Engine.Sqlite
            ? new SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource
            : f.Database.Target.ConnectionString;
        var export = Path.Combine(_dir.FullName, "worm");
        string[] common = ["--db", dbArg, "--data", _dir.FullName, "--master-key-file", keyFile,
            "--audit-origin", "audit.custodian.example/log", "--audit-checkpoint-export", export];

        var (exit, output, error) = await CliTests.RunAsync([.. common, "audit", "checkpoint"]);
        Assert.True(exit == 0, error);
        Assert.Contains("checkpoint(s) appended to", output, StringComparison.Ordinal);
        var latest = Path.Combine(export, CheckpointExport.LatestFile);
        Assert.StartsWith("audit.custodian.example/log\n3\n", await File.ReadAllTextAsync(latest, Ct), StringComparison.Ordinal);

        (exit, _, error) = await CliTests.RunAsync([.. common, "audit", "verify", "--checkpoint", latest]);
        Assert.True(exit == 0, error);

        // Another origin is another log: its checkpoints do not verify here.
        (exit, _, error) = await CliTests.RunAsync([.. common[..6], "audit", "verify", "--checkpoint", latest]);
        Assert.Equal(1, exit);
        Assert.Contains("audit.checkpoint_invalid", error, StringComparison.Ordinal);

        (exit, _, error) = await CliTests.RunAsync([.. common[..6], "--audit-origin", "bad origin", "audit", "verify"]);
        Assert.Equal(1, exit);
        Assert.Contains("settings.invalid_audit_origin", error, StringComparison.Ordinal);
    }
}
