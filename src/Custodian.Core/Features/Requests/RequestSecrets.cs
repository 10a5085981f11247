using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// Keys of the request lifecycle, derived from the master key per purpose: the HMAC over one-time codes (so the
/// table holds no code), and the HMAC over rate-limit keys (so it holds no IP address or identifier).
/// </summary>
internal sealed class RequestSecrets(MasterKey masterKey)
{
    private readonly byte[] _codeKey = masterKey.Derive("custodian/request-codes/v1");
    private readonly byte[] _rateKey = masterKey.Derive("custodian/request-rate-keys/v1");

    /// <summary>HMAC-SHA256 over (request id, code): a code of one request never matches another's row.</summary>
    public byte[] CodeHash(Guid requestId, string code)
    {
        Span<byte> id = stackalloc byte[16];
        requestId.TryWriteBytes(id, bigEndian: true, out _);
        var message = new byte[16 + Encoding.ASCII.GetByteCount(code)];
        id.CopyTo(message);
        Encoding.ASCII.GetBytes(code, message.AsSpan(16));
        return HMACSHA256.HashData(_codeKey, message);
    }

    public string RateKey(string scope, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_rateKey, Encoding.UTF8.GetBytes(scope + "\n" + value)));
}
