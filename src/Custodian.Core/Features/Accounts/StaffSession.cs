using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Accounts;

/// <summary>Where a session is in the login: only <see cref="Active"/> opens pages.</summary>
internal enum StaffSessionStage
{
    /// <summary>The password was right; the TOTP code is still due.</summary>
    AwaitingCode,

    /// <summary>The password was right and the account has no second factor yet: enrolment is due.</summary>
    AwaitingEnrolment,

    /// <summary>
    /// Password and second factor were right, but the password was given by an administrator: the session opens only
    /// the page that changes it (<c>/office/login/password</c>), no permission at all until then.
    /// </summary>
    AwaitingPasswordChange,

    /// <summary>Fully logged in.</summary>
    Active,
}

/// <summary>
/// A back-office session, kept in the database so every node sees it and a logout or a disabled account ends it at
/// once. The cookie holds a random token; only its SHA-256 is stored (a copy of the table opens no session). A new
/// token is issued at each step of the login (rotation), the old row deleted.
/// </summary>
internal sealed class StaffSession
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("hash of a random session token")]
    public required byte[] TokenHash { get; init; }

    [NotPersonalData]
    public required Guid UserId { get; init; }

    [NotPersonalData]
    public required StaffSessionStage Stage { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    /// <summary>Last request seen (written at most once a minute); the idle timeout counts from here.</summary>
    [NotPersonalData]
    public required Instant LastSeenAt { get; set; }

    /// <summary>During enrolment: the offered TOTP secret, encrypted for the user (<see cref="TotpSecretProtector"/>).</summary>
    [NotPersonalData("encrypted second-factor secret on offer")]
    public byte[]? PendingTotpSecret { get; init; }
}

internal sealed class StaffSessionConfiguration : IEntityTypeConfiguration<StaffSession>
{
    public void Configure(EntityTypeBuilder<StaffSession> builder)
    {
        builder.ToTable("staff_sessions");
        builder.HasKey(s => s.Id);
        builder.Property(s => s.Id).ValueGeneratedNever();
        builder.Property(s => s.TokenHash).HasMaxLength(32);
        builder.HasIndex(s => s.TokenHash).IsUnique();
        builder.HasIndex(s => s.UserId);
        builder.Property(s => s.Stage).HasConversion<string>().HasMaxLength(30);
        builder.Property(s => s.PendingTotpSecret).HasMaxLength(64);
        builder.HasOne<StaffUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
