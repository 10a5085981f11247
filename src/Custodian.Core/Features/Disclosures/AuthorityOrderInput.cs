using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Tenancy;

namespace Custodian.Core.Features.Disclosures;

/// <summary>A new order as the API and the office form send it; text, so every broken rule is reported at once.</summary>
/// <param name="Reference">The order's number, at most 100 characters.</param>
/// <param name="Type">One of <see cref="AuthorityOrderTypes.Names"/>.</param>
/// <param name="IssuedBy">One of <see cref="AuthorityOrderTypes.AuthorityNameList"/>.</param>
/// <param name="JudgeAuthorisation">The RC's authorisation reference: required for interception, flagged when missing on 126n.</param>
/// <param name="ReceivedAt">When the order reached the provider (ISO instant, not in the future).</param>
/// <param name="PeriodFrom">Start of the covered period (ISO instant).</param>
/// <param name="PeriodUntil">End of the covered period, exclusive; at most three months after registration (126n(3)).</param>
/// <param name="Categories">Register category ids, at least one.</param>
/// <param name="Targets">The identifiers the order names, at least one.</param>
/// <param name="CostAmount">The cost claim in euro (optional, not negative).</param>
/// <param name="CostNote">What the claim covers, without personal data (optional).</param>
internal sealed record AuthorityOrderInput(
    string? Reference,
    string? Type,
    string? IssuedBy,
    string? JudgeAuthorisation,
    string? ReceivedAt,
    string? PeriodFrom,
    string? PeriodUntil,
    IReadOnlyList<string?>? Categories,
    IReadOnlyList<OrderTargetInput?>? Targets,
    decimal? CostAmount,
    string? CostNote);

/// <param name="Kind">phone, email, imei, iccid, mac or ip.</param>
/// <param name="Value">In any usual spelling; it is normalised.</param>
internal sealed record OrderTargetInput(string? Kind, string? Value);

/// <summary>
/// Who calls an order operation. <see cref="Manage"/> (<c>disclosures:manage</c>) only counts provider-wide: a
/// tenant's key or contact never sees an order, not even one about its own organisation's numbers.
/// </summary>
internal sealed record DisclosureCaller
{
    public DisclosureCaller(AuditActor actor, TenantScope scope, bool manage)
    {
        ArgumentNullException.ThrowIfNull(scope);
        Actor = actor;
        Scope = scope;
        Manage = manage && scope.AllTenants && scope.OrganizationId is null;
    }

    public AuditActor Actor { get; }

    public TenantScope Scope { get; }

    public bool Manage { get; }

    /// <summary>From an authenticated API key.</summary>
    public static DisclosureCaller From(ApiKeyIdentity key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new DisclosureCaller(key.Actor, key.TenantScope, key.Scopes.Contains(ApiScopes.DisclosuresManage));
    }
}

/// <summary>Settings of the order register.</summary>
internal sealed record DisclosuresOptions
{
    /// <summary>
    /// When "without delay" (Tw 13.4: onverwijld) counts as missed. The law sets no number. 24 hours is the working
    /// figure: the CIOT file must be refreshed at least every 24 hours (AUT-3), the closest number the law itself gives
    /// for telecom data duties, and a data order that waits past one working day is one a supervisor would ask about.
    /// It is an alert, not a rule: the host sets it from the <c>disclosureWithoutDelay</c> setting
    /// (<c>CUSTODIAN_DISCLOSURE_WITHOUT_DELAY</c> or the settings file), at least <see cref="MinimumWithoutDelay"/>.
    /// </summary>
    public NodaTime.Duration WithoutDelay { get; init; } = DefaultWithoutDelay;

    public static readonly NodaTime.Duration DefaultWithoutDelay = NodaTime.Duration.FromHours(24);

    /// <summary>Below an hour the alert would fire on orders still being read: a typo, not a policy.</summary>
    public static readonly NodaTime.Duration MinimumWithoutDelay = NodaTime.Duration.FromHours(1);
}
