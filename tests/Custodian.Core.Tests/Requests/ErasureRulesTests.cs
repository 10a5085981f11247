using Custodian.Core.Features.Events;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Requests.Execution;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Tests.Register;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Requests;

public sealed class ErasureRulesTests
{
    private static readonly ProcessingRegister Shipped = RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath).Register!;
    private static readonly ErasureContext NoHolds = new([], new Dictionary<Guid, LocalDate?>(), new Dictionary<Guid, IReadOnlyList<LocalDate?>>());
    private static readonly Guid Org = Guid.CreateVersion7();

    private static PersonRecord Usage(Instant start) => new(
        new UsageRecord { OrganizationId = Org, RecordKey = "u", StartTime = start, Kind = "voip", Direction = "outbound", CalleeNumber = "+31201234599" },
        UsageRecord.Category, Org, [new SubjectKey(SubjectIdentifierKind.Phone, "+31201234599")]);

    private static PersonRecord Traffic(Instant start) => new(
        new TrafficRecord { OrganizationId = Org, RecordKey = "t", StartTime = start, Kind = "telephony", Direction = "inbound", SubscriberKind = "phone", Subscriber = "+31201234599" },
        TrafficRecord.Category, Org, [new SubjectKey(SubjectIdentifierKind.Phone, "+31201234599")]);

    [Fact]
    public void Decide_UsageOfThePreviousAmsterdamMonth_KeptAsRunningContractUntilTheWindowEnds()
    {
        // 31 January 23:30 UTC is 1 February in Amsterdam: the February period, needed until 1 April (CEST).
        var now = Instant.FromUtc(2025, 3, 15, 12, 0);
        var decision = ErasureRules.Decide(Usage(Instant.FromUtc(2025, 1, 31, 23, 30)), Shipped.Category(UsageRecord.Category), NoHolds, now);

        Assert.Equal(new KeepDecision(KeptReasons.RunningContract, Instant.FromUtc(2025, 3, 31, 22, 0)), decision);
    }

    [Fact]
    public void Decide_UsageBeforeThePreviousMonth_Erased()
    {
        var now = Instant.FromUtc(2025, 3, 15, 12, 0);

        Assert.Null(ErasureRules.Decide(Usage(Instant.FromUtc(2025, 1, 31, 22, 30)), Shipped.Category(UsageRecord.Category), NoHolds, now));
    }

    [Fact]
    public void Decide_TrafficOnLegalObligation_KeptToItsExpiry_OnAnotherBasis_Erased()
    {
        var now = Instant.FromUtc(2025, 3, 15, 12, 0);
        var category = Shipped.Category(TrafficRecord.Category);
        var record = Traffic(Instant.FromUtc(2025, 1, 5, 8, 0));

        Assert.Equal(KeptReasons.LegalObligation, ErasureRules.Decide(record, category, NoHolds, now)?.Reason);
        Assert.Null(ErasureRules.Decide(record, category with { LegalBasis = new LegalBasis(LegalBasisType.LegitimateInterest) }, NoHolds, now));
    }
}
