using System.Net.Http.Headers;
using System.Text.Json.Serialization;
using Custodian.Core.Features.Sms;

namespace Custodian.Features.Sms;

/// <summary>
/// Sends SMS through the provider's SMSC/HTTP bridge (contract: docs/formats/sms-gateway.md): one POST of
/// <c>{ "to", "text", "reference" }</c> with <c>Authorization: Bearer &lt;token&gt;</c>. A 2xx answer means the bridge
/// took the message; anything else, a timeout or a network error is a <see cref="SmsException"/> that says the status
/// code or the error's type only (never the number or the text: personal data stays out of logs). No retry here: the
/// caller keeps the request and staff see the failure, as for mail.
/// </summary>
internal sealed class HttpSmsGateway(IHttpClientFactory clients, SmsOptions options) : ISmsSender
{
    /// <summary>The named client (its timeout is set where it is registered).</summary>
    public const string ClientName = "custodian-sms-gateway";

    public async Task SendAsync(OutgoingSms sms, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sms);
        var url = options.GatewayUrl ?? throw new InvalidOperationException("HttpSmsGateway needs SmsOptions.GatewayUrl.");
        using var client = clients.CreateClient(ClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(new GatewayMessage(sms.To, sms.Text, sms.Reference), SmsGatewayJson.Default.GatewayMessage),
        };
        if (sms.MessageId is { } id)
        {
            // The same on every send of one queued message (a resend after a kill between send and mark): a bridge that
            // honours it drops the repeat (docs/formats/sms-gateway.md).
            request.Headers.Add("Idempotency-Key", id.ToString("D"));
        }

        if (!string.IsNullOrEmpty(options.GatewayToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.GatewayToken);
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            throw new SmsException($"gateway unreachable ({e.HttpRequestError})", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new SmsException("gateway timed out", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // The body may echo the number or the text: not read, not logged.
                throw new SmsException($"gateway answered {(int)response.StatusCode}");
            }
        }
    }
}

/// <summary>The body of the gateway POST.</summary>
internal sealed record GatewayMessage(
    [property: JsonPropertyName("to")] string To,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("reference")] string Reference);

[JsonSerializable(typeof(GatewayMessage))]
internal sealed partial class SmsGatewayJson : JsonSerializerContext;
