using System.Globalization;
using System.Text;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Answers;
using Custodian.Core.Features.Subjects;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Requests.Answers;

/// <summary>
/// The streamed access report (issue 8 §5): the same bytes as the model's renderings, counts from the database's
/// aggregate, and output written while the cursor is still being read.
/// </summary>
public sealed class AccessReportStreamingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task WriteAsync_StoreAndEventRecords_SameBytesAsTheModel(Engine engine)
    {
        await using var f = await AnswersFixture.CreateAsync(engine);
        await using var db = f.Context();
        // Jan's second "number" is the other party of his first call: that call is found through both keys, once.
        IReadOnlyList<SubjectKey> twoNumbers = [.. f.Jan, new SubjectKey(SubjectIdentifierKind.Phone, "+31640009999")];
        foreach (var (subject, scope) in new[] { (f.Jan, AnswerScope.All), (twoNumbers, AnswerScope.All), (f.Jan, new AnswerScope(OrganizationId: f.OtherOrganizationId)) })
        {
            var model = await f.Builder.BuildAsync(db, subject, scope, f.Actor, Ct);
            var source = await f.Builder.PrepareAsync(db, subject, scope, Ct);
            Assert.Equal(model.RecordCount, source.RecordCount);
            foreach (var language in new[] { StatementLanguage.Dutch, StatementLanguage.English })
            {
                using var html = new MemoryStream();
                Assert.Equal(model.RecordCount, await AccessReportHtml.WriteAsync(source, language, html, Ct));
                Assert.Equal(AccessReportHtml.Render(model, language), Encoding.UTF8.GetString(html.ToArray()));
            }

            using var expected = new MemoryStream();
            AccessReportJson.Write(model, expected);
            using var json = new MemoryStream();
            Assert.Equal(model.RecordCount, await AccessReportJson.WriteAsync(source, json, Ct));
            Assert.Equal(Encoding.UTF8.GetString(expected.ToArray()), Encoding.UTF8.GetString(json.ToArray()));
        }
    }

    [Theory, AllEngines]
    public async Task WriteAsync_ThousandsOfCalls_OutputLeavesWhileTheCursorIsRead(Engine engine)
    {
        const int Calls = 3_000;
        await using var f = await AnswersFixture.CreateAsync(engine);
        var csv = new StringBuilder("organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n");
        for (var i = 0; i < Calls; i++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"demo,s-{i},mobile,outbound,{AnswersFixture.JanPhone},+3164100{i:D4},2026-11-10T{i / 60 % 24:D2}:{i % 60:D2}:00Z,60,60,answered,,NL,,,,MOB-1\n");
        }

        Assert.Equal(ImportOutcome.Imported, (await f.Import.ImportAsync(EventFamily.Usage, f.Import.Write("many.csv", csv.ToString()))).Outcome);
        await using var db = f.Context();
        var observed = new List<EventLookup.ObservedQuery>();
        EventLookup.Observed.Value = observed;
        AccessReportSource prepared;
        try
        {
            prepared = await f.Builder.PrepareAsync(db, f.Jan, AnswerScope.All, Ct);
        }
        finally
        {
            EventLookup.Observed.Value = null;
        }

        // Before writing, the usage records were counted by the database, not read.
        Assert.Contains(observed, o => o.Sql.StartsWith("SELECT organization_id, COUNT(*)", StringComparison.Ordinal));
        Assert.DoesNotContain(observed, o => !o.Sql.Contains("COUNT(*)", StringComparison.Ordinal));
        var total = prepared.RecordCount;
        Assert.True(total > Calls);

        foreach (var json in new[] { false, true })
        {
            long read = 0;
            var source = new AccessReportSource(prepared.Head, prepared.Categories, prepared.Scope, (part, c) => Counting(prepared.RecordsAsync(part, c)));
            async IAsyncEnumerable<AccessRecord> Counting(IAsyncEnumerable<AccessRecord> records)
            {
                await foreach (var r in records)
                {
                    read++;
                    yield return r;
                }
            }

            using var output = new ObservingStream(() => read);
            var written = json ? await AccessReportJson.WriteAsync(source, output, Ct) : await AccessReportHtml.WriteAsync(source, StatementLanguage.English, output, Ct);
            Assert.Equal(total, written);
            // Streaming, structurally: a quarter of the document had reached the stream before half the records were read.
            Assert.True(output.BytesWhenRead(total / 2) > output.Length / 4, $"{output.BytesWhenRead(total / 2)} of {output.Length} bytes written after half the records ({(json ? "JSON" : "HTML")})");
        }
    }

    /// <summary>Remembers, at each write, how many records the writer had read by then.</summary>
    private sealed class ObservingStream(Func<long> recordsRead) : MemoryStream
    {
        private readonly List<(long Records, long Bytes)> _writes = [];

        public long BytesWhenRead(long records) => _writes.Where(w => w.Records <= records).Select(w => w.Bytes).DefaultIfEmpty(0).Max();

        // MemoryStream's other writes come here when it is derived from.
        public override void Write(byte[] buffer, int offset, int count)
        {
            base.Write(buffer, offset, count);
            _writes.Add((recordsRead(), Length));
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
