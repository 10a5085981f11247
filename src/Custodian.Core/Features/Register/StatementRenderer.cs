namespace Custodian.Core.Features.Register;

internal enum StatementFormat
{
    Markdown,
    Html,
}

/// <summary>
/// Renders the public privacy statement from the register (<c>custodian register render</c>, the portal's privacy
/// page). The sections follow the original 2019 statement in order; the table's cells are derived from typed fields,
/// so the statement cannot say something the system does not do. Additions the original lacks (per-category detail,
/// suppliers and transfers) come in their own sections so that the original sections stay as they were.
/// </summary>
internal static class StatementRenderer
{
    private const string AuthorityPlaceholder = "{supervisory_authority}";

    /// <summary>A full document: Markdown, or a standalone HTML5 page with <c>lang</c> set.</summary>
    public static string Render(ProcessingRegister register, StatementLanguage language, StatementFormat format)
    {
        switch (format)
        {
            case StatementFormat.Markdown:
                {
                    var writer = new MarkdownStatementWriter();
                    Write(register, language, writer);
                    return writer.ToString();
                }

            case StatementFormat.Html:
                {
                    var vocabulary = Vocabulary(register, language);
                    var title = $"{register.Statement.Title.Get(language)} – {register.Statement.Controller.Name}";
                    return $"""
                    <!DOCTYPE html>
                    <html lang="{vocabulary.LanguageTag}">
                    <head>
                    <meta charset="utf-8" />
                    <meta name="viewport" content="width=device-width, initial-scale=1" />
                    <title>{HtmlStatementWriter.Encode(title)}</title>
                    </head>
                    <body>
                    <main>
                    {RenderHtmlArticle(register, language)}</main>
                    </body>
                    </html>

                    """;
                }

            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, null);
        }
    }

    /// <summary>
    /// The original's list style (each item ends with ';', the last with '.') for whichever requirements apply: with the
    /// ID-copy line switched off, the line before it becomes the last. Items already punctuated so keep their text.
    /// </summary>
    internal static IReadOnlyList<string> ListPunctuation(IReadOnlyList<string> items) =>
        [.. items.Select((item, i) => item.TrimEnd(';', '.') + (i == items.Count - 1 ? "." : ";"))];

    /// <summary>An <c>&lt;article&gt;</c> fragment (with <c>lang</c>) for the web host to place in its own layout.</summary>
    public static string RenderHtmlArticle(ProcessingRegister register, StatementLanguage language)
    {
        var writer = new HtmlStatementWriter();
        Write(register, language, writer);
        return $"<article class=\"privacy-statement\" lang=\"{Vocabulary(register, language).LanguageTag}\">\n{writer}</article>\n";
    }

    private static StatementVocabulary Vocabulary(ProcessingRegister register, StatementLanguage language) =>
        new(language, register.Statement.Controller);

    private static void Write(ProcessingRegister register, StatementLanguage language, StatementWriter w)
    {
        var v = Vocabulary(register, language);
        var statement = register.Statement;
        string L(LocalizedText text) => text.Get(language);

        w.Heading(1, L(statement.Title));
        foreach (var paragraph in statement.Intro)
        {
            w.Paragraph(L(paragraph));
        }

        w.Heading(2, v.ResponsibilityHeading);
        foreach (var paragraph in statement.Responsibility)
        {
            w.Paragraph(L(paragraph));
        }

        // Which data per service: the table, cells derived from the typed fields.
        w.Heading(2, v.DataHeading(statement.Controller.Name));
        w.Paragraph(L(statement.DataIntro));
        var general = register.Services.Count > 0 ? L(register.Services[0].Name) : "";
        w.List(v.ColumnExplanations(general));
        w.Table(v.ColumnHeaders, TableGroups(register, language, v));

        // Addition: categories the original table lacks (statement_addition), as the table's four columns in a list, so
        // the original table keeps exactly its rows.
        var added = register.Categories.Where(c => c.StatementAddition).ToList();
        if (added.Count > 0)
        {
            w.Heading(3, v.AddedCategoriesHeading);
            foreach (var category in added)
            {
                w.Paragraph(L(category.Description));
                w.List(
                [
                    $"{v.ServiceLabel}: {register.Service(category.ServiceId).Name.Get(language)}",
                    $"{v.ColumnHeaders[1]}: {v.RetentionCell(category.Retention)}",
                    $"{v.ColumnHeaders[2]}: {v.Controller(category.Controller)}",
                    $"{v.ColumnHeaders[3]}: {v.BasisCell(category.LegalBasis)}",
                ]);
            }
        }

        // Addition: what the table cannot hold (purposes, sources, the retention anchor, the statute).
        w.Heading(2, v.CategoryDetailsHeading);
        foreach (var category in register.Categories)
        {
            w.Heading(3, L(category.Description));
            w.List(CategoryDetails(register, category, language, v));
        }

        w.Heading(2, v.UseHeading);
        foreach (var purpose in register.Purposes.Where(p => p.StatementText is not null))
        {
            w.Paragraph(L(purpose.StatementText!));
        }

        w.Heading(2, v.SharingHeading);
        foreach (var paragraph in statement.Sharing)
        {
            w.Paragraph(L(paragraph));
        }

        foreach (var paragraph in DisclosureParagraphs(register.Disclosures, language))
        {
            w.Paragraph(paragraph);
        }

        w.Paragraph(L(statement.EeaFootnote));

        // Addition: the suppliers and the safeguard for each transfer (Art. 13(1)(e)–(f)).
        if (register.Processors.Count > 0)
        {
            w.Heading(3, v.ProcessorsHeading);
            w.List(register.Processors.Select(v.ProcessorLine));
        }

        w.Heading(2, v.RightsHeading);
        w.Paragraph(L(register.Rights.Intro));
        w.List(ListPunctuation([.. register.Rights.Applicable.Select(r => L(r.Text))]));
        w.Paragraph(L(register.Rights.RequirementsClosing));
        foreach (var right in register.Rights.Items)
        {
            w.Heading(3, L(right.Title));
            foreach (var paragraph in right.Text)
            {
                w.Paragraph(WithAuthorityLink(L(paragraph), statement.SupervisoryAuthority, language));
            }
        }

        w.Heading(2, v.ContactHeading);
        w.Paragraph(L(statement.ContactIntro));
        var controller = statement.Controller;
        w.List([v.Address(controller.Address), v.Phone(controller.Phone), v.Email(controller)]);
        w.Paragraph($"{L(statement.Closing)} {v.LastUpdated(statement.LastUpdated)}");
    }

    /// <summary>Consecutive categories of one service form a group; the service name shows on its first row only.</summary>
    private static List<TableGroup> TableGroups(ProcessingRegister register, StatementLanguage language, StatementVocabulary v)
    {
        var groups = new List<TableGroup>();
        string? currentService = null;
        List<IReadOnlyList<string>>? rows = null;
        foreach (var category in register.Categories.Where(c => !c.StatementAddition))
        {
            if (category.ServiceId != currentService || rows is null)
            {
                currentService = category.ServiceId;
                rows = [];
                groups.Add(new TableGroup(register.Service(category.ServiceId).Name.Get(language), rows));
            }

            rows.Add(
            [
                category.Description.Get(language),
                v.RetentionCell(category.Retention),
                v.Controller(category.Controller),
                v.BasisCell(category.LegalBasis),
            ]);
        }

        return groups;
    }

    private static List<string> CategoryDetails(ProcessingRegister register, DataCategory category, StatementLanguage language, StatementVocabulary v)
    {
        var basis = v.BasisCell(category.LegalBasis);
        if (category.LegalBasis.Statute is { } statute)
        {
            basis = $"{basis} ({statute})";
        }

        return
        [
            $"{v.ServiceLabel}: {register.Service(category.ServiceId).Name.Get(language)}",
            $"{v.PurposesLabel}: {string.Join("; ", category.PurposeIds.Select(id => PurposeName(register.Purpose(id), language, v)))}",
            $"{v.SubjectsLabel}: {string.Join("; ", category.DataSubjectIds.Select(id => register.DataSubject(id).Name.Get(language)))}",
            $"{v.SourcesLabel}: {string.Join("; ", category.Sources.Select(v.Source))}",
            $"{v.RetentionLabel}: {v.RetentionDetail(category.Retention)}",
            $"{v.ControllerLabel}: {v.Controller(category.Controller)}",
            $"{v.BasisLabel}: {basis}",
            $"{v.PortabilityLabel}: {v.YesNo(category.Portable)}",
        ];
    }

    /// <summary>
    /// A purpose on consent says so where it is named (Art. 13(2)(c)): its data may rest on another basis, but this use
    /// of it happens only while the person consents, and they can withdraw.
    /// </summary>
    private static string PurposeName(Purpose purpose, StatementLanguage language, StatementVocabulary v) =>
        purpose.LegalBasis?.Type == LegalBasisType.Consent ? $"{purpose.Name.Get(language)} ({v.ConsentPurposeNote})" : purpose.Name.Get(language);

    /// <summary>Disclosures marked <c>continues_paragraph</c> join the previous one, as 112 follows the authorities in the original.</summary>
    private static List<string> DisclosureParagraphs(IReadOnlyList<Disclosure> disclosures, StatementLanguage language)
    {
        var paragraphs = new List<string>();
        foreach (var disclosure in disclosures)
        {
            var text = disclosure.Text.Get(language);
            if (disclosure.ContinuesParagraph && paragraphs.Count > 0)
            {
                paragraphs[^1] = $"{paragraphs[^1]} {text}";
            }
            else
            {
                paragraphs.Add(text);
            }
        }

        return paragraphs;
    }

    private static List<Inline> WithAuthorityLink(string text, SupervisoryAuthority authority, StatementLanguage language)
    {
        var inlines = new List<Inline>();
        var parts = text.Split(AuthorityPlaceholder);
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                inlines.Add(new Inline(authority.Name.Get(language), authority.Url));
            }

            if (parts[i].Length > 0)
            {
                inlines.Add(new Inline(parts[i]));
            }
        }

        return inlines;
    }
}
