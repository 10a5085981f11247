using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Register;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Custodian.Core.Persistence;
using NodaTime;

namespace Custodian.Core.Features.Requests.Execution;

/// <summary>A purpose on legitimate interest that a category with another basis also serves (the data stays on the category's basis).</summary>
internal sealed record ObjectedPurpose(string Purpose, IReadOnlyList<string> Categories);

/// <summary>The outcome of an objection.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Erased">Categories on legitimate interest whose processing stopped: the person's records erased as an erasure would (holds still keep).</param>
/// <param name="KeptOnCompellingGrounds">Categories kept because the privacy officer recorded compelling legitimate grounds.</param>
/// <param name="PurposesOnly">Legitimate-interest purposes of categories whose own basis is another one: the objection is
/// recorded, the data stays on the category's basis; stopping that use is for staff (nothing in Custodian switches a purpose off).</param>
/// <param name="DirectMarketing">Whether the register has processing for direct marketing (OBJ-2: an objection to it is
/// absolute). Today it has none: no purpose on consent or legitimate interest is marketing.</param>
internal sealed record ObjectionResult(
    Guid RequestId,
    IReadOnlyList<ErasureCategoryResult> Erased,
    IReadOnlyList<string> KeptOnCompellingGrounds,
    IReadOnlyList<ObjectedPurpose> PurposesOnly,
    bool DirectMarketing);

/// <summary>
/// Art. 21(1) (OBJ-1): the processing of the person's data on legitimate interest stops, i.e. their records in the
/// categories whose register basis is legitimate interest are erased (through <see cref="ErasureExecutor"/>, so holds
/// still keep what they keep), unless the privacy officer records compelling legitimate grounds (required text,
/// stored in <c>request_objection_grounds</c>, audited), which keep them. Which categories: read from the register, never
/// hard-coded. Direct marketing (OBJ-2) would be absolute; the register has no such processing.
/// </summary>
internal sealed class ObjectionExecutor(ProcessingRegister register, ErasureExecutor erasure, IAuditTrail audit, TimeProvider time)
{
    public const string GroundsTooLong = "objection.grounds_too_long";
    public const string NotLegitimateInterest = "objection.not_legitimate_interest";

    /// <summary>The categories an objection under 21(1) reaches: register basis legitimate interest (or public task, 6(1)(e)).</summary>
    public IReadOnlyList<string> ObjectableCategories =>
        [.. register.Categories.Where(c => c.LegalBasis.Type is LegalBasisType.LegitimateInterest or LegalBasisType.PublicTask).Select(c => c.Id)];

    /// <param name="db">The context (every tenant for the provider's part).</param>
    /// <param name="requestId">The request.</param>
    /// <param name="subjectKeys">The verified person.</param>
    /// <param name="categories">The categories objected to; null: every objectable one.</param>
    /// <param name="compellingGrounds">The privacy officer's compelling legitimate grounds; null: none, the processing stops.</param>
    /// <param name="caller">Who executes it (with grounds: the privacy officer who recorded them).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<StoreResult<ObjectionResult>> ExecuteAsync(
        CustodianDbContext db,
        Guid requestId,
        IReadOnlyList<SubjectKey> subjectKeys,
        IReadOnlyList<string>? categories,
        string? compellingGrounds,
        StoreCaller caller,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        var objectable = ObjectableCategories;
        var chosen = categories ?? objectable;
        if (chosen.FirstOrDefault(c => !objectable.Contains(c)) is { } other)
        {
            return new ConflictError(NotLegitimateInterest, $"The register's basis for '{other}' is not legitimate interest; an objection under Art. 21(1) does not reach it.");
        }

        var grounds = string.IsNullOrWhiteSpace(compellingGrounds) ? null : compellingGrounds.Trim();
        if (grounds is { Length: > RequestObjectionGrounds.MaxGroundsLength })
        {
            return new ValidationError([new FieldError("compellingGrounds", GroundsTooLong, $"At most {RequestObjectionGrounds.MaxGroundsLength} characters.")]);
        }

        var purposesOnly = PurposesOnly();
        if (grounds is not null)
        {
            var now = Instant.FromDateTimeOffset(time.GetUtcNow());
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            try
            {
                foreach (var category in chosen)
                {
                    db.Add(new RequestObjectionGrounds
                    {
                        RequestId = requestId,
                        Category = category,
                        OrganizationId = caller.TenantId,
                        Grounds = grounds,
                        RecordedBy = caller.Actor.Id,
                        RecordedAt = now,
                    });
                }

                await db.SaveChangesAsync(ct);
                await audit.AppendAsync(db, new AuditEntry(
                    "request.objection_overruled",
                    caller.Actor,
                    caller.TenantId,
                    [new AuditObject("request", requestId.ToString())],
                    Details: new Dictionary<string, string> { ["categories"] = string.Join(' ', chosen) }), ct);
                await db.SaveChangesAsync(ct);
                await tx.CommitAsync(ct);
            }
            finally
            {
                db.ChangeTracker.Clear();
            }

            return new ObjectionResult(requestId, [], chosen, purposesOnly, false);
        }

        var erased = await erasure.EraseAsync(db, requestId, subjectKeys, chosen, null, caller, "request.objection_executed", null, ct);
        return erased.IsSuccess
            ? new ObjectionResult(requestId, erased.Value.Categories, [], purposesOnly, false)
            : erased.Error;
    }

    private List<ObjectedPurpose> PurposesOnly() =>
    [
        .. register.Purposes
            .Where(p => p.LegalBasis?.Type is LegalBasisType.LegitimateInterest)
            .Select(p => new ObjectedPurpose(p.Id, [.. register.Categories.Where(c => c.PurposeIds.Contains(p.Id) && c.LegalBasis.Type != LegalBasisType.LegitimateInterest).Select(c => c.Id)])),
    ];
}
