using System.Globalization;
using Custodian.Core.Features.Mail;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// The texts of request mail, in the request's language. No personal data: only a notice, the reference and a code
/// (issue 6 §5). Whether the person is known is never said (attack A8).
/// </summary>
internal static class RequestMails
{
    public static OutgoingMail VerificationCode(string to, string language, string reference, string code, Duration lifetime)
    {
        var minutes = ((int)lifetime.TotalMinutes).ToString(CultureInfo.InvariantCulture);
        return language == "en"
            ? new OutgoingMail(
                to,
                $"Your verification code for request {reference}",
                $"""
                Someone, probably you, made a privacy request with this e-mail address.

                Request reference: {reference}
                Verification code: {code}

                Enter this code on the request's page within {minutes} minutes. The code works once.
                If you did not make this request, ignore this message: nothing happens without the code.
                """)
            : new OutgoingMail(
                to,
                $"Uw verificatiecode voor verzoek {reference}",
                $"""
                Iemand, waarschijnlijk u, heeft met dit e-mailadres een privacyverzoek ingediend.

                Kenmerk van het verzoek: {reference}
                Verificatiecode: {code}

                Vul deze code binnen {minutes} minuten in op de pagina van het verzoek. De code werkt één keer.
                Heeft u dit verzoek niet ingediend? Dan kunt u dit bericht negeren: zonder de code gebeurt er niets.
                """);
    }

    public static OutgoingMail Extended(string to, string language, string reference) => language == "en"
        ? new OutgoingMail(to, $"Your request {reference}: more time needed", $"""
            We need more time to answer your privacy request {reference}. The new date and our reasons are on the request's page.
            You may complain to the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl) if you disagree.
            """)
        : new OutgoingMail(to, $"Uw verzoek {reference}: meer tijd nodig", $"""
            We hebben meer tijd nodig om uw privacyverzoek {reference} te beantwoorden. De nieuwe datum en onze redenen staan op de pagina van het verzoek.
            Bent u het hier niet mee eens, dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).
            """);

    public static OutgoingMail Refused(string to, string language, string reference) => language == "en"
        ? new OutgoingMail(to, $"Your request {reference}: decision", $"""
            We have refused your privacy request {reference} as manifestly unfounded or excessive (GDPR Art. 12(5)). Our reasons are on the request's page.
            You have the right to complain to the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl) and to seek a judicial remedy.
            """)
        : new OutgoingMail(to, $"Uw verzoek {reference}: besluit", $"""
            We hebben uw privacyverzoek {reference} afgewezen als kennelijk ongegrond of buitensporig (AVG art. 12 lid 5). Onze redenen staan op de pagina van het verzoek.
            U heeft het recht een klacht in te dienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl) en naar de rechter te stappen.
            """);
}
