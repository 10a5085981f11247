using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Tenancy;
using Custodian.IntegrationTests.Host;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Xunit;

namespace Custodian.IntegrationTests.Accounts;

/// <summary><c>custodian user add|list|disable|reset-password|reset-totp|unlock|totp-code</c> as an operator runs them.</summary>
public sealed class UserCliTests : IDisposable
{
    private readonly DirectoryInfo _data = Directory.CreateTempSubdirectory("custodian-user-cli.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _data.Delete(recursive: true);

    private Task<(int Exit, string Out, string Err)> RunAsync(TestDatabase db, params string[] args) => CliTests.RunAsync(db, _data.FullName, args);

    [Theory, AllEngines]
    public async Task AddListDisableResetUnlock_WorkAndAreAuditedWithoutSecrets(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        await using (var context = db.CreateContext())
        {
            context.ScopeTo(TenantScope.Everything);
            context.Organizations.Add(new Organization { Code = "client-a", Name = "Client A", BillingCompanyName = "Client A BV" });
            await context.SaveChangesAsync(Ct);
        }

        var (exit, output, error) = await RunAsync(db, "user", "add", "First.Admin", "--role", StaffRoles.Administrator, "--name", "First Admin");
        Assert.True(exit == 0, error);
        var password = output.Split('\n', StringSplitOptions.TrimEntries)
            .Single(l => l.Length == 20 && !l.Contains(' ', StringComparison.Ordinal));
        (exit, _, error) = await RunAsync(db, "user", "add", "contact-a", "--role", StaffRoles.ClientPrivacyContact, "--organization", "client-a");
        Assert.True(exit == 0, error);

        (exit, _, error) = await RunAsync(db, "user", "add", "first.admin", "--role", StaffRoles.Auditor);
        Assert.Equal(1, exit);
        Assert.Contains("staff_user.login_taken", error, StringComparison.Ordinal);
        (exit, _, error) = await RunAsync(db, "user", "add", "contact-b", "--role", StaffRoles.ClientPrivacyContact);
        Assert.Equal(1, exit);
        Assert.Contains("staff_user.organization_mismatch", error, StringComparison.Ordinal);
        (exit, _, error) = await RunAsync(db, "user", "add", "x-user", "--role", "root");
        Assert.Contains("staff_user.unknown_role", error, StringComparison.Ordinal);

        (exit, output, _) = await RunAsync(db, "user", "list");
        Assert.Equal(0, exit);
        Assert.Contains("first.admin", output, StringComparison.Ordinal);
        Assert.Contains("client-a", output, StringComparison.Ordinal);

        foreach (var verb in new[] { "reset-totp", "unlock", "disable" })
        {
            (exit, _, error) = await RunAsync(db, "user", verb, "first.admin");
            Assert.True(exit == 0, error);
        }

        (exit, _, error) = await RunAsync(db, "user", "disable", "nobody");
        Assert.Equal(1, exit);
        Assert.Contains("staff_user.not_found", error, StringComparison.Ordinal);

        await using var check = db.CreateContext();
        var admin = await check.StaffUsers.SingleAsync(u => u.LoginName == "first.admin", Ct);
        Assert.NotNull(admin.DisabledAt);
        Assert.StartsWith("$argon2id$", admin.PasswordHash, StringComparison.Ordinal);
        Assert.True(new StaffPasswordHasher().Verify(password, admin.PasswordHash, out _));
        var events = await check.Set<AuditEvent>().Where(e => e.ActorKind == "cli").OrderBy(e => e.Seq).ToListAsync(Ct);
        Assert.Equal(
            ["staff_user.created", "staff_user.created", "staff_user.totp_reset", "staff_user.unlocked", "staff_user.disabled"],
            events.Select(e => e.Action));
        Assert.All(events, e => Assert.DoesNotContain(password, e.Objects + e.Details + e.ActorId, StringComparison.Ordinal));
        Assert.Equal("cli:user add", events[0].ActorId);
    }

    [Theory, AllEngines]
    public async Task ResetPassword_PrintsANewOneTimePassword_FlagsTheAccount_EndsSessions_AndIsAuditedWithoutIt(Engine engine)
    {
        await using var db = await TestDatabase.CreateAsync(engine);
        var (exit, _, error) = await RunAsync(db, "user", "add", "forgetful", "--role", StaffRoles.Auditor);
        Assert.True(exit == 0, error);
        await using (var context = db.CreateContext())
        {
            // The account chose its own password and has a session; the reset must undo both.
            var id = await context.StaffUsers.Where(u => u.LoginName == "forgetful").Select(u => u.Id).SingleAsync(Ct);
            await context.StaffUsers.Where(u => u.Id == id).ExecuteUpdateAsync(u => u.SetProperty(x => x.PasswordMustChange, false).SetProperty(x => x.PasswordExpiresAt, (NodaTime.Instant?)null), Ct);
            context.StaffSessions.Add(new StaffSession { TokenHash = new byte[32], UserId = id, Stage = StaffSessionStage.Active, CreatedAt = default, LastSeenAt = default });
            await context.SaveChangesAsync(Ct);
        }

        (exit, var output, error) = await RunAsync(db, "user", "reset-password", "forgetful");

        Assert.True(exit == 0, error);
        var password = output.Split('\n', StringSplitOptions.TrimEntries)[2];
        Assert.Equal(20, password.Length);
        Assert.Contains("72 hours", output, StringComparison.Ordinal);
        await using var check = db.CreateContext();
        var user = await check.StaffUsers.SingleAsync(u => u.LoginName == "forgetful", Ct);
        Assert.True(user.PasswordMustChange);
        Assert.NotNull(user.PasswordExpiresAt);
        Assert.True(new StaffPasswordHasher().Verify(password, user.PasswordHash, out _));
        Assert.False(await check.StaffSessions.AnyAsync(s => s.UserId == user.Id, Ct));
        var reset = await check.Set<AuditEvent>().SingleAsync(e => e.Action == "staff_user.password_reset", Ct);
        Assert.Equal("cli:user reset-password", reset.ActorId);
        Assert.DoesNotContain(password, reset.Objects + reset.Details, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync(db, "user", "reset-password", "nobody");
        Assert.Equal(1, exit);
        Assert.Contains("staff_user.not_found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TotpCode_OnADatabaseGivenByFlag_IsRefused()
    {
        await using var db = await TestDatabase.CreateAsync(Engine.Sqlite);

        var (exit, output, error) = await RunAsync(db, "user", "totp-code", "demo-admin");

        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("staff_user.not_demo", error, StringComparison.Ordinal);
    }
}
