using System.Globalization;
using NodaTime;
using NodaTime.Text;
using NodaTime.Utility;

namespace Custodian.Core.Features.Register;

/// <summary>
/// The words the renderer derives from typed register fields: table cells, headings and fixed sentences. The
/// provider's own prose lives in the register; this is the vocabulary that turns <c>P6M</c> into "Zes maanden".
/// Cultures are explicit (nl-NL, en-GB), never the machine's.
/// </summary>
internal sealed class StatementVocabulary
{
    private static readonly CultureInfo Dutch = CultureInfo.GetCultureInfo("nl-NL");
    private static readonly CultureInfo British = CultureInfo.GetCultureInfo("en-GB");
    private static readonly string[] DutchNumbers = ["nul", "één", "twee", "drie", "vier", "vijf", "zes", "zeven", "acht", "negen", "tien", "elf", "twaalf"];
    private static readonly string[] EnglishNumbers = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    private readonly bool _nl;
    private readonly string _provider;

    public StatementVocabulary(StatementLanguage language, ControllerIdentity controller)
    {
        Language = language;
        _nl = language == StatementLanguage.Dutch;
        _provider = controller.ShortName;
        Culture = _nl ? Dutch : British;
    }

    public StatementLanguage Language { get; }

    public CultureInfo Culture { get; }

    public string LanguageTag => _nl ? "nl" : "en";

    private string T(string nl, string en) => _nl ? nl : en;

    public string ResponsibilityHeading => T("Wie er verantwoordelijk is voor de verwerking van uw gegevens", "Who is responsible for processing your data");

    public string DataHeading(string controllerName) => T($"Welke persoonsgegevens {controllerName} verwerkt", $"Which personal data {controllerName} processes");

    public string CategoryDetailsHeading => T("Meer over elk type gegevens", "More about each type of data");

    /// <summary>Categories the original statement's table did not list, added by Custodian (the table itself stays as it was).</summary>
    public string AddedCategoriesHeading => T("Aanvulling door Custodian: gegevens die niet in de oorspronkelijke tabel stonden", "Added by Custodian: data the original table did not list");

    public string UseHeading => T("Hoe de persoonsgegevens worden gebruikt", "How the personal data is used");

    public string SharingHeading => T("Met welke partijen de persoonsgegevens worden gedeeld", "With which parties the personal data is shared");

    public string ProcessorsHeading => T("Leveranciers en doorgifte buiten de EER", "Suppliers and transfers outside the EEA");

    public string RightsHeading => T("Welke rechten u heeft", "Which rights you have");

    public string ContactHeading => T("Hoe u ons kunt bereiken", "How to reach us");

    public IReadOnlyList<string> ColumnHeaders =>
        _nl
            ? ["Type dienst", "Type gegevens", "Bewaartermijnen", "Verantwoordelijke", "Grond voor verwerking"]
            : ["Type of service", "Type of data", "Retention periods", "Controller", "Legal basis"];

    /// <summary>The a)–e) explanations under "Een toelichting per kolom", in the original's words.</summary>
    public IReadOnlyList<string> ColumnExplanations(string generalServiceName) =>
        _nl
            ?
            [
                $"a) Type dienst: voor welke dienst gegevens worden gebruikt. De kolom '{generalServiceName}' bevat gegevens die voor meerdere diensten worden gebruikt of die niet voor een dienst worden verwerkt.",
                "b) Type gegevens: welke gegevens worden verwerkt.",
                "c) Bewaartermijnen: hoe lang de gegevens worden bewaard.",
                "d) Verantwoordelijke: wie verantwoordelijk is voor de gegevens. Met 'opdrachtgevende partij' wordt de organisatie bedoeld aan wie wij onze diensten leveren en waarvan wij uw gegevens hebben ontvangen.",
                "e) Grond voor verwerking: op welke wettelijke basis de gegevens worden gebruikt.",
            ]
            :
            [
                $"a) Type of service: the service for which data is used. The column '{generalServiceName}' contains data used for several services or not processed for any particular service.",
                "b) Type of data: which data is processed.",
                "c) Retention periods: how long the data is kept.",
                "d) Controller: who is responsible for the data. 'Client organisation' means the organisation to which we supply our services and from which we received your data.",
                "e) Legal basis: the legal ground on which the data is used.",
            ];

    public string Controller(ControllerRole role) => role switch
    {
        ControllerRole.Provider => _provider,
        ControllerRole.Client => T("Opdrachtgevende partij", "Client organisation"),
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    /// <summary>The table's "Grond voor verwerking" cell: the basis, and for a legitimate interest the interest itself.</summary>
    public string BasisCell(LegalBasis basis) => basis.Type == LegalBasisType.LegitimateInterest && basis.Interest is not null
        ? $"{BasisName(basis.Type)}. {basis.Interest.Get(Language)}"
        : BasisName(basis.Type);

    public string BasisName(LegalBasisType type) => type switch
    {
        LegalBasisType.Consent => T("Toestemming", "Consent"),
        LegalBasisType.Contract => T("Uitvoering overeenkomst", "Performance of a contract"),
        LegalBasisType.LegalObligation => T("Wettelijke verplichting", "Legal obligation"),
        LegalBasisType.VitalInterests => T("Vitaal belang", "Vital interests"),
        LegalBasisType.PublicTask => T("Taak van algemeen belang", "Public task"),
        LegalBasisType.LegitimateInterest => T("Gerechtigd belang", "Legitimate interest"),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The table's "Bewaartermijnen" cell. The anchor is left out here (the original's wording) and shown in the detail section.</summary>
    public string RetentionCell(RetentionRule rule) => rule switch
    {
        FixedRetention { From: RetentionAnchor.ConsentWithdrawn } f => T($"Tot {PeriodText(f.Period)} na het intrekken van de toestemming", $"Until {PeriodText(f.Period)} after the consent is withdrawn"),
        FixedRetention { From: RetentionAnchor.ShieldingEnded } f => T($"Tot {PeriodText(f.Period)} na het einde van de afscherming", $"Until {PeriodText(f.Period)} after the shielding ends"),
        FixedRetention f => Capitalise(PeriodText(f.Period)),
        UntilServiceEndRetention { Grace: var g } when g.Normalize().Equals(Period.Zero) => T("Tot einde dienstverlening", "Until the end of the service"),
        UntilServiceEndRetention u => T($"Tot {PeriodText(u.Grace)} na einde dienstverlening", $"Until {PeriodText(u.Grace)} after the end of the service"),
        ClientDefinedRetention => T("Afhankelijk van de gebruiker", "Depends on the user"),
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
    };

    public string RetentionDetail(RetentionRule rule) => rule switch
    {
        FixedRetention { From: RetentionAnchor.TicketClosed } f => T($"{Capitalise(PeriodText(f.Period))} na het sluiten van de supportvraag", $"{Capitalise(PeriodText(f.Period))} after the support request is closed"),
        FixedRetention { From: RetentionAnchor.RequestClosed } f => T($"{Capitalise(PeriodText(f.Period))} na het afsluiten van het verzoek", $"{Capitalise(PeriodText(f.Period))} after the request is closed"),
        FixedRetention { From: RetentionAnchor.ConsentWithdrawn } f => T($"Zolang uw toestemming geldt, en daarna {PeriodText(f.Period)} na het intrekken", $"As long as your consent stands, then {PeriodText(f.Period)} after you withdraw it"),
        FixedRetention { From: RetentionAnchor.ShieldingEnded } f => T(
            $"Zolang het nummer is afgeschermd, en daarna {PeriodText(f.Period)} na het einde van de laatste factuurperiode waarin het was afgeschermd",
            $"As long as the number is shielded, then {PeriodText(f.Period)} after the end of the last billing period in which it was shielded"),
        FixedRetention f => T($"{Capitalise(PeriodText(f.Period))} na het moment van vastleggen", $"{Capitalise(PeriodText(f.Period))} after the moment of recording"),
        ClientDefinedRetention c => T(
            $"Afhankelijk van de gebruiker: de opdrachtgevende partij stelt de termijn in, tussen {PeriodText(c.Min)} en {PeriodText(c.Max)}",
            $"Depends on the user: the client organisation sets the period, between {PeriodText(c.Min)} and {PeriodText(c.Max)}"),
        _ => RetentionCell(rule),
    };

    /// <summary>"90 dagen", "zes maanden", "drie jaar": numbers up to twelve in words, as the original writes them.</summary>
    public string PeriodText(Period period)
    {
        // Not normalised: "P2W" reads "two weeks", as the register author wrote it, not "14 days".
        var p = period;
        var parts = new List<string>();
        void Add(int value, string nlOne, string nlMany, string enOne, string enMany)
        {
            if (value != 0)
            {
                parts.Add($"{Number(value)} {(value == 1 ? T(nlOne, enOne) : T(nlMany, enMany))}");
            }
        }

        Add(p.Years, "jaar", "jaar", "year", "years");
        Add(p.Months, "maand", "maanden", "month", "months");
        Add(p.Weeks, "week", "weken", "week", "weeks");
        Add(p.Days, "dag", "dagen", "day", "days");
        if (parts.Count == 0)
        {
            return T("0 dagen", "0 days");
        }

        return parts.Count == 1 ? parts[0] : $"{string.Join(", ", parts.Take(parts.Count - 1))} {T("en", "and")} {parts[^1]}";
    }

    private string Number(int value) => value is >= 0 and <= 12
        ? (_nl ? DutchNumbers : EnglishNumbers)[value]
        : value.ToString(Culture);

    /// <summary>Upper-cases the first letter; Dutch writes a capitalised "één" as "Eén".</summary>
    public string Capitalise(string text) => text switch
    {
        "" => text,
        _ when text.StartsWith("één", StringComparison.Ordinal) => string.Concat("Eén", text[3..]),
        _ => string.Concat(text[..1].ToUpper(Culture), text[1..]),
    };

    public string Source(DataSource source) => source switch
    {
        DataSource.DataSubject => T("uzelf", "you"),
        DataSource.ClientOrganisation => T("de opdrachtgevende partij", "the client organisation"),
        DataSource.ProviderNetwork => T($"het netwerk van {_provider}", $"{_provider}'s network"),
        DataSource.ProviderSystems => T($"de systemen van {_provider}", $"{_provider}'s systems"),
        DataSource.ThirdParty => T("derden", "third parties"),
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, null),
    };

    public string ServiceLabel => T("Dienst", "Service");

    public string PurposesLabel => T("Doelen", "Purposes");

    public string ConsentPurposeNote => T("alleen met uw toestemming, die u op elk moment kunt intrekken", "only with your consent, which you can withdraw at any time");

    public string SubjectsLabel => T("Van wie", "Whose data");

    public string SourcesLabel => T("Herkomst", "Source");

    public string RetentionLabel => T("Bewaartermijn", "Retention period");

    public string BasisLabel => T("Grond voor verwerking", "Legal basis");

    public string ControllerLabel => T("Verantwoordelijke", "Controller");

    public string PortabilityLabel => T("Overdracht van uw gegevens mogelijk", "Transfer of your data available");

    public string YesNo(bool value) => value ? T("ja", "yes") : T("nee", "no");

    public string Mechanism(TransferMechanism? mechanism) => mechanism?.Type switch
    {
        null => T("verwerking binnen de EER", "processing within the EEA"),
        TransferMechanismType.Adequacy => T("adequaatheidsbesluit van de Europese Commissie", "adequacy decision of the European Commission"),
        TransferMechanismType.Scc => T("modelcontractbepalingen van de Europese Commissie", "the European Commission's standard contractual clauses"),
        TransferMechanismType.Bcr => T("bindende bedrijfsvoorschriften", "binding corporate rules"),
        TransferMechanismType.EuUsDpf => T("EU-VS Data Privacy Framework (gecertificeerde ontvanger)", "EU-US Data Privacy Framework (certified recipient)"),
        TransferMechanismType.Derogation => T("uitzondering voor een specifieke situatie (artikel 49 AVG)", "derogation for a specific situation (Article 49 GDPR)"),
        _ => throw new ArgumentOutOfRangeException(nameof(mechanism), mechanism, null),
    };

    public string ProcessorLine(Processor processor) => T(
        $"{processor.Name.Nl}: {Lower(processor.Activity.Nl)}. Land: {processor.Country}. Waarborg: {Mechanism(processor.TransferMechanism)}.",
        $"{processor.Name.En}: {Lower(processor.Activity.En)}. Country: {processor.Country}. Safeguard: {Mechanism(processor.TransferMechanism)}.");

    private string Lower(string text) => text.Length == 0 ? text : string.Concat(text[..1].ToLower(Culture), text[1..]);

    public string Address(PostalAddress address) => T(
        $"Ons adres is: {address.Street} {address.PostalCode} {address.City}.",
        $"Our address is: {address.Street}, {address.PostalCode} {address.City}, {new RegionInfo(address.Country).EnglishName}.");

    public string Phone(PhoneContact phone)
    {
        var from = Culture.DateTimeFormat.GetDayName(BclConversions.ToDayOfWeek(phone.FromDay));
        var to = Culture.DateTimeFormat.GetDayName(BclConversions.ToDayOfWeek(phone.ToDay));
        var pattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");
        return T(
            $"Van {from} t/m {to} tussen {pattern.Format(phone.Opens)} en {pattern.Format(phone.Closes)} uur zijn wij telefonisch bereikbaar op {phone.Number}.",
            $"From {from} to {to} between {pattern.Format(phone.Opens)} and {pattern.Format(phone.Closes)} you can reach us by phone on {phone.Number}.");
    }

    public string Email(ControllerIdentity controller) => T(
        $"Voor vragen over privacy en gegevensbescherming kunt u ons mailen op {controller.PrivacyEmail}. Voor algemene vragen kunt u contact opnemen met {controller.GeneralEmail}.",
        $"For questions about privacy and data protection you can e-mail us at {controller.PrivacyEmail}. For general questions you can contact {controller.GeneralEmail}.");

    public string LastUpdated(LocalDate date)
    {
        var formatted = LocalDatePattern.Create("d MMMM yyyy", Culture).Format(date);
        return T($"Deze verklaring is voor het laatst bijgewerkt op {formatted}.", $"This statement was last updated on {formatted}.");
    }
}
