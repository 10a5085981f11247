using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Custodian.Core.Common;
using NSec.Cryptography;

namespace Custodian.Core.Features.Audit;

/// <summary>A checkpoint's body: the log <paramref name="Origin"/>, its size and the RFC 6962 root at that size.</summary>
internal sealed record CheckpointBody(string Origin, long Size, byte[] Root)
{
    /// <summary>The C2SP tlog-checkpoint text: <c>origin\nsize\nbase64(root)\n</c>, no extension lines.</summary>
    public string Text() => string.Create(CultureInfo.InvariantCulture, $"{Origin}\n{Size}\n{Convert.ToBase64String(Root)}\n");
}

/// <summary>
/// Signs and verifies checkpoints as C2SP signed notes with Ed25519 (NSec / libsodium; .NET has no Ed25519 of its own).
/// The private key is derived from the master key (purpose <see cref="KeyPurpose"/>) on every start and never stored,
/// so whoever can write the database cannot sign. The public half can be handed out (<see cref="VerifierKey"/>) so a
/// client organisation or auditor can check exported checkpoints without any secret.
/// </summary>
internal sealed class CheckpointSigner : IDisposable
{
    public const string KeyPurpose = "custodian/audit-checkpoint-ed25519/v1";

    /// <summary>Signature type byte for Ed25519 in C2SP signed-note key ids.</summary>
    private const byte Ed25519Type = 0x01;

    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    private readonly Key _key;

    public CheckpointSigner(MasterKey masterKey, string keyName)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyName);
        if (keyName.Any(c => char.IsWhiteSpace(c) || c == '+'))
        {
            throw new ArgumentException("A signed-note key name has no spaces and no '+'.", nameof(keyName));
        }

        KeyName = keyName;
        _key = Key.Import(Algorithm, masterKey.Derive(KeyPurpose), KeyBlobFormat.RawPrivateKey);
        Verifier = new CheckpointVerifier(keyName, _key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public string KeyName { get; }

    public CheckpointVerifier Verifier { get; }

    /// <summary>The public key in signed-note verifier-key form: <c>name+keyid+base64(0x01 ‖ public key)</c>.</summary>
    public string VerifierKey => Verifier.VerifierKey;

    /// <summary>The signed note: body, blank line, <c>— name base64(keyid ‖ signature)</c>.</summary>
    public string Sign(CheckpointBody body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var text = body.Text();
        var signature = Algorithm.Sign(_key, Encoding.UTF8.GetBytes(text));
        var blob = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(blob, Verifier.KeyId);
        signature.CopyTo(blob, 4);
        return text + "\n\u2014 " + KeyName + " " + Convert.ToBase64String(blob) + "\n";
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>Checks signed checkpoint notes against one Ed25519 public key. Holds no secret.</summary>
internal sealed class CheckpointVerifier
{
    private static readonly SignatureAlgorithm Algorithm = SignatureAlgorithm.Ed25519;

    private readonly PublicKey _publicKey;
    private readonly byte[] _publicKeyBytes;

    public CheckpointVerifier(string keyName, byte[] publicKey)
    {
        KeyName = keyName;
        _publicKeyBytes = [.. publicKey];
        _publicKey = PublicKey.Import(Algorithm, publicKey, KeyBlobFormat.RawPublicKey);
        var idInput = new byte[keyName.Length * 3 + 2 + publicKey.Length];
        var n = Encoding.UTF8.GetBytes(keyName, idInput);
        idInput[n] = (byte)'\n';
        idInput[n + 1] = 0x01;
        publicKey.CopyTo(idInput, n + 2);
        KeyId = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(idInput.AsSpan(0, n + 2 + publicKey.Length)));
    }

    public string KeyName { get; }

    /// <summary>C2SP key id: the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key), big-endian.</summary>
    public uint KeyId { get; }

    public string VerifierKey =>
        string.Create(CultureInfo.InvariantCulture, $"{KeyName}+{KeyId:x8}+{Convert.ToBase64String([0x01, .. _publicKeyBytes])}");

    /// <summary>Parses a verifier key <c>name+keyid+base64(0x01 ‖ key)</c>; null when it is not a valid Ed25519 one.</summary>
    public static CheckpointVerifier? FromVerifierKey(string vkey)
    {
        var parts = (vkey ?? "").Trim().Split('+');
        if (parts.Length != 3)
        {
            return null;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            return null;
        }

        if (blob.Length != 33 || blob[0] != 0x01)
        {
            return null;
        }

        var verifier = new CheckpointVerifier(parts[0], blob[1..]);
        return string.Equals(verifier.KeyId.ToString("x8", CultureInfo.InvariantCulture), parts[1], StringComparison.OrdinalIgnoreCase) ? verifier : null;
    }

    /// <summary>
    /// Parses a signed checkpoint note and checks our signature on it. Signatures by other keys (witness cosignatures)
    /// are ignored, as C2SP requires; there must be at least one valid signature by this key.
    /// </summary>
    public CheckpointParse Open(string note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return CheckpointParse.Fail("the note has no signature block (no blank line after the body)");
        }

        var text = note[..(split + 1)];
        var lines = text.Split('\n');
        // "origin", "size", "root", then the empty string after the final newline (extension lines are not accepted).
        if (lines.Length != 4)
        {
            return CheckpointParse.Fail("the checkpoint body must be exactly three lines: origin, size, root");
        }

        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) ||
            lines[1] != size.ToString(CultureInfo.InvariantCulture))
        {
            return CheckpointParse.Fail("the size line is not a decimal number");
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            return CheckpointParse.Fail("the root line is not base64");
        }

        if (root.Length != MerkleTree.HashLength || Convert.ToBase64String(root) != lines[2])
        {
            return CheckpointParse.Fail("the root line is not a base64 SHA-256 hash");
        }

        var body = new CheckpointBody(lines[0], size, root);
        var textBytes = Encoding.UTF8.GetBytes(text);
        var signed = false;
        foreach (var line in note[(split + 2)..].Split('\n'))
        {
            if (line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(' ');
            if (fields.Length != 3 || fields[0] != "\u2014")
            {
                return CheckpointParse.Fail("a signature line is malformed (expected '— name signature')");
            }

            if (fields[1] != KeyName)
            {
                continue;
            }

            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(fields[2]);
            }
            catch (FormatException)
            {
                return CheckpointParse.Fail("a signature is not base64");
            }

            if (blob.Length == 4 + Algorithm.SignatureSize && BinaryPrimitives.ReadUInt32BigEndian(blob) == KeyId)
            {
                if (!Algorithm.Verify(_publicKey, textBytes, blob.AsSpan(4)))
                {
                    return CheckpointParse.Fail("the signature does not verify (the checkpoint was altered or signed by another key)");
                }

                signed = true;
            }
        }

        if (!signed)
        {
            return CheckpointParse.Fail($"no signature by the audit key '{KeyName}' ({KeyId:x8})");
        }

        return new CheckpointParse(body, null);
    }
}

/// <summary>The body of a checkpoint whose signature verified, or why it was rejected.</summary>
internal sealed record CheckpointParse(CheckpointBody? Body, string? Error)
{
    public static CheckpointParse Fail(string error) => new(null, error);
}
