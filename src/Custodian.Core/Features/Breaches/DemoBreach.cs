using NodaTime;

namespace Custodian.Core.Features.Breaches;

/// <summary>
/// The demo data's one open breach, so both clocks show on <c>serve --dev</c>: detected five hours ago, aware three
/// hours ago, not reported yet (the 24-hour clock has 19 hours left, the 72-hour one 69). It concerns one category the
/// provider controls and one where the demo organisation does, so the page also names a controller to inform.
/// </summary>
internal static class DemoBreach
{
    public static BreachInput Input(Instant now, Guid demoOrganizationId) => new(
        "Lost laptop of a field engineer (demo)",
        now - Duration.FromHours(5),
        now - Duration.FromHours(3),
        "A field engineer's laptop was left on a train. Its disk was encrypted, but a spreadsheet export of installation addresses was kept on an unencrypted USB stick in the same bag.",
        ["general.contact_person", "general.delivery_address"],
        40,
        55,
        "Installation addresses and contact names of business customers could be read by the finder; risk of unwanted contact.",
        "Laptop access revoked remotely; the engineer's credentials were reset.",
        "Ban removable storage on field laptops; remind engineers of the device policy.",
        false,
        SubjectNoticeExemption.None,
        "Functionaris gegevensbescherming, privacy@allbest.example",
        [demoOrganizationId]);
}
