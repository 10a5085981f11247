using NodaTime;

namespace Custodian.Core.Features.Accounts;

/// <summary>Session lifetimes and the lockout back-off (ASVS 5 V6.3.1, V7.3).</summary>
internal sealed record AccountsOptions
{
    /// <summary>A session unused this long is gone.</summary>
    public Duration IdleTimeout { get; init; } = Duration.FromMinutes(20);

    /// <summary>A session is gone this long after login, used or not.</summary>
    public Duration AbsoluteTimeout { get; init; } = Duration.FromHours(10);

    /// <summary>How long the step between password and code (or enrolment) may take.</summary>
    public Duration PendingTimeout { get; init; } = Duration.FromMinutes(5);

    /// <summary>Consecutive failures (password or code) that lock a login name.</summary>
    public int LockoutThreshold { get; init; } = 5;

    /// <summary>The first lock; each further failure doubles it up to <see cref="MaximumLockout"/>.</summary>
    public Duration FirstLockout { get; init; } = Duration.FromMinutes(1);

    public Duration MaximumLockout { get; init; } = Duration.FromHours(1);

    /// <summary>How long an initial (or reset) password works before it must have been changed; after it an administrator resets it.</summary>
    public Duration InitialPasswordLifetime { get; init; } = Duration.FromHours(72);

    /// <summary>How stale <see cref="StaffSession.LastSeenAt"/> may get before a request writes it again.</summary>
    public Duration TouchResolution { get; init; } = Duration.FromMinutes(1);

    /// <summary>The lock after <paramref name="failures"/> consecutive failures; <see cref="Duration.Zero"/> below the threshold.</summary>
    public Duration LockoutAfter(int failures)
    {
        if (failures < LockoutThreshold)
        {
            return Duration.Zero;
        }

        var doublings = Math.Min(failures - LockoutThreshold, 20);
        var lockout = FirstLockout * Math.Pow(2, doublings);
        return lockout > MaximumLockout ? MaximumLockout : lockout;
    }
}
