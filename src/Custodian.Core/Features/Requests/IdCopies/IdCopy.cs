using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests.IdCopies;

/// <summary>
/// A screened ID copy waiting for the verification decision (table <c>request_id_copies</c>). Its pages are one
/// encrypted blob under a data key of its own (<see cref="Blobs.DataKeyOwnerKind.IdCopy"/>); the row, the blob and the
/// key are destroyed together when the decision is made (<see cref="IdCopies.DestroyAsync"/>), leaving only an
/// <see cref="IdVerificationDecision"/>.
/// </summary>
internal sealed class IdCopy : ITenantOwned
{
    [NotPersonalData("id of the copy; the copy's content is in the encrypted blob, destroyed with the decision")]
    public required Guid Id { get; init; }

    [NotPersonalData("the request it verifies (no foreign key yet: the request table is built in parallel)")]
    public required Guid RequestId { get; init; }

    [NotPersonalData("tenant the request is handled in")]
    public required Guid OrganizationId { get; init; }

    [NotPersonalData("count of re-encoded pages")]
    public required int PageCount { get; init; }

    /// <summary>What was uploaded, by content: <c>jpeg</c>, <c>png</c> or <c>pdf</c> (only rasters are stored).</summary>
    [NotPersonalData("type of the uploaded file")]
    public required string SourceType { get; init; }

    [NotPersonalData("time of the upload")]
    public required Instant UploadedAt { get; init; }

    /// <summary>The encrypted blob holding the pages (<see cref="IdCopyPages"/> format).</summary>
    [NotPersonalData("blob reference; the blob is encrypted under the copy's own data key")]
    public required Guid BlobId { get; init; }
}

internal sealed class IdCopyConfiguration : IEntityTypeConfiguration<IdCopy>
{
    public void Configure(EntityTypeBuilder<IdCopy> builder)
    {
        builder.ToTable("request_id_copies");
        builder.HasKey(c => c.Id);
        builder.Property(c => c.Id).ValueGeneratedNever();
        builder.Property(c => c.SourceType).HasMaxLength(16);
        builder.HasIndex(c => c.RequestId);
        builder.HasIndex(c => c.OrganizationId);
    }
}

internal enum IdVerificationOutcome
{
    Verified,
    Refused,
}

/// <summary>
/// What remains of an identity check once its evidence is destroyed (security.md §1.3 item 6: who decided, when, on
/// what evidence type), table <c>request_id_decisions</c>. The staff confirmations are inputs of the decision and are
/// kept with it.
/// </summary>
internal sealed class IdVerificationDecision : ITenantOwned
{
    [NotPersonalData("id of the decision")]
    public required Guid Id { get; init; }

    [NotPersonalData("the request it decides (no foreign key yet: the request table is built in parallel)")]
    public required Guid RequestId { get; init; }

    [NotPersonalData("tenant the request is handled in")]
    public required Guid OrganizationId { get; init; }

    [NotPersonalData("the outcome of the identity check")]
    public required IdVerificationOutcome Outcome { get; init; }

    /// <summary>How identity was checked, e.g. <c>id_copy</c>; a short stable word, never evidence itself.</summary>
    [NotPersonalData("the method of the identity check")]
    public required string Method { get; init; }

    /// <summary>The staff member who decided (audit actor id).</summary>
    [NotPersonalData("staff account id of the verifier")]
    public required string DecidedBy { get; init; }

    [NotPersonalData("time of the decision")]
    public required Instant DecidedAt { get; init; }

    /// <summary>Staff confirmed the copy carries a watermark (recipient, purpose, date).</summary>
    [NotPersonalData("staff confirmation about the destroyed evidence")]
    public required bool WatermarkConfirmed { get; init; }

    /// <summary>Staff confirmed the photo (and BSN) on the copy were covered.</summary>
    [NotPersonalData("staff confirmation about the destroyed evidence")]
    public required bool PhotoCoveredConfirmed { get; init; }

    /// <summary>How many copies were destroyed with this decision.</summary>
    [NotPersonalData("count of destroyed copies")]
    public required int CopiesDestroyed { get; init; }
}

internal sealed class IdVerificationDecisionConfiguration : IEntityTypeConfiguration<IdVerificationDecision>
{
    public void Configure(EntityTypeBuilder<IdVerificationDecision> builder)
    {
        builder.ToTable("request_id_decisions");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.Outcome).HasConversion<string>().HasMaxLength(16);
        builder.Property(d => d.Method).HasMaxLength(32);
        builder.Property(d => d.DecidedBy).HasMaxLength(128);
        builder.HasIndex(d => d.RequestId);
        builder.HasIndex(d => d.OrganizationId);
    }
}
