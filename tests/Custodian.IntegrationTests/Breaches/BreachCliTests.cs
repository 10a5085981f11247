using System.Diagnostics;
using System.Text.Json;
using Custodian.Core.Features.Breaches;
using Custodian.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Breaches;

/// <summary><c>custodian breach list</c> as an operator runs it: the real executable against a real database.</summary>
public sealed class BreachCliTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("custodian-breach-cli.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Delete(recursive: true);

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

    private static Breach NewBreach(string reference, Instant detected, Instant? initial = null, Instant? closed = null) => new()
    {
        Reference = reference,
        Title = $"Test breach {reference}",
        DetectedAt = detected,
        AwareAt = detected,
        InitialReportAt = initial,
        Nature = "Test nature",
        Categories = ["general.billing_name"],
        ContactPoint = "Privacy officer",
        RecordedAt = detected,
        ClosedAt = closed,
    };

    [Theory, AllEngines]
    public async Task BreachList_OpenAndJson_ShowsTheClocksOfOpenBreachesOnly(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var now = Instant.FromDateTimeOffset(TimeProvider.System.GetUtcNow());
        await using (var context = db.CreateContext())
        {
            context.Set<Breach>().AddRange(
                NewBreach("BR-1999-0001", now - Duration.FromHours(2)),
                NewBreach("BR-1999-0002", now - Duration.FromDays(5), initial: now - Duration.FromDays(4) - Duration.FromHours(23)),
                NewBreach("BR-1999-0003", now - Duration.FromDays(30), initial: now - Duration.FromDays(29), closed: now - Duration.FromDays(20)));
            await context.SaveChangesAsync(Ct);
        }

        var table = await RunAsync(db, "breach", "list");
        Assert.True(table.Exit == 0, table.Err);
        Assert.Contains("BR-1999-0003", table.Out, StringComparison.Ordinal);
        Assert.Contains("running (21 h", table.Out, StringComparison.Ordinal);

        var open = await RunAsync(db, "breach", "list", "--open", "--json");
        Assert.True(open.Exit == 0, open.Err);
        var breaches = JsonDocument.Parse(open.Out).RootElement.GetProperty("breaches").EnumerateArray().ToList();
        Assert.Equal(["BR-1999-0001", "BR-1999-0002"], breaches.Select(b => b.GetProperty("reference").GetString()));
        Assert.Equal(("running", "gdpr_72h"), (breaches[0].GetProperty("gdpr").GetProperty("state").GetString(), breaches[0].GetProperty("gdpr").GetProperty("kind").GetString()));
        Assert.Equal(JsonValueKind.Null, breaches[0].GetProperty("complete").ValueKind);
        Assert.Equal("overdue", breaches[1].GetProperty("complete").GetProperty("state").GetString());
    }
}
