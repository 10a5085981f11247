using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;
using OtpNet;

namespace Custodian.Core.Features.Accounts;

/// <summary>
/// Time-based one-time codes (RFC 6238 through Otp.NET): 6 digits, 30-second steps, SHA-1 (what every authenticator
/// app reads from an <c>otpauth://</c> URI), accepted one step early or late for clock drift. Each accepted code moves the
/// user's last used step forward, and a code of that step or an earlier one is refused (ASVS 6.5.1: one use).
/// </summary>
internal static class StaffTotp
{
    public const int Digits = 6;
    public const int StepSeconds = 30;
    public const int SecretBytes = 20;
    public const string Issuer = "Custodian";

    private static readonly VerificationWindow Window = new(previous: 1, future: 1);

    public static byte[] NewSecret() => RandomNumberGenerator.GetBytes(SecretBytes);

    /// <summary>The secret as authenticator apps want it typed in: base32, no padding.</summary>
    public static string SecretText(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    /// <summary>The URI a QR code carries (Key Uri Format): <c>otpauth://totp/Custodian:login?secret=…&amp;issuer=Custodian</c>.</summary>
    public static string ProvisioningUri(byte[] secret, string loginName) => string.Create(CultureInfo.InvariantCulture,
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(loginName)}?secret={SecretText(secret)}&issuer={Uri.EscapeDataString(Issuer)}&algorithm=SHA1&digits={Digits}&period={StepSeconds}");

    /// <summary>
    /// The step of <paramref name="code"/> when it is valid at <paramref name="now"/> (±1 step) and newer than
    /// <paramref name="lastUsedStep"/>; null otherwise (wrong, expired or replayed: one answer for all).
    /// </summary>
    public static long? Verify(byte[] secret, string? code, DateTimeOffset now, long? lastUsedStep)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var digits = new string((code ?? string.Empty).Where(c => !char.IsWhiteSpace(c)).ToArray());
        if (digits.Length != Digits || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }

        var totp = new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits);
        return totp.VerifyTotp(now.UtcDateTime, digits, out var step, Window) && (lastUsedStep is null || step > lastUsedStep)
            ? step
            : null;
    }

    /// <summary>The code of <paramref name="now"/> (tests, and the development-only <c>custodian user totp-code</c>).</summary>
    public static string Code(byte[] secret, DateTimeOffset now) =>
        new Totp(secret, StepSeconds, OtpHashMode.Sha1, Digits).ComputeTotp(now.UtcDateTime);

    /// <summary>The RFC 6238 step number of <paramref name="now"/>.</summary>
    public static long StepOf(DateTimeOffset now) => now.ToUnixTimeSeconds() / StepSeconds;
}

/// <summary>
/// Encrypts TOTP secrets at rest: AES-256-GCM under a key derived from the master key, bound to the owning row's id
/// (associated data), so a secret copied to another user's row does not decrypt. Layout: nonce ‖ tag ‖ ciphertext.
/// </summary>
internal sealed class TotpSecretProtector(MasterKey masterKey)
{
    public const string KeyPurpose = "custodian/staff-totp-secret/v1";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly byte[] _key = masterKey.Derive(KeyPurpose);

    public byte[] Protect(byte[] secret, Guid owner)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var output = new byte[NonceBytes + TagBytes + secret.Length];
        var nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, secret, output.AsSpan(NonceBytes + TagBytes), output.AsSpan(NonceBytes, TagBytes), Bind(owner));
        return output;
    }

    /// <exception cref="CryptographicException">The bytes were not made for this owner under this master key.</exception>
    public byte[] Unprotect(byte[] protectedSecret, Guid owner)
    {
        ArgumentNullException.ThrowIfNull(protectedSecret);
        if (protectedSecret.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException("The protected TOTP secret is truncated.");
        }

        var secret = new byte[protectedSecret.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(protectedSecret.AsSpan(0, NonceBytes), protectedSecret.AsSpan(NonceBytes + TagBytes),
            protectedSecret.AsSpan(NonceBytes, TagBytes), secret, Bind(owner));
        return secret;
    }

    private static byte[] Bind(Guid owner) => Encoding.ASCII.GetBytes("staff-totp:" + owner.ToString("N"));
}
