using System.Globalization;
using System.Net;
using System.Text;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>
/// The access report as one self-contained HTML document in Dutch or English: inline CSS only, no scripts, images
/// or external resources (it is downloaded and opened offline); headings in order, tables with captions and header
/// cells for screen readers. Every value is HTML-encoded.
/// </summary>
internal static class AccessReportHtml
{
    private static readonly LocalDatePattern DayPattern = LocalDatePattern.Iso;

    public static string Render(AccessReport report, StatementLanguage language)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder(4096 + (report.RecordCount * 200));
        string T(LocalizedText text) => Encode(text.Get(language));
        Head(sb, report, language, report.Categories.Any(c => c.Records.Any(r => IsEvent(r.Type))));
        foreach (var (category, index) in report.Categories.Select((c, i) => (c, i)))
        {
            var fields = category.Records.SelectMany(r => r.Fields.Select(f => f.Name)).Distinct(StringComparer.Ordinal).ToList();
            CategoryStart(sb, category, index, category.Records.Count, fields, T);
            foreach (var record in category.Records)
            {
                Row(sb, record, fields, T);
            }

            CategoryEnd(sb);
        }

        Tail(sb, report, T);
        return sb.ToString();
    }

    /// <summary>
    /// Writes the same document as <see cref="Render"/> to <paramref name="output"/> (UTF-8, no BOM, left open), the
    /// records read from <paramref name="source"/>'s cursor as they are written: memory holds one chunk of text, not the
    /// report. Returns the number of records written; throws if a category's records differ from the count its
    /// caption announced (the data changed while it was written), so a written report is always exact.
    /// </summary>
    public static async Task<long> WriteAsync(AccessReportSource source, StatementLanguage language, Stream output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(output);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), ChunkChars, leaveOpen: true);
        var sb = new StringBuilder(ChunkChars * 2);
        string T(LocalizedText text) => Encode(text.Get(language));
        Head(sb, source.Head, language, source.HasEvents);
        long total = 0;
        foreach (var (part, index) in source.Categories.Select((c, i) => (c, i)))
        {
            CategoryStart(sb, part.Header, index, part.Count, part.Fields, T);
            long written = 0;
            await foreach (var record in source.RecordsAsync(part, ct))
            {
                Row(sb, record, part.Fields, T);
                written++;
                if (sb.Length >= ChunkChars)
                {
                    await writer.WriteAsync(sb, ct);
                    sb.Clear();
                }
            }

            AccessReportSource.CheckCount(part, written);
            total += written;
            CategoryEnd(sb);
        }

        Tail(sb, source.Head, T);
        await writer.WriteAsync(sb, ct);
        await writer.FlushAsync(ct);
        return total;
    }

    private const int ChunkChars = 32 * 1024;

    internal static bool IsEvent(string type) => type is "usage_record" or "traffic_record";

    private static void Head(StringBuilder sb, AccessReport report, StatementLanguage language, bool hasEvents)
    {
        string T(LocalizedText text) => Encode(text.Get(language));
        var lang = AnswerLanguages.Name(language);

        sb.Append("<!DOCTYPE html>\n<html lang=\"").Append(lang).Append("\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(T(AccessReportTexts.Title)).Append(" – ").Append(Encode(report.Controller.Name)).Append("</title>\n")
            .Append("<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem;line-height:1.45;color:#111}")
            .Append("table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}th,td{border:1px solid #999;padding:.2rem .4rem;text-align:left;vertical-align:top}")
            .Append("caption{text-align:left;font-weight:bold}dt{font-weight:bold}section{margin-bottom:2rem}</style>\n</head>\n<body>\n<main>\n");

        sb.Append("<h1>").Append(T(AccessReportTexts.Title)).Append("</h1>\n");
        sb.Append("<p>").Append(T(AccessReportTexts.Generated)).Append(' ').Append(Day(report.GeneratedAt)).Append("</p>\n");

        sb.Append("<h2>").Append(T(AccessReportTexts.ControllerHeading)).Append("</h2>\n<address>")
            .Append(Encode(report.Controller.Name)).Append("<br>")
            .Append(Encode(report.Controller.Street)).Append("<br>")
            .Append(Encode(report.Controller.PostalCode)).Append(' ').Append(Encode(report.Controller.City)).Append("<br>")
            .Append(Encode(report.Controller.Email)).Append("<br>")
            .Append(Encode(report.Controller.Phone)).Append("</address>\n");

        sb.Append("<p>").Append(T(report.DataProcessed ? AccessReportTexts.Processed : AccessReportTexts.NotProcessed)).Append("</p>\n");
        if (hasEvents)
        {
            sb.Append("<p>").Append(T(report.ThirdPartyNotice)).Append("</p>\n");
        }
    }

    private static void CategoryStart(StringBuilder sb, AccessCategory category, int index, long count, IReadOnlyList<string> fields, Func<LocalizedText, string> T)
    {
        var headingId = string.Create(CultureInfo.InvariantCulture, $"category-{index + 1}");
        sb.Append("<section aria-labelledby=\"").Append(headingId).Append("\">\n<h2 id=\"").Append(headingId).Append("\">")
            .Append(T(category.Service)).Append(": ").Append(T(category.Description)).Append("</h2>\n<dl>\n");
        Definition(sb, T(AccessReportTexts.Purposes), string.Join("<br>", category.Purposes.Select(p => T(p.Name))));
        Definition(sb, T(AccessReportTexts.LegalBasis), T(category.LegalBasis));
        Definition(sb, T(AccessReportTexts.Controller), Encode(string.Join(", ", category.ControllerNames)));
        Definition(sb, T(AccessReportTexts.Retention), T(category.Retention));
        Definition(sb, T(AccessReportTexts.Sources), string.Join(", ", category.Sources.Select(T)));
        Definition(sb, T(AccessReportTexts.Automated), T(category.AutomatedDecisionMakingText));
        Definition(sb, T(AccessReportTexts.Recipients), category.Recipients.Count == 0
            ? T(AccessReportTexts.NoRecipients)
            : "<ul>" + string.Concat(category.Recipients.Select(r => "<li>" + Recipient(r, T) + "</li>")) + "</ul>");
        Definition(sb, T(AccessReportTexts.Portable), T(category.Portable ? AccessReportTexts.Yes : AccessReportTexts.No));
        sb.Append("</dl>\n");

        sb.Append("<table>\n<caption>").Append(T(AccessReportTexts.Records)).Append(" (")
            .Append(count.ToString(CultureInfo.InvariantCulture)).Append(")</caption>\n<thead><tr>");
        sb.Append("<th scope=\"col\">").Append(T(AccessReportTexts.Organization)).Append("</th>");
        foreach (var f in fields)
        {
            sb.Append("<th scope=\"col\">").Append(Encode(f)).Append("</th>");
        }

        sb.Append("<th scope=\"col\">").Append(T(AccessReportTexts.KeptUntil)).Append("</th></tr></thead>\n<tbody>\n");
    }

    private static void Row(StringBuilder sb, AccessRecord record, IReadOnlyList<string> fields, Func<LocalizedText, string> T)
    {
        sb.Append("<tr><td>").Append(Encode(record.Organization ?? string.Empty)).Append("</td>");
        foreach (var f in fields)
        {
            sb.Append("<td>").Append(Encode(record.Fields.FirstOrDefault(x => x.Name == f)?.Value ?? string.Empty)).Append("</td>");
        }

        sb.Append("<td>").Append(record.Retention switch
        {
            "until" when record.ExpiresAt is { } e => LastDay(e),
            "legal_obligation" => T(AccessReportTexts.LegalObligation),
            _ => T(AccessReportTexts.UntilEvent),
        }).Append("</td></tr>\n");
    }

    private static void CategoryEnd(StringBuilder sb) => sb.Append("</tbody>\n</table>\n</section>\n");

    private static void Tail(StringBuilder sb, AccessReport report, Func<LocalizedText, string> T)
    {
        sb.Append("<h2>").Append(T(AccessReportTexts.RightsHeading)).Append("</h2>\n");
        foreach (var right in report.Rights)
        {
            sb.Append("<h3>").Append(T(right.Title)).Append("</h3>\n");
            foreach (var paragraph in right.Text)
            {
                sb.Append("<p>").Append(T(paragraph)).Append("</p>\n");
            }
        }

        sb.Append("<h2>").Append(T(AccessReportTexts.ComplaintHeading)).Append("</h2>\n<p>").Append(T(AccessReportTexts.ComplaintText)).Append(' ')
            .Append(T(report.SupervisoryAuthority.Name)).Append(", ").Append(Encode(report.SupervisoryAuthority.Url.ToString())).Append("</p>\n");
        sb.Append("</main>\n</body>\n</html>\n");
    }

    private static string Recipient(AccessRecipient r, Func<LocalizedText, string> t)
    {
        var text = t(r.Name);
        if (r.Country is not null)
        {
            text += $" ({t(AccessReportTexts.Country)}: {Encode(r.Country)}";
            text += r.OutsideEea && r.Safeguard is not null ? $"; {t(AccessReportTexts.OutsideEea)}: {t(r.Safeguard)})" : ")";
        }

        return text;
    }

    private static void Definition(StringBuilder sb, string term, string html) =>
        sb.Append("<dt>").Append(term).Append("</dt><dd>").Append(html).Append("</dd>\n");

    private static string Day(Instant instant) => DayPattern.Format(RetentionCalendar.DayOf(instant));

    /// <summary>The expiry is the start of the first day the record is gone; the person reads the last day it is kept.</summary>
    private static string LastDay(Instant expiry) => DayPattern.Format(RetentionCalendar.DayOf(expiry).PlusDays(-1));

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
