using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Audit;

/// <summary>
/// Keyed hashes of identifiers for the audit trail (security.md §2.3 item 2, the Vault audit-device approach): a feature
/// that must record WHICH phone number was searched records <c>HashIdentifier("phone", normalized)</c> instead, so the
/// chained bytes hold no personal data but an investigator holding the master key can still ask "was +31612345678
/// searched?" by hashing it again. HMAC-SHA256 under a key derived from the master key: without the key the hash cannot
/// be brute-forced over the small space of phone numbers.
/// </summary>
internal sealed class AuditHasher
{
    public const string KeyPurpose = "custodian/audit-identifier-hmac/v1";

    /// <summary>Prefix of every hash, so a reader (and a later key rotation) can tell what it is.</summary>
    public const string Prefix = "hmac1:";

    private readonly byte[] _key;

    public AuditHasher(MasterKey masterKey)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        _key = masterKey.Derive(KeyPurpose);
    }

    /// <summary>
    /// <c>hmac1:</c> + lowercase hex of HMAC-SHA256(key, UTF-8(kind) ‖ 0x00 ‖ UTF-8(value)). Pass the NORMALISED value
    /// (<c>Identifier.Normalize</c>), so that every spelling of one number gives one hash; the kind keeps a phone number
    /// and an IMEI with the same digits apart.
    /// </summary>
    public string HashIdentifier(string kind, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(value);
        var kindBytes = Encoding.UTF8.GetBytes(kind);
        var valueBytes = Encoding.UTF8.GetBytes(value);
        var input = new byte[kindBytes.Length + 1 + valueBytes.Length];
        kindBytes.CopyTo(input, 0);
        valueBytes.CopyTo(input, kindBytes.Length + 1);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(_key, input));
    }
}
