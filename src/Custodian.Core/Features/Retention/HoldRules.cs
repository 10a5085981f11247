using System.Globalization;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Identifiers;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>A hold's input after its field rules passed (the organisation is resolved by the command).</summary>
internal sealed record HoldDraft(
    HoldBasis Basis,
    RestrictionGround? Ground,
    string Reason,
    string? Reference,
    IReadOnlyList<string> Categories,
    Instant? RecordsFrom,
    Instant? RecordsUntil,
    IReadOnlyList<(IdentifierKind Kind, string Value)> Identifiers,
    Instant StartsAt,
    Instant? EndsAt);

/// <summary>
/// The rules of a hold that need no database: field rules, the 126ni limits and when a hold may be extended. Broken
/// rules are values with stable codes (<c>hold.duration_limit</c>, <c>hold.extension_limit</c>, ...).
/// </summary>
internal static class HoldRules
{
    /// <summary>Sv 126ni(5): a preservation order lasts at most 90 days, and may be extended once by at most 90 days.</summary>
    public static readonly Period PreservationOrderPeriod = Period.FromDays(90);

    /// <summary>How many times a 126ni order may be extended.</summary>
    public const int PreservationOrderExtensions = 1;

    private static readonly DateTimeZone Amsterdam = DateTimeZoneProviders.Tzdb["Europe/Amsterdam"];

    /// <summary>
    /// <paramref name="from"/> plus <paramref name="period"/> on the Dutch calendar: 90 days from 10:00 on 1 March end at
    /// 10:00 on 30 May, although a daylight-saving change makes that 89 days and 23 hours of elapsed time.
    /// </summary>
    public static Instant AddCalendar(Instant from, Period period) =>
        (from.InZone(Amsterdam).LocalDateTime + period).InZoneLeniently(Amsterdam).ToInstant();

    /// <summary>The latest end a 126ni order that starts (or was last extended) at <paramref name="from"/> may have.</summary>
    public static Instant PreservationOrderLimit(Instant from) => AddCalendar(from, PreservationOrderPeriod);

    /// <summary>
    /// Checks every field rule of <paramref name="input"/> into <paramref name="v"/>; returns the draft when all pass.
    /// <paramref name="hasOrganization"/>: whether the hold is for one organisation (a tenant key's own, or one a
    /// provider key named), since a hold needs an organisation, identifiers, or both.
    /// </summary>
    public static HoldDraft? Validate(FieldValidator v, LegalHoldInput input, bool hasOrganization, Instant now, ProcessingRegister register)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(register);

        var basisName = v.OneOf("basis", input.Basis, HoldBases.Names);
        HoldBasis? basis = basisName is null ? null : HoldBases.ParseBasis(basisName);
        RestrictionGround? ground = null;
        if (basis == HoldBasis.RestrictionArt18)
        {
            var groundName = v.OneOf("ground", input.Ground, HoldBases.GroundNameList);
            ground = groundName is null ? null : HoldBases.ParseGround(groundName);
        }
        else if (!string.IsNullOrWhiteSpace(input.Ground) && basis is not null)
        {
            v.Add("ground", "hold.ground_not_applicable", "'ground' belongs to a restriction (basis restriction_art18) only; leave it out.");
        }

        var reason = v.Text("reason", input.Reason, LegalHold.MaxReasonLength);
        var reference = v.Text("reference", input.Reference, LegalHold.MaxReferenceLength, required: basis is { } b && HoldBases.IsAuthority(b));

        var categories = Categories(v, input.Categories, register);
        var from = v.Instant("recordsFrom", input.RecordsFrom, required: false);
        var until = v.Instant("recordsUntil", input.RecordsUntil, required: false);
        if (from is { } f && until is { } u && u <= f)
        {
            v.Add("recordsUntil", "hold.window_empty", "'recordsUntil' must be later than 'recordsFrom' (the window is [from, until)).");
        }

        var identifiers = Identifiers(v, input.Identifiers);
        if (basis == HoldBasis.RestrictionArt18 && identifiers is { Count: 0 })
        {
            v.Add("identifiers", "hold.identifiers_required", "A restriction (Art. 18) is on a person: name them by at least one identifier.");
        }
        else if (!hasOrganization && identifiers is { Count: 0 })
        {
            v.Add("identifiers", "hold.scope_required", "A hold needs an organisation, identifiers, or both; a hold on everything is not allowed.");
        }

        var startsAt = v.Instant("startsAt", input.StartsAt, required: false) ?? now;
        var endsAt = v.Instant("endsAt", input.EndsAt, required: false);
        if (endsAt is { } end)
        {
            if (end <= startsAt)
            {
                v.Add("endsAt", "hold.ends_before_start", "'endsAt' must be later than 'startsAt'.");
            }
            else if (end <= now)
            {
                v.Add("endsAt", "hold.already_ended", "'endsAt' lies in the past: such a hold would hold nothing.");
            }
            else if (basis == HoldBasis.PreservationOrder126ni && end > PreservationOrderLimit(startsAt))
            {
                v.Add("endsAt", "hold.duration_limit", "A preservation order (126ni Sv) lasts at most 90 days from its start; extend it later (once, by at most 90 days).");
            }
        }
        else if (basis == HoldBasis.PreservationOrder126ni && v.Errors.All(e => e.Field != "endsAt"))
        {
            v.Add("endsAt", "hold.end_required", "A preservation order (126ni Sv) has an end: at most 90 days after its start.");
        }

        return v.IsValid && basis is not null && reason is not null && categories is not null && identifiers is not null
            ? new HoldDraft(basis.Value, ground, reason, reference, categories, from, until, identifiers, startsAt, endsAt)
            : null;
    }

    /// <summary>
    /// Whether <paramref name="hold"/> may get the end <paramref name="newEnd"/> at <paramref name="now"/>: not released,
    /// not ended, not open-ended, a later end, and for a 126ni order only once and by at most 90 days.
    /// </summary>
    public static StoreError? CheckExtension(LegalHold hold, Instant newEnd, Instant now)
    {
        ArgumentNullException.ThrowIfNull(hold);
        if (hold.IsReleased)
        {
            return new ConflictError("hold.released", "This hold was released; place a new hold instead.");
        }

        if (hold.EndsAt is not { } end)
        {
            return new ConflictError("hold.open_ended", "This hold lasts until it is released; there is no end to extend.");
        }

        if (end <= now)
        {
            return new ConflictError("hold.ended", "This hold has ended; place a new hold instead.");
        }

        if (hold.Basis == HoldBasis.PreservationOrder126ni && hold.ExtensionCount >= PreservationOrderExtensions)
        {
            return new ConflictError("hold.extension_limit", "A preservation order (126ni Sv) can be extended once; it was extended already.");
        }

        if (newEnd <= end)
        {
            return Field("endsAt", "hold.not_later", "'endsAt' must be later than the hold's current end.");
        }

        if (hold.Basis == HoldBasis.PreservationOrder126ni && newEnd > PreservationOrderLimit(end))
        {
            return Field("endsAt", "hold.duration_limit", "A preservation order (126ni Sv) can be extended by at most 90 days beyond its current end.");
        }

        return null;
    }

    private static ValidationError Field(string field, string code, string message) => new([new FieldError(field, code, message)]);

    private static List<string>? Categories(FieldValidator v, IReadOnlyList<string?>? input, ProcessingRegister register)
    {
        var known = register.Categories.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        var valid = true;
        for (var i = 0; i < (input?.Count ?? 0); i++)
        {
            var id = input![i]?.Trim();
            var field = string.Create(CultureInfo.InvariantCulture, $"categories[{i}]");
            if (string.IsNullOrEmpty(id) || !known.Contains(id))
            {
                v.Add(field, "hold.unknown_category", $"'{field}' is not a category of the active register (GET /api/v1/register lists them).");
                valid = false;
            }
            else if (!result.Contains(id))
            {
                result.Add(id);
            }
        }

        return valid ? result : null;
    }

    private static List<(IdentifierKind, string)>? Identifiers(FieldValidator v, IReadOnlyList<HoldIdentifierInput?>? input)
    {
        if (input is { Count: > HoldIdentifiers.MaxPerHold })
        {
            v.Add("identifiers", "hold.too_many_identifiers", string.Create(CultureInfo.InvariantCulture, $"A hold names at most {HoldIdentifiers.MaxPerHold} identifiers."));
            return null;
        }

        var result = new List<(IdentifierKind, string)>();
        var valid = true;
        for (var i = 0; i < (input?.Count ?? 0); i++)
        {
            var item = input![i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"identifiers[{i}]");
            var kind = HoldIdentifiers.ParseKind(item?.Kind);
            if (kind is null)
            {
                v.Add(prefix + ".kind", string.IsNullOrWhiteSpace(item?.Kind) ? "field.required" : "field.not_allowed",
                    $"'{prefix}.kind' must be one of {string.Join(", ", HoldIdentifiers.KindNames)}.");
                valid = false;
                continue;
            }

            var canonical = v.Identifier(prefix + ".value", kind.Value, item?.Value);
            if (canonical is null)
            {
                valid = false;
                continue;
            }

            var form = HoldIdentifiers.MatchForm(kind.Value, canonical);
            if (!result.Contains(form))
            {
                result.Add(form);
            }
        }

        return valid ? result : null;
    }
}
