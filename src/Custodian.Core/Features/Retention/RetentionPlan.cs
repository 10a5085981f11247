using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>What a sweep at <see cref="At"/> would delete, without changing anything.</summary>
/// <param name="At">The instant planned for.</param>
/// <param name="Day">Its day in Europe/Amsterdam. Expiries fall on starts of days, so every instant of this day gives the same plan.</param>
/// <param name="Lines">Per category, target and organisation (only organisations that have records of the target).</param>
/// <param name="DroppableMonths">Months of usage and traffic records that are wholly expired: the sweep drops them whole.</param>
/// <param name="Problems">Register categories the catalogue cannot serve (their records are not swept).</param>
internal sealed record RetentionPlan(
    Instant At, LocalDate Day, IReadOnlyList<RetentionPlanLine> Lines, IReadOnlyList<DroppableMonth> DroppableMonths, IReadOnlyList<RetentionProblem> Problems);

/// <summary>One target's records of one organisation.</summary>
/// <param name="Category">Register category.</param>
/// <param name="Target">Target name (table, or table.field for erased fields).</param>
/// <param name="OrganizationId">The tenant.</param>
/// <param name="OrganizationCode">Its code (<c>demo</c>); empty when the organisation no longer exists (event records).</param>
/// <param name="LastDueAnchorDay">The cutoff: records anchored on this day or before are expired at the plan's instant.</param>
/// <param name="Due">Records expired at the plan's instant.</param>
/// <param name="OldestDueAnchorDay">The anchor day of the oldest expired record.</param>
/// <param name="OldestDueExpiry">When that record expired (or expires, at the latest at the plan's instant).</param>
/// <param name="NotYetDue">Records with an expiry after the plan's instant.</param>
/// <param name="NotExpiring">Records whose anchor event has not happened (open tickets, running services).</param>
/// <param name="OldestAnchorDay">The earliest anchor day of all the records (due or not); null when none has an anchor.</param>
internal sealed record RetentionPlanLine(
    string Category,
    string Target,
    Guid OrganizationId,
    string OrganizationCode,
    LocalDate LastDueAnchorDay,
    long Due,
    LocalDate? OldestDueAnchorDay,
    Instant? OldestDueExpiry,
    long NotYetDue,
    long NotExpiring,
    LocalDate? OldestAnchorDay = null);

/// <summary>A wholly expired month of an event table.</summary>
internal sealed record DroppableMonth(string Category, string Table, string MonthTable, YearMonth Month, long Rows);
