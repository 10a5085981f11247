using System.Security.Cryptography;
using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Accounts;

/// <summary>What a login step answers. Only outcomes with a <see cref="LoginResult.Token"/> set a cookie.</summary>
internal enum LoginStatus
{
    /// <summary>Wrong name, password or code, or a disabled account: one answer for all.</summary>
    Failed,

    /// <summary>The login name is locked for a while after repeated failures (existing or not).</summary>
    LockedOut,

    /// <summary>The earlier step is gone (timed out, or never happened): start again.</summary>
    Expired,

    /// <summary>Password accepted; the code is due (<see cref="LoginResult.Token"/> is a pending session).</summary>
    CodeRequired,

    /// <summary>Password accepted; the account must enrol a second factor first (pending session).</summary>
    EnrolmentRequired,

    /// <summary>Logged in: <see cref="LoginResult.Token"/> is a new, active session.</summary>
    LoggedIn,

    /// <summary>
    /// Both factors right, but the password was given by an administrator: <see cref="LoginResult.Token"/> is a session
    /// that opens only the password-change page (<see cref="StaffSessionStage.AwaitingPasswordChange"/>).
    /// </summary>
    PasswordChangeRequired,
}

internal sealed record LoginResult(LoginStatus Status, string? Token = null);

/// <summary>
/// What a password change answers: <see cref="Token"/> (the new, active session) when it worked, else the dotted
/// <see cref="Problem"/> code (<c>staff_user.password_*</c>), or neither when the session is gone (log in again).
/// </summary>
internal sealed record PasswordChangeResult(string? Token, string? Problem)
{
    public bool Changed => Token is not null;

    public bool Expired => Token is null && Problem is null;
}

/// <summary>The enrolment offer a page shows: the secret as text and as <c>otpauth://</c> URI.</summary>
internal sealed record TotpOffer(string LoginName, string SecretText, string ProvisioningUri);

/// <summary>
/// The back-office login: password (Argon2id), then a TOTP code or, on first login, TOTP enrolment; server-side
/// sessions with idle and absolute timeouts. Every step that succeeds issues a new session token and deletes the old
/// one (rotation). Failures of both steps count against the login name (<see cref="LoginThrottle"/>), so knowing the
/// password does not open unlimited guessing of codes. Audit events: <c>staff.login_failed</c>,
/// <c>staff.login_locked</c>, <c>staff.login_succeeded</c>, <c>staff.totp_enrolled</c>, <c>staff.logged_out</c>; no
/// password, code or unknown login name ever goes into them (an unknown name is recorded as a keyed hash: people type
/// passwords into the name field).
/// </summary>
internal sealed class StaffLogin(
    CustodianDbContext db,
    IAuditTrail audit,
    AuditHasher hasher,
    TimeProvider time,
    StaffPasswordHasher passwords,
    TotpSecretProtector secrets,
    LoginNameKeys nameKeys,
    AccountsOptions options)
{
    /// <summary>The actor of login events before anyone is authenticated.</summary>
    public static readonly AuditActor LoginActor = new(AuditActorKind.System, "office-login");

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>Step 1: login name and password.</summary>
    public async Task<LoginResult> PasswordAsync(string? loginName, string? password, CancellationToken ct)
    {
        var name = StaffLoginNames.Normalize(loginName);
        password ??= string.Empty;
        var key = nameKeys.For(name);
        var now = Now;
        if (await IsLockedAsync(key, now, ct))
        {
            return new LoginResult(LoginStatus.LockedOut);
        }

        var user = StaffLoginNames.IsValid(name) && password.Length <= StaffPasswordHasher.MaximumLength
            ? await db.StaffUsers.FirstOrDefaultAsync(u => u.LoginName == name, ct)
            : null;
        var rehash = false;
        var ok = false;
        if (user is null)
        {
            // Never hash more than a real account would (a megabyte password must not cost a megabyte of Argon2).
            passwords.VerifyNothing(password.Length <= StaffPasswordHasher.MaximumLength ? password : password[..StaffPasswordHasher.MaximumLength]);
        }
        else
        {
            // An initial password past its lifetime is answered like a wrong one (after the same verification work).
            ok = passwords.Verify(password, user.PasswordHash, out rehash) && user.DisabledAt is null
                && (user.PasswordExpiresAt is not { } expires || now < expires);
        }

        if (!ok || user is null)
        {
            return await FailAsync(key, name, user, "password", now, session: null, ct);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (rehash)
        {
            user.PasswordHash = passwords.Hash(password);
        }

        var enrolled = user.TotpSecret is not null && user.TotpEnrolledAt is not null;
        var (token, session) = NewSession(user.Id, enrolled ? StaffSessionStage.AwaitingCode : StaffSessionStage.AwaitingEnrolment, now,
            enrolled ? null : secrets.Protect(StaffTotp.NewSecret(), user.Id));
        db.StaffSessions.Add(session);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new LoginResult(enrolled ? LoginStatus.CodeRequired : LoginStatus.EnrolmentRequired, token);
    }

    /// <summary>Step 2 for an enrolled account: the code from the authenticator app.</summary>
    public Task<LoginResult> CodeAsync(string? pendingToken, string? code, CancellationToken ct) =>
        SecondFactorAsync(pendingToken, code, StaffSessionStage.AwaitingCode, ct);

    /// <summary>Step 2 on first login: confirms the offered secret with a code from it, then logs in.</summary>
    public Task<LoginResult> EnrolAsync(string? pendingToken, string? code, CancellationToken ct) =>
        SecondFactorAsync(pendingToken, code, StaffSessionStage.AwaitingEnrolment, ct);

    /// <summary>The pending enrolment's secret, for the enrolment page; null when there is no such pending session.</summary>
    public async Task<TotpOffer?> EnrolmentOfferAsync(string? pendingToken, CancellationToken ct)
    {
        var pending = await PendingAsync(pendingToken, StaffSessionStage.AwaitingEnrolment, Now, ct);
        if (pending is not { Session.PendingTotpSecret: { } protectedSecret } p)
        {
            return null;
        }

        var secret = secrets.Unprotect(protectedSecret, p.User.Id);
        return new TotpOffer(p.User.LoginName, StaffTotp.SecretText(secret), StaffTotp.ProvisioningUri(secret, p.User.LoginName));
    }

    /// <summary>True when <paramref name="pendingToken"/> is a live pending session of <paramref name="stage"/>.</summary>
    public async Task<bool> IsPendingAsync(string? pendingToken, StaffSessionStage stage, CancellationToken ct) =>
        await PendingAsync(pendingToken, stage, Now, ct) is not null;

    /// <summary>
    /// The identity behind an active session token, or null (unknown, pending, idle too long, too old, account
    /// disabled). Expired rows are deleted; the last-seen time is refreshed at most once per <see cref="AccountsOptions.TouchResolution"/>.
    /// </summary>
    public async Task<StaffIdentity?> AuthenticateAsync(string? token, CancellationToken ct)
    {
        if (HashToken(token) is not { } hash)
        {
            return null;
        }

        var now = Now;
        var found = await db.StaffSessions.AsNoTracking()
            .Where(s => s.TokenHash == hash)
            .Join(db.StaffUsers.AsNoTracking(), s => s.UserId, u => u.Id, (s, u) => new { Session = s, User = u })
            .FirstOrDefaultAsync(ct);
        if (found is null || found.Session.Stage != StaffSessionStage.Active)
        {
            return null;
        }

        var (session, user) = (found.Session, found.User);
        if (user.DisabledAt is not null || now - session.CreatedAt >= options.AbsoluteTimeout || now - session.LastSeenAt >= options.IdleTimeout)
        {
            await db.StaffSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct);
            return null;
        }

        if (now - session.LastSeenAt >= options.TouchResolution)
        {
            await db.StaffSessions.Where(s => s.Id == session.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.LastSeenAt, now), ct);
        }

        return new StaffIdentity(user.Id, session.Id, user.LoginName, user.DisplayName, user.Role, user.OrganizationId, StaffRoles.PermissionsOf(user.Role));
    }

    /// <summary>Deletes the session of <paramref name="token"/> (any stage); audits the logout of an active one.</summary>
    public async Task LogoutAsync(string? token, CancellationToken ct)
    {
        if (HashToken(token) is not { } hash)
        {
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var session = await db.StaffSessions.FirstOrDefaultAsync(s => s.TokenHash == hash, ct);
        if (session is null)
        {
            return;
        }

        db.StaffSessions.Remove(session);
        await db.SaveChangesAsync(ct);
        if (session.Stage == StaffSessionStage.Active)
        {
            await audit.AppendAsync(db, new AuditEntry("staff.logged_out", StaffAccounts.ActorOf(session.UserId), null, [StaffAccounts.ObjectOf(session.UserId)]), ct);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private async Task<LoginResult> SecondFactorAsync(string? pendingToken, string? code, StaffSessionStage stage, CancellationToken ct)
    {
        var now = Now;
        var pending = await PendingAsync(pendingToken, stage, now, ct);
        if (pending is null)
        {
            return new LoginResult(LoginStatus.Expired);
        }

        var (session, user) = pending.Value;
        var key = nameKeys.For(user.LoginName);
        if (user.DisabledAt is not null || await IsLockedAsync(key, now, ct))
        {
            await db.StaffSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct);
            return new LoginResult(user.DisabledAt is null ? LoginStatus.LockedOut : LoginStatus.Failed);
        }

        var protectedSecret = stage == StaffSessionStage.AwaitingEnrolment ? session.PendingTotpSecret : user.TotpSecret;
        var step = protectedSecret is null
            ? null
            : StaffTotp.Verify(secrets.Unprotect(protectedSecret, user.Id), code, time.GetUtcNow(), stage == StaffSessionStage.AwaitingEnrolment ? null : user.TotpLastStep);
        if (step is null)
        {
            return await FailAsync(key, user.LoginName, user, stage == StaffSessionStage.AwaitingEnrolment ? "enrolment" : "code", now, session, ct);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Conditional on the last step, so two nodes given the same code at once accept it only once.
        var claimed = stage == StaffSessionStage.AwaitingEnrolment
            ? await db.StaffUsers.Where(u => u.Id == user.Id && u.TotpEnrolledAt == null).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.TotpSecret, protectedSecret)
                .SetProperty(x => x.TotpEnrolledAt, now)
                .SetProperty(x => x.TotpLastStep, step)
                .SetProperty(x => x.LastLoginAt, now), ct)
            : await db.StaffUsers.Where(u => u.Id == user.Id && (u.TotpLastStep == null || u.TotpLastStep < step)).ExecuteUpdateAsync(u => u
                .SetProperty(x => x.TotpLastStep, step)
                .SetProperty(x => x.LastLoginAt, now), ct);
        if (claimed == 0)
        {
            await transaction.RollbackAsync(ct);
            return await FailAsync(key, user.LoginName, user, "code", now, session, ct);
        }

        await db.StaffSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct);
        await db.LoginThrottles.Where(t => t.NameKey == key).ExecuteDeleteAsync(ct);
        // Housekeeping while we are here: sessions past their lifetime of any user.
        var idleCutoff = now - options.IdleTimeout;
        var absoluteCutoff = now - options.AbsoluteTimeout;
        await db.StaffSessions.Where(s => s.LastSeenAt < idleCutoff || s.CreatedAt < absoluteCutoff).ExecuteDeleteAsync(ct);
        var mustChange = user.PasswordMustChange;
        var (token, active) = NewSession(user.Id, mustChange ? StaffSessionStage.AwaitingPasswordChange : StaffSessionStage.Active, now, null);
        db.StaffSessions.Add(active);
        await db.SaveChangesAsync(ct);
        if (stage == StaffSessionStage.AwaitingEnrolment)
        {
            await audit.AppendAsync(db, new AuditEntry("staff.totp_enrolled", StaffAccounts.ActorOf(user.Id), null, [StaffAccounts.ObjectOf(user.Id)]), ct);
        }

        await audit.AppendAsync(db, new AuditEntry("staff.login_succeeded", StaffAccounts.ActorOf(user.Id), null, [StaffAccounts.ObjectOf(user.Id)]), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new LoginResult(mustChange ? LoginStatus.PasswordChangeRequired : LoginStatus.LoggedIn, token);
    }

    /// <summary>True when <paramref name="sessionToken"/> is a live session that may only change the password.</summary>
    public async Task<bool> IsPasswordChangeDueAsync(string? sessionToken, CancellationToken ct) =>
        await PasswordChangeSessionAsync(sessionToken, Now, ct) is not null;

    /// <summary>
    /// The forced change after a login with an administrator-given password: at least
    /// <see cref="StaffPasswordHasher.MinimumLength"/> characters, typed twice, not the old one. Clears the flag and
    /// the expiry, ends every session of the account (rotation: the change session too) and opens a new active one;
    /// audited as <c>staff.password_changed</c> (no password in it).
    /// </summary>
    public async Task<PasswordChangeResult> ChangePasswordAsync(string? sessionToken, string? password, string? confirmation, CancellationToken ct)
    {
        var now = Now;
        var found = await PasswordChangeSessionAsync(sessionToken, now, ct);
        if (found is not var (_, user))
        {
            return new PasswordChangeResult(null, null);
        }

        password ??= string.Empty;
        var problem = StaffAccounts.PasswordProblem(password)?.Code
            ?? (!string.Equals(password, confirmation, StringComparison.Ordinal) ? "staff_user.password_mismatch" : null)
            ?? (passwords.Verify(password, user.PasswordHash, out _) ? "staff_user.password_unchanged" : null);
        if (problem is not null)
        {
            return new PasswordChangeResult(null, problem);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Conditional on the hash read above, so two concurrent changes cannot both win.
        var hash = passwords.Hash(password);
        var changed = await db.StaffUsers.Where(u => u.Id == user.Id && u.PasswordHash == user.PasswordHash && u.PasswordMustChange).ExecuteUpdateAsync(u => u
            .SetProperty(x => x.PasswordHash, hash)
            .SetProperty(x => x.PasswordMustChange, false)
            .SetProperty(x => x.PasswordExpiresAt, (Instant?)null), ct);
        if (changed == 0)
        {
            await transaction.RollbackAsync(ct);
            return new PasswordChangeResult(null, null);
        }

        await db.StaffSessions.Where(s => s.UserId == user.Id).ExecuteDeleteAsync(ct);
        var (token, active) = NewSession(user.Id, StaffSessionStage.Active, now, null);
        db.StaffSessions.Add(active);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry("staff.password_changed", StaffAccounts.ActorOf(user.Id), null, [StaffAccounts.ObjectOf(user.Id)]), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new PasswordChangeResult(token, null);
    }

    /// <summary>
    /// The session of <paramref name="token"/> when it awaits a password change and is still live (the idle timeout
    /// counts from the login; a disabled account or an initial password past its lifetime ends it).
    /// </summary>
    private async Task<(StaffSession Session, StaffUser User)?> PasswordChangeSessionAsync(string? token, Instant now, CancellationToken ct)
    {
        if (HashToken(token) is not { } hash)
        {
            return null;
        }

        var found = await db.StaffSessions.AsNoTracking()
            .Where(s => s.TokenHash == hash)
            .Join(db.StaffUsers.AsNoTracking(), s => s.UserId, u => u.Id, (s, u) => new { Session = s, User = u })
            .FirstOrDefaultAsync(ct);
        if (found is null || found.Session.Stage != StaffSessionStage.AwaitingPasswordChange)
        {
            return null;
        }

        if (found.User.DisabledAt is not null || !found.User.PasswordMustChange || now - found.Session.CreatedAt >= options.IdleTimeout
            || (found.User.PasswordExpiresAt is { } expires && now >= expires))
        {
            await db.StaffSessions.Where(s => s.Id == found.Session.Id).ExecuteDeleteAsync(ct);
            return null;
        }

        return (found.Session, found.User);
    }

    private async Task<(StaffSession Session, StaffUser User)?> PendingAsync(string? token, StaffSessionStage stage, Instant now, CancellationToken ct)
    {
        if (HashToken(token) is not { } hash)
        {
            return null;
        }

        var found = await db.StaffSessions.AsNoTracking()
            .Where(s => s.TokenHash == hash)
            .Join(db.StaffUsers.AsNoTracking(), s => s.UserId, u => u.Id, (s, u) => new { Session = s, User = u })
            .FirstOrDefaultAsync(ct);
        if (found is null || found.Session.Stage != stage)
        {
            return null;
        }

        if (now - found.Session.CreatedAt >= options.PendingTimeout)
        {
            await db.StaffSessions.Where(s => s.Id == found.Session.Id).ExecuteDeleteAsync(ct);
            return null;
        }

        return (found.Session, found.User);
    }

    private async Task<bool> IsLockedAsync(string key, Instant now, CancellationToken ct) =>
        await db.LoginThrottles.AsNoTracking().AnyAsync(t => t.NameKey == key && t.LockedUntil != null && t.LockedUntil > now, ct);

    /// <summary>
    /// Counts a failure against the login name, locks it past the threshold, audits, and answers. The count is an
    /// atomic increment in the database (after making sure the row exists), so failures sent to several nodes at once
    /// are all counted.
    /// </summary>
    private async Task<LoginResult> FailAsync(string key, string name, StaffUser? user, string stage, Instant now, StaffSession? session, CancellationToken ct)
    {
        db.ChangeTracker.Clear();
        if (!await db.LoginThrottles.AnyAsync(t => t.NameKey == key, ct))
        {
            try
            {
                db.LoginThrottles.Add(new LoginThrottle { NameKey = key, LastFailureAt = now });
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
            {
                // Another request made the row first; count on it.
            }

            db.ChangeTracker.Clear();
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.LoginThrottles.Where(t => t.NameKey == key)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.Failures, t => t.Failures + 1).SetProperty(t => t.LastFailureAt, now), ct);
        var failures = await db.LoginThrottles.Where(t => t.NameKey == key).Select(t => t.Failures).SingleAsync(ct);
        var lockout = options.LockoutAfter(failures);
        var locked = lockout > Duration.Zero;
        if (locked)
        {
            var until = now + lockout;
            await db.LoginThrottles.Where(t => t.NameKey == key).ExecuteUpdateAsync(u => u.SetProperty(t => t.LockedUntil, until), ct);
            if (session is not null)
            {
                await db.StaffSessions.Where(s => s.Id == session.Id).ExecuteDeleteAsync(ct);
            }
        }

        AuditObject subject = user is not null ? StaffAccounts.ObjectOf(user.Id) : new AuditObject("login_name", hasher.HashIdentifier("staff_login_name", name));
        var details = new Dictionary<string, string>(StringComparer.Ordinal) { ["step"] = stage, ["failures"] = failures.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await audit.AppendAsync(db, new AuditEntry("staff.login_failed", LoginActor, null, [subject], Details: details), ct);
        if (locked)
        {
            details["locked_seconds"] = ((long)lockout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await audit.AppendAsync(db, new AuditEntry("staff.login_locked", LoginActor, null, [subject], Details: details), ct);
        }

        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new LoginResult(locked ? LoginStatus.LockedOut : LoginStatus.Failed);
    }

    private static (string Token, StaffSession Session) NewSession(Guid userId, StaffSessionStage stage, Instant now, byte[]? pendingSecret)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (token, new StaffSession
        {
            TokenHash = SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(token)),
            UserId = userId,
            Stage = stage,
            CreatedAt = now,
            LastSeenAt = now,
            PendingTotpSecret = pendingSecret,
        });
    }

    private static byte[]? HashToken(string? token) =>
        token is { Length: 43 } t && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(t))
            : null;

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
