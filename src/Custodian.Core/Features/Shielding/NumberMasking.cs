using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Shielding;

/// <summary>How a called number appears on an itemised bill (SHD-4: mask the last four digits of a shielded number).</summary>
internal static class NumberMasking
{
    /// <summary><c>+31 88 308 2636</c> → <c>+31 88 308 ****</c>: the international display form with its last four digits masked.</summary>
    public static string Masked(string e164) => MaskLastDigits(Display(e164), 4);

    /// <summary>The international display form; the value itself when it is not a valid number (a short code, a feed's oddity).</summary>
    public static string Display(string number) =>
        Phone.Normalize(number).IsValid ? Phone.FormatInternational(number) : number;

    internal static string MaskLastDigits(string text, int count)
    {
        var chars = text.ToCharArray();
        for (var i = chars.Length - 1; i >= 0 && count > 0; i--)
        {
            if (char.IsAsciiDigit(chars[i]))
            {
                chars[i] = '*';
                count--;
            }
        }

        return new string(chars);
    }
}
