namespace Custodian.Core.Features.Mail;

/// <summary>
/// Writes each message as a real RFC 5322 <c>.eml</c> file (MimeKit) into a folder instead of sending it: <c>serve
/// --dev</c> (<c>data/outbox/</c>) and the tests read codes from there. Written to a temporary name and renamed, so a
/// reader never sees half a message. File names sort by time. A queued message (<see cref="OutgoingMail.MessageId"/>)
/// gets a name made of its queue time and id only, so sending it again after a kill replaces the file rather than
/// adding a second one (what the crash tests observe as exactly once).
/// </summary>
internal sealed class OutboxMailSender(MailOptions options, TimeProvider time) : IMailSender
{
    public string Folder { get; } = options.OutboxFolder ?? throw new InvalidOperationException("OutboxMailSender needs MailOptions.OutboxFolder.");

    public async Task SendAsync(OutgoingMail mail, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(mail);
        Directory.CreateDirectory(Folder);
        var message = MimeMessages.From(options, mail);
        var stamp = (mail.QueuedAt ?? time.GetUtcNow()).ToString("yyyyMMdd'T'HHmmssfffffff", System.Globalization.CultureInfo.InvariantCulture);
        var name = $"{stamp}-{mail.MessageId ?? Guid.NewGuid():N}.eml";
        var temporary = Path.Combine(Folder, $"{name}.{Guid.NewGuid():N}.tmp");
        await using (var stream = File.Create(temporary))
        {
            await message.WriteToAsync(stream, ct);
        }

        File.Move(temporary, Path.Combine(Folder, name), overwrite: true);
    }
}
