using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Subjects;
using Custodian.Features.ApiKeys;
using Custodian.Features.Register;
using Custodian.Features.Store;
using Custodian.Hosting;

namespace Custodian.Features.Subjects;

/// <summary>
/// <c>GET /api/v1/subjects?identifier=…&amp;kind=…&amp;reason=…</c>: every record that holds an identifier, grouped by
/// register category with the category's purposes, controller and retention. The basis of access requests and
/// authority orders; every look-up is audited with its reason and a keyed hash of the identifier.
/// </summary>
internal static class SubjectEndpoints
{
    internal static RouteGroupBuilder MapSubjectEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/subjects", async (string? identifier, string? kind, string? reason, HttpContext http, SubjectLookup lookup, CancellationToken ct) =>
            {
                var result = await lookup.FindAsync(http.Caller(), new SubjectLookupQuery(identifier, kind, reason), ct);
                return result.IsSuccess ? Results.Ok(SubjectLookupDto.From(result.Value)) : ApiProblems.From(result.Error);
            })
            .RequireAuthorization(ApiScopes.SubjectsLookup)
            .WithTags("Subjects")
            .WithName("LookUpSubject")
            .WithSummary("Find a data subject's records in every category by phone, e-mail, IMEI, ICCID, MAC, IP or name (subjects:lookup; reason required)")
            .Produces<SubjectLookupDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return api;
    }
}

/// <summary>The look-up's answer: the canonical form searched, and the categories that hold it.</summary>
internal sealed record SubjectLookupDto(string Kind, string Identifier, IReadOnlyList<SubjectCategoryDto> Categories)
{
    internal static SubjectLookupDto From(SubjectLookupResult r) => new(
        SubjectKey.KindName(r.Kind),
        r.Value,
        [.. r.Categories.Select(h => new SubjectCategoryDto(
            h.Category.Id,
            TextDto.From(h.Category.Description),
            h.Category.PurposeIds,
            RegisterApi.Snake(h.Category.Controller),
            RetentionDto.From(h.Category.Retention),
            [.. h.Records.Select(SubjectRecordDto.From)]))]);
}

/// <param name="Controller">provider (the provider answers requests itself) or client (the organisation decides; requests are routed to it).</param>
/// <param name="Category">The register category id.</param>
/// <param name="Description">The register's description of the category.</param>
/// <param name="Purposes">The category's purposes (register ids).</param>
/// <param name="Retention">How long the category is kept, from which event.</param>
/// <param name="Records">The records that hold the identifier.</param>
internal sealed record SubjectCategoryDto(
    string Category, TextDto Description, IReadOnlyList<string> Purposes, string Controller, RetentionDto Retention, IReadOnlyList<SubjectRecordDto> Records);

/// <param name="Type">The record type (contact_person, keyholder, ...).</param>
/// <param name="Id">The record's id; for usage_record and traffic_record (bulk-imported, no id of their own) the import batch's.</param>
/// <param name="Record">The record as its own endpoint returns it.</param>
internal sealed record SubjectRecordDto(string Type, Guid Id, object Record)
{
    internal static SubjectRecordDto From(object record) => record switch
    {
        Core.Features.Store.TenantRecord r => new(r.RecordType, r.Id, RecordDtos.From(r)),
        Core.Features.Organizations.Organization o => new(o.RecordType, o.Id, RecordDtos.From(o)),
        // Bulk-imported records have no id of their own: Id is their import batch, record.record_key names them in it.
        Core.Features.Events.UsageRecord u => new("usage_record", u.ImportBatchId, Import.UsageRecordDto.From(u)),
        Core.Features.Events.TrafficRecord t => new("traffic_record", t.ImportBatchId, Import.TrafficRecordDto.From(t)),
        _ => throw new InvalidOperationException($"Unexpected record {record.GetType().Name}."),
    };
}
