using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Accounts;

/// <summary>
/// A back-office account: the provider's staff, and client organisations' privacy contacts. Not tenant-filtered (like
/// API keys): login must find the account before anyone knows its tenant; only the accounts feature reads this table.
/// Staff account data is the provider's personnel administration, not the customer data the register describes, hence
/// <see cref="NotPersonalDataAttribute"/> with that reason.
/// </summary>
internal sealed class StaffUser
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Normalised (trimmed, lower-case): how the user logs in. A pseudonymous staff identifier, e.g. <c>jdevries</c>.</summary>
    [NotPersonalData("staff login name: the provider's personnel administration, not a register category")]
    public required string LoginName { get; init; }

    [NotPersonalData("staff display name: the provider's personnel administration, not a register category")]
    public required string DisplayName { get; set; }

    /// <summary>One of <see cref="StaffRoles"/>.</summary>
    [NotPersonalData]
    public required string Role { get; set; }

    /// <summary>The one organisation a <see cref="StaffRoles.ClientPrivacyContact"/> acts for; null for provider staff.</summary>
    [NotPersonalData]
    public Guid? OrganizationId { get; set; }

    /// <summary>PHC string, see <see cref="StaffPasswordHasher"/>.</summary>
    [NotPersonalData("password hash")]
    public required string PasswordHash { get; set; }

    /// <summary>The TOTP secret, encrypted (<see cref="TotpSecretProtector"/>); null until enrolled.</summary>
    [NotPersonalData("encrypted second-factor secret")]
    public byte[]? TotpSecret { get; set; }

    [NotPersonalData]
    public Instant? TotpEnrolledAt { get; set; }

    /// <summary>The RFC 6238 step of the last accepted code; a code of this step or earlier is a replay.</summary>
    [NotPersonalData]
    public long? TotpLastStep { get; set; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    /// <summary>Set: the account cannot log in and its sessions are gone.</summary>
    [NotPersonalData]
    public Instant? DisabledAt { get; set; }

    [NotPersonalData]
    public Instant? LastLoginAt { get; set; }

    /// <summary>
    /// The password was given by someone else (<c>user add</c>, <c>user reset-password</c>): after the second factor
    /// the account must choose its own before any page opens (ASVS 5 V6.4.1).
    /// </summary>
    [NotPersonalData]
    public bool PasswordMustChange { get; set; }

    /// <summary>Until when a system-given password works; null for a password the user chose. After it, a login fails like a wrong password.</summary>
    [NotPersonalData]
    public Instant? PasswordExpiresAt { get; set; }
}

internal sealed class StaffUserConfiguration : IEntityTypeConfiguration<StaffUser>
{
    public void Configure(EntityTypeBuilder<StaffUser> builder)
    {
        builder.ToTable("staff_users");
        builder.HasKey(u => u.Id);
        builder.Property(u => u.Id).ValueGeneratedNever();
        builder.Property(u => u.LoginName).HasMaxLength(StaffLoginNames.MaximumLength);
        builder.HasIndex(u => u.LoginName).IsUnique();
        builder.Property(u => u.DisplayName).HasMaxLength(100);
        builder.Property(u => u.Role).HasMaxLength(40);
        builder.Property(u => u.PasswordHash).HasMaxLength(200);
        builder.Property(u => u.TotpSecret).HasMaxLength(64);
        builder.HasOne<Organization>().WithMany().HasForeignKey(u => u.OrganizationId).OnDelete(DeleteBehavior.Restrict);
    }
}
