using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Identifiers;
using Custodian.Core.Tests.Register;
using NodaTime;
using Xunit;

namespace Custodian.Core.Tests.Retention;

public sealed class HoldRulesTests
{
    private static readonly Instant Now = Instant.FromUtc(2025, 3, 1, 9, 0); // 10:00 in Amsterdam, before the DST change

    private static readonly ProcessingRegister Register =
        RegisterLoader.Load(RegisterFiles.ShippedRegisterText, RegisterFiles.ShippedRegisterPath).Register!;

    private static LegalHoldInput Input(
        string? basis = "legal_claims", string? ground = null, string? reason = "Claim in case C-1", string? reference = null,
        string?[]? categories = null, string? recordsFrom = null, string? recordsUntil = null, HoldIdentifierInput?[]? identifiers = null,
        string? startsAt = null, string? endsAt = null) =>
        new(basis, ground, reason, reference, null, categories, recordsFrom, recordsUntil, identifiers, startsAt, endsAt);

    private static (HoldDraft? Draft, IReadOnlyList<FieldError> Errors) Validate(LegalHoldInput input, bool hasOrganization = true)
    {
        var v = new FieldValidator();
        var draft = HoldRules.Validate(v, input, hasOrganization, Now, Register);
        return (draft, v.Errors);
    }

    private static void AssertBroken((HoldDraft? Draft, IReadOnlyList<FieldError> Errors) result, string field, string code)
    {
        Assert.Null(result.Draft);
        Assert.Contains(result.Errors, e => e.Field == field && e.Code == code);
    }

    [Fact]
    public void Validate_WholeOrganizationLegalClaims_PassesAndStartsNow()
    {
        var (draft, errors) = Validate(Input(categories: ["usage.call_detail_records", "usage.call_detail_records"]));

        Assert.Empty(errors);
        Assert.Equal(HoldBasis.LegalClaims, draft!.Basis);
        Assert.Equal(Now, draft.StartsAt);
        Assert.Null(draft.EndsAt);
        Assert.Equal(["usage.call_detail_records"], draft.Categories);
    }

    [Fact]
    public void Validate_NeitherOrganizationNorIdentifiers_IsRefused() =>
        AssertBroken(Validate(Input(), hasOrganization: false), "identifiers", "hold.scope_required");

    [Fact]
    public void Validate_IdentifiersWithoutOrganization_PassesNormalised()
    {
        var (draft, errors) = Validate(Input(identifiers: [new("phone", "06 4000 0001"), new("email", "Jan@Voorbeeld.EXAMPLE")]), hasOrganization: false);

        Assert.Empty(errors);
        Assert.Equal([(IdentifierKind.PhoneNumber, "+31640000001"), (IdentifierKind.Email, "jan@voorbeeld.example")], draft!.Identifiers);
    }

    [Fact]
    public void Validate_UnknownCategory_IsRefusedWithItsIndex() =>
        AssertBroken(Validate(Input(categories: ["usage.call_detail_records", "usage.no_such_thing"])), "categories[1]", "hold.unknown_category");

    [Fact]
    public void Validate_BadIdentifiers_NameKindAndValueRules()
    {
        var result = Validate(Input(identifiers: [new("bsn", "123456782"), new("imei", "12345")]));

        AssertBroken(result, "identifiers[0].kind", "field.not_allowed");
        Assert.Contains(result.Errors, e => e.Field == "identifiers[1].value" && e.Code.StartsWith("identifier.imei.", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TooManyIdentifiers_IsRefused() =>
        AssertBroken(Validate(Input(identifiers: [.. Enumerable.Range(0, HoldIdentifiers.MaxPerHold + 1).Select(i => new HoldIdentifierInput("phone", $"+3164000{i:D4}"))])), "identifiers", "hold.too_many_identifiers");

    [Fact]
    public void Validate_ReasonTooLongOrMissing_IsRefused()
    {
        AssertBroken(Validate(Input(reason: new string('x', 501))), "reason", "field.too_long");
        AssertBroken(Validate(Input(reason: " ")), "reason", "field.required");
    }

    [Fact]
    public void Validate_EndBeforeStart_IsRefused() =>
        AssertBroken(Validate(Input(startsAt: "2025-04-01T00:00:00Z", endsAt: "2025-03-15T00:00:00Z")), "endsAt", "hold.ends_before_start");

    [Fact]
    public void Validate_EndInThePast_IsRefused() =>
        AssertBroken(Validate(Input(startsAt: "2025-01-01T00:00:00Z", endsAt: "2025-02-01T00:00:00Z")), "endsAt", "hold.already_ended");

    [Fact]
    public void Validate_EmptyRecordsWindow_IsRefused() =>
        AssertBroken(Validate(Input(recordsFrom: "2025-01-01T00:00:00Z", recordsUntil: "2025-01-01T00:00:00Z")), "recordsUntil", "hold.window_empty");

    [Fact]
    public void Validate_Restriction_NeedsIdentifiersAndAGround()
    {
        AssertBroken(Validate(Input(basis: "restriction_art18", ground: "legal_claims")), "identifiers", "hold.identifiers_required");
        AssertBroken(Validate(Input(basis: "restriction_art18", identifiers: [new("phone", "+31640000001")])), "ground", "field.required");
        AssertBroken(Validate(Input(basis: "restriction_art18", ground: "because", identifiers: [new("phone", "+31640000001")])), "ground", "field.not_allowed");
        var (draft, errors) = Validate(Input(basis: "restriction_art18", ground: "accuracy_contested", identifiers: [new("phone", "+31640000001")]));
        Assert.Empty(errors);
        Assert.Equal(RestrictionGround.AccuracyContested, draft!.Ground);
    }

    [Fact]
    public void Validate_GroundOnAnotherBasis_IsRefused() =>
        AssertBroken(Validate(Input(ground: "legal_claims")), "ground", "hold.ground_not_applicable");

    [Fact]
    public void Validate_AuthorityBasis_NeedsAReference() =>
        AssertBroken(Validate(Input(basis: "criminal_investigation")), "reference", "field.required");

    [Fact]
    public void Validate_PreservationOrderWithoutEnd_IsRefused() =>
        AssertBroken(Validate(Input(basis: "preservation_order_126ni", reference: "OvJ-2025-1")), "endsAt", "hold.end_required");

    [Fact]
    public void Validate_PreservationOrderOfExactly90CalendarDays_PassesOverTheDaylightSavingChange()
    {
        // 1 March 10:00 Amsterdam + 90 days = 30 May 10:00 Amsterdam = 08:00 UTC: 89 days 23 hours of elapsed time.
        var (draft, errors) = Validate(Input(basis: "preservation_order_126ni", reference: "OvJ-2025-1", endsAt: "2025-05-30T08:00:00Z"));

        Assert.Empty(errors);
        Assert.Equal(Instant.FromUtc(2025, 5, 30, 8, 0), draft!.EndsAt);
        Assert.Equal(Duration.FromDays(90) - Duration.FromHours(1), draft.EndsAt!.Value - draft.StartsAt);
    }

    [Fact]
    public void Validate_PreservationOrderOneSecondOver90Days_IsRefused() =>
        AssertBroken(Validate(Input(basis: "preservation_order_126ni", reference: "OvJ-2025-1", endsAt: "2025-05-30T08:00:01Z")), "endsAt", "hold.duration_limit");

    private static LegalHold Order(Instant end, int extensions = 0, Instant? released = null) => new()
    {
        Basis = HoldBasis.PreservationOrder126ni,
        Reason = "order",
        Reference = "OvJ-1",
        OrganizationId = Guid.CreateVersion7(),
        StartsAt = Now,
        EndsAt = end,
        ExtensionCount = extensions,
        ReleasedAt = released,
    };

    private static readonly Instant OrderEnd = HoldRules.PreservationOrderLimit(Now);

    [Fact]
    public void CheckExtension_PreservationOrderBy90Days_Passes() =>
        Assert.Null(HoldRules.CheckExtension(Order(OrderEnd), HoldRules.PreservationOrderLimit(OrderEnd), Now));

    [Fact]
    public void CheckExtension_PreservationOrderBeyond90Days_IsRefused()
    {
        var error = Assert.IsType<ValidationError>(HoldRules.CheckExtension(Order(OrderEnd), HoldRules.PreservationOrderLimit(OrderEnd) + Duration.FromSeconds(1), Now));
        Assert.Equal("hold.duration_limit", Assert.Single(error.Errors).Code);
    }

    [Fact]
    public void CheckExtension_PreservationOrderASecondTime_IsRefused()
    {
        var error = HoldRules.CheckExtension(Order(OrderEnd, extensions: 1), OrderEnd + Duration.FromDays(1), Now);
        Assert.Equal("hold.extension_limit", Assert.IsType<ConflictError>(error).Code);
    }

    [Fact]
    public void CheckExtension_OtherBasesMoreThanOnce_Pass()
    {
        var hold = Order(OrderEnd, extensions: 3);
        var claims = new LegalHold { Basis = HoldBasis.LegalClaims, Reason = "r", StartsAt = Now, EndsAt = OrderEnd, ExtensionCount = 3 };

        Assert.NotNull(HoldRules.CheckExtension(hold, OrderEnd + Duration.FromDays(1), Now));
        Assert.Null(HoldRules.CheckExtension(claims, OrderEnd + Duration.FromDays(400), Now));
    }

    [Fact]
    public void CheckExtension_EndedReleasedOpenEndedOrNotLater_AreRefused()
    {
        Assert.Equal("hold.ended", HoldRules.CheckExtension(Order(OrderEnd), OrderEnd + Duration.FromDays(1), OrderEnd)!.Code);
        Assert.Equal("hold.released", HoldRules.CheckExtension(Order(OrderEnd, released: Now), OrderEnd + Duration.FromDays(1), Now)!.Code);
        var open = new LegalHold { Basis = HoldBasis.Other, Reason = "r", StartsAt = Now };
        Assert.Equal("hold.open_ended", HoldRules.CheckExtension(open, OrderEnd, Now)!.Code);
        var notLater = Assert.IsType<ValidationError>(HoldRules.CheckExtension(Order(OrderEnd), OrderEnd, Now));
        Assert.Equal("hold.not_later", Assert.Single(notLater.Errors).Code);
    }

    [Fact]
    public void IsActiveAt_StartEndAndRelease_BoundTheHold()
    {
        var hold = new LegalHold { Basis = HoldBasis.Other, Reason = "r", StartsAt = Now, EndsAt = OrderEnd };

        Assert.False(hold.IsActiveAt(Now - Duration.FromTicks(1)));
        Assert.True(hold.IsActiveAt(Now));
        Assert.False(hold.IsActiveAt(OrderEnd));
        hold.ReleasedAt = Now + Duration.FromDays(1);
        Assert.True(hold.IsActiveAt(Now));
        Assert.False(hold.IsActiveAt(Now + Duration.FromDays(1)));
    }

    [Fact]
    public void Authority_IsExactlyTheOrderAndInvestigationBases() =>
        Assert.Equal([HoldBasis.PreservationOrder126ni, HoldBasis.CriminalInvestigation, HoldBasis.SupervisoryAuthority], HoldBases.Authority);
}
