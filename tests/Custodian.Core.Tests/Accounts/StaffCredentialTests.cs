using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Accounts;
using Custodian.Core.Features.Tenancy;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Accounts;

public sealed class StaffCredentialTests
{
    /// <summary>A cheap cost for tests that hash many times; the default cost is tested on its own.</summary>
    private static readonly Argon2Cost Cheap = new(1024, 1, 1);

    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 10, TimeSpan.Zero);

    [Fact]
    public void Hash_DefaultCost_IsAPhcStringOfTheOwaspParameters_AndVerifies()
    {
        var hasher = new StaffPasswordHasher();

        var hash = hasher.Hash("correct horse battery staple");

        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash, StringComparison.Ordinal);
        Assert.True(hasher.Verify("correct horse battery staple", hash, out var rehash));
        Assert.False(rehash);
        Assert.False(hasher.Verify("correct horse battery stapler", hash, out _));
    }

    [Fact]
    public void Hash_SamePasswordTwice_DiffersBySalt()
    {
        var hasher = new StaffPasswordHasher(Cheap);

        Assert.NotEqual(hasher.Hash("same password here"), hasher.Hash("same password here"));
    }

    [Fact]
    public void Verify_HashOfAnotherCost_MatchesAndAsksForARehash()
    {
        var old = new StaffPasswordHasher(Cheap).Hash("a password of old");

        Assert.True(new StaffPasswordHasher(new Argon2Cost(2048, 1, 1)).Verify("a password of old", old, out var rehash));
        Assert.True(rehash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("$argon2i$v=19$m=1024,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("$argon2id$v=19$m=x,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("$argon2id$v=19$m=1024,t=1,p=1$!!!$AAAA")]
    public void Verify_MalformedStoredHash_IsFalseNotAnException(string stored) =>
        Assert.False(new StaffPasswordHasher(Cheap).Verify("anything at all", stored, out _));

    [Fact]
    public void Totp_CodeOfNow_AndOneStepEitherSide_Verify_TwoStepsOff_DoNot()
    {
        var secret = StaffTotp.NewSecret();

        Assert.Equal(StaffTotp.StepOf(T0), StaffTotp.Verify(secret, StaffTotp.Code(secret, T0), T0, null));
        Assert.NotNull(StaffTotp.Verify(secret, StaffTotp.Code(secret, T0.AddSeconds(-30)), T0, null));
        Assert.NotNull(StaffTotp.Verify(secret, StaffTotp.Code(secret, T0.AddSeconds(30)), T0, null));
        Assert.Null(StaffTotp.Verify(secret, StaffTotp.Code(secret, T0.AddSeconds(-60)), T0, null));
        Assert.Null(StaffTotp.Verify(secret, StaffTotp.Code(secret, T0.AddSeconds(60)), T0, null));
    }

    [Fact]
    public void Totp_CodeOfTheLastUsedStepOrEarlier_IsAReplay()
    {
        var secret = StaffTotp.NewSecret();
        var code = StaffTotp.Code(secret, T0);
        var step = StaffTotp.StepOf(T0);

        Assert.Null(StaffTotp.Verify(secret, code, T0, lastUsedStep: step));
        Assert.Null(StaffTotp.Verify(secret, StaffTotp.Code(secret, T0.AddSeconds(-30)), T0, lastUsedStep: step));
        Assert.Equal(step + 1, StaffTotp.Verify(secret, StaffTotp.Code(secret, T0.AddSeconds(30)), T0, lastUsedStep: step));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12a456")]
    public void Totp_NotSixDigits_IsRefused(string? code) =>
        Assert.Null(StaffTotp.Verify(StaffTotp.NewSecret(), code, T0, null));

    [Fact]
    public void Totp_ProvisioningUri_CarriesTheBase32SecretIssuerAndLogin()
    {
        var secret = new byte[20];

        var uri = StaffTotp.ProvisioningUri(secret, "jdevries");

        Assert.Equal("otpauth://totp/Custodian:jdevries?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA&issuer=Custodian&algorithm=SHA1&digits=6&period=30", uri);
    }

    [Fact]
    public void TotpSecretProtector_RoundTrips_ButNotForAnotherOwnerOrMasterKey()
    {
        var key = MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32));
        var protector = new TotpSecretProtector(key);
        var owner = Guid.CreateVersion7();
        var secret = StaffTotp.NewSecret();

        var sealedSecret = protector.Protect(secret, owner);

        Assert.Equal(secret, protector.Unprotect(sealedSecret, owner));
        Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(sealedSecret), StringComparison.Ordinal);
        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedSecret, Guid.CreateVersion7()));
        Assert.ThrowsAny<CryptographicException>(() => new TotpSecretProtector(MasterKey.FromBytes(RandomNumberGenerator.GetBytes(32))).Unprotect(sealedSecret, owner));
    }

    [Theory]
    [InlineData(4, 0)]
    [InlineData(5, 1)]
    [InlineData(6, 2)]
    [InlineData(7, 4)]
    [InlineData(11, 60)]
    [InlineData(40, 60)]
    public void Lockout_BackOff_DoublesFromOneMinuteUpToAnHour(int failures, int minutes) =>
        Assert.Equal(Duration.FromMinutes(minutes), new AccountsOptions().LockoutAfter(failures));

    [Theory]
    [InlineData("  JDevries ", "jdevries", true)]
    [InlineData("a", "a", false)]
    [InlineData("-dash", "-dash", false)]
    [InlineData("j.de-vries_2", "j.de-vries_2", true)]
    [InlineData("jan de vries", "jan de vries", false)]
    public void LoginNames_AreTrimmedLowerCase_AndLimitedToASafeAlphabet(string input, string normalized, bool valid)
    {
        Assert.Equal(normalized, StaffLoginNames.Normalize(input));
        Assert.Equal(valid, StaffLoginNames.IsValid(StaffLoginNames.Normalize(input)));
    }

    [Fact]
    public void Roles_EveryRoleOpensTheOffice_OnlyLawfulDisclosureSeesAuthorityHolds_OnlyAdministratorManagesUsers()
    {
        Assert.All(StaffRoles.All, r => Assert.Contains(Permissions.OfficeAccess, StaffRoles.PermissionsOf(r)));
        Assert.Equal([StaffRoles.LawfulDisclosureOfficer], StaffRoles.All.Where(r => StaffRoles.PermissionsOf(r).Contains(Permissions.HoldsLawful)));
        Assert.Equal([StaffRoles.Administrator], StaffRoles.All.Where(r => StaffRoles.PermissionsOf(r).Contains(Permissions.UsersManage)));
        Assert.DoesNotContain(Permissions.PeopleLookup, StaffRoles.PermissionsOf(StaffRoles.Auditor));
        Assert.DoesNotContain(Permissions.PeopleLookup, StaffRoles.PermissionsOf(StaffRoles.Administrator));
        Assert.All(StaffRoles.All.SelectMany(StaffRoles.PermissionsOf), p => Assert.Contains(p, Permissions.Office));
        Assert.Empty(StaffRoles.PermissionsOf("root"));
    }

    [Fact]
    public void Identity_ClientContactIsScopedToItsOrganisation_StaffSeeAll_ABoundRoleWithoutOrganisationSeesNone()
    {
        var org = Guid.CreateVersion7();
        StaffIdentity Of(string role, Guid? organization) => new(Guid.CreateVersion7(), Guid.CreateVersion7(), "x", "X", role, organization, StaffRoles.PermissionsOf(role));

        Assert.Equal(TenantScope.For(org), Of(StaffRoles.ClientPrivacyContact, org).TenantScope);
        Assert.Equal(TenantScope.Everything, Of(StaffRoles.PrivacyOfficer, null).TenantScope);
        Assert.Equal(TenantScope.None, Of(StaffRoles.ClientPrivacyContact, null).TenantScope);
    }
}
