using Custodian.Core.Features.Store;
using NodaTime;

namespace Custodian.Core.Features.Demo;

/// <summary>A made-up person: how the demo data finds them again (name, canonical phone and e-mail).</summary>
internal sealed record DemoPerson(string Name, string Phone, string? Email);

/// <summary>
/// Everything one seed writes, as the API's own input records, before any of it is stored. A pure function of the
/// options and the day (<see cref="DemoGenerator"/>), so two runs can be compared without a database.
/// </summary>
internal sealed record DemoPlan(DemoSeedOptions Options, LocalDate Today, IReadOnlyList<DemoOrganizationPlan> Organizations)
{
    /// <summary>The person to show a newcomer: found in five categories of the <c>demo</c> organisation.</summary>
    public DemoPerson Showcase => Organizations[0].Showcase;
}

/// <summary>One organisation's data. <c>Subscribers</c>: the people with a running mobile subscription (the first is the showcase).</summary>
internal sealed record DemoOrganizationPlan(
    OrganizationInput Organization,
    DemoPerson Showcase,
    IReadOnlyList<DemoPerson> Subscribers,
    IReadOnlyList<ContactPersonInput> Contacts,
    IReadOnlyList<DeliveryAddressInput> Addresses,
    IReadOnlyList<DemoServicePlan> Services,
    IReadOnlyList<DemoTicketPlan> Tickets)
{
    public string Code => Organization.Code!;
}

/// <summary>
/// A service with its records; child inputs carry no service id yet (it is known once the service is stored).
/// <c>EndDate</c> is set for services that have ended: written through the API's end operation after the children.
/// </summary>
internal sealed record DemoServicePlan(
    ServiceInput Service,
    string? EndDate,
    IReadOnlyList<InternetConnectionInput> Connections,
    IReadOnlyList<VoipDeviceInput> Devices,
    IReadOnlyList<VoipContactInput> PhoneBook,
    IReadOnlyList<DemoSubscriptionPlan> Subscriptions,
    IReadOnlyList<KeyholderInput> Keyholders);

/// <summary>A subscription and its roaming and bundle notifications (subscription id filled in when written).</summary>
internal sealed record DemoSubscriptionPlan(DemoPerson User, MobileSubscriptionInput Subscription, IReadOnlyList<MobileNotificationInput> Notifications);

/// <summary>A ticket; <c>ClosedAt</c> is set for closed tickets (written through the API's close operation).</summary>
internal sealed record DemoTicketPlan(SupportTicketInput Ticket, string? ClosedAt);
