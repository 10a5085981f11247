using Custodian.Core.Features.Register;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>
/// One part of a request: a register category, who decides about it, and how many of the person's records it holds.
/// </summary>
/// <param name="Category">The register category id.</param>
/// <param name="Controller">Who is controller (register <c>controller</c>, REG-7).</param>
/// <param name="OrganizationId">Client-controlled parts: the organisation that is controller of these records (one part per
/// organisation, ROU-1); provider parts: null (the provider decides for every organisation's records at once).</param>
/// <param name="Records">The person's records in this part. Records kept by holds are counted like any other: a part
/// never reveals a hold (ACC-5).</param>
internal sealed record RequestPart(string Category, ControllerRole Controller, Guid? OrganizationId, long Records)
{
    /// <summary>The wire name of <see cref="Controller"/>: <c>provider</c> or <c>client</c>.</summary>
    public string ControllerName => Controller == ControllerRole.Provider ? "provider" : "client";
}

/// <summary>The parts of a request, in the register's category order, client parts by organisation id.</summary>
internal sealed record RequestSplitPlan(IReadOnlyList<RequestPart> Parts)
{
    public IEnumerable<RequestPart> ProviderParts => Parts.Where(p => p.Controller == ControllerRole.Provider);

    public IEnumerable<RequestPart> ClientParts => Parts.Where(p => p.Controller == ControllerRole.Client);
}

/// <summary>
/// Splits a request per register category by controller (domain.md ROU-1, issue 6 §4): the provider's parts are
/// handled by the provider; each client organisation that holds records of this person is controller of its own
/// part, so the same e-mail address at two organisations gives two separate client parts and neither learns of the
/// other (attack A18). Usage and traffic records are the provider's own (ROU-7: the register says so, not this code).
/// Read-only; not audited (the request's own events record the split).
/// </summary>
internal sealed class RequestSplit(ProcessingRegister register)
{
    public async Task<RequestSplitPlan> PlanAsync(CustodianDbContext db, IReadOnlyList<SubjectKey> subjectKeys, CancellationToken ct)
    {
        var records = await PersonRecords.LoadAsync(db, subjectKeys, track: false, withEvents: true, withConsentLedger: true, ct);
        var parts = new List<RequestPart>();
        foreach (var category in register.Categories)
        {
            var mine = records.Where(r => r.Category == category.Id).ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            if (category.Controller == ControllerRole.Provider)
            {
                parts.Add(new RequestPart(category.Id, ControllerRole.Provider, null, mine.Count));
            }
            else
            {
                parts.AddRange(mine.GroupBy(r => r.OrganizationId).OrderBy(g => g.Key)
                    .Select(g => new RequestPart(category.Id, ControllerRole.Client, g.Key, g.Count())));
            }
        }

        return new RequestSplitPlan(parts);
    }
}
