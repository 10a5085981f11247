using System.Text.RegularExpressions;
using System.Xml.Linq;
using Custodian.Core.Features.Register;
using Xunit;

namespace Custodian.Core.Tests.Register;

public partial class StatementRendererTests
{
    private static ProcessingRegister Shipped()
    {
        var result = RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath);
        Assert.False(result.HasErrors, string.Join('\n', result.Diagnostics));
        return result.Register!;
    }

    private static StatementLanguage Language(string tag) => tag == "nl" ? StatementLanguage.Dutch : StatementLanguage.English;

    private static ProcessingRegister Minimal() => RegisterLoader.Load(RegisterLoaderTests.MinimalRegister, "min.yaml").Register!;

    /// <summary>
    /// The data rows of the seed statement's table. The seed splits the table in two Markdown tables and one
    /// description cell across them (a row with only a description continues the previous row's description).
    /// </summary>
    private static List<string[]> SeedRows(string seed)
    {
        var rows = new List<string[]>();
        foreach (var line in seed.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')))
        {
            var cells = SplitRow(line, unescape: false).Select(c => Normalise(StripMarkup().Replace(c, ""))).ToArray();
            if (cells.All(c => c.Length == 0 || SeparatorCell().IsMatch(c)) || cells[0] == "Type dienst")
            {
                continue;
            }

            if (cells[0].Length == 0 && cells[1].Length > 0 && cells[2..].All(c => c.Length == 0))
            {
                rows[^1][1] = Normalise($"{rows[^1][1]} {cells[1]}");
                continue;
            }

            rows.Add(cells);
        }

        return rows;
    }

    /// <summary>The body rows of the first table in a rendered Markdown document, unescaped.</summary>
    private static List<string[]> RenderedRows(string markdown) =>
        markdown.Split('\n')
            .SkipWhile(l => !l.StartsWith('|'))
            .TakeWhile(l => l.StartsWith('|'))
            .Skip(2)
            .Select(l => SplitRow(l, unescape: true).Select(Normalise).ToArray())
            .ToList();

    private static List<string> SplitRow(string line, bool unescape)
    {
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 1; i < line.Length; i++)
        {
            var c = line[i];
            if (unescape && c == '\\' && i + 1 < line.Length)
            {
                current.Append(line[++i]);
            }
            else if (c == '|')
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        return cells;
    }

    private static string Normalise(string text) => Whitespace().Replace(text, " ").Trim();

    [GeneratedRegex("</?[ui]>")]
    private static partial Regex StripMarkup();

    [GeneratedRegex("^:?-+:?$")]
    private static partial Regex SeparatorCell();

    [GeneratedRegex("\\s+")]
    private static partial Regex Whitespace();

    [Fact]
    public void Render_DutchMarkdown_ReproducesTheOriginalTableRowForRow()
    {
        var seedRows = SeedRows(File.ReadAllText(RegisterFiles.SeedStatementPath()));
        Assert.Equal(12, seedRows.Count);
        Assert.Equal("Verkeersinformatie e-mails, telefonie en internet in het kader van een wettelijke aftapverplichting of informatieverzoek.", seedRows[3][1]);

        var rendered = RenderedRows(StatementRenderer.Render(Shipped(), StatementLanguage.Dutch, StatementFormat.Markdown));

        Assert.Equal(seedRows.Count, rendered.Count);
        for (var i = 0; i < seedRows.Count; i++)
        {
            Assert.Equal(seedRows[i], rendered[i]);
        }
    }

    [Theory]
    [InlineData("nl", "Aanvulling door Custodian", "Gegevens van uw verzoeken over uw privacyrechten", "Eén jaar na het afsluiten van het verzoek")]
    [InlineData("en", "Added by Custodian", "Records of your requests about your privacy rights", "One year after the request is closed")]
    public void Render_AddedCategory_AppearsInAMarkedSectionAfterTheTable_NotInIt(string languageCode, string heading, string description, string retention)
    {
        var language = languageCode == "nl" ? StatementLanguage.Dutch : StatementLanguage.English;
        var markdown = StatementRenderer.Render(Shipped(), language, StatementFormat.Markdown);

        Assert.DoesNotContain(RenderedRows(markdown), row => row.Any(cell => cell.Contains(description, StringComparison.Ordinal)));
        var section = markdown.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(section > 0, "no section for Custodian's additions");
        Assert.True(markdown.IndexOf(description, StringComparison.Ordinal) > section);
        Assert.Contains(retention, markdown, StringComparison.Ordinal);
        var html = StatementRenderer.Render(Shipped(), language, StatementFormat.Html);
        Assert.Contains(heading, html, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_DutchMarkdown_HasEverySectionOfTheOriginalInOrder()
    {
        var markdown = StatementRenderer.Render(Shipped(), StatementLanguage.Dutch, StatementFormat.Markdown);

        string[] inOrder =
        [
            "# Privacyverklaring",
            "AllBest Security Systems BV is een telecomprovider",
            "## Wie er verantwoordelijk is voor de verwerking van uw gegevens",
            "## Welke persoonsgegevens AllBest Security Systems BV verwerkt",
            "- a) Type dienst: voor welke dienst gegevens worden gebruikt. De kolom 'Algemeen'",
            "- e) Grond voor verwerking: op welke wettelijke basis de gegevens worden gebruikt.",
            "| Type dienst | Type gegevens | Bewaartermijnen | Verantwoordelijke | Grond voor verwerking |",
            "## Hoe de persoonsgegevens worden gebruikt",
            "In de eerste plaats verwerkt AllBest",
            "Tot slot worden uw gegevens gebruikt",
            "## Met welke partijen de persoonsgegevens worden gedeeld",
            "buiten Europa¹ bevindt",
            "bijvoorbeeld in het kader van een strafrechtelijk onderzoek. Ook bij het bellen naar het alarmnummer 112",
            "Als u een afgeschermd telefoonnummer heeft",
            "¹ Buiten de Europese Economische Ruimte, ook wel 'doorgifte naar derde landen.'",
            "## Welke rechten u heeft",
            "- uw volledige naam;",
            "- uw adres;",
            "- het e-mailadres waaronder u bij ons bekend bent; daar sturen wij een eenmalige code naartoe, zodat wij weten dat het verzoek van u komt.",
            "Om uw rechten te kunnen waarborgen",
            "### Inzage in uw gegevens",
            "### Correctie van uw gegevens",
            "### Bezwaar en verwijdering van uw gegevens",
            "### Beperken van verwerking",
            "### Overdracht van uw gegevens",
            "### Klacht indienen bij de toezichthouder",
            "de toezichthouder, [de Autoriteit Persoonsgegevens](https://autoriteitpersoonsgegevens.nl/).",
            "### Intrekken van gegeven toestemming",
            "## Hoe u ons kunt bereiken",
            "- Ons adres is: Rozenobel 16 a 5986 PB Beringe.",
            "- Van maandag t/m vrijdag tussen 08:00 en 17:00 uur zijn wij telefonisch bereikbaar op 088-3082636.",
            "- Voor vragen over privacy en gegevensbescherming kunt u ons mailen op info@allbest.nl. Voor algemene vragen kunt u contact opnemen met info@allbest.nl.",
            "AllBest Security Systems BV kan de inhoud van de privacyverklaring aanpassen. Deze verklaring is voor het laatst bijgewerkt op 25 mei 2019.",
        ];
        var position = 0;
        foreach (var expected in inOrder)
        {
            var found = markdown.IndexOf(expected, position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"not found after position {position}: {expected}");
            position = found + expected.Length;
        }
    }

    [Fact]
    public void Render_EnglishMarkdown_ContainsEveryCategoryAndService()
    {
        var register = Shipped();

        var markdown = StatementRenderer.Render(register, StatementLanguage.English, StatementFormat.Markdown);

        Assert.All(register.Categories, c => Assert.Contains(c.Description.En, markdown, StringComparison.Ordinal));
        Assert.All(register.Services, s => Assert.Contains(s.Name.En, markdown, StringComparison.Ordinal));
        Assert.Contains("| Type of service | Type of data | Retention periods | Controller | Legal basis |", markdown, StringComparison.Ordinal);
        Assert.Contains("| Six months | AllBest | Performance of a contract |", markdown, StringComparison.Ordinal);
        Assert.Contains("| 90 days | AllBest | Legitimate interest. AllBest uses these calls to train its support staff and as evidence of agreements made. |", markdown, StringComparison.Ordinal);
        Assert.Contains("| Three years |", markdown, StringComparison.Ordinal);
        Assert.Contains("| Depends on the user | Client organisation |", markdown, StringComparison.Ordinal);
        Assert.Contains("This statement was last updated on 25 May 2019.", markdown, StringComparison.Ordinal);
        Assert.Contains("From Monday to Friday between 08:00 and 17:00", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("{supervisory_authority}", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain(" Tot ", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_CategoryDetails_ShowAnchorStatuteAndPortability()
    {
        var markdown = StatementRenderer.Render(Shipped(), StatementLanguage.Dutch, StatementFormat.Markdown);

        Assert.Contains("- Bewaartermijn: Drie jaar na het sluiten van de supportvraag", markdown, StringComparison.Ordinal);
        Assert.Contains("- Bewaartermijn: Afhankelijk van de gebruiker: de opdrachtgevende partij stelt de termijn in, tussen 0 dagen en tien jaar", markdown, StringComparison.Ordinal);
        Assert.Contains("- Overdracht van uw gegevens mogelijk: ja", markdown, StringComparison.Ordinal);
        Assert.Contains("Waarborg: EU-VS Data Privacy Framework", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Markdown_EscapesPipesInCells()
    {
        var markdown = StatementRenderer.Render(Minimal(), StatementLanguage.Dutch, StatementFormat.Markdown);

        Assert.Contains("| Algemeen | Naam \\<script\\>alert(1)\\</script\\> \\| pijp | Eén jaar en zes maanden | Voorbeeld | Uitvoering overeenkomst |", markdown, StringComparison.Ordinal);
        Assert.Single(RenderedRows(markdown));
        Assert.Equal(5, RenderedRows(markdown)[0].Length);
    }

    [Theory]
    [InlineData("nl")]
    [InlineData("en")]
    public void Render_Html_IsWellFormedStandaloneDocumentWithLang(string lang)
    {
        var language = Language(lang);
        var html = StatementRenderer.Render(Shipped(), language, StatementFormat.Html);

        Assert.StartsWith("<!DOCTYPE html>\n", html, StringComparison.Ordinal);
        var document = XDocument.Parse(html[html.IndexOf('\n', StringComparison.Ordinal)..]);
        Assert.Equal("html", document.Root!.Name.LocalName);
        Assert.Equal(lang, document.Root.Attribute("lang")!.Value);
        Assert.Equal(12, document.Descendants("table").Single().Descendants("td").Count() / 4);
        Assert.Equal(6, document.Descendants("tbody").Count());
        Assert.Contains(document.Descendants("a"), a => a.Attribute("href")!.Value == "https://autoriteitpersoonsgegevens.nl/");
    }

    [Fact]
    public void Render_Html_EncodesAngleBracketsAndAmpersands()
    {
        var html = StatementRenderer.Render(Minimal(), StatementLanguage.English, StatementFormat.Html);

        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("Name &lt;script&gt;alert(1)&lt;/script&gt; | pipe", html, StringComparison.Ordinal);
        XDocument.Parse(html[html.IndexOf('\n', StringComparison.Ordinal)..]);
    }

    [Fact]
    public void RenderHtmlArticle_IsAnArticleFragmentWithLang()
    {
        var article = StatementRenderer.RenderHtmlArticle(Shipped(), StatementLanguage.Dutch);

        var element = XElement.Parse(article);
        Assert.Equal("article", element.Name.LocalName);
        Assert.Equal("nl", element.Attribute("lang")!.Value);
        Assert.DoesNotContain("<html", article, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"rowgroup\" rowspan=\"6\">Algemeen</th>", article, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("P90D", "nl", "90 dagen")]
    [InlineData("P6M", "nl", "Zes maanden")]
    [InlineData("P3Y", "nl", "Drie jaar")]
    [InlineData("P1Y", "nl", "Eén jaar")]
    [InlineData("P1M", "en", "One month")]
    [InlineData("P2W", "en", "Two weeks")]
    [InlineData("P1Y6M", "en", "One year and six months")]
    [InlineData("P90D", "en", "90 days")]
    public void RetentionCell_FixedPeriod_IsWordedLikeTheOriginal(string period, string lang, string expected)
    {
        var vocabulary = new StatementVocabulary(Language(lang), Shipped().Statement.Controller);
        var rule = new FixedRetention(NodaTime.Text.PeriodPattern.NormalizingIso.Parse(period).Value, RetentionAnchor.RecordTime);

        Assert.Equal(expected, vocabulary.RetentionCell(rule));
    }

    [Fact]
    public void RetentionCell_ServiceEndWithGrace_NamesTheGrace()
    {
        var vocabulary = new StatementVocabulary(StatementLanguage.Dutch, Shipped().Statement.Controller);

        Assert.Equal("Tot einde dienstverlening", vocabulary.RetentionCell(new UntilServiceEndRetention(NodaTime.Period.Zero)));
        Assert.Equal("Tot 30 dagen na einde dienstverlening", vocabulary.RetentionCell(new UntilServiceEndRetention(NodaTime.Period.FromDays(30))));
    }

    [Fact]
    public void Render_IgnoresMachineCulture()
    {
        var previous = System.Globalization.CultureInfo.CurrentCulture;
        try
        {
            System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.GetCultureInfo("tr-TR");
            var markdown = StatementRenderer.Render(Shipped(), StatementLanguage.Dutch, StatementFormat.Markdown);
            Assert.Contains("bijgewerkt op 25 mei 2019.", markdown, StringComparison.Ordinal);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentCulture = previous;
        }
    }

    private const string OriginalIdCopyLine =
        "- een kopie van een geldig legitimatiebewijs (let op dat u de kopie voorziet van een watermerk en het Burgerservicenummer afdekt).";

    [Fact]
    public void Render_IdCopyFallbackOff_AsksNoIdCopy()
    {
        var register = Shipped();
        Assert.False(register.Rights.Verification.IdCopyFallback);

        var dutch = StatementRenderer.Render(register, StatementLanguage.Dutch, StatementFormat.Markdown);
        var english = StatementRenderer.Render(register, StatementLanguage.English, StatementFormat.Markdown);

        Assert.DoesNotContain("legitimatiebewijs", dutch, StringComparison.Ordinal);
        Assert.DoesNotContain("identity document", english, StringComparison.Ordinal);
        Assert.Contains("- the e-mail address we know you by; we send a one-time code to it, so that we know the request comes from you.", english, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_IdCopyFallbackOn_KeepsTheOriginalWording()
    {
        var text = RegisterFiles.ShippedRegisterText.Replace("id_copy_fallback: false", "id_copy_fallback: true", StringComparison.Ordinal);
        var result = RegisterLoader.Load(text, "register.yaml");
        Assert.False(result.HasErrors, string.Join('\n', result.Diagnostics));

        var dutch = StatementRenderer.Render(result.Register!, StatementLanguage.Dutch, StatementFormat.Markdown);

        string[] inOrder =
        [
            "- uw volledige naam;",
            "- uw adres;",
            "- het e-mailadres waaronder u bij ons bekend bent; daar sturen wij een eenmalige code naartoe, zodat wij weten dat het verzoek van u komt;",
            OriginalIdCopyLine,
        ];
        var position = 0;
        foreach (var expected in inOrder)
        {
            var found = dutch.IndexOf(expected, position, StringComparison.Ordinal);
            Assert.True(found >= 0, $"not found after position {position}: {expected}");
            position = found + expected.Length;
        }
    }

    [Fact]
    public void Load_UnknownRequirementCondition_IsAnErrorNamingTheAllowedValues()
    {
        var text = RegisterFiles.ShippedRegisterText.Replace("when: id_copy_fallback", "when: sometimes", StringComparison.Ordinal);

        var result = RegisterLoader.Load(text, "register.yaml");

        var error = Assert.Single(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Contains("`sometimes` is not allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains("`id_copy_fallback`", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "a;", "b;", "c." }, new[] { "a;", "b;", "c." })]
    [InlineData(new[] { "a;", "b;" }, new[] { "a;", "b." })]
    [InlineData(new[] { "a." }, new[] { "a." })]
    public void ListPunctuation_LastItemEndsWithAFullStop(string[] items, string[] expected) =>
        Assert.Equal(expected, StatementRenderer.ListPunctuation(items));
}
