using System.Globalization;
using System.Net;
using System.Text;
using Custodian.Core.Features.Register;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Breaches;

/// <summary>
/// The content of the notification to the Autoriteit Persoonsgegevens (GDPR 33(3); Regulation 611/2013 Annex I) as
/// one printable, self-contained HTML document in Dutch or English: inline CSS only, no scripts or external resources,
/// every value HTML-encoded. Staff copy it into the AP's notification form or attach it; printing gives the paper copy.
/// Times are shown in Amsterdam time with their offset, as the AP's form asks for local dates and times.
/// </summary>
/// <remarks>
/// HTML, not PDF: PDFsharp 6 (the permitted library) finds no fonts on Linux without a custom font resolver and
/// bundled font files, and a test of its content would need a PDF text extractor; the browser's print gives a PDF.
/// </remarks>
internal static class BreachNotice
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];
    private static readonly ZonedDateTimePattern TimePattern = ZonedDateTimePattern.CreateWithInvariantCulture("uuuu-MM-dd HH:mm '('o<g>')'", null);

    public static string Render(BreachDetail detail, ProcessingRegister register, StatementLanguage language)
    {
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentNullException.ThrowIfNull(register);
        var b = detail.Breach;
        string T(LocalizedText text) => Encode(text.Get(language));
        var controller = register.Statement.Controller;
        var sb = new StringBuilder(8192);
        sb.Append("<!DOCTYPE html>\n<html lang=\"").Append(language == StatementLanguage.Dutch ? "nl" : "en").Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<title>").Append(T(BreachNoticeTexts.Title)).Append(' ').Append(Encode(b.Reference)).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem;line-height:1.45;color:#111}")
            .Append("dt{font-weight:bold;margin-top:.6rem}dd{margin-left:1rem;white-space:pre-wrap}section{margin-bottom:1.5rem}")
            .Append("@media print{body{margin:0;max-width:none}}</style>\n</head>\n<body>\n<main>\n");
        sb.Append("<h1>").Append(T(BreachNoticeTexts.Title)).Append("</h1>\n");
        sb.Append("<p>").Append(T(BreachNoticeTexts.Intro)).Append("</p>\n");

        sb.Append("<section>\n<h2>").Append(T(BreachNoticeTexts.NotifierHeading)).Append("</h2>\n<dl>\n");
        Item(sb, T(BreachNoticeTexts.Provider), Encode(controller.Name) + "<br>" + Encode(controller.Address.Street) + "<br>"
            + Encode(controller.Address.PostalCode) + " " + Encode(controller.Address.City));
        Item(sb, T(BreachNoticeTexts.ContactPoint), Encode(b.ContactPoint));
        Item(sb, T(BreachNoticeTexts.Reference), Encode(b.Reference));
        Item(sb, T(BreachNoticeTexts.NoticeType), T(b.CompleteReportAt is not null ? BreachNoticeTexts.Complete : BreachNoticeTexts.Initial));
        sb.Append("</dl>\n</section>\n");

        sb.Append("<section>\n<h2>").Append(T(BreachNoticeTexts.BreachHeading)).Append("</h2>\n<dl>\n");
        Item(sb, T(BreachNoticeTexts.Summary), Encode(b.Title));
        Item(sb, T(BreachNoticeTexts.DetectedAt), Time(b.DetectedAt));
        Item(sb, T(BreachNoticeTexts.AwareAt), Time(b.AwareAt));
        Item(sb, T(BreachNoticeTexts.InitialReportAt), b.InitialReportAt is { } i ? Time(i) : T(BreachNoticeTexts.NotYet));
        if (b.CompleteReportAt is { } c)
        {
            Item(sb, T(BreachNoticeTexts.CompleteReportAt), Time(c));
        }

        Item(sb, T(BreachNoticeTexts.Nature), Encode(b.Nature));
        Item(sb, T(BreachNoticeTexts.Categories), string.Join("<br>", detail.Categories.Select(cat =>
            T(register.Service(cat.ServiceId).Name) + ": " + T(cat.Description))));
        Item(sb, T(BreachNoticeTexts.People), Count(b.ApproximatePeople, language));
        Item(sb, T(BreachNoticeTexts.Records), Count(b.ApproximateRecords, language));
        Item(sb, T(BreachNoticeTexts.Consequences), Encode(b.LikelyConsequences));
        Item(sb, T(BreachNoticeTexts.MeasuresTaken), Encode(b.MeasuresTaken));
        Item(sb, T(BreachNoticeTexts.MeasuresProposed), Encode(b.MeasuresProposed));
        sb.Append("</dl>\n</section>\n");

        sb.Append("<section>\n<h2>").Append(T(BreachNoticeTexts.PeopleHeading)).Append("</h2>\n<p>");
        sb.Append(b.SubjectsInformed
            ? T(BreachNoticeTexts.Informed)
            : T(BreachNoticeTexts.NotInformed) + (b.SubjectsNotInformedBecause switch
            {
                SubjectNoticeExemption.Encrypted => " " + T(BreachNoticeTexts.BecauseEncrypted),
                SubjectNoticeExemption.Measures => " " + T(BreachNoticeTexts.BecauseMeasures),
                SubjectNoticeExemption.Disproportionate => " " + T(BreachNoticeTexts.BecauseDisproportionate),
                _ => string.Empty,
            }));
        sb.Append("</p>\n</section>\n");

        if (detail.ClientCategories.Count > 0)
        {
            sb.Append("<section>\n<h2>").Append(T(BreachNoticeTexts.ControllersHeading)).Append("</h2>\n<p>").Append(T(BreachNoticeTexts.ControllersIntro)).Append("</p>\n<ul>\n");
            foreach (var org in detail.ControllersToInform)
            {
                sb.Append("<li>").Append(Encode(org.Name)).Append("</li>\n");
            }

            if (detail.ControllersMissing)
            {
                sb.Append("<li>").Append(T(BreachNoticeTexts.ControllersUnknown)).Append("</li>\n");
            }

            sb.Append("</ul>\n</section>\n");
        }

        if (b.LateReasons is { } late)
        {
            sb.Append("<section>\n<h2>").Append(T(BreachNoticeTexts.LateHeading)).Append("</h2>\n<p style=\"white-space:pre-wrap\">").Append(Encode(late)).Append("</p>\n</section>\n");
        }

        sb.Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void Item(StringBuilder sb, string term, string value) =>
        sb.Append("<dt>").Append(term).Append("</dt><dd>").Append(value.Length == 0 ? "–" : value).Append("</dd>\n");

    private static string Time(Instant instant) => Encode(TimePattern.Format(instant.InZone(Amsterdam)));

    private static string Count(int? n, StatementLanguage language) => n is { } v
        ? (language == StatementLanguage.Dutch ? "ongeveer " : "approximately ") + v.ToString("N0", CultureInfo.GetCultureInfo(language == StatementLanguage.Dutch ? "nl-NL" : "en-GB"))
        : Encode(BreachNoticeTexts.Unknown.Get(language));

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}

/// <summary>The notice's texts in both languages (the document is produced in Core, away from the host's resources).</summary>
internal static class BreachNoticeTexts
{
    public static LocalizedText Title { get; } = new("Melding datalek aan de Autoriteit Persoonsgegevens", "Personal data breach notification to the Dutch Data Protection Authority");
    public static LocalizedText Intro { get; } = new(
        "Inhoud van de melding op grond van artikel 33 AVG en artikel 11.3a Telecommunicatiewet (Verordening (EU) nr. 611/2013, bijlage I).",
        "Content of the notification under Article 33 GDPR and Article 11.3a of the Dutch Telecommunications Act (Regulation (EU) No 611/2013, Annex I).");
    public static LocalizedText NotifierHeading { get; } = new("Melder", "Notifying party");
    public static LocalizedText Provider { get; } = new("Aanbieder", "Provider");
    public static LocalizedText ContactPoint { get; } = new("Contactpunt (functionaris gegevensbescherming)", "Contact point (data protection officer)");
    public static LocalizedText Reference { get; } = new("Eigen kenmerk", "Our reference");
    public static LocalizedText NoticeType { get; } = new("Soort melding", "Type of notification");
    public static LocalizedText Initial { get; } = new("Eerste melding (aanvulling volgt)", "Initial notification (to be completed)");
    public static LocalizedText Complete { get; } = new("Volledige melding", "Complete notification");
    public static LocalizedText BreachHeading { get; } = new("Het datalek", "The breach");
    public static LocalizedText Summary { get; } = new("Samenvatting", "Summary");
    public static LocalizedText DetectedAt { get; } = new("Ontdekt op", "Detected at");
    public static LocalizedText AwareAt { get; } = new("Vastgesteld dat persoonsgegevens zijn getroffen op", "Aware that personal data is affected at");
    public static LocalizedText InitialReportAt { get; } = new("Eerste melding aan de AP", "Initial notification to the AP");
    public static LocalizedText CompleteReportAt { get; } = new("Volledige melding aan de AP", "Complete notification to the AP");
    public static LocalizedText NotYet { get; } = new("nog niet gedaan", "not yet made");
    public static LocalizedText Nature { get; } = new("Aard van het datalek", "Nature of the breach");
    public static LocalizedText Categories { get; } = new("Categorieën persoonsgegevens", "Categories of personal data");
    public static LocalizedText People { get; } = new("Aantal betrokkenen", "Number of people concerned");
    public static LocalizedText Records { get; } = new("Aantal gegevensrecords", "Number of records concerned");
    public static LocalizedText Unknown { get; } = new("nog onbekend", "not yet known");
    public static LocalizedText Consequences { get; } = new("Waarschijnlijke gevolgen", "Likely consequences");
    public static LocalizedText MeasuresTaken { get; } = new("Genomen maatregelen", "Measures taken");
    public static LocalizedText MeasuresProposed { get; } = new("Voorgestelde maatregelen", "Measures proposed");
    public static LocalizedText PeopleHeading { get; } = new("Informeren van betrokkenen", "Informing the people concerned");
    public static LocalizedText Informed { get; } = new("De betrokkenen worden geïnformeerd.", "The people concerned are informed.");
    public static LocalizedText NotInformed { get; } = new("De betrokkenen worden niet geïnformeerd.", "The people concerned are not informed.");
    public static LocalizedText BecauseEncrypted { get; } = new(
        "De gegevens waren versleuteld of anderszins onbegrijpelijk voor onbevoegden (artikel 34, lid 3, onder a AVG).",
        "The data was encrypted or otherwise unintelligible to unauthorised persons (Article 34(3)(a) GDPR).");
    public static LocalizedText BecauseMeasures { get; } = new(
        "Achteraf genomen maatregelen maken het hoge risico niet langer waarschijnlijk (artikel 34, lid 3, onder b AVG).",
        "Subsequent measures ensure the high risk is no longer likely to materialise (Article 34(3)(b) GDPR).");
    public static LocalizedText BecauseDisproportionate { get; } = new(
        "Individuele kennisgeving vergt onevenredige inspanning; er volgt een openbare mededeling (artikel 34, lid 3, onder c AVG).",
        "Individual notice would involve disproportionate effort; a public communication follows (Article 34(3)(c) GDPR).");
    public static LocalizedText ControllersHeading { get; } = new("Verwerkingsverantwoordelijken", "Controllers");
    public static LocalizedText ControllersIntro { get; } = new(
        "Voor een deel van de gegevens is de aanbieder verwerker. De volgende klantorganisaties zijn als verwerkingsverantwoordelijke geïnformeerd of worden dat onverwijld (artikel 33, lid 2 AVG):",
        "For part of the data the provider is a processor. The following client organisations, as controllers, have been or will be informed without undue delay (Article 33(2) GDPR):");
    public static LocalizedText ControllersUnknown { get; } = new("nog vast te stellen klantorganisaties", "client organisations still to be identified");
    public static LocalizedText LateHeading { get; } = new("Redenen voor de vertraging", "Reasons for the delay");
}
