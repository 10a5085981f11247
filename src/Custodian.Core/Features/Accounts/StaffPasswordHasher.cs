using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Custodian.Core.Features.Accounts;

/// <summary>Argon2id cost: memory in KiB, passes, lanes.</summary>
internal sealed record Argon2Cost(int MemoryKib, int Passes, int Parallelism)
{
    /// <summary>
    /// OWASP Password Storage Cheat Sheet's first Argon2id row: 19 MiB, 2 passes, 1 lane (libsodium, under NSec, only
    /// computes one lane). Raise it here; stored hashes of the old cost are rehashed at the user's next login.
    /// </summary>
    public static Argon2Cost Default { get; } = new(19 * 1024, 2, 1);
}

/// <summary>
/// Password hashes as PHC strings, <c>$argon2id$v=19$m=19456,t=2,p=1$&lt;salt&gt;$&lt;hash&gt;</c> (base64 without
/// padding), so the cost travels with each hash and can be raised without a migration. Argon2id through NSec
/// (libsodium): memory-hard, the OWASP first choice, and a library this project already trusts for Ed25519.
/// </summary>
internal sealed class StaffPasswordHasher
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    /// <summary>Shortest accepted password (ASVS 5 6.2.1 asks for at least 8; 12 is this product's choice). No composition rules.</summary>
    public const int MinimumLength = 12;

    /// <summary>Longest accepted password, so a megabyte password cannot cost a megabyte of hashing per attempt.</summary>
    public const int MaximumLength = 128;

    private readonly Argon2Cost _cost;
    private readonly Lazy<string> _dummy;
    private long _workDone;

    public StaffPasswordHasher(Argon2Cost cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        _cost = cost;
        _dummy = new Lazy<string>(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(24))));
    }

    public StaffPasswordHasher()
        : this(Argon2Cost.Default)
    {
    }

    public Argon2Cost Cost => _cost;

    /// <summary>
    /// The Argon2id work this hasher has done: for each derivation its memory (KiB) × passes × lanes. An unknown login
    /// name must cost as much as a wrong password (no way to tell accounts apart by time); tests compare this figure
    /// per attempt, which no machine load can blur.
    /// </summary>
    internal long WorkDone => Interlocked.Read(ref _workDone);

    public string Hash(string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        var hash = Derive(password, salt, _cost, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={_cost.MemoryKib},t={_cost.Passes},p={_cost.Parallelism}${B64(salt)}${B64(hash)}");
    }

    /// <summary>
    /// Checks <paramref name="password"/> against <paramref name="stored"/> in constant time. <paramref name="needsRehash"/>
    /// is true when it matched but was hashed with another cost than today's.
    /// </summary>
    public bool Verify(string password, string stored, out bool needsRehash)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(stored);
        needsRehash = false;
        if (!TryParse(stored, out var cost, out var salt, out var expected))
        {
            return false;
        }

        var actual = Derive(password, salt, cost, expected.Length);
        if (!CryptographicOperations.FixedTimeEquals(actual, expected))
        {
            return false;
        }

        needsRehash = cost != _cost || expected.Length != HashBytes;
        return true;
    }

    /// <summary>
    /// Spends the time of one verification against a hash nobody knows the password of: a login name that does not
    /// exist must take as long as a wrong password (no user enumeration by timing, ASVS 6.3.8).
    /// </summary>
    public void VerifyNothing(string password) => Verify(password, _dummy.Value, out _);

    private byte[] Derive(string password, byte[] salt, Argon2Cost cost, int length)
    {
        Interlocked.Add(ref _workDone, (long)cost.MemoryKib * cost.Passes * cost.Parallelism);
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = cost.Parallelism,
            MemorySize = cost.MemoryKib,
            NumberOfPasses = cost.Passes,
        });
        return algorithm.DeriveBytes(Encoding.UTF8.GetBytes(password), salt, length);
    }

    private static bool TryParse(string stored, out Argon2Cost cost, out byte[] salt, out byte[] hash)
    {
        cost = Argon2Cost.Default;
        salt = [];
        hash = [];
        var parts = stored.Split('$');
        if (parts is not ["", "argon2id", "v=19", var parameters, var saltText, var hashText])
        {
            return false;
        }

        var values = parameters.Split(',').Select(p => p.Split('=')).ToArray();
        if (values is not [["m", var m], ["t", var t], ["p", var p]]
            || !int.TryParse(m, NumberStyles.None, CultureInfo.InvariantCulture, out var memory)
            || !int.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var passes)
            || !int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var lanes))
        {
            return false;
        }

        try
        {
            salt = FromB64(saltText);
            hash = FromB64(hashText);
        }
        catch (FormatException)
        {
            return false;
        }

        cost = new Argon2Cost(memory, passes, lanes);
        return salt.Length >= SaltBytes && hash.Length >= 16;
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[] FromB64(string text) => Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
}
