using Custodian.Core.Features.Disclosures;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Tests.Register;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Disclosures;

public sealed class AuthorityOrderRulesTests
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 28, 12, 0);

    private static readonly ProcessingRegister Shipped = RegisterLoader.LoadFile(RegisterFiles.ShippedRegisterPath).Register!;

    private static AuthorityOrderInput Input(string type = "traffic_data_126n", string? judge = null, string until = "2026-12-01T00:00:00Z") =>
        new("OM-1", type, "public_prosecutor", judge, "2026-11-28T09:00:00Z", "2026-11-01T00:00:00Z", until,
            ["usage.call_detail_records"], [new OrderTargetInput("phone", "06 4000 0001"), new OrderTargetInput("phone", "+31640000001")], null, null);

    [Fact]
    public void Validate_ValidOrder_NormalisesAndDeduplicatesTargets()
    {
        var draft = AuthorityOrderRules.Validate(new FieldValidator(), Input(), Now, Shipped);
        Assert.NotNull(draft);
        Assert.Equal("+31640000001", Assert.Single(draft.Targets).Value);
    }

    [Fact]
    public void Validate_FutureDataExactlyThreeMonthsAfterRegistration_AllowedOneMinuteMoreRefused()
    {
        Assert.NotNull(AuthorityOrderRules.Validate(new FieldValidator(), Input(until: "2027-02-28T12:00:00Z"), Now, Shipped));
        var v = new FieldValidator();
        Assert.Null(AuthorityOrderRules.Validate(v, Input(until: "2027-02-28T12:01:00Z"), Now, Shipped));
        Assert.Equal(("periodUntil", "order.future_period_limit"), (v.Errors[0].Field, v.Errors[0].Code));
    }

    [Fact]
    public void Validate_InterceptionWithoutJudge_RefusedButTrafficDataOnlyFlagged()
    {
        var v = new FieldValidator();
        Assert.Null(AuthorityOrderRules.Validate(v, Input(type: "interception_126t"), Now, Shipped));
        Assert.Contains(v.Errors, e => e.Code == "order.judge_authorisation_required" && e.Field == "judgeAuthorisation");
        Assert.True(AuthorityOrderTypes.NeedsLegalReview(AuthorityOrderType.TrafficData126n, null));
        Assert.False(AuthorityOrderTypes.NeedsLegalReview(AuthorityOrderType.TrafficData126n, "RC-12"));
        Assert.False(AuthorityOrderTypes.NeedsLegalReview(AuthorityOrderType.TrafficData126u, null));
    }

    [Fact]
    public void IsLate_PastTheLimitWithoutCompliance_TrueAndCompliedInTime_False()
    {
        var order = new AuthorityOrder { ReceivedAt = Now - Duration.FromHours(25) };
        Assert.True(order.IsLate(Now, Duration.FromHours(24)));
        order.CompliedAt = Now - Duration.FromHours(2);
        Assert.False(order.IsLate(Now, Duration.FromHours(24)));
    }

    [Fact]
    public void Names_EveryTypeAndAuthority_RoundTripAndEveryTypeHasAGroup()
    {
        foreach (var type in Enum.GetValues<AuthorityOrderType>())
        {
            Assert.Equal(type, AuthorityOrderTypes.ParseType(AuthorityOrderTypes.Name(type)));
            Assert.NotNull(AuthorityOrderTypes.Name(AuthorityOrderTypes.GroupOf(type)));
        }

        foreach (var authority in Enum.GetValues<IssuingAuthority>())
        {
            Assert.Equal(authority, AuthorityOrderTypes.ParseAuthority(AuthorityOrderTypes.Name(authority)));
        }
    }
}
