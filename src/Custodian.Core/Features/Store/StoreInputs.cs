using Custodian.Core.Identifiers;

namespace Custodian.Core.Features.Store;

/// <summary>
/// The body of a create or update of one store record (also its OpenAPI request schema). Everything arrives as text
/// and is checked here, so that every broken rule is reported with its field name instead of a JSON binding error.
/// </summary>
internal interface IRecordInput<in TEntity>
    where TEntity : TenantRecord
{
    /// <summary>Checks every field into <paramref name="v"/>; returns what writes the checked values into a record, or null when a rule is broken.</summary>
    Action<TEntity>? Validate(FieldValidator v);
}

/// <summary>A record that hangs directly off the organisation. Provider keys name it by <see cref="Organization"/>; tenant keys must not.</summary>
internal interface IOrganizationRecordInput
{
    string? Organization { get; }
}

/// <summary>A record that belongs to a service of one kind; its organisation is the service's.</summary>
internal interface IServiceRecordInput
{
    Guid? ServiceId { get; }

    string RequiredServiceKind { get; }
}

/// <remarks><c>Organization</c>: Provider keys only: the code of the organisation. Tenant keys leave it out.</remarks>
/// <remarks><c>Role</c>: privacy, billing, technical or general. The organisation's privacy contact has role privacy.</remarks>
internal sealed record ContactPersonInput(string? Organization, string? Name, string? Phone, string? Email, string? Role)
    : IRecordInput<ContactPerson>, IOrganizationRecordInput
{
    public Action<ContactPerson>? Validate(FieldValidator v)
    {
        var name = v.Name("name", Name);
        var phone = v.Identifier("phone", IdentifierKind.PhoneNumber, Phone, required: false);
        var email = v.Identifier("email", IdentifierKind.Email, Email, required: false);
        var role = v.OneOf("role", Role, ContactPerson.Roles);
        if (phone is null && email is null && v.Errors.All(e => e.Field is not ("phone" or "email")))
        {
            v.Add("phone", "contact_person.no_channel", "A contact person needs a phone number or an e-mail address.");
        }

        return v.IsValid ? c => (c.Name, c.Phone, c.Email, c.Role) = (name!, phone, email, role!) : null;
    }
}

/// <remarks><c>Country</c>: ISO 3166-1 alpha-2 (NL, BE, DE...); NL postcodes follow the Dutch rules.</remarks>
internal sealed record DeliveryAddressInput(string? Organization, string? Street, string? HouseNumber, string? Postcode, string? City, string? Country)
    : IRecordInput<DeliveryAddress>, IOrganizationRecordInput
{
    public Action<DeliveryAddress>? Validate(FieldValidator v)
    {
        var street = v.Text("street", Street, 200);
        var number = v.Text("houseNumber", HouseNumber, 20);
        var city = v.Text("city", City, 100);
        var country = v.Text("country", Country, 2)?.ToUpperInvariant();
        if (country is not null && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
        {
            v.Add("country", "field.country_code", "'country' must be an ISO 3166-1 alpha-2 code such as NL.");
            country = null;
        }

        var postcode = country == "NL"
            ? v.Identifier("postcode", IdentifierKind.DutchPostcode, Postcode)
            : v.Text("postcode", Postcode, 20);
        return v.IsValid
            ? a => (a.Street, a.HouseNumber, a.Postcode, a.City, a.Country) = (street!, number!, postcode!, city!, country!)
            : null;
    }
}

/// <remarks><c>Kind</c>: internet, voip, mobile or alarm.</remarks>
/// <remarks><c>StartDate</c>: yyyy-MM-dd.</remarks>
/// <remarks><c>EndDate</c>: yyyy-MM-dd; usually set later through the end operation.</remarks>
internal sealed record ServiceInput(string? Organization, string? Kind, string? Reference, string? StartDate, string? EndDate)
    : IRecordInput<Service>, IOrganizationRecordInput
{
    public Action<Service>? Validate(FieldValidator v)
    {
        var kind = v.OneOf("kind", Kind, Service.Kinds);
        var reference = v.Text("reference", Reference, 100);
        var start = v.Date("startDate", StartDate);
        var end = v.Date("endDate", EndDate, required: false);
        if (start is { } s && end is { } e && e < s)
        {
            v.Add("endDate", "service.end_before_start", "'endDate' must not be before 'startDate'.");
        }

        return v.IsValid ? x => (x.Kind, x.Reference, x.StartDate, x.EndDate) = (kind!, reference!, start!.Value, end) : null;
    }
}

/// <remarks><c>EndDate</c>: The last day of the service (yyyy-MM-dd); starts the "until the end of the service" clock.</remarks>
internal sealed record EndServiceInput(string? EndDate);

/// <remarks><c>ConnectionServiceId</c>: The wholesale network's ServiceId of the connection.</remarks>
/// <remarks><c>PublicIp</c>: The connection's public IPv4 or IPv6 address (no private or reserved ranges).</remarks>
internal sealed record InternetConnectionInput(Guid? ServiceId, string? ConnectionServiceId, string? LineId, string? PublicIp)
    : IRecordInput<InternetConnection>, IServiceRecordInput
{
    string IServiceRecordInput.RequiredServiceKind => "internet";

    public Action<InternetConnection>? Validate(FieldValidator v)
    {
        var service = v.Id("serviceId", ServiceId);
        var connection = v.Text("connectionServiceId", ConnectionServiceId, 100);
        var line = v.Text("lineId", LineId, 100);
        var ip = v.Identifier("publicIp", IdentifierKind.PublicIpAddress, PublicIp, required: false);
        return v.IsValid ? c => (c.ServiceId, c.ConnectionServiceId, c.LineId, c.PublicIp) = (service!.Value, connection!, line!, ip) : null;
    }
}

internal sealed record VoipDeviceInput(Guid? ServiceId, string? DeviceIp, string? MacAddress)
    : IRecordInput<VoipDevice>, IServiceRecordInput
{
    string IServiceRecordInput.RequiredServiceKind => "voip";

    public Action<VoipDevice>? Validate(FieldValidator v)
    {
        var service = v.Id("serviceId", ServiceId);
        var ip = v.Identifier("deviceIp", IdentifierKind.IpAddress, DeviceIp, required: false);
        var mac = v.Identifier("macAddress", IdentifierKind.MacAddress, MacAddress);
        return v.IsValid ? d => (d.ServiceId, d.DeviceIp, d.MacAddress) = (service!.Value, ip, mac!) : null;
    }
}

internal sealed record VoipContactInput(Guid? ServiceId, string? Name, string? Phone)
    : IRecordInput<VoipContact>, IServiceRecordInput
{
    string IServiceRecordInput.RequiredServiceKind => "voip";

    public Action<VoipContact>? Validate(FieldValidator v)
    {
        var service = v.Id("serviceId", ServiceId);
        var name = v.Name("name", Name);
        var phone = v.Identifier("phone", IdentifierKind.PhoneNumber, Phone);
        return v.IsValid ? c => (c.ServiceId, c.Name, c.Phone) = (service!.Value, name!, phone!) : null;
    }
}

internal sealed record MobileSubscriptionInput(Guid? ServiceId, string? Iccid, string? Imei, string? PhoneNumber)
    : IRecordInput<MobileSubscription>, IServiceRecordInput
{
    string IServiceRecordInput.RequiredServiceKind => "mobile";

    public Action<MobileSubscription>? Validate(FieldValidator v)
    {
        var service = v.Id("serviceId", ServiceId);
        var iccid = v.Identifier("iccid", IdentifierKind.Iccid, Iccid);
        var imei = v.Identifier("imei", IdentifierKind.Imei, Imei, required: false);
        var phone = v.Identifier("phoneNumber", IdentifierKind.PhoneNumber, PhoneNumber);
        return v.IsValid ? s => (s.ServiceId, s.Iccid, s.Imei, s.PhoneNumber) = (service!.Value, iccid!, imei, phone!) : null;
    }
}

/// <remarks><c>Kind</c>: roaming (a border-crossing message) or bundle.</remarks>
/// <remarks><c>SentAt</c>: ISO-8601 instant, e.g. 2025-01-31T09:30:00Z.</remarks>
internal sealed record MobileNotificationInput(Guid? SubscriptionId, string? Kind, string? SentAt, string? Text)
    : IRecordInput<MobileNotification>
{
    public Action<MobileNotification>? Validate(FieldValidator v)
    {
        var subscription = v.Id("subscriptionId", SubscriptionId);
        var kind = v.OneOf("kind", Kind, MobileNotification.Kinds);
        var sent = v.Instant("sentAt", SentAt);
        var text = v.Text("text", Text, 2000);
        return v.IsValid ? n => (n.SubscriptionId, n.Kind, n.SentAt, n.Text) = (subscription!.Value, kind!, sent!.Value, text!) : null;
    }
}

internal sealed record KeyholderInput(Guid? ServiceId, string? Name, string? Phone, string? Email)
    : IRecordInput<Keyholder>, IServiceRecordInput
{
    string IServiceRecordInput.RequiredServiceKind => "alarm";

    public Action<Keyholder>? Validate(FieldValidator v)
    {
        var service = v.Id("serviceId", ServiceId);
        var name = v.Name("name", Name);
        var phone = v.Identifier("phone", IdentifierKind.PhoneNumber, Phone);
        var email = v.Identifier("email", IdentifierKind.Email, Email, required: false);
        return v.IsValid ? k => (k.ServiceId, k.Name, k.Phone, k.Email) = (service!.Value, name!, phone!, email) : null;
    }
}

/// <remarks><c>Reference</c>: The support desk's ticket number.</remarks>
/// <remarks><c>OpenedAt</c>: ISO-8601 instant.</remarks>
internal sealed record SupportTicketInput(
    string? Organization, string? Reference, string? RequesterName, string? RequesterPhone, string? RequesterEmail, string? Text, string? OpenedAt)
    : IRecordInput<SupportTicket>, IOrganizationRecordInput
{
    public Action<SupportTicket>? Validate(FieldValidator v)
    {
        var reference = v.Text("reference", Reference, 100);
        var name = v.Name("requesterName", RequesterName);
        var phone = v.Identifier("requesterPhone", IdentifierKind.PhoneNumber, RequesterPhone, required: false);
        var email = v.Identifier("requesterEmail", IdentifierKind.Email, RequesterEmail, required: false);
        var text = v.Text("text", Text, 20000);
        var opened = v.Instant("openedAt", OpenedAt);
        return v.IsValid
            ? t => (t.Reference, t.RequesterName, t.RequesterPhone, t.RequesterEmail, t.Text, t.OpenedAt) = (reference!, name!, phone, email, text!, opened!.Value)
            : null;
    }
}

/// <remarks><c>ClosedAt</c>: ISO-8601 instant; now when left out. Starts the three-year retention of the ticket.</remarks>
internal sealed record CloseTicketInput(string? ClosedAt);

/// <remarks><c>Code</c>: Unique lower-case slug (a–z, 0–9, '-'), 2 to 40 characters, e.g. demo. Cannot be changed later.</remarks>
/// <remarks><c>ProcessingAgreementDate</c>: yyyy-MM-dd.</remarks>
/// <remarks><c>CustomerCallRecordingRetention</c>: ISO-8601 period (P30D, P1Y) within the register's bounds for usage.customer_call_recordings.</remarks>
/// <remarks><c>CallRecordingEnabled</c>: The organisation has the call-recording feature (its own call recordings are accepted); needs customerCallRecordingRetention.</remarks>
internal sealed record OrganizationInput(
    string? Code,
    string? Name,
    string? BillingCompanyName,
    string? ProcessingAgreementReference,
    string? ProcessingAgreementDate,
    string? CustomerCallRecordingRetention,
    bool? CallRecordingEnabled = null);
