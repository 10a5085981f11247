using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Retention;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Xunit;
using static Custodian.IntegrationTests.People.PeopleFixture;

namespace Custodian.IntegrationTests.People;

/// <summary>The organisation pages' queries and setting commands (<c>OrganizationQueries</c>, <c>OrganizationCommands</c>).</summary>
public sealed class OrganizationPageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static T Make<T>(RetentionPlanFixture f, CustodianDbContext db) =>
        ActivatorUtilities.CreateInstance<T>(f.Services, db, ActivatorUtilities.CreateInstance<StoreTransactions>(f.Services, db));

    private static async Task<TResult> WithAsync<T, TResult>(RetentionPlanFixture f, TenantScope scope, Func<T, Task<TResult>> run)
    {
        await using var db = f.CreateContext();
        db.ScopeTo(scope);
        return await run(Make<T>(f, db));
    }

    [Theory, AllEngines]
    public async Task List_ByNameWithPages_AndATenantSeesOnlyItself(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);

        var first = await WithAsync<OrganizationQueries, OrganizationListPage>(f, TenantScope.Everything, q => q.ListAsync(Agent(TenantScope.Everything), new(Limit: 3), Ct));
        var second = await WithAsync<OrganizationQueries, OrganizationListPage>(f, TenantScope.Everything, q => q.ListAsync(Agent(TenantScope.Everything), new(After: first.Next, Limit: 3), Ct));
        var filtered = await WithAsync<OrganizationQueries, OrganizationListPage>(f, TenantScope.Everything, q => q.ListAsync(Agent(TenantScope.Everything), new(Name: "ETA"), Ct));
        var tenant = await WithAsync<OrganizationQueries, OrganizationListPage>(f, TenantScope.For(f.Organizations["beta"]), q => q.ListAsync(Agent(TenantScope.Everything), new(), Ct));

        Assert.Equal(["alpha", "beta", "delta"], first.Items.Select(o => o.Code));
        Assert.Equal(["gamma"], second.Items.Select(o => o.Code));
        Assert.Null(second.Next);
        Assert.Equal(["beta"], filtered.Items.Select(o => o.Code));
        Assert.Equal(["beta"], tenant.Items.Select(o => o.Code));
    }

    [Theory, AllEngines]
    public async Task Get_Detail_ServicesContactsSettingsAgreement_AnotherTenantsIsNotFound(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var alpha = f.Organizations["alpha"];
        var gamma = f.Organizations["gamma"];

        var detail = await WithAsync<OrganizationQueries, StoreResult<OrganizationDetail>>(f, TenantScope.For(alpha), q => q.GetAsync(Agent(TenantScope.For(alpha)), alpha, Ct));
        var recording = await WithAsync<OrganizationQueries, StoreResult<OrganizationDetail>>(f, TenantScope.Everything, q => q.GetAsync(Agent(TenantScope.Everything), gamma, Ct));
        var foreign = await WithAsync<OrganizationQueries, StoreResult<OrganizationDetail>>(f, TenantScope.For(alpha), q => q.GetAsync(Agent(TenantScope.For(alpha)), gamma, Ct));
        var missing = await WithAsync<OrganizationQueries, StoreResult<OrganizationDetail>>(f, TenantScope.For(alpha), q => q.GetAsync(Agent(TenantScope.For(alpha)), Guid.NewGuid(), Ct));

        var a = detail.Value!;
        Assert.Equal(["VOIP-1", "NET-1"], a.Services.OrderBy(s => s.EndDate is null).Select(s => s.Reference));
        Assert.Equal(new LocalDate(2025, 6, 30), a.Services.Single(s => s.Reference == "VOIP-1").EndDate);
        Assert.Equal(["Ann", "Bob"], a.Contacts.Select(c => c.Name));
        Assert.False(a.Recording.Enabled);
        Assert.Equal(Period.Zero, a.Recording.Effective.Normalize());
        Assert.Equal(Period.FromYears(10), a.Recording.Max);
        Assert.False(a.Agreement.IsRecorded);
        Assert.Equal(Period.FromMonths(1), recording.Value!.Recording.Retention);
        Assert.Equal(Period.FromMonths(1), recording.Value.Recording.Effective);
        Assert.Equal(foreign.Error, missing.Error);
        Assert.IsType<NotFoundError>(foreign.Error);
    }

    [Theory, AllEngines]
    public async Task SetRecording_WithinAndOutsideTheRegistersBounds_ValidatedAndAudited(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var alpha = f.Organizations["alpha"];
        var scope = TenantScope.For(alpha);

        Task<StoreResult<Organization>> SetAsync(bool? enabled, string? retention) =>
            WithAsync<OrganizationCommands, StoreResult<Organization>>(f, scope, c => c.SetRecordingAsync(Agent(scope), alpha, new RecordingSettingInput(enabled, retention), Ct));

        var tooLong = await SetAsync(true, "P10Y1D");
        var missing = await SetAsync(true, null);
        var garbage = await SetAsync(true, "ten years");
        var atMax = await SetAsync(true, "P10Y");
        var inDays = await SetAsync(true, "P3653D"); // ten years in days from a leap year's January: equal to the bound
        var ok = await SetAsync(true, "P6M");
        var foreign = await WithAsync<OrganizationCommands, StoreResult<Organization>>(f, scope, c => c.SetRecordingAsync(Agent(scope), f.Organizations["beta"], new RecordingSettingInput(false, null), Ct));

        Assert.Equal("organization.retention_out_of_bounds", Assert.Single(Assert.IsType<ValidationError>(tooLong.Error).Errors).Code);
        Assert.Equal("organization.recording_retention_required", Assert.Single(Assert.IsType<ValidationError>(missing.Error).Errors).Code);
        Assert.Equal("customerCallRecordingRetention", Assert.Single(Assert.IsType<ValidationError>(garbage.Error).Errors).Field);
        Assert.True(atMax.IsSuccess);
        Assert.True(inDays.IsSuccess);
        Assert.True(ok.IsSuccess);
        Assert.IsType<NotFoundError>(foreign.Error);

        await using var db = f.CreateContext();
        db.ScopeTo(TenantScope.Everything);
        Assert.Equal(Period.FromMonths(6), (await db.Organizations.SingleAsync(o => o.Id == alpha, Ct)).CustomerCallRecordingRetention);
        var changes = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == "organization.recording_changed").OrderBy(e => e.Seq).ToListAsync(Ct);
        Assert.Equal(3, changes.Count);
        Assert.Contains("\"customer_call_recording_retention\":\"P6M\"", changes[^1].Details, StringComparison.Ordinal);
        Assert.Equal(alpha, changes[^1].OrganizationId);
    }

    [Theory, AllEngines]
    public async Task SetProcessingAgreement_AllTermsRequired_NotInTheFuture_Audited(Engine engine)
    {
        await using var f = await RetentionPlanFixture.CreateAsync(engine);
        var beta = f.Organizations["beta"];

        Task<StoreResult<Organization>> SetAsync(string? reference, string? signed, bool? controller) =>
            WithAsync<OrganizationCommands, StoreResult<Organization>>(f, TenantScope.Everything, c => c.SetProcessingAgreementAsync(Agent(TenantScope.Everything), beta, new ProcessingAgreementInput(reference, signed, controller), Ct));

        var incomplete = await SetAsync(null, "2024-01-01", null);
        var future = await SetAsync("DPA-7", "2025-03-01", true); // the fixture's clock is 2025-02-28
        var ok = await SetAsync("DPA-7", "2025-02-28", true);

        Assert.Equal(["reference", "organizationIsController"], Assert.IsType<ValidationError>(incomplete.Error).Errors.Select(e => e.Field));
        Assert.Equal("organization.agreement_date_in_future", Assert.Single(Assert.IsType<ValidationError>(future.Error).Errors).Code);
        Assert.True(ok.IsSuccess);
        var detail = await WithAsync<OrganizationQueries, StoreResult<OrganizationDetail>>(f, TenantScope.Everything, q => q.GetAsync(Agent(TenantScope.Everything), beta, Ct));
        Assert.Equal(new ProcessingAgreementView("DPA-7", new LocalDate(2025, 2, 28), true), detail.Value!.Agreement);
        Assert.True(detail.Value.Agreement.IsRecorded);
        await using var db = f.CreateContext();
        var changed = Assert.Single(await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action == "organization.agreement_changed").ToListAsync(Ct));
        Assert.Contains("\"organization_is_controller\":\"true\"", changed.Details, StringComparison.Ordinal);
    }
}
