using Custodian.Core.Common;
using Custodian.Core.Features.Events;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Import;

/// <summary><c>custodian import</c> as an operator runs it: exit codes and what it says.</summary>
public sealed class ImportCliTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(ImportFixture f, params string[] args)
    {
        var key = Path.Combine(f.Folder, "master.key");
        if (!File.Exists(key))
        {
            await File.WriteAllTextAsync(key, Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]), TestContext.Current.CancellationToken);
        }

        return await CliTests.RunAsync([.. args, "--db", f.Database.Target.ConnectionString, "--data", f.Folder, "--master-key-file", key]);
    }

    [Theory, AllEngines]
    public async Task ImportUsage_WithRejects_ExitsZeroAndReportsThem(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.CopyForTodaysClock("asterisk-18.csv");

        var (exit, output, error) = await RunAsync(f, "import", "usage", path, "--format", "asterisk", "--timezone", "Europe/Amsterdam");

        Assert.True(exit == 0, error);
        Assert.Contains("3 usage records stored, 2 rows rejected", output, StringComparison.Ordinal);
        Assert.Contains(path + ".rejects.csv", output, StringComparison.Ordinal);
        Assert.Equal("", error); // not a terminal: no progress bar
    }

    [Theory, AllEngines]
    public async Task ImportTraffic_SameFileTwice_SecondSaysNothingAdded(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.CopyForTodaysClock("traffic.csv");

        var first = await RunAsync(f, "import", "traffic", path);
        var second = await RunAsync(f, "import", "traffic", path);

        Assert.Equal(0, first.Exit);
        Assert.Equal(0, second.Exit);
        Assert.Contains("already imported", second.Out, StringComparison.Ordinal);
        Assert.Contains("Nothing added", second.Out, StringComparison.Ordinal);
        Assert.Equal(3, await f.ScalarAsync("SELECT count(*) FROM traffic_records"));
    }

    [Theory, AllEngines]
    public async Task ImportUsage_WrongHeader_ExitsOneNamingFileLineFieldAndRule(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("wrong.csv", "organization,kind,direction,callee,start,duration,colour\n");

        var (exit, _, error) = await RunAsync(f, "import", "usage", path);

        Assert.Equal(1, exit);
        Assert.Contains($"error import.header.unknown_column: {path}:1: field 'colour':", error, StringComparison.Ordinal);
        Assert.Contains("Nothing was imported", error, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task ImportUsage_ProcessKilledMidChunk_RerunResumesWithoutDuplicatesOrGaps(Engine engine)
    {
        const int Rows = 50_000;
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("killed.csv", UsageFile.Generate(Rows, rejectEvery: 0, Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()) - Duration.FromDays(30)));
        var key = Path.Combine(f.Folder, "master.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]), TestContext.Current.CancellationToken);
        var start = new System.Diagnostics.ProcessStartInfo(Custodian.Testing.Crash.CrashChild.DefaultExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // SIGKILL while the second chunk (rows 20,001-40,000) is written but not committed. 20,000-row chunks (the
            // default is far larger, see ImportOptions.ChunkRows) keep the file small.
            Environment = { [FailPoints.Variable] = "import.chunk_written:2", [ImportOptions.ChunkRowsVariable] = "20000" },
        };
        foreach (var arg in new[] { "import", "usage", path, "--db", f.Database.Target.ConnectionString, "--data", f.Folder, "--master-key-file", key })
        {
            start.ArgumentList.Add(arg);
        }

        using (var child = System.Diagnostics.Process.Start(start)!)
        {
            await child.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.Equal(137, child.ExitCode); // 128 + SIGKILL
        }

        Assert.Equal(20_000, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal([["in_progress", "20001", "20000"]], await f.RowsAsync("SELECT status, committed_line, rows_imported FROM import_batches"));

        var resumed = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(ImportOutcome.Imported, resumed.Outcome);
        Assert.Equal(20_001, resumed.ResumedAfterLine);
        Assert.Equal(Rows, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(Rows, await f.ScalarAsync("SELECT count(DISTINCT record_key) FROM usage_records"));
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM audit_events WHERE action = 'usage.imported'"));
    }

    [Theory, AllEngines]
    public async Task ImportListAndAbandon_AsAnOperatorRunsThem_ShowAbandonAndAllowAFreshImport(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.CopyForTodaysClock("asterisk-18.csv");
        Assert.Equal(0, (await RunAsync(f, "import", "usage", path, "--format", "asterisk", "--tenant", "demo")).Exit);
        var batch = Guid.Parse((await f.RowsAsync("SELECT id FROM import_batches"))[0][0]).ToString();

        var list = await RunAsync(f, "import", "list");
        var json = await RunAsync(f, "import", "list", "--json");
        var otherZone = await RunAsync(f, "import", "usage", path, "--format", "asterisk", "--tenant", "demo", "--timezone", "Europe/London");
        var abandon = await RunAsync(f, "import", "abandon", batch);
        var again = await RunAsync(f, "import", "abandon", batch);
        var reimport = await RunAsync(f, "import", "usage", path, "--format", "asterisk", "--tenant", "demo", "--timezone", "Europe/London");
        var unknown = await RunAsync(f, "import", "abandon", Guid.NewGuid().ToString());

        Assert.True(list.Exit == 0, list.Err);
        Assert.Contains("RESUMABLE", list.Out, StringComparison.Ordinal);
        var row = Assert.Single(list.Out.Split('\n'), l => l.StartsWith(batch, StringComparison.Ordinal));
        foreach (var cell in new[] { "usage", "asterisk (Europe/Amsterdam)", "asterisk-18.csv", "demo", "completed", " 4 ", " 1 ", " no" })
        {
            Assert.Contains(cell, row, StringComparison.Ordinal);
        }

        using (var doc = System.Text.Json.JsonDocument.Parse(json.Out))
        {
            var b = Assert.Single(doc.RootElement.EnumerateArray().ToList());
            Assert.Equal(batch, b.GetProperty("id").GetString());
            Assert.Equal("completed", b.GetProperty("state").GetString());
            Assert.Equal("demo", b.GetProperty("tenant").GetString());
            Assert.Equal(4, b.GetProperty("rowsImported").GetInt64());
            Assert.Equal(1, b.GetProperty("rowsRejected").GetInt64());
            Assert.False(b.GetProperty("resumable").GetBoolean());
            Assert.Equal(64, b.GetProperty("fileSha256").GetString()!.Length);
        }

        Assert.Equal(1, otherZone.Exit);
        Assert.Contains("error import.options_differ", otherZone.Err, StringComparison.Ordinal);
        Assert.Contains($"custodian import abandon {batch}", otherZone.Err, StringComparison.Ordinal);
        Assert.True(abandon.Exit == 0, abandon.Err);
        Assert.Contains("4 rows removed", abandon.Out, StringComparison.Ordinal);
        Assert.Contains("already abandoned", again.Out, StringComparison.Ordinal);
        Assert.True(reimport.Exit == 0, reimport.Err);
        Assert.Contains("usage records stored", reimport.Out, StringComparison.Ordinal);
        Assert.Equal(1, unknown.Exit);
        Assert.Contains("import.batch.not_found", unknown.Err, StringComparison.Ordinal);
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM audit_events WHERE action = 'import.abandoned'"));
    }

    [Fact]
    public async Task ImportUsage_BadFormatOption_IsAUsageError()
    {
        var (exit, _, error) = await CliTests.RunAsync("import", "usage", "x.csv", "--format", "excel");

        Assert.Equal(2, exit);
        Assert.Contains("excel", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportHelp_ExplainsFormatsAndFlags()
    {
        var (exit, output, _) = await CliTests.RunAsync("import", "usage", "--help");

        Assert.Equal(0, exit);
        foreach (var flag in new[] { "--format", "--tenant", "--timezone", "--reject-file", "asterisk" })
        {
            Assert.Contains(flag, output, StringComparison.Ordinal);
        }
    }
}
