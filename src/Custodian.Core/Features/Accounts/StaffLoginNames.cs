using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Accounts;

/// <summary>Login names: trimmed, lower-case, <c>a-z 0-9 . _ -</c>, 2 to 64 characters, starting with a letter or digit.</summary>
internal static class StaffLoginNames
{
    public const int MaximumLength = 64;

    public static string Normalize(string? name) => (name ?? string.Empty).Trim().ToLowerInvariant();

    public static bool IsValid(string normalized) =>
        normalized.Length is >= 2 and <= MaximumLength
        && char.IsAsciiLetterOrDigit(normalized[0])
        && normalized.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '_' or '-');
}

/// <summary>The keyed hash that names a login name's <see cref="LoginThrottle"/> row.</summary>
internal sealed class LoginNameKeys(MasterKey masterKey)
{
    public const string KeyPurpose = "custodian/login-throttle-hmac/v1";

    private readonly byte[] _key = masterKey.Derive(KeyPurpose);

    public string For(string normalizedName) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(normalizedName)));
}
