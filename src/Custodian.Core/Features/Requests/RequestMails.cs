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
        return WithSms(language, reference,
            $"Uw verificatiecode voor privacyverzoek {reference}: {code}. Geldig {minutes} minuten, werkt één keer. Niet door u aangevraagd? Negeer dit bericht.",
            $"Your verification code for privacy request {reference}: {code}. Valid {minutes} minutes, works once. Not you? Ignore this message.",
            language == "en"
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
                """));
    }

    public static OutgoingMail Extended(string to, string language, string reference) => WithSms(language, reference,
        $"Privacyverzoek {reference}: we hebben meer tijd nodig. De nieuwe datum en onze redenen staan op de pagina van het verzoek.",
        $"Privacy request {reference}: we need more time. The new date and our reasons are on the request's page.",
        language == "en"
        ? new OutgoingMail(to, $"Your request {reference}: more time needed", $"""
            We need more time to answer your privacy request {reference}. The new date and our reasons are on the request's page.
            You may complain to the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl) if you disagree.
            """)
        : new OutgoingMail(to, $"Uw verzoek {reference}: meer tijd nodig", $"""
            We hebben meer tijd nodig om uw privacyverzoek {reference} te beantwoorden. De nieuwe datum en onze redenen staan op de pagina van het verzoek.
            Bent u het hier niet mee eens, dan kunt u een klacht indienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl).
            """));

    public static OutgoingMail Refused(string to, string language, string reference) => WithSms(language, reference,
        $"Privacyverzoek {reference} is afgewezen. Onze redenen en uw rechten staan op de pagina van het verzoek.",
        $"Privacy request {reference} was refused. Our reasons and your rights are on the request's page.",
        language == "en"
        ? new OutgoingMail(to, $"Your request {reference}: decision", $"""
            We have refused your privacy request {reference} as manifestly unfounded or excessive (GDPR Art. 12(5)). Our reasons are on the request's page.
            You have the right to complain to the Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl) and to seek a judicial remedy.
            """)
        : new OutgoingMail(to, $"Uw verzoek {reference}: besluit", $"""
            We hebben uw privacyverzoek {reference} afgewezen als kennelijk ongegrond of buitensporig (AVG art. 12 lid 5). Onze redenen staan op de pagina van het verzoek.
            U heeft het recht een klacht in te dienen bij de Autoriteit Persoonsgegevens (autoriteitpersoonsgegevens.nl) en naar de rechter te stappen.
            """));

    /// <summary>
    /// To the subject's address on file: someone asks to act for them. Only the request's reference and type and a
    /// link: nothing about the representative (not even the address they gave), so a stranger cannot use this mail to
    /// reach the subject with a message of their own, and the subject learns no more than what is being asked.
    /// </summary>
    public static OutgoingMail MandateConfirmation(string to, string language, string reference, string typeName, string token, Duration lifetime)
    {
        var days = ((int)lifetime.TotalDays).ToString(CultureInfo.InvariantCulture);
        var link = $"/requests/mandate/{reference}?token={token}";
        return WithSms(language, reference,
            $"Iemand dient namens u privacyverzoek {reference} ({typeName}) in. Bevestig of wijs af binnen {days} dagen via {link} - zonder bevestiging gebeurt er niets.",
            $"Someone made privacy request {reference} ({typeName}) on your behalf. Confirm or reject within {days} days at {link} - without confirmation nothing happens.",
            language == "en"
            ? new OutgoingMail(to, $"Someone asks to act for you: request {reference}", $"""
                Someone has made a privacy request ({typeName}) on your behalf, concerning the data we hold under this e-mail address.
                Nothing happens unless you confirm that you gave them this mandate.

                Request reference: {reference}
                Open {link} to confirm or reject it.
                Mandate code: {token}

                The link works once and for {days} days. If you do nothing, the request is closed and nothing is shared.
                """)
            : new OutgoingMail(to, $"Iemand wil namens u optreden: verzoek {reference}", $"""
                Iemand heeft namens u een privacyverzoek ingediend ({typeName}), over de gegevens die wij onder dit e-mailadres hebben.
                Er gebeurt niets tenzij u bevestigt dat u die persoon daartoe heeft gemachtigd.

                Kenmerk van het verzoek: {reference}
                Open {link} om te bevestigen of af te wijzen.
                Machtigingscode: {token}

                De link werkt één keer en {days} dagen lang. Doet u niets, dan wordt het verzoek gesloten en wordt niets gedeeld.
                """));
    }

    /// <summary>
    /// To the representative: the mandate was not confirmed and the request is closed. One text for a rejection, an
    /// expiry and a subject we could not reach, so it does not say which.
    /// </summary>
    public static OutgoingMail MandateNotConfirmed(string to, string language, string reference) => language == "en"
        ? new OutgoingMail(to, $"Your request {reference}: closed", $"""
            The privacy request {reference} you made on someone else's behalf was not confirmed by that person, so it is closed. Nothing was shared.
            """)
        : new OutgoingMail(to, $"Uw verzoek {reference}: gesloten", $"""
            Het privacyverzoek {reference} dat u namens een ander indiende, is niet door die persoon bevestigd en is daarom gesloten. Er is niets gedeeld.
            """);

    /// <summary>To the subject: the answer to a request made on their behalf was made available to their representative.</summary>
    public static OutgoingMail AnswerGivenToRepresentative(string to, string language, string reference) => WithSms(language, reference,
        $"Het antwoord op privacyverzoek {reference} staat klaar voor uw gemachtigde. Niet door u bevestigd? Neem contact op met onze privacyfunctionaris.",
        $"The answer to privacy request {reference} is available to your representative. Did not confirm this? Contact our privacy officer.",
        language == "en"
        ? new OutgoingMail(to, $"Request {reference}: answer given to your representative", $"""
            The answer to privacy request {reference}, made on your behalf with your confirmation, is now available to the person you gave the mandate.
            If you did not confirm this mandate, contact our privacy officer.
            """)
        : new OutgoingMail(to, $"Verzoek {reference}: antwoord aan uw gemachtigde", $"""
            Het antwoord op privacyverzoek {reference}, dat met uw bevestiging namens u is ingediend, staat nu klaar voor de persoon die u heeft gemachtigd.
            Heeft u deze machtiging niet bevestigd? Neem dan contact op met onze privacyfunctionaris.
            """));

    /// <summary>Adds the short SMS form (in the request's language) for a contact that is a phone number.</summary>
    internal static OutgoingMail WithSms(string language, string reference, string dutch, string english, OutgoingMail mail) =>
        mail with { SmsText = language == "en" ? english : dutch, Reference = reference };
}
