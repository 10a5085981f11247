using Custodian.Core.Features.Requests;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Mail;

/// <summary>
/// One queued requester or contact message (e-mail or SMS), table <c>outgoing_messages</c>: written in the same
/// transaction as the change that causes it, sent by <see cref="MessageDispatcher"/>, so a kill between the commit and
/// the send loses nothing (issue 8 §4). The recipient and the text are sealed (<see cref="MessageSeal"/>): a database
/// reader sees neither the address nor a verification code, as the code tables promise. Both are erased when the message
/// is sent; a given-up message keeps them sealed so staff can send it again (<see cref="MessageDispatcher.RequeueAsync"/>)
/// until the row itself is deleted <see cref="MessageQueueOptions.KeepFinished"/> after it finished.
/// </summary>
internal sealed class OutgoingMessage
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    /// <summary><see cref="MessageChannels.Email"/> or <see cref="MessageChannels.Sms"/>.</summary>
    [NotPersonalData]
    public required string Channel { get; init; }

    /// <summary>The sealed address or phone number; null once sent (kept sealed when given up, for a requeue).</summary>
    [PersonalData(DataSubjectRequest.PrivacyRequestsCategory)]
    public byte[]? Recipient { get; set; }

    /// <summary>The sealed subject and text (mail) or SMS text; null once sent (kept sealed when given up, for a requeue).</summary>
    [PersonalData(DataSubjectRequest.PrivacyRequestsCategory)]
    public byte[]? Content { get; set; }

    /// <summary>The request reference the message is about (the SMS gateway's reference), or null.</summary>
    [NotPersonalData("random public reference")]
    public string? Reference { get; init; }

    /// <summary>The request it belongs to (deleted with it by retention), or null (the "filed in my name" code).</summary>
    [NotPersonalData]
    public Guid? RequestId { get; init; }

    /// <summary>Sends tried so far, counted when a sender claims the message (so a kill mid-send counts too).</summary>
    [NotPersonalData]
    public int Attempts { get; set; }

    /// <summary>When the message may next be claimed: the back-off after a failure, or the end of a running claim.</summary>
    [NotPersonalData]
    public Instant NextAttemptAt { get; set; }

    /// <summary>The process (<c>JobLeases.ProcessHolder</c>) that claimed it last; a claim of a dead local process is taken over at once.</summary>
    [NotPersonalData("a node and process name")]
    public string? ClaimedBy { get; set; }

    [NotPersonalData]
    public Instant? SentAt { get; set; }

    /// <summary>Set when the dispatcher gave up after <see cref="MessageQueueOptions.MaxAttempts"/> (audited <c>message.given_up</c>).</summary>
    [NotPersonalData]
    public Instant? FailedAt { get; set; }

    /// <summary>What the last failure may say in a log (<see cref="MailFailure.Describe"/>): an exception type and status code, never an address.</summary>
    [NotPersonalData("exception type and SMTP or gateway status code only")]
    public string? LastError { get; set; }
}

internal static class MessageChannels
{
    public const string Email = "email";
    public const string Sms = "sms";
}

internal sealed class OutgoingMessageConfiguration : IEntityTypeConfiguration<OutgoingMessage>
{
    public void Configure(EntityTypeBuilder<OutgoingMessage> builder)
    {
        builder.ToTable("outgoing_messages");
        builder.HasKey(m => m.Id);
        builder.Property(m => m.Id).ValueGeneratedNever();
        builder.Property(m => m.Channel).HasMaxLength(8);
        builder.Property(m => m.Reference).HasMaxLength(32);
        builder.Property(m => m.ClaimedBy).HasMaxLength(200);
        builder.Property(m => m.LastError).HasMaxLength(200);
        // The dispatcher's scan: unfinished messages by due time.
        builder.HasIndex(m => new { m.SentAt, m.FailedAt, m.NextAttemptAt });
        builder.HasIndex(m => m.RequestId);
    }
}
