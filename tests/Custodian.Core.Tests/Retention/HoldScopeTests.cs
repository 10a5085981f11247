using Custodian.Core.Features.Retention;
using Custodian.Core.Identifiers;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Retention;

public sealed class HoldScopeTests
{
    private static readonly Guid OrgA = Guid.Parse("0190aaaa-0000-7000-8000-000000000001");
    private static readonly Guid OrgB = Guid.Parse("0190bbbb-0000-7000-8000-000000000002");
    private static readonly Instant From = Instant.FromUtc(2025, 1, 1, 0, 0);
    private static readonly Instant Until = Instant.FromUtc(2025, 4, 1, 0, 0);
    private const string Cdr = "usage.call_detail_records";
    private const string Tickets = "general.support_information";
    private const string Phone = "+31640000001";

    private static readonly HashSet<(IdentifierKind, string)> NoIdentifiers = [];

    private static HoldScope Scope(
        Guid? organization = null, string[]? categories = null, Instant? from = null, Instant? until = null, params (IdentifierKind, string)[] identifiers) =>
        new(Guid.CreateVersion7(), organization, categories ?? [], from, until, identifiers.ToHashSet());

    private static HashSet<(IdentifierKind, string)> Ids(params (IdentifierKind, string)[] ids) => [.. ids];

    [Fact]
    public void Covers_WholeOrganizationNoCategoriesNoWindow_CoversEveryRecordOfItOnly()
    {
        var hold = Scope(OrgA);

        Assert.True(hold.Covers(Cdr, OrgA, From, NoIdentifiers));
        Assert.True(hold.Covers(Tickets, OrgA, Instant.FromUtc(1990, 1, 1, 0, 0), Ids((IdentifierKind.PhoneNumber, Phone))));
        Assert.False(hold.Covers(Cdr, OrgB, From, NoIdentifiers));
    }

    [Fact]
    public void Covers_EmptyCategoryList_MeansEveryCategory_AListMeansOnlyThose()
    {
        Assert.True(Scope(OrgA, []).Covers("alarm.keyholders", OrgA, From, NoIdentifiers));
        var listed = Scope(OrgA, [Cdr]);
        Assert.True(listed.Covers(Cdr, OrgA, From, NoIdentifiers));
        Assert.False(listed.Covers(Tickets, OrgA, From, NoIdentifiers));
    }

    [Fact]
    public void Covers_WindowEdges_FromInclusiveUntilExclusive()
    {
        var hold = Scope(OrgA, from: From, until: Until);
        var tick = Duration.FromTicks(1);

        Assert.False(hold.Covers(Cdr, OrgA, From - tick, NoIdentifiers));
        Assert.True(hold.Covers(Cdr, OrgA, From, NoIdentifiers));
        Assert.True(hold.Covers(Cdr, OrgA, Until - tick, NoIdentifiers));
        Assert.False(hold.Covers(Cdr, OrgA, Until, NoIdentifiers));
    }

    [Fact]
    public void Covers_HalfOpenWindows_BoundOnlyOneSide()
    {
        Assert.True(Scope(OrgA, from: From).Covers(Cdr, OrgA, Instant.FromUtc(2999, 1, 1, 0, 0), NoIdentifiers));
        Assert.False(Scope(OrgA, from: From).Covers(Cdr, OrgA, From - Duration.FromTicks(1), NoIdentifiers));
        Assert.True(Scope(OrgA, until: Until).Covers(Cdr, OrgA, Instant.FromUtc(1970, 1, 1, 0, 0), NoIdentifiers));
        Assert.False(Scope(OrgA, until: Until).Covers(Cdr, OrgA, Until, NoIdentifiers));
    }

    [Fact]
    public void Covers_IdentifierHold_NeedsTheRecordToHoldOneOfThem()
    {
        var hold = Scope(OrgA, identifiers: [(IdentifierKind.PhoneNumber, Phone), (IdentifierKind.Imei, "350000000000001")]);

        Assert.True(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.PhoneNumber, Phone))));
        Assert.True(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.PhoneNumber, "+31640000999"), (IdentifierKind.Imei, "350000000000001"))));
        Assert.False(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.PhoneNumber, "+31640000999"))));
        Assert.False(hold.Covers(Cdr, OrgA, From, NoIdentifiers));
    }

    [Fact]
    public void Covers_SameValueOfAnotherKind_DoesNotMatch()
    {
        // 15 digits can be an IMEI or (oddly) part of something else: the kind keeps them apart.
        var hold = Scope(OrgA, identifiers: (IdentifierKind.Imei, "350000000000001"));

        Assert.False(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.Iccid, "350000000000001"))));
        Assert.False(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.PhoneNumber, "350000000000001"))));
    }

    [Fact]
    public void Covers_EmailOtherCase_IpStoredAsPublicIp_StillMatch()
    {
        var hold = Scope(OrgA, identifiers:
        [
            HoldIdentifiers.MatchForm(IdentifierKind.Email, "Jan.Test@Voorbeeld.example"),
            HoldIdentifiers.MatchForm(IdentifierKind.IpAddress, "198.51.100.7"),
        ]);

        Assert.True(hold.Covers(Tickets, OrgA, From, Ids((IdentifierKind.Email, "jan.test@voorbeeld.example"))));
        Assert.True(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.PublicIpAddress, "198.51.100.7"))));
    }

    [Fact]
    public void Covers_ProviderWideIdentifierHold_CoversEveryOrganization()
    {
        var hold = Scope(identifiers: (IdentifierKind.PhoneNumber, Phone));

        Assert.True(hold.Covers(Cdr, OrgA, From, Ids((IdentifierKind.PhoneNumber, Phone))));
        Assert.True(hold.Covers(Cdr, OrgB, From, Ids((IdentifierKind.PhoneNumber, Phone))));
        Assert.False(hold.Covers(Cdr, OrgB, From, NoIdentifiers));
    }

    [Fact]
    public void Covers_AllConditionsTogether_EachOneCanExclude()
    {
        var hold = Scope(OrgA, [Cdr], From, Until, (IdentifierKind.PhoneNumber, Phone));
        var phone = Ids((IdentifierKind.PhoneNumber, Phone));

        Assert.True(hold.Covers(Cdr, OrgA, From, phone));
        Assert.False(hold.Covers(Tickets, OrgA, From, phone));
        Assert.False(hold.Covers(Cdr, OrgB, From, phone));
        Assert.False(hold.Covers(Cdr, OrgA, Until, phone));
        Assert.False(hold.Covers(Cdr, OrgA, From, NoIdentifiers));
    }

    [Fact]
    public void For_UnboundedWholeOrganizationHold_SkipsThePairEntirely()
    {
        var holds = new ActiveHolds(From, [Scope(OrgA, [Cdr]), Scope(OrgA, identifiers: (IdentifierKind.PhoneNumber, Phone))]);

        var exclusions = holds.For(Cdr, OrgA);

        Assert.True(exclusions.Everything);
        Assert.True(holds.For(Cdr, OrgB).IsEmpty);
        Assert.False(holds.For(Tickets, OrgA).Everything);
        Assert.Single(holds.For(Tickets, OrgA).Identifiers);
    }

    [Fact]
    public void For_WindowedAndIdentifierHolds_ListsWhatToExclude()
    {
        var holds = new ActiveHolds(From, [Scope(OrgA, from: From, until: Until), Scope(null, [Cdr], until: Until, identifiers: (IdentifierKind.PhoneNumber, Phone))]);

        var exclusions = holds.For(Cdr, OrgA);

        Assert.False(exclusions.Everything);
        Assert.Equal([new RecordWindow(From, Until)], exclusions.Windows);
        var held = Assert.Single(exclusions.Identifiers);
        Assert.Equal((IdentifierKind.PhoneNumber, Phone), (held.Kind, held.Value));
        Assert.Equal(new RecordWindow(null, Until), held.Window);
    }

    [Fact]
    public void AnyFor_TellsWhetherAPartitionOfTheCategoryMayHoldHeldRecords()
    {
        var holds = new ActiveHolds(From, [Scope(OrgA, [Tickets])]);

        Assert.True(holds.AnyFor(Tickets));
        Assert.False(holds.AnyFor(Cdr));
        Assert.True(new ActiveHolds(From, [Scope(OrgA)]).AnyFor(Cdr));
        Assert.False(new ActiveHolds(From, []).AnyFor(Cdr));
    }

    /// <summary>The sweep's SQL form (<see cref="HoldExclusions"/>) must answer exactly as the holds' own <c>Covers</c>.</summary>
    [Fact]
    public void Excludes_OverManyCombinations_AgreesWithCovers()
    {
        Instant?[] bounds = [null, From, Until];
        (IdentifierKind, string)[][] identifierSets = [[], [(IdentifierKind.PhoneNumber, Phone)], [(IdentifierKind.Imei, "350000000000001"), (IdentifierKind.PhoneNumber, "+31640000002")]];
        var scopes = new List<HoldScope>();
        foreach (var org in new Guid?[] { null, OrgA })
        {
            foreach (var categories in new[] { Array.Empty<string>(), [Cdr] })
            {
                foreach (var from in bounds)
                {
                    foreach (var until in bounds.Where(u => u is null || from is null || u > from))
                    {
                        foreach (var ids in identifierSets.Where(i => org is not null || i.Length > 0))
                        {
                            scopes.Add(Scope(org, categories, from, until, ids));
                        }
                    }
                }
            }
        }

        Instant[] times = [From - Duration.FromSeconds(1), From, From + Duration.FromDays(10), Until, Until + Duration.FromDays(1)];
        HashSet<(IdentifierKind, string)>[] recordIds = [NoIdentifiers, Ids((IdentifierKind.PhoneNumber, Phone)), Ids((IdentifierKind.Imei, "350000000000001")), Ids((IdentifierKind.Iccid, Phone))];
        var random = new Random(4);
        var checkedCells = 0;
        for (var round = 0; round < 300; round++)
        {
            var holds = new ActiveHolds(From, [.. scopes.OrderBy(_ => random.Next()).Take(random.Next(0, 4))]);
            foreach (var category in new[] { Cdr, Tickets })
            {
                foreach (var org in new[] { OrgA, OrgB })
                {
                    var exclusions = holds.For(category, org);
                    foreach (var time in times)
                    {
                        foreach (var ids in recordIds)
                        {
                            Assert.Equal(holds.Covers(category, org, time, ids), exclusions.Excludes(time, ids));
                            checkedCells++;
                        }
                    }
                }
            }
        }

        Assert.True(checkedCells > 10_000);
    }
}
