using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Features.Accounts;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Custodian.IntegrationTests.Accounts;

public sealed class StaffAccountsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceProvider Services(TestDatabase db, MasterKey key, StaffPasswordHasher hasher)
    {
        var services = new ServiceCollection();
        services.AddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddCustodianDatabase(db.Target);
        services.AddSingleton(key);
        services.AddCustodianAudit();
        services.AddSingleton(hasher);
        services.AddCustodianAccounts();
        return services.BuildServiceProvider();
    }

    [Theory, AllEngines]
    public async Task Login_HashOfAnOlderCost_IsRehashedWithTodaysCost(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var key = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32));
        await using (var old = Services(db, key, new StaffPasswordHasher(new Argon2Cost(1024, 1, 1))))
        await using (var scope = old.CreateAsyncScope())
        {
            var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().AddAsync(
                "rehash-me", StaffRoles.Auditor, null, null, "a long enough password", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);
            Assert.True(created.IsSuccess);
        }

        await using var today = Services(db, key, new StaffPasswordHasher());
        await using (var scope = today.CreateAsyncScope())
        {
            var result = await scope.ServiceProvider.GetRequiredService<StaffLogin>().PasswordAsync("rehash-me", "a long enough password", Ct);
            Assert.Equal(LoginStatus.EnrolmentRequired, result.Status);
        }

        await using var check = db.CreateContext();
        var hash = (await check.StaffUsers.SingleAsync(Ct)).PasswordHash;
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash, StringComparison.Ordinal);
    }

    [Theory, AllEngines]
    public async Task FirstLogin_EnrolsTotp_ThenMustChangeTheGivenPassword_ThenTheCodeStepApplies(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db, MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32)), new StaffPasswordHasher(new Argon2Cost(1024, 1, 1)));
        await using var scope = services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<StaffAccounts>();
        var login = scope.ServiceProvider.GetRequiredService<StaffLogin>();
        await accounts.AddAsync("new-starter", StaffRoles.SupportAgent, null, "New Starter", "a long enough password", new AuditActor(AuditActorKind.Cli, "cli:test"), Ct);

        var pending = await login.PasswordAsync("new-starter", "a long enough password", Ct);
        var offer = await login.EnrolmentOfferAsync(pending.Token, Ct);
        Assert.NotNull(offer);
        Assert.StartsWith("otpauth://totp/Custodian:new-starter?secret=" + offer.SecretText, offer.ProvisioningUri, StringComparison.Ordinal);
        var secret = OtpNet.Base32Encoding.ToBytes(offer.SecretText);

        Assert.Equal(LoginStatus.Failed, (await login.EnrolAsync(pending.Token, "000000" == StaffTotp.Code(secret, TimeProvider.System.GetUtcNow()) ? "111111" : "000000", Ct)).Status);
        var enrolled = await login.EnrolAsync(pending.Token, StaffTotp.Code(secret, TimeProvider.System.GetUtcNow()), Ct);

        // The password of user add was chosen by the operator: the session may only change it.
        Assert.Equal(LoginStatus.PasswordChangeRequired, enrolled.Status);
        Assert.NotEqual(pending.Token, enrolled.Token);
        Assert.Null(await login.AuthenticateAsync(enrolled.Token, Ct));
        Assert.True(await login.IsPasswordChangeDueAsync(enrolled.Token, Ct));
        var changed = await login.ChangePasswordAsync(enrolled.Token, "the starter's own password", "the starter's own password", Ct);
        Assert.True(changed.Changed);
        Assert.Equal("new-starter", (await login.AuthenticateAsync(changed.Token, Ct))?.LoginName);
        Assert.Null(await login.AuthenticateAsync(enrolled.Token, Ct));
        Assert.Null(await login.AuthenticateAsync(pending.Token, Ct));
        Assert.Equal(LoginStatus.Failed, (await login.PasswordAsync("new-starter", "a long enough password", Ct)).Status);
        Assert.Equal(LoginStatus.CodeRequired, (await login.PasswordAsync("new-starter", "the starter's own password", Ct)).Status);
        await using var check = db.CreateContext();
        var actions = await check.Set<AuditEvent>().OrderBy(e => e.Seq).Select(e => e.Action).ToListAsync(Ct);
        Assert.Equal(["staff_user.created", "staff.login_failed", "staff.totp_enrolled", "staff.login_succeeded", "staff.password_changed", "staff.login_failed"], actions);
    }

    [Theory, AllEngines]
    public async Task ConcurrentWrongPasswords_AreAllCounted(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using var services = Services(db, MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32)), new StaffPasswordHasher(new Argon2Cost(1024, 1, 1)));
        const int attempts = 4; // below the threshold: no request is refused unseen because an earlier one locked the name

        var results = await Task.WhenAll(Enumerable.Range(0, attempts).Select(async i =>
        {
            await using var scope = services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<StaffLogin>().PasswordAsync("someone", "wrong-" + i, Ct);
        }));

        await using var check = db.CreateContext();
        Assert.Equal(attempts, (await check.LoginThrottles.SingleAsync(Ct)).Failures);
        Assert.All(results, r => Assert.Equal(LoginStatus.Failed, r.Status));
    }

    [Fact]
    public async Task ServeDev_CreatesOneDemoAccountPerRole_PrintsLoginsAndSecrets_AndAgainChangesNothing()
    {
        var db = await TestDatabase.CreateEmptyAsync(Engine.Sqlite);
        await using var server = await CustodianServer.StartAsync(db, dev: true); // disposes the database too

        foreach (var (login, role, _) in DevStaffSeeding.Accounts)
        {
            Assert.Matches($"{login} +{role} +TOTP secret [A-Z2-7]{{32}}", server.StartupOutput);
        }

        Assert.Contains(DevStaffSeeding.DemoPassword, server.StartupOutput, StringComparison.Ordinal);
        using var again = new StringWriter();
        await DevStaffSeeding.SeedAsync(db.Target, server.Services.GetRequiredService<MasterKey>(), null, "http://127.0.0.1:1", again, Ct);
        var secret = Regex.Match(server.StartupOutput, "demo-client +client-privacy-contact +TOTP secret ([A-Z2-7]{32})").Groups[1].Value;
        Assert.Contains(secret, again.ToString(), StringComparison.Ordinal);
        await using (var check = db.CreateContext())
        {
            Assert.Equal(DevStaffSeeding.Accounts.Count, await check.StaffUsers.CountAsync(Ct));
        }

        var user = new OfficeUser("demo-client", DevStaffSeeding.DemoPassword, StaffRoles.ClientPrivacyContact, OtpNet.Base32Encoding.ToBytes(secret));
        await OfficeAccounts.LogInAsync(server.Client, server, user);
        using var start = await server.Client.GetAsync(new Uri("/office", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
    }
}
