using Custodian.Core.Common;
using Custodian.Core.Features.Store;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// One line of a request's timeline (received, verification sent, verified, extended, refused, ...). The requester
/// sees <see cref="At"/> and <see cref="Kind"/> only; <see cref="Actor"/> is for staff. The note is short and never
/// personal (no identifier, no name, nothing about authority orders: ACC-5).
/// </summary>
internal sealed class RequestEvent
{
    public const int MaxNoteLength = 500;

    [NotPersonalData]
    public Guid Id { get; init; } = MonotonicIds.Next();

    [NotPersonalData]
    public required Guid RequestId { get; init; }

    [NotPersonalData]
    public required Instant At { get; init; }

    /// <summary>One of <see cref="RequestEventKinds"/>.</summary>
    [NotPersonalData]
    public required string Kind { get; init; }

    /// <summary><c>requester</c>, <c>system</c> or <c>staff:&lt;account id&gt;</c>.</summary>
    [NotPersonalData]
    public required string Actor { get; init; }

    [NotPersonalData("short non-personal note")]
    public string? Note { get; init; }
}

internal static class RequestEventKinds
{
    public const string Received = "received";
    public const string VerificationSent = "verification_sent";
    public const string VerificationSuppressed = "verification_suppressed";
    public const string Verified = "verified";
    public const string Extended = "extended";
    public const string Refused = "refused";
    public const string StateChanged = "state_changed";
    public const string Closed = "closed";

    /// <summary>Closed by the retention sweep: never verified within the lapse period (RequestHousekeepingOptions).</summary>
    public const string Lapsed = "lapsed";

    /// <summary>A representative proved control of their own address; the mandate is not confirmed yet.</summary>
    public const string RepresentativeVerified = "representative_verified";

    /// <summary>The subject was asked to confirm the mandate. Recorded the same whether or not a message could be sent
    /// (the note, staff-only, says which): the representative's timeline must not tell whether the subject is known.</summary>
    public const string MandateRequested = "mandate_requested";
    public const string MandateConfirmed = "mandate_confirmed";
    public const string MandateRejected = "mandate_rejected";
    public const string MandateLapsed = "mandate_lapsed";

    /// <summary>Kinds the requester's status view leaves out (internal bookkeeping that would be an oracle or is staff-only).</summary>
    public static readonly IReadOnlySet<string> HiddenFromRequester = new HashSet<string>(StringComparer.Ordinal) { VerificationSuppressed };

    public const string RequesterActor = "requester";
    public const string SystemActor = "system";

    public static string Staff(Guid accountId) => "staff:" + accountId.ToString();
}

internal sealed class RequestEventConfiguration : IEntityTypeConfiguration<RequestEvent>
{
    public void Configure(EntityTypeBuilder<RequestEvent> builder)
    {
        builder.ToTable("request_events");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.Id).ValueGeneratedNever();
        builder.HasOne<DataSubjectRequest>().WithMany().HasForeignKey(e => e.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(e => e.Kind).HasMaxLength(40);
        builder.Property(e => e.Actor).HasMaxLength(64);
        builder.Property(e => e.Note).HasMaxLength(RequestEvent.MaxNoteLength);
        builder.HasIndex(e => new { e.RequestId, e.At });
    }
}
