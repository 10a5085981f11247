using Custodian.Core.Features.Organizations;
using Custodian.Core.Features.Store;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Store;

/// <summary>The API's shapes of the store's records. Dates are <c>yyyy-MM-dd</c>, instants ISO-8601 UTC, periods ISO-8601.</summary>
internal static class Wire
{
    internal static string Date(LocalDate d) => LocalDatePattern.Iso.Format(d);

    internal static string? Date(LocalDate? d) => d is { } x ? Date(x) : null;

    internal static string Time(Instant i) => InstantPattern.ExtendedIso.Format(i);

    internal static string? Time(Instant? i) => i is { } x ? Time(x) : null;
}

/// <summary>A page of a list, in creation order; pass <c>next</c> as <c>after</c> for the following page (null: last page).</summary>
internal sealed record PageDto<T>(IReadOnlyList<T> Items, Guid? Next);

internal sealed record OrganizationDto(
    Guid Id, string Code, string Name, string BillingCompanyName, string? ProcessingAgreementReference, string? ProcessingAgreementDate,
    string? CustomerCallRecordingRetention, bool CallRecordingEnabled, string CreatedAt)
{
    internal static OrganizationDto From(Organization o) => new(
        o.Id, o.Code, o.Name, o.BillingCompanyName, o.ProcessingAgreementReference, Wire.Date(o.ProcessingAgreementDate),
        o.CustomerCallRecordingRetention is { } p ? PeriodPattern.NormalizingIso.Format(p) : null, o.CallRecordingEnabled, Wire.Time(o.CreatedAt));
}

internal sealed record ContactPersonDto(Guid Id, Guid OrganizationId, string Name, string? Phone, string? Email, string Role, string CreatedAt)
{
    internal static ContactPersonDto From(ContactPerson c) => new(c.Id, c.OrganizationId, c.Name, c.Phone, c.Email, c.Role, Wire.Time(c.CreatedAt));
}

internal sealed record DeliveryAddressDto(Guid Id, Guid OrganizationId, string Street, string HouseNumber, string Postcode, string City, string Country, string CreatedAt)
{
    internal static DeliveryAddressDto From(DeliveryAddress a) =>
        new(a.Id, a.OrganizationId, a.Street, a.HouseNumber, a.Postcode, a.City, a.Country, Wire.Time(a.CreatedAt));
}

internal sealed record ServiceRecordDto(Guid Id, Guid OrganizationId, string Kind, string Reference, string StartDate, string? EndDate, string CreatedAt)
{
    internal static ServiceRecordDto From(Service s) =>
        new(s.Id, s.OrganizationId, s.Kind, s.Reference, Wire.Date(s.StartDate), Wire.Date(s.EndDate), Wire.Time(s.CreatedAt));
}

internal sealed record InternetConnectionDto(Guid Id, Guid OrganizationId, Guid ServiceId, string ConnectionServiceId, string LineId, string? PublicIp, string CreatedAt)
{
    internal static InternetConnectionDto From(InternetConnection c) =>
        new(c.Id, c.OrganizationId, c.ServiceId, c.ConnectionServiceId, c.LineId, c.PublicIp, Wire.Time(c.CreatedAt));
}

internal sealed record VoipDeviceDto(Guid Id, Guid OrganizationId, Guid ServiceId, string? DeviceIp, string MacAddress, string CreatedAt)
{
    internal static VoipDeviceDto From(VoipDevice d) => new(d.Id, d.OrganizationId, d.ServiceId, d.DeviceIp, d.MacAddress, Wire.Time(d.CreatedAt));
}

internal sealed record VoipContactDto(Guid Id, Guid OrganizationId, Guid ServiceId, string Name, string Phone, string CreatedAt)
{
    internal static VoipContactDto From(VoipContact c) => new(c.Id, c.OrganizationId, c.ServiceId, c.Name, c.Phone, Wire.Time(c.CreatedAt));
}

internal sealed record MobileSubscriptionDto(Guid Id, Guid OrganizationId, Guid ServiceId, string Iccid, string? Imei, string PhoneNumber, string CreatedAt)
{
    internal static MobileSubscriptionDto From(MobileSubscription s) =>
        new(s.Id, s.OrganizationId, s.ServiceId, s.Iccid, s.Imei, s.PhoneNumber, Wire.Time(s.CreatedAt));
}

internal sealed record MobileNotificationDto(Guid Id, Guid OrganizationId, Guid SubscriptionId, string Kind, string SentAt, string Text, string CreatedAt)
{
    internal static MobileNotificationDto From(MobileNotification n) =>
        new(n.Id, n.OrganizationId, n.SubscriptionId, n.Kind, Wire.Time(n.SentAt), n.Text, Wire.Time(n.CreatedAt));
}

internal sealed record KeyholderDto(Guid Id, Guid OrganizationId, Guid ServiceId, string Name, string Phone, string? Email, string CreatedAt)
{
    internal static KeyholderDto From(Keyholder k) => new(k.Id, k.OrganizationId, k.ServiceId, k.Name, k.Phone, k.Email, Wire.Time(k.CreatedAt));
}

internal sealed record SupportTicketDto(
    Guid Id, Guid OrganizationId, string Reference, string RequesterName, string? RequesterPhone, string? RequesterEmail, string Text,
    string OpenedAt, string? ClosedAt, string CreatedAt)
{
    internal static SupportTicketDto From(SupportTicket t) => new(
        t.Id, t.OrganizationId, t.Reference, t.RequesterName, t.RequesterPhone, t.RequesterEmail, t.Text,
        Wire.Time(t.OpenedAt), Wire.Time(t.ClosedAt), Wire.Time(t.CreatedAt));
}

/// <remarks><c>MediaType</c>: The checked media type of the content (PDF, PNG, JPEG or UTF-8 text).</remarks>
/// <remarks><c>ContentLength</c>: Bytes.</remarks>
/// <remarks><c>ContentUrl</c>: Where the content is downloaded (the download is audited).</remarks>
internal sealed record SupportTicketAttachmentDto(Guid Id, Guid OrganizationId, Guid TicketId, string MediaType, long ContentLength, string ContentUrl, string CreatedAt)
{
    internal static SupportTicketAttachmentDto From(SupportTicketAttachment a) => new(
        a.Id, a.OrganizationId, a.TicketId, a.MediaType, a.ContentLength, $"/api/v1/support-ticket-attachments/{a.Id}/content", Wire.Time(a.CreatedAt));
}

/// <remarks><c>Caller</c>: The caller's number, E.164.</remarks>
/// <remarks><c>CalledAt</c>: When the call started; the recording is kept 90 days from then.</remarks>
/// <remarks><c>TicketId</c>: The ticket the call is about, if any.</remarks>
/// <remarks><c>MediaType</c>: audio/wav, audio/ogg or audio/mpeg (checked by content).</remarks>
/// <remarks><c>ContentUrl</c>: Where the audio is downloaded (the download is audited).</remarks>
internal sealed record SupportCallRecordingDto(
    Guid Id, Guid OrganizationId, string Caller, string CalledAt, int DurationSeconds, Guid? TicketId, string MediaType, long ContentLength, string ContentUrl, string CreatedAt)
{
    internal static SupportCallRecordingDto From(SupportCallRecording r) => new(
        r.Id, r.OrganizationId, r.CallerNumber, Wire.Time(r.CalledAt), r.DurationSeconds, r.TicketId, r.MediaType, r.ContentLength,
        $"/api/v1/support-call-recordings/{r.Id}/content", Wire.Time(r.CreatedAt));
}

/// <remarks><c>Caller</c>: The calling number, E.164.</remarks>
/// <remarks><c>Callee</c>: The called number, E.164.</remarks>
/// <remarks><c>CalledAt</c>: When the call started; retention counts from then, for the organisation's own period.</remarks>
/// <remarks><c>MediaType</c>: audio/wav, audio/ogg or audio/mpeg (checked by content).</remarks>
/// <remarks><c>ContentUrl</c>: Where the audio is downloaded (the download is audited).</remarks>
internal sealed record CustomerCallRecordingDto(
    Guid Id, Guid OrganizationId, string Caller, string Callee, string CalledAt, int DurationSeconds, string MediaType, long ContentLength, string ContentUrl, string CreatedAt)
{
    internal static CustomerCallRecordingDto From(CustomerCallRecording r) => new(
        r.Id, r.OrganizationId, r.CallerNumber, r.CalleeNumber, Wire.Time(r.CalledAt), r.DurationSeconds, r.MediaType, r.ContentLength,
        $"/api/v1/customer-call-recordings/{r.Id}/content", Wire.Time(r.CreatedAt));
}

internal static class RecordDtos
{
    /// <summary>The API shape of any store record (the subject look-up returns mixed types).</summary>
    internal static object From(object record) => record switch
    {
        Organization o => OrganizationDto.From(o),
        ContactPerson c => ContactPersonDto.From(c),
        DeliveryAddress a => DeliveryAddressDto.From(a),
        Service s => ServiceRecordDto.From(s),
        InternetConnection c => InternetConnectionDto.From(c),
        VoipDevice d => VoipDeviceDto.From(d),
        VoipContact c => VoipContactDto.From(c),
        MobileSubscription s => MobileSubscriptionDto.From(s),
        MobileNotification n => MobileNotificationDto.From(n),
        Keyholder k => KeyholderDto.From(k),
        SupportTicket t => SupportTicketDto.From(t),
        SupportTicketAttachment a => SupportTicketAttachmentDto.From(a),
        SupportCallRecording r => SupportCallRecordingDto.From(r),
        CustomerCallRecording r => CustomerCallRecordingDto.From(r),
        _ => throw new InvalidOperationException($"No API shape for {record.GetType().Name}."),
    };
}
