using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Requests.Answers;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Disclosures;

/// <summary>
/// The streamed production (issue 8 §5): thousands of calls read with a cursor inside the order's period, written while
/// they are read, in the order and with the content the in-memory collection gives, through the pipe into the store.
/// </summary>
public sealed class ProductionStreamingTests
{
    private const int Calls = 3_000;

    private static readonly AuditActor First = new(AuditActorKind.User, "officer-1");
    private static readonly AuditActor Second = new(AuditActorKind.User, "officer-2");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ProduceAsync_ThousandsOfCalls_StreamsThemInOrderIntoTheStore(Engine engine)
    {
        await using var fixture = await AnswersFixture.CreateAsync(engine, more: AuthorityOrdersTests.Disclosures);
        // 3,000 calls on 10 November; two calls share each minute (i and i + 1440), so ties in time are put in id order.
        var csv = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n");
        for (var i = 0; i < Calls; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"demo,s-{i},mobile,outbound,{AnswersFixture.JanPhone},+3164100{i:D4},2026-11-10T{i / 60 % 24:D2}:{i % 60:D2}:00Z,60,60,answered,,NL,,,,MOB-1\n");
        }

        Assert.Equal(ImportOutcome.Imported, (await fixture.Import.ImportAsync(EventFamily.Usage, fixture.Import.Write("many.csv", csv.ToString()))).Outcome);
        await using var db = fixture.Import.CreateContext(TenantScope.Everything);
        await using var scope = fixture.Import.Services.CreateAsyncScope();
        var orders = AuthorityOrdersTests.Orders(scope);
        // The period leaves out the fixture's calls of 1 and 2 November; the traffic category is asked and Jan's phone has none.
        var order = (await orders.RegisterAsync(Caller(First), AuthorityOrdersTests.Input("OM-2026-0777", "traffic_data_126n", judge: null,
            from: "2026-11-05T00:00:00Z", until: "2026-11-20T00:00:00Z", [UsageRecord.Category, TrafficRecord.Category], AnswersFixture.JanPhone), Ct)).Value!;

        // In memory, as the package was written before it streamed: the order's records sorted by category, time and id.
        var expected = (await DisclosurePackage.CollectAsync(db, order, Ct))
            .OrderBy(r => r.Category, StringComparer.Ordinal).ThenBy(r => DisclosurePackage.TimeOf(r.Record)).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => r.Id).ToList();
        Assert.Equal(Calls, expected.Count);

        // Written while read: writes reach the stream during each of the two reads (CSV, then JSON) of the cursor.
        var counter = new EventLookup.RowCounter();
        var observed = new List<EventLookup.ObservedQuery>();
        EventLookup.RowsStreamed.Value = counter;
        EventLookup.Observed.Value = observed;
        using var output = new ObservingStream(() => counter.Rows);
        DisclosureManifest manifest;
        try
        {
            manifest = await DisclosurePackage.WriteAsync(db, order, Instant.FromUtc(2026, 11, 28, 12, 0), output, Ct);
        }
        finally
        {
            EventLookup.RowsStreamed.Value = null;
            EventLookup.Observed.Value = null;
        }

        Assert.Equal(2 * Calls, counter.Rows);
        Assert.True(output.WritesWhile(0, Calls) >= 2, $"{output.WritesWhile(0, Calls)} writes during the CSV read");
        Assert.True(output.WritesWhile(Calls, 2 * Calls) >= 2, $"{output.WritesWhile(Calls, 2 * Calls)} writes during the JSON read");
        // Counted by the database, then read with the period in the query; never the whole identifier's history.
        Assert.All(observed, o => Assert.Contains("start_time >= @from", o.Sql, StringComparison.Ordinal));
        Assert.Equal(Calls, manifest.Files.Single(f => f.Name == "records.csv").Records);

        output.Position = 0;
        using (var zip = new ZipArchive(output, ZipArchiveMode.Read, leaveOpen: true))
        {
            using var reader = new StreamReader(zip.GetEntry("records.csv")!.Open());
            var lines = (await reader.ReadToEndAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(expected, lines.Skip(1).Select(l => l.Split(',')[2]));
            using var json = await JsonDocument.ParseAsync(zip.GetEntry("records.json")!.Open(), cancellationToken: Ct);
            Assert.Equal(expected, json.RootElement.EnumerateArray().Select(e => e.GetProperty("id").GetString()));
        }

        // Through the pipe into the encrypting store: the audited count is what was written, the hash what is delivered.
        var produced = await orders.ProduceAsync(Caller(First), order.Id, Ct);
        Assert.True(produced.IsSuccess, produced.Error?.ToString());
        Assert.Equal(Calls, produced.Value.RecordCount);
        Assert.True((await orders.ReleaseAsync(Caller(Second), produced.Value.Id, Ct)).IsSuccess);
        var download = await orders.DownloadAsync(Caller(Second), produced.Value.Id, Ct);
        using var delivered = new MemoryStream();
        await using (download.Value!.Content)
        {
            await download.Value.Content.CopyToAsync(delivered, Ct);
        }

        Assert.Equal(produced.Value.Sha256, Convert.ToHexStringLower(SHA256.HashData(delivered.ToArray())));
        delivered.Position = 0;
        using (var zip = new ZipArchive(delivered, ZipArchiveMode.Read))
        {
            using var reader = new StreamReader(zip.GetEntry("records.csv")!.Open());
            Assert.Equal(Calls + 1, (await reader.ReadToEndAsync(Ct)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        }
    }

    private static DisclosureCaller Caller(AuditActor actor) => new(actor, TenantScope.Everything, manage: true);

    /// <summary>Remembers, at each write, how many rows the cursor had given by then.</summary>
    private sealed class ObservingStream(Func<long> rowsRead) : MemoryStream
    {
        private readonly List<long> _writes = [];

        public int WritesWhile(long from, long until) => _writes.Count(r => r >= from && r < until);

        // MemoryStream's other writes come here when it is derived from.
        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            _writes.Add(rowsRead());
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.ToArray(), 0, buffer.Length);
            return ValueTask.CompletedTask;
        }
    }
}
