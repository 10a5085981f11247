using System.Globalization;
using Custodian.Core.Features.Store;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Core.Features.Demo;

/// <summary>
/// Makes the demo data set: a pure function of <see cref="DemoSeedOptions"/> and today's date. Every random choice
/// comes from one <see cref="Random"/> seeded with <see cref="DemoSeedOptions.Seed"/> (its seeded sequence is stable
/// across .NET versions), consumed in a fixed order; every date is counted back from <c>today</c>, never read from a
/// clock; identifiers are the n-th value of their fictional range (<see cref="DemoIdentifiers"/>).
/// </summary>
internal static class DemoGenerator
{
    // Obviously made-up surnames ("example", "test", "trial", "fake", "made up"...), with ordinary first names.
    private static readonly string[] FirstNames =
    [
        "Anna", "Bram", "Carla", "Daan", "Eva", "Femke", "Gijs", "Hanna", "Ilse", "Joost", "Kim", "Lars",
        "Maud", "Niels", "Olga", "Pim", "Quinten", "Roos", "Sem", "Tess", "Ugo", "Vera", "Wout", "Yara",
    ];

    internal static readonly string[] Surnames =
    [
        "Voorbeeld", "Testerink", "Proefmans", "Nepstra", "Fictiefsma", "Demokamp", "Verzinsel", "Bedenksma",
        "Namaakma", "Schijnveld", "Fopma", "Proefhout", "Testervelt", "Oefenaar", "Nagemaakt", "Zogenaamd",
    ];

    internal static readonly (string Code, string Name)[] OrganizationNames =
    [
        ("demo", "Demo Installatietechniek"),
        ("proefpolder", "Proefpolder Logistiek"),
        ("testhaven", "Testhaven Zorggroep"),
        ("voorbeeldrecht", "Voorbeeldrecht Advocaten"),
        ("nepwerk", "Nepwerk Bouw"),
        ("oefenstad", "Oefenstad Makelaardij"),
    ];

    private static readonly string[] Streets = ["Voorbeeldstraat", "Testlaan", "Proefweg", "Demoplein", "Nepkade", "Oefengracht"];

    private static readonly string[] Cities = ["Demodorp", "Teststad", "Voorbeeldrecht", "Proefwijk", "Nergenshuizen", "Oefenveen"];

    private static readonly string[] TicketTexts =
    [
        "Mijn toestel maakt geen verbinding meer met het mobiele netwerk sinds de update.",
        "De internetverbinding op kantoor valt elke middag rond drie uur weg.",
        "Graag een extra VoIP-toestel voor de nieuwe collega op de tweede verdieping.",
        "Onze databundel was halverwege de maand al op; kunnen we de bundel verhogen?",
        "Het alarmsysteem belde vannacht de verkeerde sleutelhouder; graag de volgorde aanpassen.",
        "Bellers horen ons slecht sinds de verhuizing van de telefooncentrale.",
        "Verzoek om de factuur voortaan naar de financiële afdeling te sturen.",
        "De simkaart van een medewerker is gestolen; graag blokkeren en een nieuwe sturen.",
    ];

    private static readonly string[] Countries = ["België", "Duitsland", "Frankrijk", "Spanje", "Italië", "Oostenrijk"];

    /// <summary>Builds the plan. <paramref name="today"/> anchors every date: same options, same day, same plan.</summary>
    public static DemoPlan Plan(DemoSeedOptions options, LocalDate today)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Check();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems.Select(p => $"{p.Option} {p.Message}")), nameof(options));
        }

        var state = new State(new Random(options.Seed), today, options.Months);
        var organizations = new List<DemoOrganizationPlan>();
        var perOther = Math.Max(1, options.Subscribers / (options.Organizations + 1));
        for (var k = 0; k < options.Organizations; k++)
        {
            var subscribers = k == 0 ? options.Subscribers - perOther * (options.Organizations - 1) : perOther;
            organizations.Add(Organization(state, k, Math.Max(1, subscribers)));
        }

        return new DemoPlan(options, today, organizations);
    }

    private static DemoOrganizationPlan Organization(State s, int k, int subscriberCount)
    {
        var (code, name) = k < OrganizationNames.Length
            ? OrganizationNames[k]
            : (string.Create(CultureInfo.InvariantCulture, $"demo-{k + 1}"), string.Create(CultureInfo.InvariantCulture, $"Demo Klant {k + 1}"));
        var domain = code + ".example";
        var legalForm = k % 4 == 3 ? string.Empty : " B.V.";
        var organization = new OrganizationInput(
            code,
            name,
            // One organisation is a sole trader: its billing name names a person (general.billing_name).
            k % 4 == 3 ? $"{s.Pick(FirstNames)[0]}. {s.Pick(Surnames)} h.o.d.n. {name}" : name + legalForm,
            string.Create(CultureInfo.InvariantCulture, $"VWO-{code.ToUpperInvariant()}-{2020 + s.Random.Next(0, 5)}"),
            Date(s.Today.PlusMonths(-s.Months).PlusDays(-s.Random.Next(200, 1500))),
            k % 2 == 0 ? "P90D" : "P1Y",
            // Every other organisation has the call-recording feature, so customers' own recordings have a home.
            k % 2 == 0 ? true : null);

        var people = new PersonFactory(s, domain);
        var subscribers = Enumerable.Range(0, subscriberCount).Select(_ => people.Next()).ToList();
        var showcase = subscribers[0];

        var billing = people.Next();
        var contacts = new List<ContactPersonInput>
        {
            new(null, showcase.Name, showcase.Phone, showcase.Email, "privacy"),
            new(null, billing.Name, billing.Phone, billing.Email, "billing"),
            new(null, subscribers[subscribers.Count > 1 ? 1 : 0].Name, subscribers[subscribers.Count > 1 ? 1 : 0].Phone, null, "technical"),
        };
        var general = people.Next();
        contacts.Add(new ContactPersonInput(null, general.Name, null, general.Email, "general"));

        var addresses = new List<DeliveryAddressInput>();
        for (var i = 0; i < 1 + s.Random.Next(0, 2); i++)
        {
            addresses.Add(new DeliveryAddressInput(
                null,
                s.Pick(Streets),
                (s.Random.Next(1, 250) + (s.Random.Next(0, 4) == 0 ? "A" : string.Empty)).ToString(CultureInfo.InvariantCulture),
                Postcode(s),
                s.Pick(Cities),
                "NL"));
        }

        var services = new List<DemoServicePlan>();
        var refs = 0;
        string Reference(string kind) => string.Create(CultureInfo.InvariantCulture, $"{code.ToUpperInvariant()}-{kind}-{++refs:D3}");

        // Internet: one running connection service; every other organisation also has an ended one.
        services.Add(Internet(s, new ServiceInput(null, "internet", Reference("INT"), Date(s.BeforeWindow()), null), null));
        if (k % 2 == 0)
        {
            var (start, end) = s.EndedWithinWindow();
            services.Add(Internet(s, new ServiceInput(null, "internet", Reference("INT"), Date(start), null), Date(end)));
        }

        // VoIP: devices for about 40% of the subscribers, a phone book of colleagues and outside correspondents.
        var devices = subscribers.Where((_, i) => i == 0 || s.Random.Next(0, 10) < 4)
            .Select(_ => new VoipDeviceInput(null, DemoIdentifiers.LanIp(k, s.Lan++), DemoIdentifiers.Mac(s.Macs++)))
            .ToList();
        var phoneBook = new List<VoipContactInput> { new(null, showcase.Name, showcase.Phone) };
        for (var i = 0; i < 2 + s.Random.Next(0, 4); i++)
        {
            phoneBook.Add(s.Random.Next(0, 2) == 0
                ? new VoipContactInput(null, subscribers[s.Random.Next(subscribers.Count)].Name, subscribers[s.Random.Next(subscribers.Count)].Phone)
                : new VoipContactInput(null, people.Name(), DemoIdentifiers.Correspondent(s.Correspondents++)));
        }

        services.Add(new DemoServicePlan(
            new ServiceInput(null, "voip", Reference("VOIP"), Date(s.BeforeWindow()), null), null, [], devices, phoneBook, [], []));

        // Mobile: the running service holds every subscriber; an ended one holds former colleagues' subscriptions.
        services.Add(new DemoServicePlan(
            new ServiceInput(null, "mobile", Reference("MOB"), Date(s.BeforeWindow()), null),
            null, [], [], [],
            [.. subscribers.Select((p, i) => Subscription(s, p, s.WindowStart, s.Today, guaranteeBoth: i == 0))],
            []));
        var (mobileStart, mobileEnd) = s.EndedWithinWindow();
        var former = Enumerable.Range(0, Math.Max(1, subscriberCount / 10)).Select(_ => people.Next()).ToList();
        services.Add(new DemoServicePlan(
            new ServiceInput(null, "mobile", Reference("MOB"), Date(mobileStart), null),
            Date(mobileEnd), [], [], [],
            [.. former.Select(p => Subscription(s, p, s.WindowStart, mobileEnd, guaranteeBoth: false))],
            []));

        // 24/7 alarm with keyholders: the showcase person and one or two others.
        var keyholders = new List<KeyholderInput> { new(null, showcase.Name, showcase.Phone, showcase.Email) };
        for (var i = 0; i < 1 + s.Random.Next(0, 2); i++)
        {
            var keyholder = people.Next();
            keyholders.Add(new KeyholderInput(null, keyholder.Name, keyholder.Phone, s.Random.Next(0, 2) == 0 ? keyholder.Email : null));
        }

        services.Add(new DemoServicePlan(
            new ServiceInput(null, "alarm", Reference("ALRM"), Date(s.BeforeWindow()), null), null, [], [], [], [], keyholders));

        // Support tickets: the showcase person has a closed one and an open one; others at random, most closed.
        var tickets = new List<DemoTicketPlan>();
        var ticketCount = Math.Max(3, subscriberCount / 3);
        for (var i = 0; i < ticketCount; i++)
        {
            var requester = i < 2 ? showcase : subscribers[s.Random.Next(subscribers.Count)];
            var opened = s.InstantWithinWindow();
            var closed = i == 1 || (i > 1 && s.Random.Next(0, 10) < 3)
                ? (Instant?)null
                : Min(opened + Duration.FromMinutes(s.Random.Next(30, 60 * 24 * 10)), s.TodayStart - Duration.FromMinutes(1));
            tickets.Add(new DemoTicketPlan(
                new SupportTicketInput(
                    null,
                    string.Create(CultureInfo.InvariantCulture, $"{code.ToUpperInvariant()}-T{i + 1:D5}"),
                    requester.Name,
                    s.Random.Next(0, 4) == 0 ? null : requester.Phone,
                    requester.Email,
                    s.Pick(TicketTexts),
                    InstantText(opened)),
                closed is { } c ? InstantText(c) : null));
        }

        return new DemoOrganizationPlan(organization, showcase, subscribers, contacts, addresses, services, tickets);
    }

    private static DemoServicePlan Internet(State s, ServiceInput service, string? endDate)
    {
        var connections = new List<InternetConnectionInput>();
        for (var i = 0; i < 1 + s.Random.Next(0, 2); i++)
        {
            var n = s.Connections++;
            connections.Add(new InternetConnectionInput(
                null,
                string.Create(CultureInfo.InvariantCulture, $"DEMO-SVC-{n + 1:D7}"),
                string.Create(CultureInfo.InvariantCulture, $"DEMO-LINE-{n + 1:D7}"),
                DemoIdentifiers.PublicIp(s.PublicIps++)));
        }

        return new DemoServicePlan(service, endDate, connections, [], [], [], []);
    }

    private static DemoSubscriptionPlan Subscription(State s, DemoPerson user, LocalDate from, LocalDate until, bool guaranteeBoth)
    {
        var n = s.Sims++;
        var input = new MobileSubscriptionInput(null, DemoIdentifiers.Iccid(n), s.Random.Next(0, 10) == 0 ? null : DemoIdentifiers.Imei(n), user.Phone);
        var notifications = new List<MobileNotificationInput>();
        var days = Math.Max(1, Period.Between(from, until, PeriodUnits.Days).Days);
        for (var month = 0; month < s.Months; month++)
        {
            var roaming = s.Random.Next(0, 4) == 0 || (guaranteeBoth && month == 0);
            var bundle = s.Random.Next(0, 3) == 0 || (guaranteeBoth && month == 0);
            if (roaming)
            {
                var country = s.Pick(Countries);
                notifications.Add(new MobileNotificationInput(null, "roaming", InstantText(s.InstantOn(from.PlusDays(s.Random.Next(0, days)))),
                    $"Welkom in {country}. Bellen, sms'en en internetten kost hier hetzelfde als in Nederland."));
            }

            if (bundle)
            {
                var percent = s.Random.Next(0, 2) == 0 ? 80 : 100;
                notifications.Add(new MobileNotificationInput(null, "bundle", InstantText(s.InstantOn(from.PlusDays(s.Random.Next(0, days)))),
                    string.Create(CultureInfo.InvariantCulture, $"U heeft {percent}% van uw databundel van deze maand verbruikt.")));
            }
        }

        return new DemoSubscriptionPlan(user, input, [.. notifications.OrderBy(x => x.SentAt, StringComparer.Ordinal)]);
    }

    private static string Postcode(State s)
    {
        string letters;
        do
        {
            letters = string.Concat((char)('A' + s.Random.Next(0, 26)), (char)('A' + s.Random.Next(0, 26)));
        }
        while (letters is "SA" or "SD" or "SS");

        return string.Create(CultureInfo.InvariantCulture, $"{s.Random.Next(1000, 10000)} {letters}");
    }

    private static Instant Min(Instant a, Instant b) => a < b ? a : b;

    private static string Date(LocalDate date) => LocalDatePattern.Iso.Format(date);

    private static string InstantText(Instant instant) => InstantPattern.ExtendedIso.Format(instant);

    /// <summary>The generator's running state: the one random sequence and the counters of each identifier range.</summary>
    private sealed class State(Random random, LocalDate today, int months)
    {
        public Random Random { get; } = random;

        public LocalDate Today { get; } = today;

        public int Months { get; } = months;

        public LocalDate WindowStart => Today.PlusMonths(-Months);

        public Instant TodayStart => Today.AtStartOfDayInZone(DateTimeZone.Utc).ToInstant();

        public int Phones { get; set; }

        public int Correspondents { get; set; }

        public int Sims { get; set; }

        public int Macs { get; set; }

        public int Lan { get; set; }

        public int PublicIps { get; set; }

        public int Connections { get; set; }

        public string Pick(string[] values) => values[Random.Next(values.Length)];

        /// <summary>A start date before the window, so the service has run through all of it.</summary>
        public LocalDate BeforeWindow() => WindowStart.PlusDays(-Random.Next(30, 1500));

        /// <summary>A service that ended inside the window (after at least a month): retention has a clock to run.</summary>
        public (LocalDate Start, LocalDate End) EndedWithinWindow()
        {
            var windowDays = Period.Between(WindowStart, Today, PeriodUnits.Days).Days;
            var end = WindowStart.PlusDays(Random.Next(0, Math.Max(1, windowDays - 1)));
            return (end.PlusDays(-Random.Next(30, 900)), end);
        }

        public Instant InstantWithinWindow()
        {
            var windowDays = Period.Between(WindowStart, Today, PeriodUnits.Days).Days;
            return InstantOn(WindowStart.PlusDays(Random.Next(0, Math.Max(1, windowDays))));
        }

        /// <summary>A working-hours moment on <paramref name="day"/> (always before today: the window ends yesterday).</summary>
        public Instant InstantOn(LocalDate day)
        {
            var day0 = day < Today ? day : Today.PlusDays(-1);
            return day0.At(new LocalTime(Random.Next(7, 21), Random.Next(0, 60), Random.Next(0, 60))).InUtc().ToInstant();
        }
    }

    /// <summary>New people of one organisation: a name, the next demo number, an e-mail address unique in the domain.</summary>
    private sealed class PersonFactory(State s, string domain)
    {
        private readonly HashSet<string> _emails = new(StringComparer.Ordinal);

        public string Name() => $"{s.Pick(FirstNames)} {s.Pick(Surnames)}";

        public DemoPerson Next()
        {
            var first = s.Pick(FirstNames);
            var last = s.Pick(Surnames);
            var local = $"{first}.{last}".ToLowerInvariant();
            var candidate = local;
            for (var i = 2; !_emails.Add(candidate); i++)
            {
                candidate = string.Create(CultureInfo.InvariantCulture, $"{local}{i}");
            }

            return new DemoPerson($"{first} {last}", DemoIdentifiers.DutchMobile(s.Phones++), DemoIdentifiers.Email(candidate, domain));
        }
    }
}
