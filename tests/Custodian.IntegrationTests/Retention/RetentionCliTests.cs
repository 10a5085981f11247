using System.Diagnostics;
using System.Text.Json;
using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.Demo;
using Custodian.Core.Features.Retention;
using Custodian.Features.Demo;
using Custodian.Features.Register;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary><c>custodian retention plan</c> as an operator runs it: the real executable on a seeded demo database.</summary>
public sealed class RetentionCliTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("custodian-retention-cli.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Delete(recursive: true);

    private async Task SeedAsync(TestDatabase db)
    {
        var (register, _) = ActiveRegister.Load(SettingsResolver.ShippedRegisterPath);
        await using var services = DemoCommands.Services(register!, db.Target, MasterKey.FromBytes(new byte[32]), _data.FullName,
            new FakeTimeProvider(new DateTimeOffset(2026, 3, 15, 10, 30, 0, TimeSpan.Zero)));
        await using var scope = services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(new DemoSeedOptions(Seed: 7, Organizations: 2, Subscribers: 4, Months: 3), DemoSeeder.CliActor, Ct);
        Assert.Equal(DemoSeedOutcome.Seeded, result.Outcome);
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(TestDatabase db, params string[] args)
    {
        var start = new ProcessStartInfo(Custodian.Testing.Crash.CrashChild.DefaultExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args.Concat(["--db", db.Target.ConnectionString, "--data", _data.FullName]))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(Ct);
        var error = child.StandardError.ReadToEndAsync(Ct);
        await child.WaitForExitAsync(Ct);
        return (child.ExitCode, await output, await error);
    }

    private static async Task<RetentionPlan> InProcessPlanAsync(TestDatabase db, Instant at)
    {
        var (register, _) = ActiveRegister.Load(SettingsResolver.ShippedRegisterPath);
        await using var context = db.CreateContext();
        return await new RetentionPlanner(register!.Register).PlanAsync(context, at, Ct);
    }

    [Theory, AllEngines]
    public async Task Plan_AtADate_JsonMatchesThePlannerAndTheTableIsAligned(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await SeedAsync(db);

        var (exit, output, error) = await RunAsync(db, "retention", "plan", "--at", "2026-09-01", "--json");

        Assert.True(exit == 0, error);
        var expected = await InProcessPlanAsync(db, RetentionCalendar.StartOf(new LocalDate(2026, 9, 1)));
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal("2026-08-31T22:00:00Z", root.GetProperty("at").GetString()); // the start of 1 September in Amsterdam (CEST)
        Assert.Equal("2026-09-01", root.GetProperty("day").GetString());
        Assert.Equal("Europe/Amsterdam", root.GetProperty("timeZone").GetString());
        var lines = root.GetProperty("lines").EnumerateArray().ToList();
        Assert.Equal(expected.Lines.Count, lines.Count);
        foreach (var (line, want) in lines.Zip(expected.Lines))
        {
            Assert.Equal(want.Category, line.GetProperty("category").GetString());
            Assert.Equal(want.Target, line.GetProperty("target").GetString());
            Assert.Equal(want.OrganizationCode, line.GetProperty("organizationCode").GetString());
            Assert.Equal(want.Due, line.GetProperty("due").GetInt64());
            Assert.Equal(want.NotYetDue, line.GetProperty("notYetDue").GetInt64());
            Assert.Equal(want.NotExpiring, line.GetProperty("notExpiring").GetInt64());
            Assert.Equal(want.OldestDueAnchorDay is null, line.GetProperty("oldestDueAgeDays").ValueKind == JsonValueKind.Null);
        }

        var due = expected.Lines.Sum(l => l.Due);
        Assert.True(due > 0, "the demo data has records due six months after it was seeded");
        Assert.Equal(due, root.GetProperty("totals").GetProperty("due").GetInt64());
        Assert.Equal(expected.DroppableMonths.Count, root.GetProperty("droppableMonths").GetArrayLength());
        Assert.Empty(root.GetProperty("problems").EnumerateArray());

        // The same plan as a table: one aligned row per line, and the totals.
        var (tableExit, table, tableError) = await RunAsync(db, "retention", "plan", "--at", "2026-09-01");
        Assert.True(tableExit == 0, tableError);
        var text = table.Split('\n');
        Assert.StartsWith("Retention plan for 2026-09-01 (Europe/Amsterdam)", text[0], StringComparison.Ordinal);
        var header = Array.FindIndex(text, l => l.StartsWith("CATEGORY", StringComparison.Ordinal));
        var cutoffColumn = text[header].IndexOf("CUTOFF", StringComparison.Ordinal);
        var rows = text.Skip(header + 1).TakeWhile(l => l.Length > 0).ToList();
        Assert.Equal(expected.Lines.Count, rows.Count);
        Assert.All(rows, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", r.Substring(cutoffColumn, 10)));
        Assert.Contains($"Total: {due} due, {expected.Lines.Sum(l => l.NotYetDue)} not yet due, {expected.Lines.Sum(l => l.NotExpiring)} not expiring.", table, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_WithoutAt_PlansForToday()
    {
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var before = RetentionCalendar.DayOf(Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()));

        var (exit, output, error) = await RunAsync(db, "retention", "plan", "--json");

        Assert.True(exit == 0, error);
        var after = RetentionCalendar.DayOf(Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow()));
        using var json = JsonDocument.Parse(output);
        var day = json.RootElement.GetProperty("day").GetString();
        Assert.Contains(day, new[] { before.ToString("yyyy-MM-dd", null), after.ToString("yyyy-MM-dd", null) });
        Assert.Empty(json.RootElement.GetProperty("lines").EnumerateArray());
    }

    [Theory]
    [InlineData("2026-13-01")]
    [InlineData("tomorrow")]
    public async Task Plan_BadDate_IsAUsageError(string at)
    {
        var (exit, _, error) = await CliTests.RunAsync("retention", "plan", "--at", at);

        Assert.Equal(2, exit);
        Assert.Contains("retention.invalid_date", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanHelp_ExplainsTheFlags()
    {
        var (exit, output, _) = await CliTests.RunAsync("retention", "plan", "--help");

        Assert.Equal(0, exit);
        Assert.Contains("--at", output, StringComparison.Ordinal);
        Assert.Contains("--json", output, StringComparison.Ordinal);
    }
    [Theory, AllEngines]
    public async Task Overview_Json_ListsEveryRegisterCategoryWithTheNextScheduledSweep(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await SeedAsync(db);

        var (exit, output, error) = await RunAsync(db, "retention", "overview", "--json");
        var (textExit, text, _) = await RunAsync(db, "retention", "overview");

        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        var (register, _) = ActiveRegister.Load(SettingsResolver.ShippedRegisterPath);
        Assert.Equal(register!.Register.Categories.Select(c => c.Id), root.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("category").GetString()));
        Assert.Equal("next_scheduled_sweep", root.GetProperty("plannedBy").GetString());
        Assert.Equal("03:30 Europe/Amsterdam", root.GetProperty("schedule").GetString());
        Assert.Equal("provider", root.GetProperty("view").GetString());
        Assert.True(root.GetProperty("categories").EnumerateArray().Sum(c => c.GetProperty("records").GetInt64()) > 0);
        Assert.Equal(0, textExit);
        Assert.Contains("usage.call_detail_records", text, StringComparison.Ordinal);
        Assert.Contains("six months after the record's time", text, StringComparison.Ordinal);
    }
}
