namespace Custodian.Core.Features.Sms;

/// <summary>
/// One outgoing text message. By contract it carries only a code or a notice and the request reference (issue 6 §5);
/// the number itself is personal data, so it never appears in <see cref="ToString"/>, logs or exception messages.
/// </summary>
internal sealed record OutgoingSms(string To, string Text, string Reference)
{
    /// <summary>The queued message's id (<c>Mail.OutgoingMessage</c>): the same on every send of one message.</summary>
    public Guid? MessageId { get; init; }

    /// <summary>When the message was queued (the outbox file name starts with it).</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    public override string ToString() => $"OutgoingSms {{ Reference = {Reference} }}";
}

/// <summary>
/// Sends SMS: the HTTP gateway (<c>HttpSmsGateway</c> in the host) in production, <see cref="OutboxSmsSender"/> for
/// <c>serve --dev</c>, a node without a gateway, and tests.
/// </summary>
internal interface ISmsSender
{
    /// <summary>Sends or throws <see cref="SmsException"/>; a caller that must not fail on a message catches it.</summary>
    Task SendAsync(OutgoingSms sms, CancellationToken ct);
}

/// <summary>A message the gateway did not accept. The message text holds a status code at most, never the number or the text.</summary>
internal sealed class SmsException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>SMS settings. Exactly one of <see cref="GatewayUrl"/> and <see cref="OutboxFolder"/> is set.</summary>
internal sealed record SmsOptions
{
    /// <summary>Where <see cref="OutboxSmsSender"/> writes <c>.sms.json</c> files (dev: <c>data/outbox/</c>, beside the mail).</summary>
    public string? OutboxFolder { get; init; }

    /// <summary>The provider's SMS bridge (docs/formats/sms-gateway.md).</summary>
    public Uri? GatewayUrl { get; init; }

    /// <summary>The bearer token for the gateway; from the environment only (CUSTODIAN_SMS_GATEWAY_TOKEN).</summary>
    public string? GatewayToken { get; init; }

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    public override string ToString() => $"SmsOptions {{ GatewayUrl = {GatewayUrl}, OutboxFolder = {OutboxFolder} }}";
}
