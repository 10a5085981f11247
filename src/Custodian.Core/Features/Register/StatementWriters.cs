using System.Globalization;
using System.Text;

namespace Custodian.Core.Features.Register;

/// <summary>A run of text in a paragraph, optionally a link.</summary>
internal sealed record Inline(string Text, Uri? Link = null);

/// <summary>One service's rows in the table: the service name is shown once for the group, as in the original.</summary>
internal sealed record TableGroup(string Service, IReadOnlyList<IReadOnlyList<string>> Rows);

/// <summary>
/// The few block shapes the statement needs. The renderer describes the document once; a writer turns it into
/// Markdown or HTML and owns all escaping, so no provider text can break out of its cell or tag.
/// </summary>
internal abstract class StatementWriter
{
    protected StringBuilder Output { get; } = new();

    public abstract void Heading(int level, string text);

    public abstract void Paragraph(IReadOnlyList<Inline> inlines);

    public void Paragraph(string text) => Paragraph([new Inline(text)]);

    public abstract void List(IReadOnlyList<IReadOnlyList<Inline>> items);

    public void List(IEnumerable<string> items) => List(items.Select(i => (IReadOnlyList<Inline>)[new Inline(i)]).ToList());

    public abstract void Table(IReadOnlyList<string> headers, IReadOnlyList<TableGroup> groups);

    public override string ToString() => Output.ToString();
}

internal sealed class MarkdownStatementWriter : StatementWriter
{
    public override void Heading(int level, string text) => Block($"{new string('#', level)} {Escape(text)}");

    public override void Paragraph(IReadOnlyList<Inline> inlines) => Block(Inlines(inlines));

    public override void List(IReadOnlyList<IReadOnlyList<Inline>> items) =>
        Block(string.Join('\n', items.Select(item => $"- {Inlines(item)}")));

    public override void Table(IReadOnlyList<string> headers, IReadOnlyList<TableGroup> groups)
    {
        var lines = new List<string>
        {
            Row(headers),
            Row(headers.Select(_ => "---")),
        };
        foreach (var group in groups)
        {
            for (var i = 0; i < group.Rows.Count; i++)
            {
                lines.Add(Row([i == 0 ? Escape(group.Service) : "", .. group.Rows[i].Select(Escape)]));
            }
        }

        Block(string.Join('\n', lines));

        static string Row(IEnumerable<string> cells) => $"| {string.Join(" | ", cells)} |";
    }

    private static string Inlines(IReadOnlyList<Inline> inlines) => string.Concat(inlines.Select(i =>
        i.Link is null ? Escape(i.Text) : $"[{Escape(i.Text)}]({i.Link.AbsoluteUri})"));

    /// <summary>
    /// Backslash-escapes the characters that would change the meaning of text in CommonMark or GFM tables (pipes end
    /// a cell, angle brackets start raw HTML); line breaks become spaces so a cell or list item stays on its line.
    /// </summary>
    private static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\' or '|' or '<' or '>' or '*' or '_' or '[' or ']' or '`':
                    builder.Append('\\').Append(c);
                    break;
                case '\r':
                    break;
                case '\n':
                    builder.Append(' ');
                    break;
                default:
                    builder.Append(c);
                    break;
            }
        }

        return builder.ToString();
    }

    private void Block(string text)
    {
        if (Output.Length > 0)
        {
            Output.Append('\n');
        }

        Output.Append(text).Append('\n');
    }
}

internal sealed class HtmlStatementWriter : StatementWriter
{
    public override void Heading(int level, string text) => Output.Append(CultureInfo.InvariantCulture, $"<h{level}>{Encode(text)}</h{level}>\n");

    public override void Paragraph(IReadOnlyList<Inline> inlines) => Output.Append("<p>").Append(Inlines(inlines)).Append("</p>\n");

    public override void List(IReadOnlyList<IReadOnlyList<Inline>> items)
    {
        Output.Append("<ul>\n");
        foreach (var item in items)
        {
            Output.Append("<li>").Append(Inlines(item)).Append("</li>\n");
        }

        Output.Append("</ul>\n");
    }

    /// <summary>Each service is a row group whose name spans its rows, so screen readers announce it for every row.</summary>
    public override void Table(IReadOnlyList<string> headers, IReadOnlyList<TableGroup> groups)
    {
        Output.Append("<table>\n<thead>\n<tr>");
        foreach (var header in headers)
        {
            Output.Append("<th scope=\"col\">").Append(Encode(header)).Append("</th>");
        }

        Output.Append("</tr>\n</thead>\n");
        foreach (var group in groups)
        {
            Output.Append("<tbody>\n");
            for (var i = 0; i < group.Rows.Count; i++)
            {
                Output.Append("<tr>");
                if (i == 0)
                {
                    Output.Append(CultureInfo.InvariantCulture, $"<th scope=\"rowgroup\" rowspan=\"{group.Rows.Count}\">").Append(Encode(group.Service)).Append("</th>");
                }

                foreach (var cell in group.Rows[i])
                {
                    Output.Append("<td>").Append(Encode(cell)).Append("</td>");
                }

                Output.Append("</tr>\n");
            }

            Output.Append("</tbody>\n");
        }

        Output.Append("</table>\n");
    }

    private static string Inlines(IReadOnlyList<Inline> inlines) => string.Concat(inlines.Select(i =>
        i.Link is null ? Encode(i.Text) : $"<a href=\"{Encode(i.Link.AbsoluteUri)}\">{Encode(i.Text)}</a>"));

    /// <summary>Encodes the five characters that matter in element content and quoted attributes; everything else stays readable UTF-8.</summary>
    public static string Encode(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
