using Custodian.Core.Features.Register;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Retention;

/// <summary>
/// One target under one cutoff: what the plan counts and the sweep deletes. Most targets have one slice; a target of a
/// client-defined category has one per distinct organisation setting, limited to those organisations.
/// </summary>
/// <param name="Target">Where the records are.</param>
/// <param name="Rule">The category's rule in the register.</param>
/// <param name="Schedule">The rule as whole-day arithmetic (for a client-defined rule: this group's setting, clamped).</param>
/// <param name="Cutoff">What is expired at the slice's instant.</param>
/// <param name="Organizations">Only these organisations' records (client-defined rules); null: every organisation's.</param>
internal sealed record RetentionSlice(
    RetentionTarget Target, RetentionRule Rule, RetentionSchedule Schedule, RetentionCutoff Cutoff, IReadOnlyList<Guid>? Organizations)
{
    /// <summary>The records of an EF target that are expired at the cutoff, for the sweep to take in batches by <c>Id</c>.</summary>
    public IQueryable<Guid> DueIds(CustodianDbContext db)
    {
        ArgumentNullException.ThrowIfNull(db);
        var organizations = Organizations;
        switch (Target)
        {
            case InstantAnchoredTarget t:
                {
                    var bound = Cutoff.AnchorBefore;
                    var rows = t.Rows(db);
                    if (organizations is not null)
                    {
                        rows = rows.Where(r => organizations.Contains(r.OrganizationId));
                    }

                    return rows.Where(r => r.Anchor < bound).OrderBy(r => r.Id).Select(r => r.Id);
                }

            case DateAnchoredTarget t:
                {
                    var last = Cutoff.LastDueAnchorDay;
                    var rows = t.Rows(db);
                    if (organizations is not null)
                    {
                        rows = rows.Where(r => organizations.Contains(r.OrganizationId));
                    }

                    return rows.Where(r => r.Anchor <= last).OrderBy(r => r.Id).Select(r => r.Id);
                }

            default:
                throw new InvalidOperationException($"{Target.Name} is not an EF target; event months are counted and dropped by month.");
        }
    }
}

/// <summary>A register category the catalogue cannot serve as written (reported by the plan; such records are not swept).</summary>
/// <param name="Code">Stable code: <c>retention.no_target</c>, <c>retention.anchor_mismatch</c>, <c>retention.not_in_register</c>.</param>
/// <param name="Category">The register category concerned.</param>
/// <param name="Message">What is wrong, for the operator.</param>
internal sealed record RetentionProblem(string Code, string Category, string Message);

/// <summary>Builds the slices of the whole register at one instant.</summary>
internal static class RetentionSlices
{
    /// <summary>
    /// The slices for every catalogue target whose category the register has with the anchor the target implements.
    /// Reads only the organisations' call-recording settings (one small query), never records.
    /// </summary>
    public static async Task<(IReadOnlyList<RetentionSlice> Slices, IReadOnlyList<RetentionProblem> Problems)> ForAsync(
        CustodianDbContext db, ProcessingRegister register, Instant at, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(register);
        var slices = new List<RetentionSlice>();
        var problems = new List<RetentionProblem>();
        List<(Guid Id, Period? Setting)>? settings = null;

        foreach (var category in register.Categories)
        {
            var targets = RetentionTargets.Of(category.Id);
            if (targets.Count == 0)
            {
                problems.Add(new("retention.no_target", category.Id, $"the store has no home for {category.Id}; nothing of it is swept"));
            }

            foreach (var target in targets)
            {
                if (category.Retention.Anchor != target.Anchor)
                {
                    problems.Add(new("retention.anchor_mismatch", category.Id,
                        $"the register counts {category.Id} from {category.Retention.Anchor}, but {target.Name} is anchored on {target.Anchor}; not swept until the catalogue follows the register"));
                    continue;
                }

                if (category.Retention is ClientDefinedRetention)
                {
                    settings ??= (await db.Organizations.AsNoTracking()
                            .Select(o => new { o.Id, o.CustomerCallRecordingRetention })
                            .ToListAsync(ct))
                        .Select(o => (o.Id, o.CustomerCallRecordingRetention))
                        .ToList();
                    foreach (var group in settings.GroupBy(s => s.Setting?.Normalize().ToString() ?? ""))
                    {
                        var schedule = RetentionSchedule.For(category.Retention, group.First().Setting);
                        slices.Add(new RetentionSlice(target, category.Retention, schedule, RetentionCutoff.For(schedule, at), group.Select(g => g.Id).ToList()));
                    }
                }
                else
                {
                    var schedule = RetentionSchedule.For(category.Retention);
                    slices.Add(new RetentionSlice(target, category.Retention, schedule, RetentionCutoff.For(schedule, at), null));
                }
            }
        }

        foreach (var orphan in RetentionTargets.All.Select(t => t.Category).Distinct().Where(c => register.Categories.All(x => x.Id != c)))
        {
            problems.Add(new("retention.not_in_register", orphan, $"the store holds {orphan}, which the register does not list; nothing of it is swept"));
        }

        return (slices, problems);
    }
}
