using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Accounts;

/// <summary>An account as just created; <see cref="InitialPassword"/> is shown once (null when the caller gave one).</summary>
internal sealed record CreatedStaffUser(StaffUser User, string? InitialPassword);

/// <summary>One line of <c>custodian user list</c> (and later the users page).</summary>
internal sealed record StaffUserSummary(
    Guid Id, string LoginName, string DisplayName, string Role, string? OrganizationCode, bool TotpEnrolled, bool Locked,
    Instant CreatedAt, Instant? LastLoginAt, Instant? DisabledAt);

/// <summary>
/// Managing staff accounts (operator commands now, the users page later): create, list, disable, reset the second
/// factor, unlock. Every change is audited in its own transaction (<c>staff_user.created</c>, <c>.disabled</c>,
/// <c>.totp_reset</c>, <c>.unlocked</c>) and ends the account's sessions where it changes what they may do.
/// </summary>
internal sealed class StaffAccounts(
    CustodianDbContext db,
    IAuditTrail audit,
    TimeProvider time,
    StaffPasswordHasher passwords,
    TotpSecretProtector secrets,
    LoginNameKeys nameKeys,
    AccountsOptions options)
{
    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    public static AuditActor ActorOf(Guid userId) => new(AuditActorKind.User, userId.ToString());

    public static AuditObject ObjectOf(Guid userId) => new("staff_user", userId.ToString());

    /// <param name="loginName">The login name (normalised to lower case).</param>
    /// <param name="role">One of <see cref="StaffRoles.All"/>.</param>
    /// <param name="organizationCode">Required for, and only for, <see cref="StaffRoles.ClientPrivacyContact"/>.</param>
    /// <param name="displayName">Shown in the back office; the login name when null.</param>
    /// <param name="password">The initial password; null: a random one is generated and returned once.</param>
    /// <param name="actor">Who creates it.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<StoreResult<CreatedStaffUser>> AddAsync(
        string loginName, string role, string? organizationCode, string? displayName, string? password, AuditActor actor, CancellationToken ct)
    {
        var v = new FieldValidator();
        var name = StaffLoginNames.Normalize(loginName);
        if (!StaffLoginNames.IsValid(name))
        {
            v.Add("login", "staff_user.login_invalid", "A login name has 2 to 64 characters a-z, 0-9, '.', '_' or '-', starting with a letter or digit.");
        }

        if (!StaffRoles.IsKnown(role))
        {
            v.Add("role", "staff_user.unknown_role", $"Unknown role; known: {string.Join(", ", StaffRoles.All)}.");
        }
        else if (StaffRoles.IsOrganizationBound(role) != organizationCode is not null)
        {
            v.Add("organization", "staff_user.organization_mismatch",
                $"The role {StaffRoles.ClientPrivacyContact} needs --organization; the other roles work provider-wide and take none.");
        }

        if (password is not null && PasswordProblem(password) is { } problem)
        {
            v.Add("password", problem.Code, problem.Message);
        }

        var label = v.Text("name", displayName, 100, required: false) ?? name;
        Guid? organizationId = null;
        if (organizationCode is not null)
        {
            db.ScopeTo(TenantScope.Everything);
            organizationId = await db.Organizations.Where(o => o.Code == organizationCode).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
            if (organizationId is null)
            {
                v.Add("organization", "organization.not_found", "There is no organisation with this code.");
            }
        }

        if (v.IsValid && await db.StaffUsers.AnyAsync(u => u.LoginName == name, ct))
        {
            return new ConflictError("staff_user.login_taken", "There is already an account with this login name.");
        }

        if (!v.IsValid)
        {
            return v.ToError();
        }

        var initial = password is null ? NewPassword() : null;
        var user = new StaffUser
        {
            LoginName = name,
            DisplayName = label,
            Role = role,
            OrganizationId = organizationId,
            PasswordHash = passwords.Hash(password ?? initial!),
            CreatedAt = Now,
            // Someone other than the person knows this password (generated here or chosen by the operator).
            PasswordMustChange = true,
            PasswordExpiresAt = Now + options.InitialPasswordLifetime,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.StaffUsers.Add(user);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry("staff_user.created", actor, organizationId, [ObjectOf(user.Id)],
            Details: new Dictionary<string, string>(StringComparer.Ordinal) { ["role"] = role }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new CreatedStaffUser(user, initial);
    }

    public async Task<IReadOnlyList<StaffUserSummary>> ListAsync(CancellationToken ct)
    {
        db.ScopeTo(TenantScope.Everything);
        var now = Now;
        var users = await db.StaffUsers.AsNoTracking().OrderBy(u => u.LoginName).ToListAsync(ct);
        var codes = await db.Organizations.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.Code, ct);
        var locked = (await db.LoginThrottles.AsNoTracking().Where(t => t.LockedUntil != null).ToListAsync(ct))
            .Where(t => t.LockedUntil > now).Select(t => t.NameKey).ToHashSet(StringComparer.Ordinal);
        return [.. users.Select(u => new StaffUserSummary(
            u.Id, u.LoginName, u.DisplayName, u.Role, u.OrganizationId is { } id ? codes.GetValueOrDefault(id) : null,
            u.TotpEnrolledAt is not null, locked.Contains(nameKeys.For(u.LoginName)), u.CreatedAt, u.LastLoginAt, u.DisabledAt))];
    }

    /// <summary>Disables the account and ends its sessions at once. Disabling a disabled account changes nothing.</summary>
    public Task<StoreResult<StaffUser>> DisableAsync(string loginName, AuditActor actor, CancellationToken ct) =>
        ChangeAsync(loginName, "staff_user.disabled", actor, user =>
        {
            if (user.DisabledAt is not null)
            {
                return false;
            }

            user.DisabledAt = Now;
            return true;
        }, ct);

    /// <summary>Forgets the second factor (a lost phone): the next login enrols a new one. Ends the account's sessions.</summary>
    public Task<StoreResult<StaffUser>> ResetTotpAsync(string loginName, AuditActor actor, CancellationToken ct) =>
        ChangeAsync(loginName, "staff_user.totp_reset", actor, user =>
        {
            user.TotpSecret = null;
            user.TotpEnrolledAt = null;
            user.TotpLastStep = null;
            return true;
        }, ct);

    /// <summary>
    /// Gives the account a new one-time password (returned once), which must be changed at the next login and expires
    /// after <see cref="AccountsOptions.InitialPasswordLifetime"/>. Ends the account's sessions. A disabled account stays disabled.
    /// </summary>
    public async Task<StoreResult<CreatedStaffUser>> ResetPasswordAsync(string loginName, AuditActor actor, CancellationToken ct)
    {
        var password = NewPassword();
        var result = await ChangeAsync(loginName, "staff_user.password_reset", actor, user =>
        {
            user.PasswordHash = passwords.Hash(password);
            user.PasswordMustChange = true;
            user.PasswordExpiresAt = Now + options.InitialPasswordLifetime;
            return true;
        }, ct);
        return result.IsSuccess ? new CreatedStaffUser(result.Value, password) : result.Error;
    }

    /// <summary>Lifts a lockout of the login name now (the failures are forgotten).</summary>
    public async Task<StoreResult<StaffUser>> UnlockAsync(string loginName, AuditActor actor, CancellationToken ct)
    {
        var name = StaffLoginNames.Normalize(loginName);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = await db.StaffUsers.FirstOrDefaultAsync(u => u.LoginName == name, ct);
        if (user is null)
        {
            return StoreErrors.NotFound("staff_user");
        }

        await db.LoginThrottles.Where(t => t.NameKey == nameKeys.For(name)).ExecuteDeleteAsync(ct);
        await audit.AppendAsync(db, new AuditEntry("staff_user.unlocked", actor, user.OrganizationId, [ObjectOf(user.Id)]), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return user;
    }

    /// <summary>
    /// Development only (<c>serve --dev</c>): makes sure a demo account exists with this password and an enrolled TOTP
    /// secret. Idempotent: an existing account of that name is left as it is. Returns whether it was created.
    /// </summary>
    public async Task<bool> EnsureDemoAsync(string loginName, string displayName, string role, Guid? organizationId, string password, byte[] totpSecret, AuditActor actor, CancellationToken ct)
    {
        var name = StaffLoginNames.Normalize(loginName);
        if (await db.StaffUsers.AnyAsync(u => u.LoginName == name, ct))
        {
            return false;
        }

        var user = new StaffUser
        {
            LoginName = name,
            DisplayName = displayName,
            Role = role,
            OrganizationId = organizationId,
            PasswordHash = passwords.Hash(password),
            CreatedAt = Now,
            TotpEnrolledAt = Now,
        };
        user.TotpSecret = secrets.Protect(totpSecret, user.Id);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.StaffUsers.Add(user);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry("staff_user.created", actor, organizationId, [ObjectOf(user.Id)],
            Details: new Dictionary<string, string>(StringComparer.Ordinal) { ["role"] = role, ["demo"] = "true" }), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    /// <summary>The current TOTP code of an enrolled account (development tooling only; callers check they run on the demo database).</summary>
    public async Task<string?> CurrentCodeAsync(string loginName, CancellationToken ct)
    {
        var name = StaffLoginNames.Normalize(loginName);
        var user = await db.StaffUsers.AsNoTracking().FirstOrDefaultAsync(u => u.LoginName == name, ct);
        return user?.TotpSecret is { } secret ? StaffTotp.Code(secrets.Unprotect(secret, user.Id), time.GetUtcNow()) : null;
    }

    /// <summary>The enrolled TOTP secret as text (development only: <c>serve --dev</c> prints its demo accounts').</summary>
    public async Task<string?> TotpSecretTextAsync(string loginName, CancellationToken ct)
    {
        var name = StaffLoginNames.Normalize(loginName);
        var user = await db.StaffUsers.AsNoTracking().FirstOrDefaultAsync(u => u.LoginName == name, ct);
        return user?.TotpSecret is { } secret ? StaffTotp.SecretText(secrets.Unprotect(secret, user.Id)) : null;
    }

    /// <summary>Why a chosen password is refused (length only: ASVS 5 6.2 forbids composition rules), or null.</summary>
    public static FieldError? PasswordProblem(string password) =>
        password.Length < StaffPasswordHasher.MinimumLength
            ? new FieldError("password", "staff_user.password_too_short", $"A password has at least {StaffPasswordHasher.MinimumLength} characters.")
            : password.Length > StaffPasswordHasher.MaximumLength
                ? new FieldError("password", "staff_user.password_too_long", $"A password has at most {StaffPasswordHasher.MaximumLength} characters.")
                : null;

    /// <summary>A random initial password: 20 characters of an unambiguous alphabet (about 100 bits).</summary>
    public static string NewPassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        return string.Create(20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    private async Task<StoreResult<StaffUser>> ChangeAsync(string loginName, string action, AuditActor actor, Func<StaffUser, bool> change, CancellationToken ct)
    {
        var name = StaffLoginNames.Normalize(loginName);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = await db.StaffUsers.FirstOrDefaultAsync(u => u.LoginName == name, ct);
        if (user is null)
        {
            return StoreErrors.NotFound("staff_user");
        }

        if (change(user))
        {
            await db.SaveChangesAsync(ct);
            await db.StaffSessions.Where(s => s.UserId == user.Id).ExecuteDeleteAsync(ct);
            await audit.AppendAsync(db, new AuditEntry(action, actor, user.OrganizationId, [ObjectOf(user.Id)]), ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return user;
    }
}
