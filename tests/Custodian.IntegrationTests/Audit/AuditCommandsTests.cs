using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary><c>custodian audit checkpoint|verify</c> as an operator runs them, against a log the audit services wrote.</summary>
public sealed class AuditCommandsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-audit-cli.");

    public void Dispose() => _dir.Delete(recursive: true);

    [Theory, AllEngines]
    public async Task Verify_AfterExportAndTruncation_ExitsOneNamingFirstMissingSeq(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(12, ct);
        var keyFile = Path.Combine(_dir.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(AuditFixture.TestMasterKeyBytes), ct);
        var dbArg = engine == Engine.Sqlite
            ? new SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource
            : f.Database.Target.ConnectionString;
        var exported = Path.Combine(_dir.FullName, "checkpoint.txt");
        string[] common = ["--db", dbArg, "--data", _dir.FullName, "--master-key-file", keyFile];

        var (exit, output, error) = await CliTests.RunAsync([.. common, "audit", "checkpoint", "--output", exported]);
        Assert.True(exit == 0, error);
        Assert.Contains("Verifier key: custodian.invalid/audit+", output, StringComparison.Ordinal);
        Assert.StartsWith("custodian.invalid/audit\n12\n", await File.ReadAllTextAsync(exported, ct), StringComparison.Ordinal);

        (exit, output, error) = await CliTests.RunAsync([.. common, "audit", "verify", "--checkpoint", exported]);
        Assert.True(exit == 0, error);
        Assert.Contains("Intact, and consistent with the given checkpoint.", output, StringComparison.Ordinal);

        await using (var context = f.CreateContext())
        {
            await AuditTamper.DropTriggersAsync(context, engine, ct);
            await context.Database.ExecuteSqlAsync($"DELETE FROM audit_events WHERE seq > 9", ct);
            await context.Database.ExecuteSqlAsync($"DELETE FROM audit_checkpoints WHERE size > 9", ct);
            await AuditTamper.RepairHeadAsync(context, ct);
        }

        (exit, _, _) = await CliTests.RunAsync([.. common, "audit", "verify"]);
        Assert.Equal(0, exit);   // internally consistent: only the exported checkpoint can tell

        (exit, _, error) = await CliTests.RunAsync([.. common, "audit", "verify", "--checkpoint", exported]);
        Assert.Equal(1, exit);
        Assert.StartsWith("error seq 10: audit.truncated:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_NoMasterKey_ExitsOneWithCode()
    {
        var (exit, _, error) = await CliTests.RunAsync("--data", _dir.FullName, "audit", "verify");

        Assert.Equal(1, exit);
        Assert.Contains("secrets.master_key_required", error, StringComparison.Ordinal);
    }
}
