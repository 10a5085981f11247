using System.Text.RegularExpressions;
using Custodian.Core.Features.Mail;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// Makes the links in request messages absolute. Message texts name pages by path (<c>/requests/REF</c>,
/// <c>/office/requests/ID</c>); with the portal's public address configured (<c>publicUrl</c>) each such path gets it
/// in front, so the recipient can open it; without one the text keeps the path (and says where to open it). One place
/// for every message, mail and SMS, so no text builds a URL of its own.
/// </summary>
internal sealed partial class PortalLinks(Uri? publicUrl)
{
    public static PortalLinks None { get; } = new(null);

    public Uri? PublicUrl { get; } = publicUrl;

    /// <summary><paramref name="text"/> with every page path made absolute (unchanged when no public address is set).</summary>
    public string Absolute(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (PublicUrl is null)
        {
            return text;
        }

        var root = PublicUrl.AbsoluteUri.TrimEnd('/');
        return PagePath().Replace(text, m => root + m.Value);
    }

    /// <summary>The message with its mail body and SMS text made absolute.</summary>
    public OutgoingMail Apply(OutgoingMail message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PublicUrl is null
            ? message
            : message with { TextBody = Absolute(message.TextBody), SmsText = message.SmsText is null ? null : Absolute(message.SmsText) };
    }

    // A path at the start of a word: not part of a URL or a longer path already (no letter, digit, '/', '.' or ':' before it).
    [GeneratedRegex(@"(?<![\w/.:])/(?:requests|office)/", RegexOptions.CultureInvariant)]
    private static partial Regex PagePath();
}
