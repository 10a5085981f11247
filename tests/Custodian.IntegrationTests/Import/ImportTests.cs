using Custodian.Core.Features.Events;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Import;

public sealed class ImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task ImportAsync_OwnUsageFormat_StoresValidRowsAndRejectsTheRest(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("usage.csv");

        var result = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(ImportOutcome.Imported, result.Outcome);
        Assert.Equal(3, result.RowsImported);
        Assert.Equal(3, result.RowsRejected);
        Assert.Equal(3, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        var rows = await f.RowsAsync("SELECT record_key, caller_number, callee_number, direction, kind, billed_seconds, cost, currency, country, cell_id, service_reference, volume FROM usage_records ORDER BY record_key");
        Assert.Equal(["cdr-0001", "+442079460501", "+442079460001", "outbound", "mobile", "60", "EUR", "NL", "204-08-1234-5678", "MOB-1", ""], rows[0].Where((_, i) => i != 6));
        Assert.Equal(0.0125m, decimal.Parse(rows[0][6], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["cdr-0002", "+442079460002", "+442079460501", "inbound", "mobile", "30", "", "", "BE", "", "MOB-1", ""], rows[1]);
        Assert.Equal("2048", rows[2][11]);
        Assert.Equal(1.5m, decimal.Parse(rows[2][6], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_RejectedRows_ReportLineFieldAndRuleWithoutTheValues(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("usage.csv");

        var result = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(path + ".rejects.csv", result.RejectFile);
        var lines = await File.ReadAllLinesAsync(result.RejectFile!, Ct);
        Assert.Equal("line,field,rule,message", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("4,callee,identifier.phone.", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("5,start,import.time.format,", lines[2], StringComparison.Ordinal);
        Assert.StartsWith("6,direction,import.field.not_allowed,", lines[3], StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-number", string.Join('\n', lines), StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_Asterisk18Columns_StoresCallsAndRejectsExtensionsGapTimesAndUnknownAccounts(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("asterisk-18.csv");

        var result = await f.ImportAsync(EventFamily.Usage, path, "asterisk");

        Assert.Equal(ImportOutcome.Imported, result.Outcome);
        Assert.Equal(4, result.RowsImported);
        Assert.Equal(3, result.RowsRejected);
        var rejects = await File.ReadAllLinesAsync(result.RejectFile!, Ct);
        Assert.StartsWith("4,dst,asterisk.number.extension,", rejects[1], StringComparison.Ordinal);
        Assert.StartsWith("6,start,asterisk.time.nonexistent,", rejects[2], StringComparison.Ordinal);
        Assert.StartsWith("7,accountcode,import.organization.unknown,", rejects[3], StringComparison.Ordinal);

        var rows = await f.RowsAsync("SELECT record_key, caller_number, callee_number, outcome, duration_seconds, billed_seconds, direction, kind FROM usage_records ORDER BY start_time");
        Assert.Equal(["1791961923.18", "+442079460001", "+442079460123", "answered", "221", "215", "unknown", "voip"], rows[0]);
        Assert.Equal("1792891800.7", rows[1][0]);
        Assert.Equal(["1793626810.20", "+442079460456", "+442079460001", "no_answer", "30", "0", "unknown", "voip"], rows[2]);
        Assert.Equal(["1793696400.50", "", "+442079460001", "answered", "124", "120", "unknown", "voip"], rows[3]);

        // 09:12:03 in Amsterdam summer time is 07:12:03 UTC.
        var first = await f.UsageOfAsync("+442079460123");
        Assert.Equal(Instant.FromUtc(2026, 10, 14, 7, 12, 3), Assert.Single(first).StartTime);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_AsteriskAutumnHour_TakesTheOffsetFromUniqueIdOrEndTime(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");

        await f.ImportAsync(EventFamily.Usage, f.Copy("asterisk-18.csv"), "asterisk");
        var result16 = await f.ImportAsync(EventFamily.Usage, f.Copy("asterisk-16.csv"), "asterisk");

        Assert.Equal(3, result16.RowsImported);
        // 02:30 happens twice on 25 October 2026; the uniqueid 1792891800 (01:30 UTC) says: the second time (CET).
        Assert.Equal(Instant.FromUtc(2026, 10, 25, 1, 30), Assert.Single(await f.UsageOfAsync("+442079460789")).StartTime);
        // 16 columns, no uniqueid: end 03:02 is unambiguous (CET), 240 s earlier is 02:58 CET = 01:58 UTC.
        Assert.Equal(Instant.FromUtc(2026, 10, 25, 1, 58), Assert.Single(await f.UsageOfAsync("+442079460457")).StartTime);
        // Start and end both in the repeated hour: the first occurrence (summer time).
        Assert.Equal(Instant.FromUtc(2026, 10, 25, 0, 10), Assert.Single(await f.UsageOfAsync("+442079460999")).StartTime);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_Asterisk17And16Columns_AreReadWithAndWithoutUniqueId(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");

        var r17 = await f.ImportAsync(EventFamily.Usage, f.Copy("asterisk-17.csv"), "asterisk");
        var r16 = await f.ImportAsync(EventFamily.Usage, f.Copy("asterisk-16.csv"), "asterisk");

        Assert.Equal((2, 1), (r17.RowsImported, r17.RowsRejected));
        Assert.StartsWith("3,src,asterisk.number.extension,", (await File.ReadAllLinesAsync(r17.RejectFile!, Ct))[1], StringComparison.Ordinal);
        Assert.Equal((3, 0), (r16.RowsImported, r16.RowsRejected));
        Assert.Null(r16.RejectFile);
        var keys = await f.RowsAsync("SELECT record_key FROM usage_records ORDER BY record_key");
        Assert.Equal(2, keys.Count(k => k[0].StartsWith("179", StringComparison.Ordinal)));
        Assert.Equal(3, keys.Count(k => k[0].StartsWith("h:", StringComparison.Ordinal)));
        // "+44 20 7946 0002" and "0044 20 7946 0457" are stored in E.164.
        Assert.Equal("+442079460002", Assert.Single(await f.UsageOfAsync("+442079460457")).CallerNumber);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_WithTenant_AssignsEveryRowToIt(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        var demo = await f.AddOrganizationAsync("demo");
        var other = await f.AddOrganizationAsync("acme");

        var result = await f.ImportAsync(EventFamily.Usage, f.Copy("asterisk-18.csv"), "asterisk", tenant: "acme");

        Assert.Equal(5, result.RowsImported); // the unknown accountcode no longer matters
        Assert.Equal(5, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(4, (await f.UsageOfAsync("+442079460001", TenantScope.For(other))).Count);
        Assert.Empty(await f.UsageOfAsync("+442079460001", TenantScope.For(demo)));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_Traffic_StoresCanonicalIdentifiersAndFindsThemByEmailIpAndPhone(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");

        var result = await f.ImportAsync(EventFamily.Traffic, f.Copy("traffic.csv"));

        Assert.Equal((3, 1), (result.RowsImported, result.RowsRejected));
        await using var db = f.CreateContext();
        var byEmail = await EventLookup.FindAsync(db, Core.Features.Subjects.SubjectIdentifierKind.Email, "desk.one@demo.example", Ct);
        Assert.Equal("t-1", Assert.IsType<TrafficRecord>(Assert.Single(byEmail)).RecordKey);
        var byIp = await EventLookup.FindAsync(db, Core.Features.Subjects.SubjectIdentifierKind.Ip, "198.51.100.7", Ct);
        Assert.Equal(1_200_000, Assert.IsType<TrafficRecord>(Assert.Single(byIp)).Bytes);
        var byPhone = await EventLookup.FindAsync(db, Core.Features.Subjects.SubjectIdentifierKind.Phone, "+442079460501", Ct);
        Assert.Equal("telephony", Assert.IsType<TrafficRecord>(Assert.Single(byPhone)).Kind);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_SameFileTwice_SecondAddsNothing(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("asterisk-18.csv");

        var first = await f.ImportAsync(EventFamily.Usage, path, "asterisk");
        var second = await f.ImportAsync(EventFamily.Usage, path, "asterisk");

        Assert.Equal(ImportOutcome.AlreadyImported, second.Outcome);
        Assert.Equal(first.BatchId, second.BatchId);
        Assert.Equal(4, second.RowsImported);
        Assert.Equal(4, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM import_batches"));
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM audit_events WHERE action = 'usage.imported'"));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_GrownMasterCsv_ImportsOnlyTheAddedLines(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Copy("asterisk-18.csv");
        var first = await f.ImportAsync(EventFamily.Usage, path, "asterisk");
        var added = string.Join('\n', (await File.ReadAllLinesAsync(ImportFixture.Sample("asterisk-17.csv"), Ct)).Take(2).Select(l => l.Replace("1791961923.18", "1791961923.99", StringComparison.Ordinal))) + "\n";
        await File.AppendAllTextAsync(path, added, Ct);

        var grown = await f.ImportAsync(EventFamily.Usage, path, "asterisk");

        Assert.Equal(ImportOutcome.Imported, grown.Outcome);
        Assert.Equal(first.BatchId, grown.ExtendsBatchId);
        Assert.Equal((2, 0), (grown.RowsImported, grown.RowsRejected));
        Assert.Equal(6, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(ImportOutcome.AlreadyImported, (await f.ImportAsync(EventFamily.Usage, path, "asterisk")).Outcome);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_Completed_AppendsOneAuditEventWithCountsHashAndBatch(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine, chunkRows: 2);
        await f.AddOrganizationAsync("demo");

        var result = await f.ImportAsync(EventFamily.Traffic, f.Copy("traffic.csv"));

        var events = await f.RowsAsync("SELECT action, objects, details, actor_id FROM audit_events");
        var e = Assert.Single(events);
        Assert.Equal("traffic.imported", e[0]);
        Assert.Contains(result.BatchId.ToString()!, e[1], StringComparison.Ordinal);
        Assert.Contains(result.FileSha256, e[2], StringComparison.Ordinal);
        Assert.Contains("rows_imported", e[2], StringComparison.Ordinal);
        Assert.Equal("cli:import", e[3]);
    }

    [Theory, AllEngines]
    public async Task ImportAsync_InterruptedAfterTwoChunks_ResumesAfterTheCheckpointWithoutDuplicates(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine, chunkRows: 500);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("big.csv", UsageFile.Generate(2_500, rejectEvery: 100));
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        f.Options.AfterChunkCommitted = n =>
        {
            if (n == 2)
            {
                interrupt.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => f.ImportAsync(EventFamily.Usage, path, ct: interrupt.Token));

        var stored = await f.ScalarAsync("SELECT count(*) FROM usage_records");
        Assert.Equal(1_000, stored);
        Assert.Equal(["in_progress", "1000"], (await f.RowsAsync("SELECT status, rows_imported FROM import_batches"))[0]);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM audit_events WHERE action = 'usage.imported'"));

        f.Options.AfterChunkCommitted = null;
        var resumed = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(ImportOutcome.Imported, resumed.Outcome);
        Assert.True(resumed.ResumedAfterLine > 1_000);
        Assert.Equal(2_500 - 25, resumed.RowsImported);
        Assert.Equal(25, resumed.RowsRejected);

        // The resumed run's reject file replaces the interrupted run's: it must still name all 25 rejected rows, those
        // before the checkpoint too (the import crash test found them lost), each once.
        Assert.Equal(25, resumed.RejectsThisRun);
        var rejectLines = (await File.ReadAllLinesAsync(path + ".rejects.csv", Ct)).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (i * 100) + 9).Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)), rejectLines);
        Assert.Equal(2_475, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        Assert.Equal(2_475, await f.ScalarAsync("SELECT count(DISTINCT record_key) FROM usage_records"));
        Assert.Equal(1, await f.ScalarAsync("SELECT count(*) FROM audit_events WHERE action = 'usage.imported'"));
        Assert.Equal(ImportOutcome.AlreadyImported, (await f.ImportAsync(EventFamily.Usage, path)).Outcome);
        await f.AssertMonthTotalsExactAsync();
    }

    [Theory, AllEngines]
    public async Task ImportAsync_RowsOverThreeMonths_CreatesIndexedMonthPartitionsAndTheParentAnswersAcrossThem(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");

        await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"));

        Assert.Equal([["202609", "usage_records_2026_09"], ["202610", "usage_records_2026_10"], ["202611", "usage_records_2026_11"]],
            await f.RowsAsync("SELECT month, table_name FROM event_partitions WHERE family = 'usage' ORDER BY month"));
        foreach (var month in new[] { "usage_records_2026_09", "usage_records_2026_10", "usage_records_2026_11" })
        {
            Assert.Equal(1, await f.ScalarAsync(engine == Engine.Postgres
                ? $"SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE c.relname = '{month}' AND i.inhparent = 'usage_records'::regclass"
                : $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{month}'"));
            // PostgreSQL: the two look-up indexes and the BRIN on start_time the sweep reads (EventTotalsSchemaSql).
            Assert.Equal(engine == Engine.Postgres ? 3 : 2, await f.ScalarAsync(engine == Engine.Postgres
                ? $"SELECT count(*) FROM pg_indexes WHERE tablename = '{month}'"
                : $"SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = '{month}'"));
            Assert.Equal(1, await f.ScalarAsync($"SELECT count(*) FROM {month}"));
        }

        var from = f.TimeLiteral(Instant.FromUtc(2026, 9, 30, 0, 0));
        var to = f.TimeLiteral(Instant.FromUtc(2026, 11, 2, 0, 0));
        Assert.Equal(3, await f.ScalarAsync($"SELECT count(*) FROM usage_records WHERE start_time >= {from} AND start_time < {to}"));
        Assert.Equal(3, await f.ScalarAsync("SELECT count(*) FROM usage_records WHERE caller_number = '+442079460501' OR callee_number = '+442079460501'"));
        await f.AssertMonthTotalsExactAsync();
    }

    [Theory, AllEngines]
    public async Task EnsurePartitionsAsync_AheadOfTime_CreatesEachMonthOnceAndIsIdempotent(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await using var db = f.CreateContext();
        await db.Database.OpenConnectionAsync(Ct);
        var connection = db.Database.GetDbConnection();
        var dbEngine = engine == Engine.Postgres ? Core.Persistence.DatabaseEngine.Postgres : Core.Persistence.DatabaseEngine.Sqlite;

        var created = await EventPartitions.EnsurePartitionsAsync(connection, dbEngine, TrafficTable.Instance, new YearMonth(2026, 11), new YearMonth(2027, 2), Ct);
        var again = await EventPartitions.EnsurePartitionsAsync(connection, dbEngine, TrafficTable.Instance, new YearMonth(2026, 12), new YearMonth(2027, 3), Ct);

        Assert.Equal(4, created.Count);
        Assert.Equal([new YearMonth(2027, 3)], again);
        Assert.Equal(5, (await EventPartitions.ExistingMonthsAsync(connection, null, TrafficTable.Instance, Ct)).Count);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM traffic_records"));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_WrongHeader_StoresNothingAndNamesLineFieldAndRule(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("bad.csv", "organization,kind,direction,caller,callee,start,duraton\ndemo,voip,outbound,+442079460501,+442079460001,2026-11-01T00:00:00Z,5\n");

        var result = await f.ImportAsync(EventFamily.Usage, path);

        Assert.Equal(ImportOutcome.FileError, result.Outcome);
        Assert.Equal(new FileProblem(1, "duraton", "import.header.unknown_column", result.Problem!.Message), result.Problem);
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM import_batches"));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM event_partitions"));
        Assert.False(File.Exists(path + ".rejects.csv"));
    }

    [Theory, AllEngines]
    public async Task ImportAsync_OwnFormatReadAsAsterisk_IsAFileError(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");

        var result = await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"), "asterisk");
        var unknownTenant = await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"), tenant: "nobody");
        var notUtf8 = f.Write("latin1.csv", "x");
        await File.WriteAllBytesAsync(notUtf8, [.. "organization,kind\n"u8.ToArray(), 0xE9, (byte)'\n'], Ct);
        var encoding = await f.ImportAsync(EventFamily.Usage, notUtf8);

        Assert.Equal("asterisk.file.no_time", result.Problem?.Rule);
        Assert.Equal("import.tenant.unknown", unknownTenant.Problem?.Rule);
        Assert.Equal(("import.file.encoding", 2L), (encoding.Problem?.Rule, encoding.Problem!.Line));
        Assert.Equal(0, await f.ScalarAsync("SELECT count(*) FROM import_batches"));
    }

    [Theory, AllEngines]
    public async Task EventLookup_CallerNumber_FindsTheirUsageRecordsOnlyWithinTheTenant(Engine engine)
    {
        await using var f = await ImportFixture.CreateAsync(engine);
        var demo = await f.AddOrganizationAsync("demo");
        var other = await f.AddOrganizationAsync("other");
        await f.ImportAsync(EventFamily.Usage, f.Copy("usage.csv"));

        var all = await f.UsageOfAsync("+442079460501");
        var tenant = await f.UsageOfAsync("+442079460501", TenantScope.For(demo));
        var otherTenant = await f.UsageOfAsync("+442079460501", TenantScope.For(other));
        var none = await f.UsageOfAsync("+442079460501", TenantScope.None);

        Assert.Equal(["cdr-0006", "cdr-0001", "cdr-0002"], all.Select(r => r.RecordKey));
        Assert.Equal(3, tenant.Count);
        Assert.Empty(otherTenant);
        Assert.Empty(none);
        Assert.Equal(0.0125m, all[1].Cost);
        Assert.Equal(Instant.FromUtc(2026, 11, 1, 9, 0), all[2].StartTime);
    }

    [Theory, AllEngines]
    public async Task EventTables_ColumnsInTheDatabase_AreExactlyTheMappedCatalogColumns(Engine engine)
    {
        // StoreModelTests checks that every catalog column has its register category; this checks that the catalog is
        // what is really stored, in the parent (PostgreSQL) or view (SQLite) and in a month.
        await using var f = await ImportFixture.CreateAsync(engine);
        await using var db = f.CreateContext();
        await db.Database.OpenConnectionAsync(Ct);
        var dbEngine = engine == Engine.Postgres ? Core.Persistence.DatabaseEngine.Postgres : Core.Persistence.DatabaseEngine.Sqlite;
        foreach (var table in EventTable.All)
        {
            await EventPartitions.EnsurePartitionsAsync(db.Database.GetDbConnection(), dbEngine, table, new YearMonth(2026, 11), new YearMonth(2026, 11), Ct);
            foreach (var name in new[] { table.Name, table.MonthTable(new YearMonth(2026, 11)) })
            {
                var columns = await f.RowsAsync(engine == Engine.Postgres
                    ? $"SELECT column_name FROM information_schema.columns WHERE table_name = '{name}' ORDER BY ordinal_position"
                    : $"SELECT name FROM pragma_table_info('{name}') ORDER BY cid");
                Assert.Equal(table.Columns.Select(c => c.Name), columns.Select(c => c[0]));
            }
        }
    }

    /// <summary>
    /// A streaming import holds the rows in flight (up to 8 × 10,000 between parser and writer), not the file: a real
    /// <c>custodian import usage</c> child whose managed heap is capped at 96 MiB (<c>DOTNET_GCHeapHardLimit</c>; the
    /// runtime stops the process with "Out of memory" past it) imports a 28 MB, 300,000-row file whose rows as objects
    /// would take well over 150 MB. Its own process, so other tests' heaps cannot sway it (64 MiB once ran out within 4 s
    /// in a loaded CI run: the parser can run ahead of a slow writer by its in-flight slices).
    /// </summary>
    [Theory, AllEngines]
    public async Task ImportUsage_300kRowFile_ImportsInAProcessWhoseHeapIsCappedAt96MiB(Engine engine)
    {
        const int Rows = 300_000;
        await using var f = await ImportFixture.CreateAsync(engine);
        await f.AddOrganizationAsync("demo");
        var path = f.Write("large.csv", UsageFile.Generate(Rows, rejectEvery: 0));
        var key = f.Write("master.key", Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]));
        var data = Directory.CreateDirectory(Path.Combine(f.Folder, "data")).FullName;

        var run = await Custodian.Testing.Crash.CrashChild.RunAsync(
            Custodian.Testing.Crash.CrashChild.DefaultExecutable,
            ["import", "usage", path, "--db", f.Database.Target.ConnectionString, "--data", data, "--master-key-file", key],
            new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x6000000" },
            failPoint: null,
            killAfter: null,
            Ct);

        Assert.True(run.Exit == 0, $"exit {run.Exit}: {run.Error}");
        Assert.Equal(Rows, await f.ScalarAsync("SELECT count(*) FROM usage_records"));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{engine}: {Rows} rows ({new FileInfo(path).Length / 1_000_000} MB) in {run.Elapsed.TotalSeconds:F1} s under a 96 MiB heap cap");
    }
}
