using Custodian.Core.Features.Subjects;
using Custodian.Core.Features.Tenancy;
using NodaTime;

namespace Custodian.Core.Features.Store;

/// <summary>The technical columns every tenant-owned store record has.</summary>
internal abstract class TenantRecord : ITenantOwned, ISubjectRecord
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData("the tenant the record belongs to")]
    public Guid OrganizationId { get; set; }

    [NotPersonalData("when the record was stored")]
    public Instant CreatedAt { get; set; }

    Guid ISubjectRecord.SubjectOrganizationId => OrganizationId;

    /// <summary>Stable name (<c>contact_person</c>) used in audit actions, the look-up index and the API.</summary>
    public string RecordType => RecordTypes.NameOf(GetType());

    public virtual IEnumerable<SubjectKey> SubjectKeys() => [];

    protected static IEnumerable<SubjectKey> Keys(params SubjectKey?[] keys) => keys.Where(k => k is not null).Select(k => k!.Value);
}
