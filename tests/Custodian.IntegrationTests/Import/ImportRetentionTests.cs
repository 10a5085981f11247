using Custodian.Core.Features.Events;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Import;

/// <summary>
/// Rows whose retention has already expired at import time are refused (<c>import.retention_expired</c>): the sweep
/// would delete them at once, and recreating a month it dropped could collide with held rows on PostgreSQL. The
/// fixture's clock is 2026-11-28 12:00 UTC; usage and traffic are kept six months from the record's time, so records
/// that started before 28 May 2026 00:00 in Amsterdam (2026-05-27T22:00:00Z) are expired.
/// </summary>
public sealed class ImportRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ImportAsync_UsageRowExpiredAtImport_IsRejectedAndTheBoundaryRowIsStored(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("usage-old.csv",
            "organization,record_id,kind,direction,caller,callee,start,duration\n" +
            "demo,u-1,mobile,outbound,+442079460501,+442079460001,2026-05-27T21:59:59Z,10\n" +
            "demo,u-2,mobile,outbound,+442079460501,+442079460001,2026-05-27T22:00:00Z,10\n" +
            "demo,u-3,mobile,outbound,+442079460501,+442079460001,2025-01-10T08:00:00Z,10\n" +
            "demo,u-4,mobile,outbound,+442079460501,+442079460001,2026-11-01T08:00:00Z,10\n");

        var result = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(ImportOutcome.Imported, result.Outcome);
        Assert.Equal(2, result.RowsImported);
        Assert.Equal(2, result.RowsRejected);
        Assert.Equal([["u-2"], ["u-4"]], await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY record_key"));
        var rejects = await File.ReadAllLinesAsync(result.RejectFile!, Ct);
        Assert.StartsWith("2,start,import.retention_expired,", rejects[1], StringComparison.Ordinal);
        Assert.StartsWith("4,start,import.retention_expired,", rejects[2], StringComparison.Ordinal);
        Assert.Contains("usage.call_detail_records: six months after the record's time", rejects[1], StringComparison.Ordinal);
        Assert.Contains("2026-05-27T22:00:00Z", rejects[1], StringComparison.Ordinal);

        // No month partition was created for the refused rows: a dropped month stays dropped.
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions WHERE family = 'usage' AND month < 202605"));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_TrafficRowExpiredAtImport_IsRejected(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("traffic-old.csv",
            "organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol\n" +
            "demo,t-1,email,outbound,desk.one@demo.example,someone@other.example,2026-04-30T09:00:00Z,,5120,smtp\n" +
            "demo,t-2,email,outbound,desk.one@demo.example,someone@other.example,2026-11-01T09:00:00Z,,5120,smtp\n");

        var result = await f.ImportAsync(EventFamily.Traffic, path);

        Assert.Equal(1, result.RowsImported);
        Assert.Equal(1, result.RowsRejected);
        Assert.Equal([["t-2"]], await f.RowsAsync("SELECT record_key FROM traffic_records"));
        var rejects = await File.ReadAllLinesAsync(result.RejectFile!, Ct);
        Assert.StartsWith("2,start,import.retention_expired,", rejects[1], StringComparison.Ordinal);
        Assert.Contains("general.traffic_information", rejects[1], StringComparison.Ordinal);
    }
}
