using System.Globalization;

namespace Custodian.Core.Identifiers;

/// <summary>Input hygiene shared by the identifier kinds: null/empty, length caps and digit extraction.</summary>
internal static class IdentifierText
{
    /// <summary>Checks for null, blank and over-long input and returns the trimmed text.</summary>
    /// <param name="input">The raw input.</param>
    /// <param name="codePrefix">e.g. <c>identifier.imei</c>; codes become <c>.empty</c>, <c>.too_long</c>.</param>
    /// <param name="name">The identifier's name for messages, e.g. <c>IMEI</c>.</param>
    /// <param name="maxLength">Longest trimmed input worth looking at; checked before any parsing.</param>
    /// <param name="trimmed">The input without surrounding whitespace; empty on failure.</param>
    public static IdentifierError? Prepare(string? input, string codePrefix, string name, int maxLength, out string trimmed)
    {
        trimmed = string.Empty;
        if (string.IsNullOrWhiteSpace(input))
        {
            return new IdentifierError($"{codePrefix}.empty", $"The {name} is empty; enter a value.");
        }

        // Measure the raw length first so a megabyte of padding is not trimmed (copied) before being refused.
        if (input.Length > maxLength * 4 || (trimmed = input.Trim()).Length > maxLength)
        {
            trimmed = string.Empty;
            return new IdentifierError(
                $"{codePrefix}.too_long",
                string.Create(CultureInfo.InvariantCulture, $"The {name} is too long; it can have at most {maxLength} characters."));
        }

        return null;
    }

    /// <summary>
    /// Removes the separators people type inside long digit strings (spaces and hyphens) and returns the ASCII digits.
    /// Anything else, including non-ASCII digits such as Arabic-Indic or full-width ones, is refused: they would
    /// otherwise slip through <see cref="char.IsDigit(char)"/> and be stored in a form no other system matches.
    /// </summary>
    public static IdentifierError? ExtractDigits(string trimmed, string codePrefix, string name, out string digits)
    {
        var buffer = new char[trimmed.Length];
        var count = 0;
        foreach (var c in trimmed)
        {
            if (char.IsAsciiDigit(c))
            {
                buffer[count++] = c;
            }
            else if (c is not (' ' or '-'))
            {
                digits = string.Empty;
                return new IdentifierError(
                    $"{codePrefix}.characters",
                    $"The {name} may only contain the digits 0-9, optionally grouped with spaces or hyphens; remove any other characters.");
            }
        }

        digits = new string(buffer, 0, count);
        return null;
    }

    /// <summary><see cref="Prepare"/> followed by <see cref="ExtractDigits"/>.</summary>
    public static IdentifierError? PrepareDigits(string? input, string codePrefix, string name, int maxLength, out string digits)
    {
        digits = string.Empty;
        return Prepare(input, codePrefix, name, maxLength, out var trimmed)
            ?? ExtractDigits(trimmed, codePrefix, name, out digits);
    }

    public static bool IsAllZero(string digits) => digits.AsSpan().IndexOfAnyExcept('0') < 0;

    public static bool IsAscii(string text) => System.Text.Ascii.IsValid(text);
}

/// <summary>The Luhn (mod 10) check digit used by IMEI and ICCID.</summary>
internal static class Luhn
{
    /// <summary>True when the last digit is the Luhn check digit of the others. Expects ASCII digits only.</summary>
    public static bool IsValid(ReadOnlySpan<char> digits) =>
        digits.Length >= 2 && ComputeCheckDigit(digits[..^1]) == digits[^1];

    /// <summary>The check digit to append to <paramref name="payload"/> (ASCII digits only).</summary>
    public static char ComputeCheckDigit(ReadOnlySpan<char> payload)
    {
        var sum = 0;
        // Double every second digit counting from the right end of the payload (the one next to the check digit).
        var doubleIt = true;
        for (var i = payload.Length - 1; i >= 0; i--)
        {
            var d = payload[i] - '0';
            if (d is < 0 or > 9)
            {
                throw new ArgumentException("The payload must consist of ASCII digits.", nameof(payload));
            }

            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return (char)('0' + ((10 - (sum % 10)) % 10));
    }
}
