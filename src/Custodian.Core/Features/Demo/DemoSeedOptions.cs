using System.Globalization;

namespace Custodian.Core.Features.Demo;

/// <summary>The size and seed of a demo data set. The same values (and the same day) always give the same data.</summary>
/// <param name="Seed">Seeds every random choice; a different seed gives other people, numbers and dates.</param>
/// <param name="Organizations">Client organisations; the first has the code <c>demo</c>.</param>
/// <param name="Subscribers">People with a mobile subscription, over all organisations (the first gets the most).</param>
/// <param name="Months">How far back services, notifications, tickets and usage go.</param>
internal sealed record DemoSeedOptions(int Seed = DemoSeedOptions.DefaultSeed, int Organizations = 3, int Subscribers = 50, int Months = 6)
{
    public const int DefaultSeed = 20250101;
    public const int MaxOrganizations = 200;
    public const int MaxSubscribers = 100_000;
    public const int MaxMonths = 36;

    /// <summary>The problems with these values, as <c>(flag, message)</c>; empty when they can be seeded.</summary>
    public IReadOnlyList<(string Option, string Message)> Check()
    {
        var problems = new List<(string, string)>();
        if (Organizations is < 1 or > MaxOrganizations)
        {
            problems.Add(("--organizations", string.Create(CultureInfo.InvariantCulture, $"must be between 1 and {MaxOrganizations}.")));
        }

        if (Subscribers < Organizations || Subscribers > MaxSubscribers)
        {
            problems.Add(("--subscribers", string.Create(CultureInfo.InvariantCulture, $"must be at least the number of organisations and at most {MaxSubscribers}.")));
        }

        if (Months is < 1 or > MaxMonths)
        {
            problems.Add(("--months", string.Create(CultureInfo.InvariantCulture, $"must be between 1 and {MaxMonths}.")));
        }

        if (Seed < 0)
        {
            problems.Add(("--seed", "must not be negative."));
        }

        return problems;
    }
}
