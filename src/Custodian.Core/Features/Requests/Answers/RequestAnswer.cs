using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>What an answer file is; stored as its wire name.</summary>
internal enum AnswerKind
{
    AccessHtml,
    AccessJson,
    PortabilityZip,

    /// <summary>The outcome summary of a rectification, erasure, restriction, objection or withdrawal (HTML).</summary>
    OutcomeHtml,
}

/// <summary>
/// One answer file of a request (an access report or portability package), its content an encrypted blob under a
/// data key of its own (owner: <see cref="Blobs.DataKeyOwner.Subject"/> with the answer's id), so deleting the answer
/// destroys the key and shreds every copy. Not tenant-owned: a request is the provider's; the answer is read only
/// through a download token (<see cref="RequestAnswerDownload"/>).
/// </summary>
internal sealed class RequestAnswer
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The request (no foreign key yet: the request entity is built in parallel; the lead adds it).</summary>
    [NotPersonalData]
    public required Guid RequestId { get; init; }

    [NotPersonalData("the kind of answer file")]
    public required AnswerKind Kind { get; init; }

    [NotPersonalData("a generated name, e.g. access-report.html")]
    public required string FileName { get; init; }

    [NotPersonalData]
    public required string ContentType { get; init; }

    [NotPersonalData]
    public required long Size { get; init; }

    /// <summary>The encrypted content (<see cref="Blobs.BlobRecord"/>); its data key belongs to this answer alone.</summary>
    [NotPersonalData("reference to the encrypted content")]
    public required Guid BlobId { get; init; }

    /// <summary>The organisation the blob row is filed under (<see cref="Guid.Empty"/>: the provider's own answer).</summary>
    [NotPersonalData]
    public required Guid BlobOrganizationId { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    /// <summary>
    /// From this instant the answer can no longer be downloaded, and the retention sweep's request housekeeping shreds
    /// its content (blob row, data key, download links), keeping this row as the record that an answer was given.
    /// </summary>
    [NotPersonalData]
    public required Instant ExpiresAt { get; init; }

    /// <summary>When the content was shredded (null: still stored). The row stays with its request.</summary>
    [NotPersonalData]
    public Instant? ContentDeletedAt { get; set; }
}

/// <summary>A single-use download link of an answer: only the SHA-256 of the token is stored.</summary>
internal sealed class RequestAnswerDownload
{
    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Guid AnswerId { get; init; }

    /// <summary>SHA-256 of the token's bytes; the token itself is only ever in the link given to the person.</summary>
    [NotPersonalData("hash of a random token")]
    public required byte[] TokenHash { get; init; }

    [NotPersonalData]
    public required Instant CreatedAt { get; init; }

    [NotPersonalData]
    public required Instant ExpiresAt { get; init; }

    /// <summary>Set by the one download that consumed it (a conditional update: exactly one concurrent open wins).</summary>
    [NotPersonalData]
    public Instant? UsedAt { get; set; }
}

internal sealed class RequestAnswerConfiguration : IEntityTypeConfiguration<RequestAnswer>
{
    public void Configure(EntityTypeBuilder<RequestAnswer> builder)
    {
        builder.ToTable("request_answers");
        builder.HasKey(a => a.Id);
        builder.Property(a => a.Id).ValueGeneratedNever();
        builder.Property(a => a.Kind).HasConversion(k => RequestAnswers.KindName(k), s => RequestAnswers.ParseKind(s)).HasMaxLength(32);
        builder.Property(a => a.FileName).HasMaxLength(200);
        builder.Property(a => a.ContentType).HasMaxLength(100);
        builder.HasIndex(a => a.RequestId);
        builder.HasIndex(a => a.ExpiresAt);
    }
}

internal sealed class RequestAnswerDownloadConfiguration : IEntityTypeConfiguration<RequestAnswerDownload>
{
    public void Configure(EntityTypeBuilder<RequestAnswerDownload> builder)
    {
        builder.ToTable("request_answer_downloads");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.Id).ValueGeneratedNever();
        builder.Property(d => d.TokenHash).HasMaxLength(32);
        builder.HasIndex(d => d.TokenHash).IsUnique();
        builder.HasIndex(d => d.AnswerId);
        builder.HasOne<RequestAnswer>().WithMany().HasForeignKey(d => d.AnswerId).OnDelete(DeleteBehavior.Cascade);
    }
}
