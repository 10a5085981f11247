using System.Text;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Audit;

/// <summary>G2.5: a searched phone number, recorded the way a feature must (through <see cref="AuditHasher"/>), is nowhere in the stored audit bytes.</summary>
public sealed class AuditCanaryTests
{
    // Made up for this test; it appears nowhere else in the repository.
    private const string CanaryNormalized = "+31612398745";
    private const string CanaryDigits = "612398745";

    [Theory, AllEngines]
    public async Task AppendAsync_SearchedNumberThroughHasher_CanaryNotInStoredBytes(Engine engine)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var f = await AuditFixture.CreateAsync(engine);
        await using var context = f.CreateContext();

        // What a search feature records: the keyed hash of the normalised number, never the number.
        var hashed = f.Hasher.HashIdentifier("phone", CanaryNormalized);
        await using (var tx = await context.Database.BeginTransactionAsync(ct))
        {
            await f.Trail.AppendAsync(context, new AuditEntry(
                "subject.searched",
                new AuditActor(AuditActorKind.User, "agent-7"),
                Guid.Parse("0198c9a0-0000-7000-8000-000000000002"),
                [new AuditObject("identifier", hashed)],
                Reason: "ticket T-4711",
                Details: new Dictionary<string, string> { ["identifier"] = hashed, ["kind"] = "phone", ["matches"] = "1" }), ct);
            // Positive control: the same canary in a non-audit table must be found by the same scan.
            context.JobLeases.Add(new JobLease { Name = "control", Holder = "control-" + CanaryNormalized, LeaseUntil = Instant.FromUtc(2026, 1, 1, 0, 0) });
            await context.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }

        await f.AppendManyAsync(5, ct);
        await f.Checkpoints.CreateNowAsync(context, ct);

        if (engine == Engine.Sqlite)
        {
            // The raw file and its write-ahead log, as a disk image would show them.
            SqliteConnection.ClearAllPools();
            var path = new SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource;
            var bytes = string.Concat(new[] { path, path + "-wal" }.Where(File.Exists).Select(p => Encoding.Latin1.GetString(File.ReadAllBytes(p))));
            Assert.Contains(CanaryDigits, bytes, StringComparison.Ordinal);   // the control row
        }

        var auditText = await AuditTablesTextAsync(context, ct);
        Assert.DoesNotContain(CanaryDigits, auditText, StringComparison.Ordinal);
        Assert.Contains(hashed, auditText, StringComparison.Ordinal);
        Assert.Contains(CanaryDigits, await ControlTextAsync(context, ct), StringComparison.Ordinal);

        if (engine == Engine.Sqlite)
        {
            // The audit pages themselves: drop the control row, checkpoint the WAL and vacuum, then scan the file again.
            await context.Database.ExecuteSqlRawAsync("DELETE FROM job_leases", ct);
            await context.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
            await context.Database.CloseConnectionAsync();
            SqliteConnection.ClearAllPools();
            await using (var vacuum = new SqliteConnection(f.Database.Target.ConnectionString))
            {
                await vacuum.OpenAsync(ct);
                await using var cmd = vacuum.CreateCommand();
                cmd.CommandText = "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);";
                await cmd.ExecuteNonQueryAsync(ct);
            }

            SqliteConnection.ClearAllPools();
            var path = new SqliteConnectionStringBuilder(f.Database.Target.ConnectionString).DataSource;
            var raw = string.Concat(new[] { path, path + "-wal" }.Where(File.Exists).Select(p => Encoding.Latin1.GetString(File.ReadAllBytes(p))));
            Assert.DoesNotContain(CanaryDigits, raw, StringComparison.Ordinal);
            Assert.Contains(hashed, raw, StringComparison.Ordinal);
        }
    }

    /// <summary>Every stored audit row as the database renders it (PostgreSQL row text; SQLite concatenated columns).</summary>
    private static async Task<string> AuditTablesTextAsync(CustodianDbContext context, CancellationToken ct)
    {
        var sb = new StringBuilder();
        foreach (var table in new[] { "audit_events", "audit_checkpoints", "audit_head" })
        {
            var connection = context.Database.GetDbConnection();
            await context.Database.OpenConnectionAsync(ct);
            await using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT * FROM " + table;
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var v = reader.GetValue(i);
                    sb.Append(v is byte[] b ? Encoding.Latin1.GetString(b) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)).Append('|');
                }

                sb.AppendLine();
            }
        }

        return sb.ToString();
    }

    private static async Task<string> ControlTextAsync(CustodianDbContext context, CancellationToken ct) =>
        string.Join("|", await context.JobLeases.AsNoTracking().Select(l => l.Holder).ToListAsync(ct));
}
