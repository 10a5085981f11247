namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>Stable codes of a refused ID copy (never renamed: clients and texts key on them).</summary>
internal static class IdCopyRejectionCodes
{
    public const string TooLarge = "id_copy.too_large";
    public const string Empty = "id_copy.empty";
    public const string UnsupportedType = "id_copy.unsupported_type";
    public const string TooManyPixels = "id_copy.too_many_pixels";
    public const string Corrupt = "id_copy.corrupt";
    public const string TooManyPages = "id_copy.too_many_pages";
    public const string PdfEncrypted = "id_copy.pdf_encrypted";
    public const string BsnVisible = "id_copy.bsn_visible";
    public const string Unreadable = "id_copy.unreadable";
}

/// <summary>One accepted page: re-encoded PNG (no metadata, no trailing bytes, no active content).</summary>
internal sealed record IdCopyPage(byte[] Png, int Width, int Height);

/// <summary>The outcome of <see cref="IdCopyScreening.ScreenAsync"/>: either <see cref="Accepted"/> or <see cref="Rejected"/>.</summary>
internal abstract record IdCopyScreeningResult
{
    private IdCopyScreeningResult()
    {
    }

    /// <summary>The copy may be stored: only these re-encoded pages, never the uploaded bytes.</summary>
    internal sealed record Accepted(IReadOnlyList<IdCopyPage> Pages, string SourceType) : IdCopyScreeningResult
    {
        public int PageCount => Pages.Count;
    }

    /// <summary>
    /// The copy is refused; nothing of it is kept. <see cref="MessageNl"/> / <see cref="MessageEn"/> tell the requester
    /// what to do; they never repeat anything read from the document (a BSN above all).
    /// </summary>
    internal sealed record Rejected(string Code, string MessageNl, string MessageEn) : IdCopyScreeningResult;
}

/// <summary>The texts shown to a requester whose copy was refused (Dutch and English).</summary>
internal static class IdCopyMessages
{
    private const string InstructionsNl =
        " Maak uw burgerservicenummer (BSN) en uw pasfoto onleesbaar en zet een watermerk op de kopie met de ontvanger, " +
        "het doel en de datum, bijvoorbeeld met de KopieID-app van de Rijksoverheid. Upload een JPEG, PNG of PDF van " +
        "hoogstens 10 MB en 4 pagina's.";

    private const string InstructionsEn =
        " Cover your citizen service number (BSN) and your photo and add a watermark stating the recipient, the purpose " +
        "and the date, for example with the Dutch government's KopieID app. Upload a JPEG, PNG or PDF of at most 10 MB " +
        "and 4 pages.";

    public static IdCopyScreeningResult.Rejected Reject(string code) => code switch
    {
        IdCopyRejectionCodes.TooLarge => new(code, "Het bestand is groter dan 10 MB." + InstructionsNl, "The file is larger than 10 MB." + InstructionsEn),
        IdCopyRejectionCodes.Empty => new(code, "Het bestand is leeg." + InstructionsNl, "The file is empty." + InstructionsEn),
        IdCopyRejectionCodes.UnsupportedType => new(
            code,
            "Dit bestandstype wordt niet geaccepteerd; alleen JPEG, PNG of PDF (gecontroleerd op de inhoud, niet op de naam)." + InstructionsNl,
            "This file type is not accepted; only JPEG, PNG or PDF (checked by content, not by name)." + InstructionsEn),
        IdCopyRejectionCodes.TooManyPixels => new(
            code,
            "De afbeelding is te groot (te veel pixels). Verklein de afbeelding." + InstructionsNl,
            "The image is too large (too many pixels). Please scale it down." + InstructionsEn),
        IdCopyRejectionCodes.Corrupt => new(
            code, "Het bestand is beschadigd of onvolledig." + InstructionsNl, "The file is damaged or incomplete." + InstructionsEn),
        IdCopyRejectionCodes.TooManyPages => new(
            code, "De PDF heeft meer dan 4 pagina's." + InstructionsNl, "The PDF has more than 4 pages." + InstructionsEn),
        IdCopyRejectionCodes.PdfEncrypted => new(
            code,
            "De PDF is beveiligd of versleuteld. Upload een onbeveiligde PDF of een afbeelding." + InstructionsNl,
            "The PDF is protected or encrypted. Upload an unprotected PDF or an image." + InstructionsEn),
        IdCopyRejectionCodes.BsnVisible => new(
            code,
            "Op de kopie is een burgerservicenummer (BSN) leesbaar. Wij mogen uw BSN niet ontvangen of bewaren." + InstructionsNl,
            "A citizen service number (BSN) is readable on the copy. We may not receive or keep your BSN." + InstructionsEn),
        IdCopyRejectionCodes.Unreadable => new(
            code,
            "Wij konden de kopie niet automatisch controleren. Probeer het opnieuw met een scherpere kopie." + InstructionsNl,
            "We could not check the copy automatically. Please try again with a sharper copy." + InstructionsEn),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "unknown ID copy rejection code"),
    };
}
