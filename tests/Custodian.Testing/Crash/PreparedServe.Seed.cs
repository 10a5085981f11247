using System.Globalization;
using System.Text.RegularExpressions;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Requests.Workflow;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace Custodian.Testing.Crash;

internal sealed partial class PreparedServe
{
    private static readonly StoreCaller Provider = new(Seeder, TenantScope.Everything);

    /// <summary>
    /// The template's data, through the real services: requests are filed and verified ten days ago (an erasure may run
    /// after a seven-day cooling-off), split, their client parts instructed by the organisation and the identity
    /// confirmed by a second officer (four eyes); the clock then moves to now for the staff sessions and the order.
    /// </summary>
    private async Task SeedAsync(Engine engine, CancellationToken ct)
    {
        var now = TimeProvider.System.GetUtcNow();
        var time = new SettableTime(now.AddDays(-10));
        await using var services = Services(_template.Target, _template.Data, time);
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(ct);
        }

        var alpha = await InScope(services, s => s.GetRequiredService<OrganizationCommands>()
            .CreateAsync(Provider, new OrganizationInput("alpha", "alpha B.V.", "alpha B.V.", null, null, null), null, ct));
        await Create(services, new ContactPersonInput("alpha", "Privacy Desk", null, "privacy@alpha.example", "privacy"), ct);
        await Create(services, new ContactPersonInput("alpha", "Jan Person", null, Email, "general"), ct);
        await Create(services, new ContactPersonInput("alpha", "Other Person", null, "other@alpha.example", "general"), ct);
        var voip = await Create(services, new ServiceInput("alpha", "voip", "VOIP-1", "2020-01-01", null), ct);
        await Create(services, new VoipContactInput(voip.Id, "Jan Person", Phone), ct);
        await Create(services, new VoipContactInput(voip.Id, "Other Person", OtherPhone), ct);
        var day = now.AddDays(-15).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var csv = Path.Combine(_template.Folder, "usage.csv");
        await File.WriteAllTextAsync(csv,
            "organization,record_id,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,volume,cost,currency,service\n" +
            $"alpha,u-1,voip,outbound,{Phone},{OtherPhone},{day}T10:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            $"alpha,u-2,voip,outbound,{Phone},+31201234598,{day}T11:00:00Z,60,60,answered,,,,,,VOIP-1\n" +
            $"alpha,u-3,voip,outbound,{OtherPhone},+31201234598,{day}T12:00:00Z,60,60,answered,,,,,,VOIP-1\n",
            ct);
        var imported = await services.GetRequiredService<EventImporter>().ImportAsync(new ImportRequest(EventFamily.Usage, csv, Seeder), null, ct);
        Check(imported.Outcome == ImportOutcome.Imported && imported.RowsRejected == 0, $"usage import: {imported}");

        ErasureRequest = await VerifiedRequestAsync(services, "erasure", ct);
        AccessRequest = await VerifiedRequestAsync(services, "access", ct);
        var verifier = Staff(StaffRoles.PrivacyOfficer, null);
        var contact = Staff(StaffRoles.ClientPrivacyContact, alpha.Id);
        foreach (var request in new[] { ErasureRequest, AccessRequest })
        {
            var parts = await As(services, verifier, w => w.SplitAsync(verifier, request, ct));
            foreach (var part in parts.Where(p => p.IsClient))
            {
                await As(services, contact, w => w.DecidePartAsync(contact, part.Id, RequestPartStates.Execute, null, ct));
            }

            await As(services, verifier, w => w.ConfirmIdentityAsync(verifier, request, IdentityMethods.ClientConfirmation, "confirmed by alpha", ct));
            if (request == ErasureRequest)
            {
                ErasureParts = [.. parts.OrderBy(p => p.Category, StringComparer.Ordinal).ThenBy(p => p.OrganizationId).Select(p => p.Id)];
            }
        }

        time.Now = now;
        HandlerSession = await SessionAsync(services, time, "crash-handler", StaffRoles.PrivacyOfficer, ct);
        OfficerSession = await SessionAsync(services, time, "crash-officer", StaffRoles.LawfulDisclosureOfficer, ct);
        var from = now.AddDays(-30).ToString("yyyy-MM-ddT00:00:00Z", CultureInfo.InvariantCulture);
        var until = now.AddDays(-1).ToString("yyyy-MM-ddT00:00:00Z", CultureInfo.InvariantCulture);
        var received = now.AddHours(-2).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var order = await InScope(services, s => s.GetRequiredService<AuthorityOrders>().RegisterAsync(
            new DisclosureCaller(Seeder, TenantScope.Everything, manage: true),
            new AuthorityOrderInput("OM-CRASH-1", "traffic_data_126n", "public_prosecutor", null, received, from, until, [UsageRecord.Category], [new OrderTargetInput("phone", OtherPhone)], null, null),
            ct));
        Order = order.Id;

        await using var db = Context(services);
        if (engine == Engine.Sqlite)
        {
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE)", ct);
        }
    }

    private static StaffIdentity Staff(string role, Guid? organization) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), role, role, role, organization, StaffRoles.PermissionsOf(role));

    private static async Task<T> As<T>(ServiceProvider services, StaffIdentity staff, Func<RequestWorkflow, Task<StoreResult<T>>> act)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(staff.TenantScope);
        var result = await act(scope.ServiceProvider.GetRequiredService<RequestWorkflow>());
        Check(result.IsSuccess, $"seeding: {result.Error}");
        return result.Value!;
    }

    private static async Task<T> InScope<T>(ServiceProvider services, Func<IServiceProvider, Task<StoreResult<T>>> act)
    {
        await using var scope = services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CustodianDbContext>().ScopeTo(TenantScope.Everything);
        var result = await act(scope.ServiceProvider);
        Check(result.IsSuccess, $"seeding: {result.Error}");
        return result.Value!;
    }

    private static Task<T> Create<T>(ServiceProvider services, IRecordInput<T> input, CancellationToken ct)
        where T : TenantRecord, new() =>
        InScope(services, s => s.GetRequiredService<StoreCommands>().CreateAsync(Provider, input, null, ct));

    /// <summary>Files a request through the real intake and verifies it with the code from the outbox.</summary>
    private async Task<Guid> VerifiedRequestAsync(ServiceProvider services, string type, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var intake = scope.ServiceProvider.GetRequiredService<RequestIntake>();
        var receipt = await intake.SubmitAsync(new SubmitRequestInput(type, Email, null, "en", null), RequestChannel.Api, "192.0.2.10", ct);
        Check(receipt.IsSuccess, $"seeding: {receipt.Error}");
        var reference = receipt.Value!.Reference;
        var body = Directory.GetFiles(Path.Combine(_template.Data, "outbox"), "*.eml")
            .Select(f => MimeMessage.Load(f))
            .Last(m => (m.Subject ?? string.Empty).Contains(reference, StringComparison.Ordinal)).TextBody ?? string.Empty;
        var code = SixDigits().Match(body[body.IndexOf("code:", StringComparison.OrdinalIgnoreCase)..]).Value;
        var verified = await intake.VerifyAsync(reference, code, ct);
        Check(verified.IsSuccess, $"seeding: {verified.Error}");
        return await scope.ServiceProvider.GetRequiredService<CustodianDbContext>().Set<DataSubjectRequest>()
            .Where(r => r.Reference == reference).Select(r => r.Id).SingleAsync(ct);
    }

    /// <summary>A staff account and a logged-in office session for it (password, then code), stored in the template.</summary>
    private static async Task<string> SessionAsync(ServiceProvider services, TimeProvider time, string login, string role, CancellationToken ct)
    {
        var secret = StaffTotp.NewSecret();
        await using var scope = services.CreateAsyncScope();
        Check(await scope.ServiceProvider.GetRequiredService<StaffAccounts>().EnsureDemoAsync(login, "Crash " + role, role, null, OfficeAccounts.Password, secret, Seeder, ct), "the account exists");
        var staffLogin = scope.ServiceProvider.GetRequiredService<StaffLogin>();
        var pending = await staffLogin.PasswordAsync(login, OfficeAccounts.Password, ct);
        Check(pending.Status == LoginStatus.CodeRequired, $"password step: {pending.Status}");
        var session = await staffLogin.CodeAsync(pending.Token, StaffTotp.Code(secret, time.GetUtcNow()), ct);
        Check(session.Status == LoginStatus.LoggedIn, $"code step: {session.Status}");
        return session.Token!;
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }

    /// <summary>A clock the seeding sets (the requests are filed in the past); read by every service of the set-up.</summary>
    internal sealed class SettableTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [GeneratedRegex(@"\d{6}")]
    private static partial Regex SixDigits();
}
