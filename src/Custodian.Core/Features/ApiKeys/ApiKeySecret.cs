using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Custodian.Core.Features.ApiKeys;

/// <summary>
/// The key format <c>cust_&lt;prefix&gt;_&lt;secret&gt;</c>: a 10-character public prefix (50 random bits) that finds
/// the row, and a 52-character secret (256 random bits), both lower-case base32 (a–z, 2–7: no '_' so the parts split
/// unambiguously, and safe in headers and shells).
/// </summary>
/// <remarks>
/// The secret is stored as plain SHA-256, not a password hash or an HMAC: it is 256 bits from the OS random generator,
/// so a stolen table cannot be brute-forced either way, and a pepper from the master key would make every key
/// unusable when the master key is rotated, for no gain. Comparison is constant-time.
/// </remarks>
internal static class ApiKeySecret
{
    public const string Scheme = "cust";
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    private const int PrefixLength = 10;
    private const int SecretLength = 52;

    public static (string Prefix, string Secret, string FullKey) Generate()
    {
        var prefix = RandomBase32(PrefixLength);
        var secret = RandomBase32(SecretLength);
        return (prefix, secret, $"{Scheme}_{prefix}_{secret}");
    }

    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret));

    public static bool Matches(string secret, byte[] storedHash) => CryptographicOperations.FixedTimeEquals(Hash(secret), storedHash);

    /// <summary>Splits a presented key into prefix and secret; false for anything not shaped like one of ours.</summary>
    public static bool TryParse(string? presented, [NotNullWhen(true)] out string? prefix, [NotNullWhen(true)] out string? secret)
    {
        prefix = null;
        secret = null;
        var parts = presented?.Trim().Split('_');
        if (parts is not [Scheme, var p, var s] || p.Length != PrefixLength || s.Length != SecretLength
            || !p.All(Alphabet.Contains) || !s.All(Alphabet.Contains))
        {
            return false;
        }

        prefix = p;
        secret = s;
        return true;
    }

    private static string RandomBase32(int length)
    {
        // 32 symbols: an unbiased pick per byte from the low five bits.
        var bytes = RandomNumberGenerator.GetBytes(length);
        return string.Create(length, bytes, (span, b) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[b[i] & 31];
            }
        });
    }
}
