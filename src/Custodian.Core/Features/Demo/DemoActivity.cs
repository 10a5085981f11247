using System.Globalization;
using Custodian.Core.Features.Store;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Demo;

/// <summary>A ticket attachment (plain text) for the organisation's <c>TicketIndex</c>-th ticket.</summary>
internal sealed record DemoAttachment(string Organization, int TicketIndex, string Text);

/// <summary>A support-line recording, linked to the organisation's <c>TicketIndex</c>-th ticket when set.</summary>
internal sealed record DemoSupportRecording(string Organization, SupportCallRecordingInput Input, int? TicketIndex, double ToneHz, int Milliseconds);

/// <summary>One of an organisation's own call recordings (organisations with the call-recording feature only).</summary>
internal sealed record DemoCustomerRecording(string Organization, CustomerCallRecordingInput Input, double ToneHz, int Milliseconds);

/// <summary>The activity around the stored records: content (attachments, recordings) and usage and traffic records.</summary>
internal sealed record DemoActivityPlan(
    IReadOnlyList<DemoAttachment> Attachments,
    IReadOnlyList<DemoSupportRecording> SupportRecordings,
    IReadOnlyList<DemoCustomerRecording> CustomerRecordings);

/// <summary>
/// Activity derived from a <see cref="DemoPlan"/>: each part draws from its own <see cref="Random"/> (the seed mixed
/// with a part number), so adding or changing one part never changes the people, services and tickets of the plan.
/// </summary>
internal static class DemoActivity
{
    private const int ContentStream = 1;
    private const int UsageStream = 2;
    private const int TrafficStream = 3;

    private static readonly string[] RoamingCountries = ["BE", "DE", "FR", "ES", "IT", "AT"];

    public static DemoActivityPlan Content(DemoPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var random = Stream(plan, ContentStream);
        var attachments = new List<DemoAttachment>();
        var support = new List<DemoSupportRecording>();
        var customer = new List<DemoCustomerRecording>();
        foreach (var org in plan.Organizations)
        {
            for (var i = 0; i < org.Tickets.Count; i++)
            {
                var ticket = org.Tickets[i].Ticket;
                if (i == 0 || random.Next(0, 3) == 0)
                {
                    attachments.Add(new DemoAttachment(org.Code, i,
                        $"Modemlog (synthetisch, demo)\n{ticket.OpenedAt} verbinding verbroken\n{ticket.OpenedAt} opnieuw verbonden\n"));
                }

                // The requester phoned the support line before the ticket was opened.
                if (ticket.RequesterPhone is { } phone && (i == 0 || random.Next(0, 3) == 0))
                {
                    var opened = InstantPattern.ExtendedIso.Parse(ticket.OpenedAt!).Value;
                    support.Add(new DemoSupportRecording(
                        org.Code,
                        new SupportCallRecordingInput(org.Code, phone, Text(opened - Duration.FromMinutes(random.Next(5, 60))), Seconds(random.Next(40, 600)), null),
                        i,
                        random.Next(300, 900),
                        random.Next(300, 800)));
                }
            }

            if (org.Organization.CallRecordingEnabled == true)
            {
                var count = Math.Max(2, org.Subscribers.Count / 4);
                for (var i = 0; i < count; i++)
                {
                    var caller = i == 0 ? org.Showcase : org.Subscribers[random.Next(org.Subscribers.Count)];
                    var callee = DemoIdentifiers.Correspondent(random.Next(0, 2000));
                    var at = plan.Today.PlusDays(-random.Next(1, Math.Max(2, plan.Options.Months * 28)))
                        .At(new LocalTime(random.Next(8, 18), random.Next(0, 60))).InUtc().ToInstant();
                    customer.Add(new DemoCustomerRecording(
                        org.Code,
                        new CustomerCallRecordingInput(org.Code, caller.Phone, callee, Text(at), Seconds(random.Next(20, 900))),
                        random.Next(300, 900),
                        random.Next(300, 800)));
                }
            }
        }

        return new DemoActivityPlan(attachments, support, customer);
    }

    /// <summary>
    /// Usage records (call detail records) in Custodian's usage CSV: every running subscriber makes and receives calls
    /// every month of the window, to colleagues and fictional outside numbers, sometimes abroad.
    /// </summary>
    /// <param name="plan">The demo plan.</param>
    /// <param name="csv">Where the CSV goes.</param>
    /// <param name="keepFrom">Leave out records that started before this (already expired: the import refuses them);
    /// their random draws are still made, so the other records are the same whatever the cut.</param>
    public static void WriteUsageCsv(DemoPlan plan, TextWriter csv, Instant? keepFrom = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(csv);
        var random = Stream(plan, UsageStream);
        csv.Write("organization,record_id,service,kind,direction,caller,callee,start,duration,billed,outcome,cell_id,country,cost,currency\n");
        var n = 0;
        foreach (var org in plan.Organizations)
        {
            var service = org.Services.First(s => s.Service.Kind == "mobile" && s.EndDate is null).Service.Reference;
            foreach (var person in org.Subscribers)
            {
                for (var month = 0; month < plan.Options.Months; month++)
                {
                    var calls = 8 + random.Next(0, 12);
                    for (var c = 0; c < calls; c++)
                    {
                        var outbound = random.Next(0, 2) == 0;
                        var other = random.Next(0, 3) == 0
                            ? org.Subscribers[random.Next(org.Subscribers.Count)].Phone
                            : DemoIdentifiers.Correspondent(random.Next(0, 2000));
                        var answered = random.Next(0, 8) != 0;
                        var duration = answered ? random.Next(5, 1200) : 0;
                        var abroad = random.Next(0, 12) == 0;
                        var cost = outbound && answered ? (duration / 60m * 0.0125m).ToString("0.######", CultureInfo.InvariantCulture) : string.Empty;
                        var start = default(Instant);
                        var line = string.Join(',',
                            org.Code,
                            string.Create(CultureInfo.InvariantCulture, $"demo-u-{++n:D8}"),
                            service,
                            "mobile",
                            outbound ? "outbound" : "inbound",
                            outbound ? person.Phone : other,
                            outbound ? other : person.Phone,
                            Text(start = Moment(plan, random, month)),
                            duration.ToString(CultureInfo.InvariantCulture),
                            duration.ToString(CultureInfo.InvariantCulture),
                            answered ? "answered" : "no_answer",
                            string.Create(CultureInfo.InvariantCulture, $"204-99-{random.Next(1000, 9999)}-{random.Next(1000, 9999)}"),
                            abroad ? RoamingCountries[random.Next(RoamingCountries.Length)] : "NL",
                            cost,
                            cost.Length > 0 ? "EUR" : string.Empty);
                        if (start >= keepFrom.GetValueOrDefault(Instant.MinValue))
                        {
                            csv.Write(line);
                            csv.Write('\n');
                        }
                    }
                }
            }
        }
    }

    /// <summary>Traffic records in Custodian's traffic CSV: e-mail, telephony and internet sessions of the same people and connections.</summary>
    /// <param name="plan">The demo plan.</param>
    /// <param name="csv">Where the CSV goes.</param>
    /// <param name="keepFrom">Leave out records that started before this (see <see cref="WriteUsageCsv"/>).</param>
    public static void WriteTrafficCsv(DemoPlan plan, TextWriter csv, Instant? keepFrom = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(csv);
        var random = Stream(plan, TrafficStream);
        csv.Write("organization,record_id,kind,direction,subscriber,counterpart,start,duration,bytes,protocol\n");
        var n = 0;
        void Row(string org, string kind, string direction, string subscriber, string counterpart, Instant start, int? duration, long bytes, string protocol)
        {
            if (start < keepFrom.GetValueOrDefault(Instant.MinValue))
            {
                return;
            }

            csv.Write(string.Join(',', org, string.Create(CultureInfo.InvariantCulture, $"demo-t-{++n:D8}"), kind, direction, subscriber, counterpart, Text(start),
                duration?.ToString(CultureInfo.InvariantCulture) ?? string.Empty, bytes.ToString(CultureInfo.InvariantCulture), protocol) + "\n");
        }

        foreach (var org in plan.Organizations)
        {
            var addresses = org.Services.SelectMany(s => s.Connections).Select(c => c.PublicIp).OfType<string>().ToList();
            for (var month = 0; month < plan.Options.Months; month++)
            {
                foreach (var person in org.Subscribers)
                {
                    for (var i = 0; i < 2 + random.Next(0, 4); i++)
                    {
                        var outbound = random.Next(0, 2) == 0;
                        Row(org.Code, "email", outbound ? "outbound" : "inbound", person.Email!,
                            string.Create(CultureInfo.InvariantCulture, $"contact{random.Next(1, 500)}@elders.example"),
                            Moment(plan, random, month), null, random.Next(2_000, 2_000_000), "smtp");
                    }

                    Row(org.Code, "telephony", "outbound", person.Phone, DemoIdentifiers.Correspondent(random.Next(0, 2000)),
                        Moment(plan, random, month), random.Next(10, 900), 0, "sip");
                }

                foreach (var ip in addresses)
                {
                    for (var i = 0; i < 3 + random.Next(0, 5); i++)
                    {
                        Row(org.Code, "internet", "outbound", ip, DemoIdentifiers.PublicIp(random.Next(0, 3 * 254)),
                            Moment(plan, random, month), random.Next(1, 7200), random.Next(1_000, 50_000_000), "https");
                    }
                }
            }
        }
    }

    /// <summary>A moment in the <paramref name="month"/>-th month back (0 = the last 28 days), never today or later.</summary>
    private static Instant Moment(DemoPlan plan, Random random, int month)
    {
        var day = plan.Today.PlusMonths(-month).PlusDays(-random.Next(1, 29));
        return day.At(new LocalTime(random.Next(0, 24), random.Next(0, 60), random.Next(0, 60))).InUtc().ToInstant();
    }

    /// <summary>A fixed mix of seed and part (not <see cref="HashCode"/>, which is randomised per process).</summary>
    private static Random Stream(DemoPlan plan, int part) => new(unchecked((plan.Options.Seed * 1_000_003) + part) & int.MaxValue);

    private static string Text(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    private static string Seconds(int seconds) => seconds.ToString(CultureInfo.InvariantCulture);
}
