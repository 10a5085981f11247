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
}
