using Custodian.Core.Features.Register;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Register;

public class RegisterLoaderTests
{
    private static RegisterLoadResult LoadShipped() => RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath);

    /// <summary>Replaces one exact piece of the shipped file; fails if the piece is not there (keeps the tests honest when the file changes).</summary>
    private static RegisterLoadResult LoadMutated(string oldText, string newText)
    {
        var text = RegisterFiles.ShippedRegisterText;
        Assert.Contains(oldText, text, StringComparison.Ordinal);
        var index = text.IndexOf(oldText, StringComparison.Ordinal);
        var mutated = string.Concat(text.AsSpan(0, index), newText, text.AsSpan(index + oldText.Length));
        return RegisterLoader.Load(mutated, "register.yaml");
    }

    /// <summary>1-based line and column of the first occurrence of <paramref name="needle"/> in <paramref name="text"/>.</summary>
    private static (int Line, int Column) PositionOf(string text, string needle, int occurrence = 1)
    {
        var index = -1;
        for (var i = 0; i < occurrence; i++)
        {
            index = text.IndexOf(needle, index + 1, StringComparison.Ordinal);
            Assert.True(index >= 0, $"`{needle}` not found");
        }

        var before = text[..index];
        var line = before.Count(c => c == '\n') + 1;
        var column = index - (before.LastIndexOf('\n') + 1) + 1;
        return (line, column);
    }

    private static RegisterDiagnostic Single(RegisterLoadResult result, string code)
    {
        var matches = result.Diagnostics.Where(d => d.Code == code).ToList();
        Assert.True(matches.Count == 1, $"expected one {code}, got:\n{string.Join('\n', result.Diagnostics)}");
        return matches[0];
    }

    private static void AssertAt(RegisterDiagnostic diagnostic, (int Line, int Column) expected) =>
        Assert.Equal(expected, (diagnostic.Line, diagnostic.Column));

    [Fact]
    public void LoadFile_ShippedRegister_HasNoErrors()
    {
        var result = LoadShipped();

        Assert.False(result.HasErrors, string.Join('\n', result.Diagnostics));
        Assert.NotNull(result.Register);
    }

    [Fact]
    public void LoadFile_ShippedRegister_WarnsExactlyForTheLegalReviewMarks()
    {
        var result = LoadShipped();
        var text = RegisterFiles.ShippedRegisterText;
        var expectedWarnings = text.Split('\n').Count(l => l.TrimStart().StartsWith("legal_review:", StringComparison.Ordinal) || l.TrimStart().StartsWith("adequacy_review:", StringComparison.Ordinal));

        Assert.All(result.Warnings, w => Assert.Equal(RegisterCodes.LegalReview, w.Code));
        Assert.Equal(expectedWarnings, result.Warnings.Count());
        Assert.Contains(result.Warnings, w => w.Line == PositionOf(text, "legal_review:", 4).Line); // traffic row (REG-8)
        Assert.Contains(result.Warnings, w => w.Message.Contains("DPG Media", StringComparison.Ordinal)); // ID copy (DSR-8)
    }

    [Fact]
    public void LoadFile_ShippedRegister_BindsTypedValues()
    {
        var register = LoadShipped().Register!;

        Assert.Equal(new LocalDate(2019, 5, 25), register.Statement.LastUpdated);
        // The statement's twelve, plus the records of data-subject requests, the consent ledger and the shielded numbers that Custodian added (statement_addition).
        Assert.Equal(15, register.Categories.Count);
        Assert.Equal(12, register.Categories.Count(c => !c.StatementAddition));
        Assert.Equal(["general", "internet", "voip", "mobile", "voip_mobile", "alarm"], register.Services.Select(s => s.Id));
        var requests = register.Category("general.privacy_requests");
        Assert.True(requests.StatementAddition);
        Assert.Equal(new FixedRetention(Period.FromYears(1), RetentionAnchor.RequestClosed, requests.Retention.Reference), requests.Retention);
        Assert.Equal(LegalBasisType.LegalObligation, requests.LegalBasis.Type);
        Assert.Equal(ControllerRole.Provider, requests.Controller);

        var consents = register.Category("general.consent_records");
        Assert.True(consents.StatementAddition);
        Assert.Equal(new FixedRetention(Period.FromYears(2), RetentionAnchor.ConsentWithdrawn, consents.Retention.Reference), consents.Retention);
        Assert.Equal(LegalBasisType.Consent, register.Purpose("app_usage_insights").LegalBasis!.Type);
        Assert.Contains("app_usage_insights", register.Category("usage.call_detail_records").PurposeIds);

        var shielded = register.Category("general.shielded_numbers");
        Assert.True(shielded.StatementAddition);
        Assert.Equal(new FixedRetention(Period.FromYears(1), RetentionAnchor.ShieldingEnded, shielded.Retention.Reference), shielded.Retention);
        Assert.Equal(["shielded_numbers"], shielded.PurposeIds);
        Assert.Equal((LegalBasisType.LegalObligation, ControllerRole.Provider), (shielded.LegalBasis.Type, shielded.Controller));

        var traffic = register.Category("general.traffic_information");
        Assert.Equal(LegalBasisType.LegalObligation, traffic.LegalBasis.Type);
        Assert.Null(traffic.LegalBasis.Statute);
        Assert.NotNull(traffic.LegalReview);
        Assert.Equal(new FixedRetention(Period.FromMonths(6), RetentionAnchor.RecordTime), traffic.Retention);

        var recordings = register.Category("general.support_call_recordings");
        Assert.Equal(LegalBasisType.LegitimateInterest, recordings.LegalBasis.Type);
        Assert.Equal("AllBest gebruikt deze gesprekken om haar supportmedewerkers te trainen en als bewijs van gemaakte afspraken.", recordings.LegalBasis.Interest!.Nl);
        Assert.Equal(Period.FromDays(90), ((FixedRetention)recordings.Retention).Period);

        Assert.Equal(new FixedRetention(Period.FromYears(3), RetentionAnchor.TicketClosed), register.Category("general.support_information").Retention);
        Assert.Equal(new UntilServiceEndRetention(Period.Zero), register.Category("alarm.keyholders").Retention);
        Assert.IsType<ClientDefinedRetention>(register.Category("usage.customer_call_recordings").Retention);
        Assert.Equal(ControllerRole.Client, register.Category("internet.connection").Controller);
        Assert.All(register.Categories, c => Assert.False(c.AutomatedDecisionMaking));
        Assert.True(register.Category("general.support_information").Portable);
        Assert.False(register.Category("usage.call_detail_records").Portable);
        Assert.Equal(new LocalTime(8, 0), register.Statement.Controller.Phone.Opens);
        Assert.Contains("NO", register.Countries.Eea);
    }

    [Fact]
    public void Load_InvalidYaml_ReportsSyntaxErrorAtParserPosition()
    {
        var result = RegisterLoader.Load("statement:\n  title: [unclosed\nservices: []\n", "bad.yaml");
        var other = RegisterLoader.Load("statement:\n  title: x\n  bad indent: y\n    worse: z\n", "bad.yaml");

        var error = Single(result, RegisterCodes.YamlSyntax);
        Assert.Null(result.Register);
        Assert.True(error.Line >= 2, error.ToString());
        Assert.StartsWith("bad.yaml:", error.ToString(), StringComparison.Ordinal);
        var otherError = Single(other, RegisterCodes.YamlSyntax);
        Assert.Equal(4, otherError.Line);
    }

    [Fact]
    public void Load_UnknownKey_SuggestsClosestKnownKey()
    {
        var result = LoadMutated("    retention: { from: ticket_closed, period: P3Y }", "    retension: { from: ticket_closed, period: P3Y }");

        var error = Single(result, RegisterCodes.UnknownKey);
        AssertAt(error, PositionOf(RegisterFiles.ShippedRegisterText, "    retention: { from: ticket_closed") is var p ? (p.Line, 5) : default);
        Assert.Contains("did you mean `retention`?", error.Message, StringComparison.Ordinal);
        // the category now also lacks its retention: reported at the category mapping
        Assert.Contains(result.Errors, e => e.Code == RegisterCodes.MissingKey && e.Message.Contains("`retention`", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MissingKey_PointsAtTheMappingThatLacksIt()
    {
        var result = LoadMutated("    controller: client\n    retention: { from: service_end }\n    sources: [provider_network]\n", "    retention: { from: service_end }\n    sources: [provider_network]\n");

        var error = Single(result, RegisterCodes.MissingKey);
        var text = RegisterFiles.ShippedRegisterText;
        var categoryLine = PositionOf(text, "  - id: mobile.sim_and_notifications").Line;
        Assert.Equal((categoryLine, 5), (error.Line, error.Column));
        Assert.Contains("`controller`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongEnumValue_ListsAllowedValues()
    {
        var result = LoadMutated("    legal_basis: { type: contract }\n    controller: provider\n    retention: { from: service_end, grace: P0D }",
            "    legal_basis: { type: contractual }\n    controller: provider\n    retention: { from: service_end, grace: P0D }");

        var error = Single(result, RegisterCodes.InvalidValue);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    legal_basis: { type: contract }\n    controller: provider\n    retention: { from: service_end, grace: P0D }");
        Assert.Equal((line, column + "    legal_basis: { type: ".Length), (error.Line, error.Column));
        Assert.Contains("`legitimate_interest`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongScalarType_ReportsInvalidType()
    {
        var result = LoadMutated("    fields: [company_name]", "    fields: company_name");

        var error = Single(result, RegisterCodes.InvalidType);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    fields: [company_name]");
        Assert.Equal((line, column + "    fields: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void Load_DuplicateId_ReportsSecondDefinition()
    {
        var result = LoadMutated("  - id: alarm.keyholders", "  - id: general.billing_name");

        var error = Single(result, RegisterCodes.DuplicateId);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "  - id: alarm.keyholders");
        Assert.Equal((line, column + "  - id: ".Length), (error.Line, error.Column));
        // the processor list refers to alarm.keyholders, which no longer exists
        Assert.Contains(result.Errors, e => e.Code == RegisterCodes.UndefinedReference);
    }

    [Fact]
    public void Load_UndefinedPurpose_ReportsReferenceAtTheEntry()
    {
        var result = LoadMutated("    purposes: [support_training_evidence]", "    purposes: [support_training]");

        var error = Single(result, RegisterCodes.UndefinedReference);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    purposes: [support_training_evidence]");
        Assert.Equal((line, column + "    purposes: [".Length), (error.Line, error.Column));
        Assert.Contains("`purposes`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_UndefinedServiceAndDataSubject_AreBothReported()
    {
        var text = RegisterFiles.ShippedRegisterText
            .Replace("    service: alarm\n", "    service: alarms\n", StringComparison.Ordinal)
            .Replace("    data_subjects: [keyholder]", "    data_subjects: [key_holder]", StringComparison.Ordinal);

        var result = RegisterLoader.Load(text, "register.yaml");

        Assert.Equal(2, result.Errors.Count(e => e.Code == RegisterCodes.UndefinedReference));
    }

    [Fact]
    public void Load_UnparseablePeriod_ReportsInvalidPeriodAtTheValue()
    {
        var result = LoadMutated("    retention: { from: record_time, period: P90D }", "    retention: { from: record_time, period: 90 days }");

        var error = Single(result, RegisterCodes.InvalidPeriod);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    retention: { from: record_time, period: P90D }");
        Assert.Equal((line, column + "    retention: { from: record_time, period: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void Load_LegalObligationWithoutStatuteOrReview_RequiresStatute()
    {
        var result = LoadMutated("    legal_review:\n      reason: no statute obliges keeping traffic data",
            "    x_review:\n      reason: no statute obliges keeping traffic data");

        var error = Single(result, RegisterCodes.StatuteRequired);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    legal_basis: { type: legal_obligation }");
        Assert.Equal((line, column + "    legal_basis: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void Load_LegitimateInterestWithoutInterest_RequiresInterest()
    {
        var result = RegisterLoader.Load(MinimalRegister.Replace("legal_basis: { type: contract }", "legal_basis: { type: legitimate_interest }", StringComparison.Ordinal), "min.yaml");

        var error = Single(result, RegisterCodes.InterestRequired);
        Assert.Equal(PositionOf(MinimalRegister, "{ type: contract }"), (error.Line, error.Column));
    }

    [Fact]
    public void Load_ProcessorOutsideEeaWithoutMechanism_RequiresTransferMechanism()
    {
        var result = LoadMutated("    country: US\n    transfer_mechanism:\n      type: eu_us_dpf\n      certification_checked: 2025-01-15\n", "    country: US\n");

        var error = Single(result, RegisterCodes.TransferMechanismRequired);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    country: US");
        Assert.Equal((line, column + "    country: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void Load_AdequacyForUnlistedCountry_IsAnError()
    {
        var result = LoadMutated("    country: GB\n    transfer_mechanism: { type: adequacy }", "    country: IN\n    transfer_mechanism: { type: adequacy }");

        var error = Single(result, RegisterCodes.AdequacyNotListed);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    transfer_mechanism: { type: adequacy }");
        Assert.Equal((line, column + "    transfer_mechanism: { type: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void Load_DpfWithoutCheckDate_ReportsMissingKey()
    {
        var result = LoadMutated("      certification_checked: 2025-01-15\n", "");

        var error = Single(result, RegisterCodes.MissingKey);
        Assert.Contains("certification_checked", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PortabilityClaimedForLegitimateInterest_IsNotAllowed()
    {
        var result = LoadMutated("    sources: [data_subject, provider_systems]\n", "    sources: [data_subject, provider_systems]\n    portability: true\n");

        var error = Single(result, RegisterCodes.PortabilityNotAllowed);
        var (line, _) = PositionOf(RegisterFiles.ShippedRegisterText, "    sources: [data_subject, provider_systems]\n");
        Assert.Equal((line + 1, "    portability: ".Length + 1), (error.Line, error.Column));
    }

    [Fact]
    public void Load_PortabilityDeniedWhereDerived_IsAnError()
    {
        var result = LoadMutated("    portability: true\n", "    portability: false\n");

        Single(result, RegisterCodes.PortabilityRequired);
    }

    [Fact]
    public void Load_ClientRetentionWithoutBounds_RequiresBounds()
    {
        var result = LoadMutated("    retention: { from: client_setting, min: P0D, max: P10Y }", "    retention: { from: client_setting, min: P0D }");

        var error = Single(result, RegisterCodes.ClientRetentionBoundsRequired);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    retention: { from: client_setting");
        Assert.Equal((line, column + "    retention: ".Length), (error.Line, error.Column));
        Assert.Contains("`max:`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ClientRetentionMinAboveMax_IsAnError()
    {
        var result = LoadMutated("    retention: { from: client_setting, min: P0D, max: P10Y }", "    retention: { from: client_setting, min: P1Y, max: P6M }");

        var error = Single(result, RegisterCodes.RetentionBoundsOrder);
        var (line, column) = PositionOf(RegisterFiles.ShippedRegisterText, "    retention: { from: client_setting, min: P0D, max: P10Y }");
        Assert.Equal((line, column + "    retention: { from: client_setting, min: P0D, max: ".Length), (error.Line, error.Column));
    }

    [Fact]
    public void Load_ManyDefects_ReportsAllSortedByLine()
    {
        var text = RegisterFiles.ShippedRegisterText
            .Replace("    retention: { from: record_time, period: P90D }", "    retention: { from: record_time, period: PXD }", StringComparison.Ordinal)
            .Replace("  last_updated: 2019-05-25", "  last_updated: 25-05-2019", StringComparison.Ordinal)
            .Replace("    country: GB\n", "    country: IN\n", StringComparison.Ordinal)
            .Replace("    controller: client\n    retention: { from: service_end }\n    sources: [provider_systems]", "    controler: client\n    retention: { from: service_end }\n    sources: [provider_systems]", StringComparison.Ordinal);

        var result = RegisterLoader.Load(text, "register.yaml");

        var codes = result.Errors.Select(e => e.Code).ToList();
        Assert.Contains(RegisterCodes.InvalidPeriod, codes);
        Assert.Contains(RegisterCodes.InvalidDate, codes);
        Assert.Contains(RegisterCodes.AdequacyNotListed, codes);
        Assert.Contains(RegisterCodes.UnknownKey, codes);
        Assert.Contains(RegisterCodes.MissingKey, codes);
        Assert.Equal(result.Diagnostics.OrderBy(d => d.Line).ThenBy(d => d.Column).Select(d => (d.Line, d.Column)), result.Diagnostics.Select(d => (d.Line, d.Column)));
        Assert.Null(result.Register);
    }

    [Fact]
    public void Load_MissingRight_IsReported()
    {
        var result = LoadMutated("      covers: [erasure, objection]", "      covers: [erasure]");

        Assert.Contains("`objection`", Single(result, RegisterCodes.RightMissing).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Diagnostic_ToString_UsesCompilerFormat()
    {
        var diagnostic = new RegisterDiagnostic("policy/register.yaml", 12, 5, DiagnosticSeverity.Warning, RegisterCodes.LegalReview, "check it.");

        Assert.Equal("policy/register.yaml:12:5: warning register.legal_review: check it.", diagnostic.ToString());
    }

    [Fact]
    public void LoadFile_MissingFile_ReportsFileNotFound()
    {
        var result = RegisterLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "no-such-register.yaml"));

        Assert.Equal(RegisterCodes.FileNotFound, Assert.Single(result.Diagnostics).Code);
    }

    /// <summary>The smallest register that loads: used where mutating the shipped file would be awkward.</summary>
    internal const string MinimalRegister = """
        statement:
          last_updated: 2019-05-25
          title: { nl: Privacyverklaring, en: Privacy statement }
          controller:
            name: Voorbeeld BV
            short_name: Voorbeeld
            address: { street: Teststraat 1, postal_code: 1234 AB, city: Nergenshuizen, country: NL }
            phone: { number: 000-0000000, from_day: monday, to_day: friday, opens: "09:00", closes: "17:00" }
            privacy_email: privacy@voorbeeld.example
            general_email: info@voorbeeld.example
          supervisory_authority: { name: { nl: de AP, en: the AP }, url: "https://autoriteitpersoonsgegevens.nl" }
          intro: [{ nl: Intro <b>, en: Intro <b> }]
          responsibility: [{ nl: Verantwoordelijk, en: Responsible }]
          data_intro: { nl: Gegevens, en: Data }
          sharing: [{ nl: Delen, en: Sharing }]
          eea_footnote: { nl: Voetnoot, en: Footnote }
          contact_intro: { nl: Contact, en: Contact }
          closing: { nl: Slot, en: Closing }
        services:
          - { id: general, name: { nl: Algemeen, en: General } }
        data_subjects:
          - { id: customer, name: { nl: Klanten, en: Customers } }
        purposes:
          - { id: delivery, name: { nl: Levering, en: Delivery } }
        categories:
          - id: general.contact
            service: general
            description: { nl: "Naam <script>alert(1)</script> | pijp", en: "Name <script>alert(1)</script> | pipe" }
            fields: [name]
            data_subjects: [customer]
            purposes: [delivery]
            legal_basis: { type: contract }
            controller: provider
            retention: { from: record_time, period: P1Y6M }
            sources: [data_subject]
            automated_decision_making: false
        countries: { eea: [NL], adequacy: [] }
        processors: []
        recipients: []
        disclosures: []
        rights:
          intro: { nl: Rechten, en: Rights }
          channels: [email]
          requirements: []
          requirements_closing: { nl: Slot, en: Closing }
          items:
            - id: all
              covers: [access, rectification, erasure, objection, restriction, portability, complaint, withdraw_consent]
              title: { nl: Alles, en: Everything }
              text: [{ nl: "Klacht bij {supervisory_authority}.", en: "Complain to {supervisory_authority}." }]
        """;

    [Fact]
    public void Load_MinimalRegister_Loads()
    {
        var result = RegisterLoader.Load(MinimalRegister, "min.yaml");

        Assert.Empty(result.Diagnostics);
        Assert.NotNull(result.Register);
    }
}
