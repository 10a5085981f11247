using Custodian.Core.Features.Mail;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>Workflow notices. No personal data (issue 6 §5): a notice and a link, nothing about the person or the data.</summary>
internal static class WorkflowMails
{
    /// <summary>To a client organisation's privacy contact: a part of a request waits for its decision (ROU-2).</summary>
    public static OutgoingMail DecisionNeeded(string to, Guid requestId) => new(
        to,
        "Een privacyverzoek wacht op uw besluit / A privacy request needs your decision",
        $"""
        Een privacyverzoek van een betrokkene raakt gegevens waarvan uw organisatie verwerkingsverantwoordelijke is.
        Uw besluit is nodig: log in op de back office en open /office/requests/{requestId}.

        A data-subject request concerns data your organisation is the controller of. Your decision is needed:
        log in to the back office and open /office/requests/{requestId}.
        """);

    /// <summary>To the requester: the answer is ready on the portal's status page (downloads need a verified session).</summary>
    public static OutgoingMail AnswerReady(string to, string language, string reference) => RequestMails.WithSms(language, reference,
        $"Het antwoord op uw privacyverzoek {reference} staat klaar: open /requests/{reference} en bevestig met een nieuwe code. 7 dagen beschikbaar.",
        $"The answer to your privacy request {reference} is ready: open /requests/{reference} and confirm with a new code. Available for 7 days.",
        language == "en"
        ? new OutgoingMail(to, $"Your request {reference}: the answer is ready", $"""
            The answer to your privacy request {reference} is ready. Open /requests/{reference}, confirm with a new code,
            and download it there. The answer stays available for 7 days.
            """)
        : new OutgoingMail(to, $"Uw verzoek {reference}: het antwoord staat klaar", $"""
            Het antwoord op uw privacyverzoek {reference} staat klaar. Open /requests/{reference}, bevestig met een nieuwe code
            en download het daar. Het antwoord blijft 7 dagen beschikbaar.
            """));
}
