using System.Security.Cryptography;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// Public request references: 12 characters of Crockford base32 from a CSPRNG (60 bits), so a reference cannot be
/// guessed or counted (it is not a sequence). A reference alone opens nothing: reading a status needs the request
/// session token, too.
/// </summary>
internal static class RequestReferences
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string New()
    {
        Span<char> chars = stackalloc char[DataSubjectRequest.ReferenceLength];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return new string(chars);
    }

    /// <summary>
    /// The canonical form of a typed reference (upper case; Crockford's I/L → 1, O → 0; hyphens and spaces dropped),
    /// or null when it cannot be one.
    /// </summary>
    /// <summary>Longer input is never a reference (it may hold spaces and dashes, but not this many).</summary>
    public const int MaxInputLength = 40;

    public static string? Canonical(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > MaxInputLength)
        {
            return null;
        }

        var result = new System.Text.StringBuilder(DataSubjectRequest.ReferenceLength);
        foreach (var raw in input)
        {
            if (raw is '-' or ' ')
            {
                continue;
            }

            var c = char.ToUpperInvariant(raw) switch
            {
                'I' or 'L' => '1',
                'O' => '0',
                var other => other,
            };
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return null;
            }

            result.Append(c);
        }

        return result.Length == DataSubjectRequest.ReferenceLength ? result.ToString() : null;
    }
}
