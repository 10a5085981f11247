using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Demo;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Features.Demo;
using Custodian.Features.Register;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Demo;

public sealed partial class DemoSeedTests : IDisposable
{
    /// <summary>The data folder (blob store) of this test's seeds; removed when the test ends.</summary>
    private readonly TempFolder _data = new();

    private TempFolder DataFolder => _data;

    public void Dispose() => _data.Dispose();

    private static readonly DateTimeOffset Now = new(2026, 3, 15, 10, 30, 0, TimeSpan.Zero);

    // Small enough to run quickly on both engines; big enough for every record type and lifecycle.
    private static readonly DemoSeedOptions Small = new(Seed: 7, Organizations: 2, Subscribers: 12, Months: 3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory, AllEngines]
    public async Task SeedAsync_SameSeedTwice_StoresIdenticalData(Engine engine)
    {
        var first = await SeedAndDumpAsync(engine, Small);
        var second = await SeedAndDumpAsync(engine, Small);

        Assert.Equal(first, second);
        Assert.Contains("organizations#0", first, StringComparison.Ordinal);
        Assert.Contains("usage.imported", first, StringComparison.Ordinal);
        Assert.Contains("traffic.imported", first, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task SeedAsync_OtherSeed_StoresOtherData(Engine engine)
    {
        var first = await SeedAndDumpAsync(engine, Small);
        var other = await SeedAndDumpAsync(engine, Small with { Seed = 8 });

        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Plan_SameOptionsAndDay_IsEqual()
    {
        var day = new NodaTime.LocalDate(2026, 3, 15);
        var a = JsonSerializer.Serialize(DemoGenerator.Plan(new DemoSeedOptions(), day));
        var b = JsonSerializer.Serialize(DemoGenerator.Plan(new DemoSeedOptions(), day));

        Assert.Equal(a, b);
        Assert.Equal(Csv((p, w) => DemoActivity.WriteUsageCsv(p, w)), Csv((p, w) => DemoActivity.WriteUsageCsv(p, w)));
        Assert.Equal(Csv((p, w) => DemoActivity.WriteTrafficCsv(p, w)), Csv((p, w) => DemoActivity.WriteTrafficCsv(p, w)));
        Assert.Equal(DemoAudio.Tone(440, 500), DemoAudio.Tone(440, 500));

        string Csv(Action<DemoPlan, TextWriter> write)
        {
            using var text = new StringWriter();
            write(DemoGenerator.Plan(new DemoSeedOptions(), day), text);
            return text.ToString();
        }
    }

    [Theory, AllEngines]
    public async Task SeedAsync_Defaults_FirstOrganizationIsDemoAndEveryStoredRecordTypeHasRows(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);

        var result = await SeedAsync(services, new DemoSeedOptions());

        Assert.Equal(DemoSeedOutcome.Seeded, result.Outcome);
        Assert.Equal("demo", result.Organizations[0].Code);
        Assert.Equal(3, result.Organizations.Count);
        Assert.Equal(5, result.Counts["service.ended"]);
        Assert.True(result.Counts["support_ticket.closed"] < result.Counts["support_ticket"], "some tickets stay open");
        foreach (var type in new[] { "usage_record", "traffic_record", "support_ticket_attachment", "support_call_recording", "customer_call_recording" })
        {
            Assert.True(result.Counts.GetValueOrDefault(type) > 0, $"no {type} seeded");
        }

        await using var context = db.CreateContext(TenantScope.Everything);
        var personalTypes = context.Model.GetEntityTypes()
            .Where(t => StoreCatalog.CategoryOf(t.ClrType) is not null && t.ClrType.Namespace!.EndsWith(".Store", StringComparison.Ordinal))
            .Select(t => t.ClrType)
            .ToList();
        Assert.NotEmpty(personalTypes);
        foreach (var type in personalTypes)
        {
            var rows = await CountAsync(context, type);
            Assert.True(rows > 0, $"{type.Name}: the demo data has no records of this type");
        }

    }

    [Theory, AllEngines]
    public async Task SeedAsync_SecondRun_SaysAlreadySeededAndWritesNothing(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        await SeedAsync(services, Small);
        var before = await DumpAsync(db);

        var again = await SeedAsync(services, Small with { Seed = 99 });

        Assert.Equal(DemoSeedOutcome.AlreadySeeded, again.Outcome);
        Assert.Equal(before, await DumpAsync(db));
    }

    [Theory, AllEngines]
    public async Task SeedAsync_Defaults_HoldsOnlyFictionalIdentifiersAndAnIntactAuditTrail(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        await SeedAsync(services, new DemoSeedOptions());

        await using var context = db.CreateContext(TenantScope.Everything);
        var identifiers = await context.SubjectIdentifiers.AsNoTracking().Select(s => new { s.Kind, s.Value }).Distinct().ToListAsync(Ct);
        Assert.Contains(identifiers, i => i.Kind == "email");
        foreach (var i in identifiers)
        {
            var pattern = i.Kind switch
            {
                "email" => @"^[a-z0-9.]+@[a-z0-9-]+\.example$",
                "phone" => @"^(\+3164\d{7}|\+442079460\d{3}|\+441614960\d{3})$",
                "imei" => @"^00999000\d{7}$",
                "iccid" => @"^89310099\d{11}$",
                "mac" => "^(00:00:5E:00:53|02:00:5E)(:[0-9A-F]{2})+$",
                "ip" => @"^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:|10\.)",
                // Names are indexed in lower case: a made-up surname, or an organisation's (made-up) name.
                "name" => "(" + string.Join('|', DemoGenerator.Surnames.Concat(DemoGenerator.OrganizationNames.Select(o => o.Code)).Select(n => n.ToLowerInvariant())) + ")",
                _ => throw new InvalidOperationException($"A new identifier kind '{i.Kind}': say which values are fictional."),
            };
            Assert.Matches(pattern, i.Value);
        }

        var emails = await context.ContactPersons.Select(c => c.Email).Concat(context.Keyholders.Select(k => k.Email))
            .Concat(context.SupportTickets.Select(t => t.RequesterEmail)).Where(e => e != null).ToListAsync(Ct);
        Assert.NotEmpty(emails);
        Assert.All(emails, e => Assert.EndsWith(".example", e!, StringComparison.Ordinal));

        var actors = await context.Set<AuditEvent>().Select(e => e.ActorKind + "/" + e.ActorId).Distinct().ToListAsync(Ct);
        Assert.Equal(["cli/demo-seed"], actors);
        await using var scope = services.CreateAsyncScope();
        var verify = await scope.ServiceProvider.GetRequiredService<AuditVerifier>()
            .VerifyAsync(scope.ServiceProvider.GetRequiredService<CustodianDbContext>(), null, Ct);
        Assert.True(verify.Intact, string.Join("; ", verify.Problems));
    }

    [Theory, AllEngines]
    public async Task ServeDev_EmptyDatabase_PrintedLookupFindsTheDemoPersonInSeveralCategories(Engine engine)
    {
        await using var server = await CustodianServer.StartAsync(await TestDatabase.CreateEmptyAsync(engine), dev: true);
        var output = server.StartupOutput;

        var curl = CurlLine().Match(output);
        Assert.True(curl.Success, "serve --dev printed no look-up line:\n" + output);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1" + curl.Groups["path"].Value);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", curl.Groups["key"].Value);
        using var response = await server.Client.SendAsync(request, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);

        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        var categories = json.RootElement.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("category").GetString()).ToList();
        Assert.True(categories.Count >= 3, "categories: " + string.Join(", ", categories));
        Assert.Contains("mobile.sim_and_notifications", categories);
        Assert.Contains("usage.call_detail_records", categories);
        Assert.Contains("usage.customer_call_recordings", categories);
        Assert.Matches(@"provider \(all but the secret scopes, every org\): *cust_", output);
        Assert.Contains("One example authority order", output, StringComparison.Ordinal);
        Assert.Contains("  demo ", output, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task ServeDev_DatabaseWithOrganizations_SeedsNothing(Engine engine)
    {
        var db = await TestDatabase.CreateAsync(engine);
        await using (var services = Services(db))
        {
            await SeedAsync(services, Small);
        }

        await using var server = await CustodianServer.StartAsync(db, dev: true); // the server disposes the database

        Assert.Contains("already holds organisations; nothing seeded", server.StartupOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("cust_", server.StartupOutput, StringComparison.Ordinal);
    }

    private async Task<string> SeedAndDumpAsync(Engine engine, DemoSeedOptions options)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db);
        var result = await SeedAsync(services, options);
        Assert.Equal(DemoSeedOutcome.Seeded, result.Outcome);
        return await DumpAsync(db);
    }

    private static async Task<string> DumpAsync(TestDatabase db)
    {
        await using var context = db.CreateContext(TenantScope.Everything);
        return await DemoDump.CanonicalAsync(context, Ct);
    }

    private static async Task<DemoSeedResult> SeedAsync(IServiceProvider services, DemoSeedOptions options)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(options, DemoSeeder.CliActor, Ct);
    }

    /// <summary>What <c>demo seed</c> runs with, on a fixed fake clock (the same "now" for both runs of a comparison).</summary>
    private ServiceProvider Services(TestDatabase db)
    {
        var (register, _) = ActiveRegister.Load(SettingsResolver.ShippedRegisterPath);
        return DemoCommands.Services(register!, db.Target, MasterKey.FromBytes(new byte[32]), DataFolder.Path, new FakeTimeProvider(Now));
    }

    private static Task<int> CountAsync(CustodianDbContext context, Type type) =>
        (Task<int>)typeof(DemoSeedTests).GetMethod(nameof(CountOfAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
            .MakeGenericMethod(type).Invoke(null, [context])!;

    private static Task<int> CountOfAsync<T>(CustodianDbContext context)
        where T : class => context.Set<T>().CountAsync(Ct);

    [GeneratedRegex(@"curl -s -H 'Authorization: Bearer (?<key>cust_[a-z0-9_]+)' 'http://[^/]+/api/v1(?<path>/subjects\?identifier=[0-9]+&reason=demo)'")]
    private static partial Regex CurlLine();
}

internal sealed class TempFolder : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-demo-test.");

    public string Path => _dir.FullName;

    public void Dispose() => _dir.Delete(recursive: true);
}
