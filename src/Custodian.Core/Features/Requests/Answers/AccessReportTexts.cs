using Custodian.Core.Features.Register;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>
/// The report's own texts (headings, labels, notices) in both languages; everything about the processing itself
/// comes from the register. One table so that a translation is reviewed in one place.
/// </summary>
internal static class AccessReportTexts
{
    public static LocalizedText ThirdPartyNotice { get; } = new(
        "Om de privacy van anderen te beschermen zijn in gespreks- en verkeersgegevens de laatste vier cijfers van het nummer van de andere partij vervangen door x, zoals op een gespecificeerde rekening.",
        "To protect other people's privacy, the last four digits of the other party's number in call and traffic records are replaced by x, as on an itemised bill.");

    public static LocalizedText ClientOrganisation { get; } = new("De organisatie waarvoor u werkt (opdrachtgevende partij)", "The organisation you work for (client organisation)");

    public static LocalizedText Title { get; } = new("Inzage in uw persoonsgegevens", "Access to your personal data");

    public static LocalizedText Generated { get; } = new("Opgesteld op", "Prepared on");

    public static LocalizedText ControllerHeading { get; } = new("Wie dit overzicht geeft", "Who provides this overview");

    public static LocalizedText Processed { get; } = new("Wij verwerken persoonsgegevens van u. Hieronder staan per soort gegevens de gegevens zelf en wat wij ermee doen.", "We process personal data about you. Below, per type of data, you find the data itself and what we do with it.");

    public static LocalizedText NotProcessed { get; } = new("Wij hebben geen persoonsgegevens van u gevonden.", "We found no personal data about you.");

    public static LocalizedText Purposes { get; } = new("Doelen", "Purposes");

    public static LocalizedText LegalBasis { get; } = new("Grond voor verwerking", "Legal basis");

    public static LocalizedText Controller { get; } = new("Verantwoordelijke", "Controller");

    public static LocalizedText Retention { get; } = new("Bewaartermijn", "Retention period");

    public static LocalizedText Sources { get; } = new("Herkomst", "Source");

    public static LocalizedText Automated { get; } = new("Geautomatiseerde besluitvorming (art. 22 AVG)", "Automated decision-making (Art. 22 GDPR)");

    public static LocalizedText Recipients { get; } = new("Ontvangers", "Recipients");

    public static LocalizedText NoRecipients { get; } = new("Geen", "None");

    public static LocalizedText Country { get; } = new("land", "country");

    public static LocalizedText OutsideEea { get; } = new("buiten de EER; waarborg", "outside the EEA; safeguard");

    public static LocalizedText Portable { get; } = new("Overdraagbaar (art. 20 AVG)", "Portable (Art. 20 GDPR)");

    public static LocalizedText Records { get; } = new("Uw gegevens", "Your data");

    public static LocalizedText Field { get; } = new("Gegeven", "Field");

    public static LocalizedText Value { get; } = new("Waarde", "Value");

    public static LocalizedText Record { get; } = new("Gegeven", "Record");

    public static LocalizedText Organization { get; } = new("Organisatie", "Organisation");

    public static LocalizedText KeptUntil { get; } = new("Bewaard tot", "Kept until");

    public static LocalizedText UntilEvent { get; } = new("Zolang de dienst of supportvraag loopt, daarna volgens de bewaartermijn", "While the service or support request runs, then as the retention period says");

    public static LocalizedText LegalObligation { get; } = new("Bewaard: wettelijke verplichting", "Kept: legal obligation");

    public static LocalizedText RightsHeading { get; } = new("Uw rechten", "Your rights");

    public static LocalizedText ComplaintHeading { get; } = new("Klacht indienen", "Lodging a complaint");

    public static LocalizedText ComplaintText { get; } = new("U kunt een klacht indienen bij de toezichthouder:", "You can lodge a complaint with the supervisory authority:");

    public static LocalizedText Yes { get; } = new("ja", "yes");

    public static LocalizedText No { get; } = new("nee", "no");
}
