namespace Custodian.Core.Features.Requests;

/// <summary>How a request reached the provider (DSR-1: any channel, no mandatory form).</summary>
internal enum RequestChannel
{
    Portal,
    Api,
    Letter,
    Email,
    Phone,
}

internal static class RequestChannels
{
    public static string Name(RequestChannel channel) => channel switch
    {
        RequestChannel.Portal => "portal",
        RequestChannel.Api => "api",
        RequestChannel.Letter => "letter",
        RequestChannel.Email => "email",
        RequestChannel.Phone => "phone",
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    public static RequestChannel? Parse(string? name) => name?.Trim() switch
    {
        "portal" => RequestChannel.Portal,
        "api" => RequestChannel.Api,
        "letter" => RequestChannel.Letter,
        "email" => RequestChannel.Email,
        "phone" => RequestChannel.Phone,
        _ => null,
    };

    /// <summary>Channels staff enter by hand (the request arrived outside the portal and the API).</summary>
    public static bool IsStaffEntered(RequestChannel channel) =>
        channel is RequestChannel.Letter or RequestChannel.Email or RequestChannel.Phone;
}
