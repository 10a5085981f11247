using System.Globalization;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using NodaTime;

namespace Custodian.Core.Features.Disclosures;

/// <summary>An order's input after its field rules passed.</summary>
internal sealed record AuthorityOrderDraft(
    string Reference,
    AuthorityOrderType Type,
    IssuingAuthority IssuedBy,
    string? JudgeAuthorisation,
    Instant ReceivedAt,
    Instant PeriodFrom,
    Instant PeriodUntil,
    IReadOnlyList<string> Categories,
    IReadOnlyList<(SubjectIdentifierKind Kind, string Value)> Targets,
    decimal? CostAmount,
    string? CostNote);

/// <summary>
/// The field rules of an order that need no database. Broken rules are values with dotted codes naming the field
/// (<c>order.judge_authorisation_required</c> on <c>judgeAuthorisation</c>, ...), all reported at once.
/// </summary>
internal static class AuthorityOrderRules
{
    /// <summary>Sv 126n(3)/126u(3): an order for future data covers at most three months.</summary>
    public static readonly Period FuturePeriodLimit = Period.FromMonths(3);

    /// <summary>The most targets one order may name (as a hold: a handful, never a list of thousands).</summary>
    public const int MaxTargets = HoldIdentifiers.MaxPerHold;

    /// <summary>The kinds an order may name: the subject look-up's, except a name (an order names identifiers).</summary>
    public static IReadOnlyList<string> TargetKinds { get; } = [.. SubjectKey.KindNames.Where(k => k != "name")];

    /// <summary>The latest end of the covered period for an order registered at <paramref name="now"/>.</summary>
    public static Instant LatestPeriodEnd(Instant now) => HoldRules.AddCalendar(now, FuturePeriodLimit);

    public static AuthorityOrderDraft? Validate(FieldValidator v, AuthorityOrderInput input, Instant now, ProcessingRegister register)
    {
        ArgumentNullException.ThrowIfNull(v);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(register);

        var reference = v.Text("reference", input.Reference, AuthorityOrder.MaxReferenceLength);
        var typeName = v.OneOf("type", input.Type, AuthorityOrderTypes.Names);
        AuthorityOrderType? type = typeName is null ? null : AuthorityOrderTypes.ParseType(typeName);
        var authorityName = v.OneOf("issuedBy", input.IssuedBy, AuthorityOrderTypes.AuthorityNameList);
        var judge = v.Text("judgeAuthorisation", input.JudgeAuthorisation, AuthorityOrder.MaxReferenceLength, required: false);
        if (type is { } t && AuthorityOrderTypes.RequiresJudgeAuthorisation(t) && judge is null && v.Errors.All(e => e.Field != "judgeAuthorisation"))
        {
            v.Add("judgeAuthorisation", "order.judge_authorisation_required", "An interception order needs the examining magistrate's (RC) written authorisation: give its reference.");
        }

        var received = v.Instant("receivedAt", input.ReceivedAt);
        if (received is { } r && r > now)
        {
            v.Add("receivedAt", "order.received_in_future", "'receivedAt' lies in the future.");
        }

        var from = v.Instant("periodFrom", input.PeriodFrom);
        var until = v.Instant("periodUntil", input.PeriodUntil);
        if (from is { } f && until is { } u)
        {
            if (u <= f)
            {
                v.Add("periodUntil", "order.period_empty", "'periodUntil' must be later than 'periodFrom' (the period is [from, until)).");
            }
            else if (u > LatestPeriodEnd(now))
            {
                v.Add("periodUntil", "order.future_period_limit", "An order covers future data for at most three months after it is registered (126n(3) Sv).");
            }
        }

        var categories = Categories(v, input.Categories, register);
        var targets = Targets(v, input.Targets);
        if (input.CostAmount is < 0)
        {
            v.Add("costAmount", "order.cost_negative", "'costAmount' cannot be negative.");
        }

        var costNote = v.Text("costNote", input.CostNote, AuthorityOrder.MaxNoteLength, required: false);

        return v.IsValid && reference is not null && type is not null && authorityName is not null && received is not null
            && from is not null && until is not null && categories is not null && targets is not null
            ? new AuthorityOrderDraft(reference, type.Value, AuthorityOrderTypes.ParseAuthority(authorityName), judge, received.Value,
                from.Value, until.Value, categories, targets, input.CostAmount, costNote)
            : null;
    }

    private static List<string>? Categories(FieldValidator v, IReadOnlyList<string?>? input, ProcessingRegister register)
    {
        if (input is not { Count: > 0 })
        {
            v.Add("categories", "order.categories_required", "Name at least one register category the order asks for.");
            return null;
        }

        var known = register.Categories.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var result = new List<string>();
        for (var i = 0; i < input.Count; i++)
        {
            var id = input[i]?.Trim();
            var field = string.Create(CultureInfo.InvariantCulture, $"categories[{i}]");
            if (string.IsNullOrEmpty(id) || !known.Contains(id))
            {
                v.Add(field, "order.unknown_category", $"'{field}' is not a category of the active register.");
            }
            else if (!result.Contains(id))
            {
                result.Add(id);
            }
        }

        return v.Errors.Any(e => e.Field.StartsWith("categories", StringComparison.Ordinal)) ? null : result;
    }

    private static List<(SubjectIdentifierKind, string)>? Targets(FieldValidator v, IReadOnlyList<OrderTargetInput?>? input)
    {
        if (input is not { Count: > 0 })
        {
            v.Add("targets", "order.targets_required", "Name at least one target identifier.");
            return null;
        }

        if (input.Count > MaxTargets)
        {
            v.Add("targets", "order.too_many_targets", string.Create(CultureInfo.InvariantCulture, $"An order names at most {MaxTargets} targets."));
            return null;
        }

        var result = new List<(SubjectIdentifierKind, string)>();
        var valid = true;
        for (var i = 0; i < input.Count; i++)
        {
            var kindField = string.Create(CultureInfo.InvariantCulture, $"targets[{i}].kind");
            var valueField = string.Create(CultureInfo.InvariantCulture, $"targets[{i}].value");
            var kindName = input[i]?.Kind?.Trim();
            if (kindName is null || !TargetKinds.Contains(kindName) || SubjectKey.ParseKind(kindName) is not { } kind)
            {
                v.Add(kindField, "order.unknown_target_kind", $"'{kindField}' must be one of {string.Join(", ", TargetKinds)}.");
                valid = false;
                continue;
            }

            if (string.IsNullOrWhiteSpace(input[i]!.Value))
            {
                v.Add(valueField, "field.required", $"'{valueField}' is required.");
                valid = false;
                continue;
            }

            var normalized = SubjectKey.Normalize(kind, input[i]!.Value!);
            if (!normalized.IsValid)
            {
                v.Add(valueField, normalized.Error!.Code, normalized.Error.Message);
                valid = false;
            }
            else if (!result.Contains((kind, normalized.Value!)))
            {
                result.Add((kind, normalized.Value!));
            }
        }

        return valid ? result : null;
    }
}
