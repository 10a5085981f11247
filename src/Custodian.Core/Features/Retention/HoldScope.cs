using Custodian.Core.Identifiers;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// What one active hold covers, as the sweep asks it: a record is held when its organisation, category, own time and
/// identifiers all fall inside. Pure; no database.
/// </summary>
/// <param name="HoldId">The hold (for the sweep's evidence: records kept by which hold).</param>
/// <param name="OrganizationId">Null: every organisation (a provider-wide hold, which then always has identifiers).</param>
/// <param name="Categories">Register category ids; empty: every category.</param>
/// <param name="RecordsFrom">Inclusive lower bound of the record's own time; null: unbounded.</param>
/// <param name="RecordsUntil">Exclusive upper bound; null: unbounded.</param>
/// <param name="Identifiers">In <see cref="HoldIdentifiers.MatchForm"/>; empty: every record of the organisation.</param>
internal sealed record HoldScope(
    Guid HoldId,
    Guid? OrganizationId,
    IReadOnlyCollection<string> Categories,
    Instant? RecordsFrom,
    Instant? RecordsUntil,
    IReadOnlySet<(IdentifierKind Kind, string Value)> Identifiers)
{
    /// <summary>A hold on a whole organisation (no identifiers): it covers every record of it in its categories and window.</summary>
    public bool IsWholeOrganization => Identifiers.Count == 0;

    public bool AppliesTo(string category, Guid organizationId) =>
        (OrganizationId is null || OrganizationId == organizationId)
        && (Categories.Count == 0 || Categories.Contains(category));

    public bool InWindow(Instant recordTime) =>
        (RecordsFrom is null || recordTime >= RecordsFrom) && (RecordsUntil is null || recordTime < RecordsUntil);

    /// <summary>
    /// Whether this hold keeps a record of <paramref name="category"/> in <paramref name="organizationId"/> whose own
    /// time is <paramref name="recordTime"/> and which holds <paramref name="recordIdentifiers"/> (canonical values as
    /// stored; they are put in comparison form here, so an e-mail address in other case still matches).
    /// </summary>
    public bool Covers(string category, Guid organizationId, Instant recordTime, IReadOnlySet<(IdentifierKind Kind, string Value)> recordIdentifiers)
    {
        ArgumentNullException.ThrowIfNull(recordIdentifiers);
        if (!AppliesTo(category, organizationId) || !InWindow(recordTime))
        {
            return false;
        }

        return IsWholeOrganization || recordIdentifiers.Any(i => Identifiers.Contains(HoldIdentifiers.MatchForm(i.Kind, i.Value)));
    }
}

/// <summary>A time window of record times, [From, Until); a null bound is open.</summary>
internal readonly record struct RecordWindow(Instant? From, Instant? Until)
{
    public bool IsUnbounded => From is null && Until is null;

    public bool Contains(Instant t) => (From is null || t >= From) && (Until is null || t < Until);
}

/// <summary>One held identifier with the window of record times it holds.</summary>
internal sealed record HeldIdentifier(IdentifierKind Kind, string Value, RecordWindow Window, Guid HoldId);

/// <summary>
/// What a sweep must leave alone for one (category, organisation), in a form its SQL can use: when
/// <see cref="Everything"/> is true, skip the pair entirely; otherwise exclude records whose time lies in one of
/// <see cref="Windows"/>, and records holding one of <see cref="Identifiers"/> (comparison form) within its window.
/// Empty (<see cref="IsEmpty"/>): nothing held, delete what expired.
/// </summary>
internal sealed record HoldExclusions(bool Everything, IReadOnlyList<RecordWindow> Windows, IReadOnlyList<HeldIdentifier> Identifiers)
{
    public static HoldExclusions None { get; } = new(false, [], []);

    public bool IsEmpty => !Everything && Windows.Count == 0 && Identifiers.Count == 0;

    /// <summary>The same answer as asking every hold's <see cref="HoldScope.Covers"/> (a test checks they agree).</summary>
    public bool Excludes(Instant recordTime, IReadOnlySet<(IdentifierKind Kind, string Value)> recordIdentifiers)
    {
        ArgumentNullException.ThrowIfNull(recordIdentifiers);
        if (Everything || Windows.Any(w => w.Contains(recordTime)))
        {
            return true;
        }

        if (Identifiers.Count == 0)
        {
            return false;
        }

        var forms = recordIdentifiers.Select(i => HoldIdentifiers.MatchForm(i.Kind, i.Value)).ToHashSet();
        return Identifiers.Any(h => h.Window.Contains(recordTime) && forms.Contains((h.Kind, h.Value)));
    }
}

/// <summary>
/// The holds that stop deletion at one instant (<see cref="LegalHolds.ActiveAtAsync"/>), and the sweep's questions about
/// them. A snapshot: a hold placed after it was taken is not in it, so a sweep should take it per batch.
/// </summary>
internal sealed class ActiveHolds(Instant at, IReadOnlyList<HoldScope> scopes)
{
    public Instant At { get; } = at;

    public IReadOnlyList<HoldScope> Scopes { get; } = scopes;

    /// <summary>Whether any hold covers this record; see <see cref="HoldScope.Covers"/>.</summary>
    public bool Covers(string category, Guid organizationId, Instant recordTime, IReadOnlySet<(IdentifierKind Kind, string Value)> recordIdentifiers) =>
        Scopes.Any(s => s.Covers(category, organizationId, recordTime, recordIdentifiers));

    /// <summary>The holds that cover the record (for evidence: which hold kept it).</summary>
    public IReadOnlyList<Guid> Holding(string category, Guid organizationId, Instant recordTime, IReadOnlySet<(IdentifierKind Kind, string Value)> recordIdentifiers) =>
        [.. Scopes.Where(s => s.Covers(category, organizationId, recordTime, recordIdentifiers)).Select(s => s.HoldId)];

    /// <summary>Whether any hold could keep a record of <paramref name="category"/> in any organisation (before dropping a whole partition).</summary>
    public bool AnyFor(string category) => Scopes.Any(s => s.Categories.Count == 0 || s.Categories.Contains(category));

    /// <summary>What to leave alone for one (category, organisation); see <see cref="HoldExclusions"/>.</summary>
    public HoldExclusions For(string category, Guid organizationId)
    {
        var applicable = Scopes.Where(s => s.AppliesTo(category, organizationId)).ToList();
        if (applicable.Count == 0)
        {
            return HoldExclusions.None;
        }

        var whole = applicable.Where(s => s.IsWholeOrganization).Select(s => new RecordWindow(s.RecordsFrom, s.RecordsUntil)).ToList();
        if (whole.Any(w => w.IsUnbounded))
        {
            return new HoldExclusions(true, [], []);
        }

        var identifiers = applicable.Where(s => !s.IsWholeOrganization)
            .SelectMany(s => s.Identifiers.Select(i => new HeldIdentifier(i.Kind, i.Value, new RecordWindow(s.RecordsFrom, s.RecordsUntil), s.HoldId)))
            .ToList();
        return new HoldExclusions(false, whole, identifiers);
    }
}
