using System.Globalization;
using System.Net;
using System.Text;
using Custodian.Core.Features.Register;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>
/// The answer to a rectification, erasure, restriction, objection or withdrawal: per category what was done, what was
/// kept with its reason and until when, and for parts another controller decides which organisation that is and how to
/// reach it (ROU-3). A refusal tells of the right to complain to the supervisory authority (name from the register).
/// Reasons are codes of <c>KeptReasons</c>; an authority hold is only ever "legal obligation" (ACC-5).
/// </summary>
internal static class OutcomeSummaryHtml
{
    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    public static string Render(
        ProcessingRegister register, DataSubjectRequest request, IReadOnlyList<RequestPart> parts,
        IReadOnlyDictionary<Guid, (string Name, string? Email)> organizations, StatementLanguage language)
    {
        var en = language == StatementLanguage.English;
        string T(string nl, string english) => en ? english : nl;
        string E(string? s) => WebUtility.HtmlEncode(s ?? string.Empty);
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"{(en ? "en" : "nl")}\"><head><meta charset=\"utf-8\"><title>")
            .Append(E(T("Uitkomst van uw verzoek ", "Outcome of your request ") + request.Reference)).Append("</title></head><body>");
        b.Append("<h1>").Append(E(T("Uitkomst van uw verzoek ", "Outcome of your request ") + request.Reference)).Append("</h1>");
        if (parts.Count == 0)
        {
            b.Append("<p>").Append(E(T("Wij hebben geen gegevens over u gevonden.", "We found no data about you."))).Append("</p>");
        }

        b.Append("<ul>");
        foreach (var part in parts)
        {
            var category = register.Categories.FirstOrDefault(c => c.Id == part.Category)?.Description.Get(language) ?? part.Category;
            b.Append("<li><strong>").Append(E(category)).Append("</strong>: ");
            var outcome = PartOutcome.FromJson(part.Outcome);
            if (part.State == RequestPartStates.Declined || (part.IsClient && part.Instruction != RequestPartStates.Execute))
            {
                var (name, email) = organizations.TryGetValue(part.OrganizationId, out var o) ? o : (string.Empty, null);
                b.Append(E(T($"hiervoor is {name} verwerkingsverantwoordelijke; die organisatie heeft besloten uw verzoek voor deze gegevens niet uit te voeren.",
                    $"{name} is the controller of this data; that organisation decided not to carry out your request for it.")));
                if (email is not null)
                {
                    b.Append(' ').Append(E(T("U bereikt die organisatie via ", "You can reach that organisation at "))).Append(E(email)).Append('.');
                }
            }
            else
            {
                b.Append(E(Done(outcome, T)));
                foreach (var kept in outcome?.Kept ?? [])
                {
                    b.Append(' ').Append(E(T($"{kept.Count} bewaard: {Reason(kept.Reason, T)}", $"{kept.Count} kept: {Reason(kept.Reason, T)}")));
                    b.Append(E(kept.Until is { } until ? T(", tot ", ", until ") + LocalDatePattern.Iso.Format(until.InZone(Amsterdam).Date) + "." : "."));
                }

                if (part.IsClient && organizations.TryGetValue(part.OrganizationId, out var o))
                {
                    b.Append(' ').Append(E(T($"Uitgevoerd op instructie van {o.Name}, de verwerkingsverantwoordelijke.", $"Carried out on the instruction of {o.Name}, the controller.")));
                }
            }

            b.Append("</li>");
        }

        b.Append("</ul>");
        if (parts.Any(p => p.State == RequestPartStates.Declined))
        {
            var authority = register.Statement.SupervisoryAuthority;
            b.Append("<p>").Append(E(T(
                $"Bent u het niet eens met een besluit, dan heeft u het recht een klacht in te dienen bij de {authority.Name.Get(language)} ({authority.Url}).",
                $"If you disagree with a decision, you have the right to complain to the {authority.Name.Get(language)} ({authority.Url})."))).Append("</p>");
        }

        b.Append("</body></html>");
        return b.ToString();
    }

    private static string Done(PartOutcome? outcome, Func<string, string, string> t) => outcome?.Kind switch
    {
        "erased" => t($"{outcome.Done} gewist.", $"{outcome.Done} erased."),
        "restricted" => t("de verwerking is beperkt.", "processing is restricted."),
        "objection" when outcome.Code == "objection.compelling_grounds" => t("wij hebben dwingende gerechtvaardigde gronden vastgelegd om de verwerking voort te zetten.", "we recorded compelling legitimate grounds to continue the processing."),
        "objection" when outcome.Code is not null => t("deze gegevens verwerken wij niet op grond van gerechtvaardigd belang; bezwaar is hier niet van toepassing.", "we do not process this data on legitimate interest; an objection does not apply."),
        "objection" => t($"de verwerking is gestopt; {outcome.Done} gewist.", $"processing stopped; {outcome.Done} erased."),
        "consent" when outcome.Code == Execution.ConsentWithdrawalExecutor.Withdrawn => t($"{outcome.Done} toestemming(en) ingetrokken; de verwerking op grond daarvan is gestopt.", $"{outcome.Done} consent(s) withdrawn; the processing based on them has stopped."),
        "consent" when outcome.Code == Execution.ConsentWithdrawalExecutor.NoneGiven => t("wij hadden geen toestemming van u geregistreerd.", "we had no consent of yours on record."),
        "consent" => t("geen verwerking op grond van toestemming.", "no processing rests on consent."),
        "rectified" => t($"{outcome.Done} gegevens gecorrigeerd.", $"{outcome.Done} fields corrected."),
        _ => t("afgehandeld.", "handled."),
    };

    private static string Reason(string reason, Func<string, string, string> t) => reason switch
    {
        "legal_obligation" => t("wettelijke verplichting", "legal obligation"),
        "legal_claims" => t("rechtsvorderingen", "legal claims"),
        "legal_hold" => t("bewaarplicht", "legal hold"),
        "running_contract" => t("lopende overeenkomst", "running contract"),
        "retention_period" => t("normale bewaartermijn", "normal retention period"),
        _ => reason,
    };
}
