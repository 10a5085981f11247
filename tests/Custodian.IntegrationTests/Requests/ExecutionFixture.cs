using Custodian.Configuration;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Demo;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using Service = Custodian.Core.Features.Store.Service;

namespace Custodian.IntegrationTests.Requests;

/// <summary>
/// One person (jan@person.example, +31201234567) with records at two client organisations and at the provider, and
/// somebody else's records beside them, all created through the store's commands and the importer:
/// <list type="bullet">
/// <item>alpha: contact person Jan and contact person Other; a VoIP service that ended on 2025-01-31 with VoIP contact Jan;
/// a running alarm service with keyholder Jan; a support ticket by Jan; a support call recording from Jan's number;
/// a usage record of Jan's number and one of another number.</item>
/// <item>beta: contact person Jan (same e-mail); a running alarm service with keyholder Jan (same e-mail: a second
/// client part, attack A18); a traffic record of Jan's number.</item>
/// </list>
/// The clock stands at 2025-02-28 12:00 UTC.
/// </summary>
internal sealed class ExecutionFixture : IAsyncDisposable
{
    public const string Email = "jan@person.example";
    public const string Phone = "+31201234567";

    public static readonly StoreCaller Provider = new(new AuditActor(AuditActorKind.Cli, "cli:test"), TenantScope.Everything);

    /// <summary>The fixture's files: the blob store (<c>data</c>) and what tests write; removed on dispose.</summary>
    private readonly DirectoryInfo _folder;

    private ExecutionFixture(DirectoryInfo folder, TestDatabase database, ServiceProvider services)
    {
        _folder = folder;
        Database = database;
        Services = services;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public Dictionary<string, Guid> Ids { get; } = new(StringComparer.Ordinal);

    public static IReadOnlyList<SubjectKey> Person { get; } =
        [new SubjectKey(SubjectIdentifierKind.Email, Email), new SubjectKey(SubjectIdentifierKind.Phone, Phone)];

    public FakeTimeProvider Time => (FakeTimeProvider)Services.GetRequiredService<TimeProvider>();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<ExecutionFixture> CreateAsync(Engine engine, Action<IServiceCollection>? more = null)
    {
        var database = await TestDatabase.CreateAsync(engine);
        var register = RegisterLoader.Load(File.ReadAllText(SettingsResolver.ShippedRegisterPath), SettingsResolver.ShippedRegisterPath).Register!;
        var folder = Directory.CreateTempSubdirectory("custodian-requests.");
        var services = TestDatabase.ServicesFor(database.Target, s => s
            .AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2025, 2, 28, 12, 0, 0, TimeSpan.Zero)))
            .AddSingleton(MasterKey.FromBytes([.. Enumerable.Range(1, 32).Select(i => (byte)i)]))
            .AddSingleton(register)
            .AddCustodianAudit()
            .AddCustodianEvents()
            .AddCustodianBlobs(Path.Combine(folder.FullName, "data"))
            .AddCustodianStore(new StoreOptions { AllowDocumentationAddresses = true })
            .AddCustodianRetention()
            .AddCustodianRetentionSweep()
            .AddCustodianRequestExecution()
            .Apply(more));
        var fixture = new ExecutionFixture(folder, database, services);
        await fixture.SeedAsync();
        return fixture;
    }

    /// <summary>A scope with its context bound to every tenant.</summary>
    public AsyncServiceScope Scope(out CustodianDbContext db)
    {
        var scope = Services.CreateAsyncScope();
        db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        return scope;
    }

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    private async Task SeedAsync()
    {
        await Org("alpha");
        await Org("beta");
        var voip = await Create<Service>(new ServiceInput("alpha", "voip", "VOIP-1", "2020-01-01", null));
        await Write<Service>((s, db) => s.GetRequiredService<StoreCommands>().EndServiceAsync(Provider, voip, new EndServiceInput("2025-01-31"), Ct));
        var alarmAlpha = await Create<Service>(new ServiceInput("alpha", "alarm", "ALARM-A", "2020-01-01", null));
        var alarmBeta = await Create<Service>(new ServiceInput("beta", "alarm", "ALARM-B", "2020-01-01", null));
        Ids["alpha.contact"] = await Create<ContactPerson>(new ContactPersonInput("alpha", "Jan Person", null, Email, "general"));
        Ids["alpha.other"] = await Create<ContactPerson>(new ContactPersonInput("alpha", "Other Person", null, "other@alpha.example", "general"));
        Ids["beta.contact"] = await Create<ContactPerson>(new ContactPersonInput("beta", "Jan Person", null, Email, "general"));
        Ids["alpha.voip_contact"] = await Create<VoipContact>(new VoipContactInput(voip, "Jan Person", Phone));
        Ids["alpha.other_voip_contact"] = await Create<VoipContact>(new VoipContactInput(voip, "Other Person", "+31201234599"));
        Ids["alpha.keyholder"] = await Create<Keyholder>(new KeyholderInput(alarmAlpha, "Jan Person", Phone, Email));
        Ids["beta.keyholder"] = await Create<Keyholder>(new KeyholderInput(alarmBeta, "Jan Person", "+31201234568", Email));
        Ids["alpha.ticket"] = await Create<SupportTicket>(new SupportTicketInput("alpha", "T-1", "Jan Person", null, Email, "help", "2025-01-10T10:00:00Z"));
        Ids["alpha.recording"] = await RecordingAsync("alpha", Phone, "2025-02-01T10:00:00Z");
        Ids["alpha.other_recording"] = await RecordingAsync("alpha", "+31201234599", "2025-02-01T11:00:00Z");
        await ImportAsync(EventFamily.Usage, "usage.csv",
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n" +
            $"alpha,u-1,voip,outbound,{Phone},+31201234599,2025-01-20T10:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            "alpha,u-2,voip,outbound,+31201234598,+31201234599,2025-01-21T10:00:00Z,60,60,answered,,,,,,VOIP-1\n");
        await ImportAsync(EventFamily.Traffic, "traffic.csv",
            "organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol,cell_id,country\n" +
            $"beta,t-1,telephony,inbound,{Phone},+31201234599,2025-01-05T08:00:00Z,75,,sip,,\n");
    }

    private async Task Org(string code)
    {
        await using var scope = Scope(out _);
        var result = await scope.ServiceProvider.GetRequiredService<OrganizationCommands>()
            .CreateAsync(Provider, new OrganizationInput(code, $"{code} B.V.", $"{code} B.V.", null, null, null), null, Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        Ids[code] = result.Value.Id;
    }

    private async Task<Guid> Create<T>(IRecordInput<T> input)
        where T : TenantRecord, new()
    {
        await using var scope = Scope(out _);
        var result = await scope.ServiceProvider.GetRequiredService<StoreCommands>().CreateAsync(Provider, input, null, Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.Id;
    }

    private async Task Write<T>(Func<IServiceProvider, CustodianDbContext, Task<StoreResult<T>>> write)
    {
        await using var scope = Scope(out var db);
        var result = await write(scope.ServiceProvider, db);
        Assert.True(result.IsSuccess, result.Error?.ToString());
    }

    private async Task<Guid> RecordingAsync(string organization, string caller, string at)
    {
        await using var scope = Scope(out _);
        using var body = new MemoryStream(DemoAudio.Tone(440, 50));
        var upload = await UploadContent.OpenAsync(body, DemoAudio.MediaType, ContentRules.Audio, 1 << 20, Ct);
        Assert.True(upload.IsSuccess, upload.Error?.ToString());
        using var content = upload.Value;
        var result = await scope.ServiceProvider.GetRequiredService<StoreContentCommands>()
            .CreateSupportCallRecordingAsync(Provider, new SupportCallRecordingInput(organization, caller, at, "5", null), content, null, Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.Id;
    }

    public async Task ImportAsync(EventFamily family, string name, string csv)
    {
        var path = Path.Combine(_folder.FullName, name);
        await File.WriteAllTextAsync(path, csv, Ct);
        var result = await Get<EventImporter>().ImportAsync(new ImportRequest(family, path, new AuditActor(AuditActorKind.Cli, "cli:test")), null, Ct);
        Assert.True(result.Outcome == ImportOutcome.Imported && result.RowsRejected == 0, $"{name}: {result}");
    }

    /// <summary>Places a hold as the CLI does (provider-wide, with <c>holds:lawful</c>).</summary>
    public async Task<Guid> HoldAsync(string basis, string category, string? reference = null, string? endsAt = null)
    {
        await using var scope = Scope(out _);
        var result = await scope.ServiceProvider.GetRequiredService<LegalHoldCommands>().PlaceAsync(
            new HoldCaller(Provider.Actor, TenantScope.Everything, lawful: true),
            new LegalHoldInput(basis, null, "test case", reference, null, [category], null, null, [new HoldIdentifierInput("phone", Phone)], null, endsAt),
            null,
            Ct);
        Assert.True(result.IsSuccess, result.Error?.ToString());
        return result.Value.Id;
    }

    /// <summary>Creates a record through the store's commands (for tests that need one more).</summary>
    public Task<Guid> CreateRecordAsync<T>(IRecordInput<T> input)
        where T : TenantRecord, new() => Create(input);

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
        _folder.Delete(recursive: true);
    }
}

internal static class ServiceCollectionApply
{
    public static IServiceCollection Apply(this IServiceCollection services, Action<IServiceCollection>? more)
    {
        more?.Invoke(services);
        return services;
    }
}
