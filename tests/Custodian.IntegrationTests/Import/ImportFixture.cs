using System.Data.Common;
using System.Globalization;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Import;

/// <summary>A fresh migrated database with the audit trail and the importer, a fixed clock, and a temp folder for files.</summary>
internal sealed class ImportFixture : IAsyncDisposable
{
    public static readonly AuditActor Operator = new(AuditActorKind.Cli, "cli:import");

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("custodian-import.");

    private ImportFixture(TestDatabase database, ServiceProvider services, ImportOptions options, FakeTimeProvider time)
    {
        Database = database;
        Services = services;
        Options = options;
        Time = time;
    }

    /// <summary>The services' clock (starts at 2026-11-28 12:00 UTC).</summary>
    public FakeTimeProvider Time { get; }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public ImportOptions Options { get; }

    public string Folder => _folder.FullName;

    public EventImporter Importer => Services.GetRequiredService<EventImporter>();

    public static string Sample(string name) => Path.Combine(AppContext.BaseDirectory, "Import", "samples", name);

    /// <param name="engine">The database engine.</param>
    /// <param name="chunkRows">Rows per import transaction.</param>
    /// <param name="more">Further services (the retention sweep, the register).</param>
    public static async Task<ImportFixture> CreateAsync(Engine engine, int chunkRows = 50_000, Action<IServiceCollection>? more = null)
    {
        var database = await TestDatabase.CreateAsync(engine);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var options = new ImportOptions { ChunkRows = chunkRows };
        var services = TestDatabase.ServicesFor(database.Target, s => s
            .AddSingleton<TimeProvider>(time)
            .AddSingleton(MasterKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]))
            .AddSingleton(options)
            .AddSingleton(ShippedRegister.Register)
            .AddCustodianAudit()
            .AddCustodianEvents()
            .Apply(more));
        return new ImportFixture(database, services, options, time);
    }

    public CustodianDbContext CreateContext(TenantScope? scope = null)
    {
        var db = Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>().CreateDbContext();
        db.ScopeTo(scope ?? TenantScope.Everything);
        return db;
    }

    public async Task<Guid> AddOrganizationAsync(string code)
    {
        await using var db = CreateContext();
        var organization = new Organization { Code = code, Name = $"{code} B.V.", BillingCompanyName = $"{code} B.V." };
        db.Organizations.Add(organization);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return organization.Id;
    }

    /// <summary>Copies a sample into the fixture's folder (so the reject file lands there too).</summary>
    public string Copy(string sample)
    {
        var path = Path.Combine(Folder, sample);
        File.Copy(Sample(sample), path, overwrite: true);
        return path;
    }

    /// <summary>
    /// A sample for tests that run the CLI on the real clock: every date moved by the days between 2026-11-28 (when the
    /// samples were written) and today, so the rows keep their age and none passes its retention (and gets refused as
    /// expired) as time goes by. The rows at daylight-saving edges (02:xx on 29 March / 25 October) are left out: moved,
    /// they would mean something else; their handling is tested on a fixed clock.
    /// </summary>
    public string CopyForTodaysClock(string sample)
    {
        var today = LocalDate.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        var days = Period.Between(new LocalDate(2026, 11, 28), today, PeriodUnits.Days).Days;
        var lines = File.ReadAllLines(Sample(sample))
            .Where(l => !System.Text.RegularExpressions.Regex.IsMatch(l, "-(03-29|10-25)[ T]02:"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"\b(\d{4})-(\d{2})-(\d{2})\b", m => new LocalDate(
                    int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))
                .PlusDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)));
        var path = Path.Combine(Folder, sample);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    public string Write(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    public Task<ImportResult> ImportAsync(
        EventFamily family, string path, string? format = null, string? tenant = null, ImportProgress? progress = null, CancellationToken? ct = null, string? timeZone = null) =>
        Importer.ImportAsync(new ImportRequest(family, path, Operator, format, tenant, timeZone), progress, ct ?? TestContext.Current.CancellationToken);

    /// <summary>
    /// Stores records as history that is already older than its retention (what a sweep test needs to delete): the
    /// product's importer refuses such rows (<c>import.retention_expired</c>), so this one reads usage and traffic
    /// retention as a hundred years. Everything else (parsing, partitions, batches, audit) is the product's path.
    /// </summary>
    public Task<ImportResult> ImportHistoryAsync(EventFamily family, string path)
    {
        var register = Services.GetRequiredService<ProcessingRegister>();
        var keepLonger = register with
        {
            Categories = [.. register.Categories.Select(c => c.Id is UsageRecord.Category or TrafficRecord.Category
                ? c with { Retention = new FixedRetention(Period.FromYears(100), RetentionAnchor.RecordTime) }
                : c)],
        };
        var importer = new EventImporter(
            Services.GetRequiredService<IDbContextFactory<CustodianDbContext>>(), Services.GetRequiredService<IAuditTrail>(), Time, Options, keepLonger);
        return importer.ImportAsync(new ImportRequest(family, path, Operator), null, TestContext.Current.CancellationToken);
    }

    public Task<ImportAbandonResult> AbandonAsync(Guid batchId) =>
        Services.GetRequiredService<ImportBatchAbandon>().AbandonAsync(batchId, Operator, TestContext.Current.CancellationToken);

    public async Task<long> ScalarAsync(string sql)
    {
        await using var db = CreateContext();
        await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), CultureInfo.InvariantCulture);
    }

    public async Task<List<string[]>> RowsAsync(string sql)
    {
        await using var db = CreateContext();
        await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.CommandText = sql;
        await using DbDataReader reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<string[]>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows.Add([.. Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "")]);
        }

        return rows;
    }

    /// <summary>The usage records holding a number, as the subject look-up's event part finds them.</summary>
    public async Task<List<UsageRecord>> UsageOfAsync(string e164, TenantScope? scope = null)
    {
        await using var db = CreateContext(scope);
        var found = await EventLookup.FindAsync(db, Core.Features.Subjects.SubjectIdentifierKind.Phone, e164, TestContext.Current.CancellationToken);
        return [.. found.OfType<UsageRecord>()];
    }

    /// <summary>See <see cref="MonthTotalsAssert.ExactAsync"/>.</summary>
    public async Task AssertMonthTotalsExactAsync()
    {
        await using var db = CreateContext();
        await MonthTotalsAssert.ExactAsync(db);
    }

    /// <summary>A start time in SQL for the engine: timestamptz literal or SQLite microseconds.</summary>
    public string TimeLiteral(Instant instant) => Database.Engine == Engine.Postgres
        ? $"'{instant.ToString("uuuu-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}'"
        : EventTable.ToSqliteTime(instant).ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
        _folder.Delete(recursive: true);
    }
}

internal static class ServiceCollectionTestExtensions
{
    public static IServiceCollection Apply(this IServiceCollection services, Action<IServiceCollection>? more)
    {
        more?.Invoke(services);
        return services;
    }
}
