using System.Diagnostics;
using System.Text.Json;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Tenancy;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary><c>custodian hold place|list|show|extend|release</c> as an operator runs them: the real executable.</summary>
public sealed class HoldCliTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("custodian-hold-cli.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Delete(recursive: true);

    private async Task<(int Exit, string Out, string Err)> RunAsync(TestDatabase db, params string[] args)
    {
        var key = Path.Combine(_data.FullName, "master.key");
        if (!File.Exists(key))
        {
            await File.WriteAllTextAsync(key, Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]), Ct);
        }

        var start = new ProcessStartInfo(Custodian.Testing.Crash.CrashChild.DefaultExecutable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args.Concat(["--db", db.Target.ConnectionString, "--data", _data.FullName, "--master-key-file", key]))
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync(Ct);
        var error = child.StandardError.ReadToEndAsync(Ct);
        await child.WaitForExitAsync(Ct);
        return (child.ExitCode, await output, await error);
    }

    private static async Task<Guid> AddOrganizationAsync(TestDatabase db, string code)
    {
        await using var context = db.CreateContext();
        context.ScopeTo(TenantScope.Everything);
        var organization = new Organization { Code = code, Name = $"{code} B.V.", BillingCompanyName = $"{code} B.V." };
        context.Organizations.Add(organization);
        await context.SaveChangesAsync(Ct);
        return organization.Id;
    }

    [Theory, AllEngines]
    public async Task PlaceListShowExtendRelease_AsAnOperatorRunsThem_WorkAndAreAuditedAsTheCommand(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var alpha = await AddOrganizationAsync(db, "alpha");

        var placed = await RunAsync(db, "hold", "place", "--basis", "legal_claims", "--reason", "Claim in dispute D-17", "--reference", "D-17",
            "--organization", "alpha", "--category", "general.support_information", "--category", "usage.call_detail_records",
            "--identifier", "phone:+31 6 4000 0001", "--records-from", "2025-01-01T00:00:00Z", "--records-until", "2026-01-01T00:00:00Z",
            "--ends-at", "2098-01-01T00:00:00Z", "--json");
        Assert.True(placed.Exit == 0, placed.Err);
        var hold = JsonDocument.Parse(placed.Out).RootElement;
        var id = hold.GetProperty("id").GetGuid();
        Assert.Equal("legal_claims", hold.GetProperty("basis").GetString());
        Assert.Equal(alpha, hold.GetProperty("organizationId").GetGuid());
        Assert.Equal(["general.support_information", "usage.call_detail_records"], hold.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("+31640000001", hold.GetProperty("identifiers")[0].GetProperty("value").GetString());
        Assert.Equal("cli", hold.GetProperty("placedBy").GetProperty("kind").GetString());
        Assert.Equal("cli:hold place", hold.GetProperty("placedBy").GetProperty("id").GetString());
        Assert.True(hold.GetProperty("active").GetBoolean());

        var list = await RunAsync(db, "hold", "list", "--json");
        Assert.True(list.Exit == 0, list.Err);
        Assert.Equal(id, Assert.Single(JsonDocument.Parse(list.Out).RootElement.EnumerateArray()).GetProperty("id").GetGuid());

        var show = await RunAsync(db, "hold", "show", id.ToString());
        Assert.True(show.Exit == 0, show.Err);
        Assert.Contains($"hold {id}: legal_claims, active.", show.Out, StringComparison.Ordinal);
        Assert.Contains("Claim in dispute D-17", show.Out, StringComparison.Ordinal);

        var extended = await RunAsync(db, "hold", "extend", id.ToString(), "--ends-at", "2099-01-01T00:00:00Z", "--json");
        Assert.True(extended.Exit == 0, extended.Err);
        Assert.Equal("2099-01-01T00:00:00Z", JsonDocument.Parse(extended.Out).RootElement.GetProperty("endsAt").GetString());

        var released = await RunAsync(db, "hold", "release", id.ToString(), "--reason", "Settled");
        Assert.True(released.Exit == 0, released.Err);
        Assert.Contains($"Released hold {id}", released.Out, StringComparison.Ordinal);

        await using var context = db.CreateContext();
        context.ScopeTo(TenantScope.Everything);
        var actors = await context.Set<AuditEvent>().AsNoTracking().Where(e => e.Action.StartsWith("hold.")).OrderBy(e => e.Seq).Select(e => e.Action + " " + e.ActorId).ToListAsync(Ct);
        Assert.Equal(["hold.placed cli:hold place", "hold.listed cli:hold list", "hold.viewed cli:hold show", "hold.extended cli:hold extend", "hold.released cli:hold release"], actors);
    }

    [Theory, AllEngines]
    public async Task Place_InvalidFields_PrintsEachAsCodeFieldMessageAndExitsOne(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);

        var (exit, output, error) = await RunAsync(db, "hold", "place", "--basis", "legal_claims", "--reason", "r", "--category", "no.such.category",
            "--starts-at", "2026-04-01T00:00:00Z", "--ends-at", "2026-03-20T00:00:00Z");

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains("error hold.unknown_category: categories[0]: ", error, StringComparison.Ordinal);
        Assert.Contains("error hold.ends_before_start: endsAt: ", error, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task Extend_AnUnknownHold_SaysNotFoundAndExitsOne(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);

        var (exit, _, error) = await RunAsync(db, "hold", "extend", Guid.CreateVersion7().ToString(), "--ends-at", "2099-01-01T00:00:00Z");

        Assert.Equal(1, exit);
        Assert.StartsWith("error hold.not_found: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Place_WithoutBasisOrWithABadIdentifier_IsAUsageError()
    {
        var (missing, _, _) = await Host.CliTests.RunAsync("hold", "place", "--reason", "r");
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);
        var (bad, _, error) = await RunAsync(db, "hold", "place", "--basis", "legal_claims", "--reason", "r", "--identifier", "+31640000001");

        Assert.Equal(2, missing);
        Assert.Equal(2, bad);
        Assert.Contains("error hold.identifier_format:", error, StringComparison.Ordinal);
    }
}
