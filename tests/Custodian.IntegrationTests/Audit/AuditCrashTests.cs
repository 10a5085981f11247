using System.Diagnostics;
using Custodian.Core.Common;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>
/// L-10: a real <c>custodian apikey create</c> (an audited action) is killed with SIGKILL at every write boundary of
/// the append and just after the commit. Afterwards the key and its audit event are both there or both absent, and the
/// chain verifies; the next append continues the sequence without a gap.
/// </summary>
public sealed class AuditCrashTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-audit-crash.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<Engine, string, bool> Points()
    {
        var data = new TheoryData<Engine, string, bool>();
        foreach (var engine in new[] { Engine.Sqlite, Engine.Postgres })
        {
            data.Add(engine, AuditTrail.FailPointBeforeInsert, false);
            data.Add(engine, AuditTrail.FailPointAfterInsert, false);
            data.Add(engine, AuditTrail.FailPointBeforeCommit, false);
            data.Add(engine, ApiKeyRegistry.FailPointCreatedAfterCommit, true);
        }

        return data;
    }

    [Theory, MemberData(nameof(Points))]
    public async Task ApiKeyCreate_KilledAtAppendBoundary_ChangeAndEventBothOrNeitherAndChainVerifies(Engine engine, string point, bool committed)
    {
        await using var f = await AuditFixture.CreateAsync(engine);
        await f.AppendManyAsync(3, Ct);
        var keyFile = Path.Combine(_dir.FullName, "master.key");
        await File.WriteAllTextAsync(keyFile, Convert.ToBase64String(AuditFixture.TestMasterKeyBytes), Ct);
        var dbArg = engine == Engine.Sqlite
            ? new SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource
            : f.Database.Target.ConnectionString;
        var start = new ProcessStartInfo(Custodian.Testing.Crash.CrashChild.DefaultExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { [FailPoints.Variable] = point },
        };
        foreach (var arg in new[] { "--db", dbArg, "--data", _dir.FullName, "--master-key-file", keyFile,
                     "apikey", "create", "--provider", "--scopes", "store:read", "--name", "crash-test" })
        {
            start.ArgumentList.Add(arg);
        }

        using (var child = Process.Start(start)!)
        {
            await child.WaitForExitAsync(Ct);
            Assert.True(child.ExitCode == 137, $"exit {child.ExitCode}: {await child.StandardError.ReadToEndAsync(Ct)}"); // 128 + SIGKILL
        }

        await using (var context = f.CreateContext())
        {
            var keys = await context.Set<ApiKey>().IgnoreQueryFilters().CountAsync(Ct);
            var events = await context.Set<AuditEvent>().CountAsync(e => e.Action == "api_key.created", Ct);
            Assert.Equal(committed ? 1 : 0, keys);
            Assert.Equal(keys, events);
        }

        var verified = await f.VerifyAsync(Ct);
        Assert.True(verified.Intact, string.Join("; ", verified.Problems));
        Assert.Equal(committed ? 4 : 3, verified.EventCount);

        await f.AppendManyAsync(1, Ct, offset: 10);
        verified = await f.VerifyAsync(Ct);
        Assert.True(verified.Intact, string.Join("; ", verified.Problems));
        Assert.Equal(committed ? 5 : 4, verified.EventCount);
    }
}
