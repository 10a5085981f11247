using Custodian.Core.Features.Store;
using Custodian.Core.Features.Subjects;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests;

/// <summary>
/// One data-subject request (DSR-11: the accountability record of every request). Not tenant-filtered: a request is
/// the provider's, and its parts per controller are split later by the execution feature.
/// <para>
/// Personal data of the register category <c>general.privacy_requests</c>: the claimed identifier, the details and a representative's address and mandate statement
/// (never log them, never put them in the audit trail). Retention: one year after <see cref="ClosedAt"/>, with
/// everything attached to the request (RetentionTargets, the sweep's request steps); an unverified request lapses and
/// closes after RequestHousekeepingOptions.UnverifiedLapse, a delivered or refused one closes once its answers expired.
/// </para>
/// </summary>
internal sealed class DataSubjectRequest
{
    public const int ReferenceLength = 12;
    public const int MaxDetailsLength = 4000;
    public const int MaxIdentifierLength = 320;
    public const int MaxReasonLength = 2000;
    public const int MaxMandateLength = 2000;

    /// <summary>The register category of the records of data-subject requests.</summary>
    public const string PrivacyRequestsCategory = "general.privacy_requests";

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>The public reference (random, unguessable, Crockford base32, <see cref="ReferenceLength"/> characters).</summary>
    [NotPersonalData("random public reference")]
    public required string Reference { get; init; }

    [NotPersonalData]
    public required RequestType Type { get; init; }

    [NotPersonalData]
    public required RequestChannel Channel { get; init; }

    [NotPersonalData]
    public RequestState State { get; set; } = RequestState.AwaitingVerification;

    /// <summary><c>nl</c> or <c>en</c>: the language of every message and answer.</summary>
    [NotPersonalData]
    public required string Language { get; init; }

    [NotPersonalData]
    public required Instant ReceivedAt { get; init; }

    /// <summary>The day of receipt in Europe/Amsterdam (staff may enter a past day for a letter).</summary>
    [NotPersonalData]
    public required LocalDate ReceivedOn { get; init; }

    /// <summary><see cref="RequestDeadlines.DueOn"/> of <see cref="ReceivedOn"/>; never moves (DSR-12).</summary>
    [NotPersonalData]
    public required LocalDate DueOn { get; init; }

    [NotPersonalData]
    public LocalDate? ExtendedDueOn { get; set; }

    [NotPersonalData("staff's reasons for an extension; must not name the person")]
    public string? ExtensionReason { get; set; }

    /// <summary>When the requester was told of the extension and its reasons (must lie within the first month, DSR-2).</summary>
    [NotPersonalData]
    public Instant? ExtensionNotifiedAt { get; set; }

    [NotPersonalData]
    public required SubjectIdentifierKind IdentifierKind { get; init; }

    /// <summary>The claimed identifier in canonical form (<see cref="SubjectKey.Normalize"/>), exactly as given: no folding.</summary>
    [PersonalData(PrivacyRequestsCategory)]
    public required string IdentifierValue { get; init; }

    /// <summary>What to correct, the grounds of an objection, the scope: free text from the requester or staff.</summary>
    [PersonalData(PrivacyRequestsCategory)]
    public string? Details { get; set; }

    /// <summary>
    /// A representative's own e-mail address (canonical form), when the request is made on someone else's behalf: the
    /// contact channel (codes, notices, the answer's session). Null when the requester is the subject.
    /// </summary>
    [PersonalData(PrivacyRequestsCategory)]
    public string? RepresentativeEmail { get; init; }

    /// <summary>The representative's statement of the relation and the mandate (free text).</summary>
    [PersonalData(PrivacyRequestsCategory)]
    public string? MandateStatement { get; init; }

    /// <summary>When the subject was asked to confirm the mandate (the 7-day window counts from here).</summary>
    [NotPersonalData]
    public Instant? MandateRequestedAt { get; set; }

    /// <summary>When the subject confirmed or rejected the mandate, or it lapsed.</summary>
    [NotPersonalData]
    public Instant? MandateDecidedAt { get; set; }

    [NotPersonalData]
    public VerificationTier? VerificationTier { get; set; }

    [NotPersonalData]
    public Instant? VerifiedAt { get; set; }

    /// <summary><c>requester</c> for a code, or the staff account id that decided.</summary>
    [NotPersonalData]
    public string? VerifiedBy { get; set; }

    /// <summary>E.g. <see cref="VerificationMethods.KnownChannelCode"/>.</summary>
    [NotPersonalData]
    public string? VerificationMethod { get; set; }

    /// <summary>Required when <see cref="State"/> is refused (DSR-5: the controller carries the burden of proof).</summary>
    [NotPersonalData("staff's justification; must not name the person")]
    public string? RefusalJustification { get; set; }

    /// <summary>The staff account that entered a letter, e-mail or phone request; null for the portal and the API.</summary>
    [NotPersonalData]
    public Guid? EnteredBy { get; init; }

    [NotPersonalData]
    public Instant? ClosedAt { get; set; }

    /// <summary>Optimistic concurrency: every change increments it.</summary>
    [NotPersonalData]
    public int Version { get; set; }

    /// <summary>Whether a representative filed the request on the subject's behalf.</summary>
    public bool IsMandated => RepresentativeEmail is not null;

    /// <summary>
    /// Where messages about the request go: the representative's verified address for a mandated request, else the
    /// subject's own e-mail address or phone number (messages then go by SMS, see <see cref="RequestMessenger"/>); null
    /// for a request known only by another identifier (IMEI, ICCID, ...).
    /// </summary>
    public string? ContactAddress => RepresentativeEmail ?? (IdentifierKind is SubjectIdentifierKind.Email or SubjectIdentifierKind.Phone ? IdentifierValue : null);

    /// <summary>The deadline that applies now: the extended one when extended.</summary>
    public LocalDate EffectiveDueOn => ExtendedDueOn ?? DueOn;

    /// <summary>Moves the state, or throws: a disallowed move is a bug (callers check <see cref="RequestStates.CanMove"/>).</summary>
    public void MoveTo(RequestState next)
    {
        if (!RequestStates.CanMove(State, next))
        {
            throw new InvalidOperationException($"A request cannot move from {RequestStates.Name(State)} to {RequestStates.Name(next)}.");
        }

        State = next;
        Version++;
    }

    public override string ToString() => $"DataSubjectRequest {{ Id = {Id}, Type = {RequestTypes.Name(Type)}, State = {RequestStates.Name(State)} }}";
}

internal static class VerificationMethods
{
    /// <summary>A one-time code sent to the address the requester gave, entered back (proves control of that mailbox).</summary>
    public const string KnownChannelCode = "known_channel_code";

    /// <summary>A representative's request: the representative proved their own address with a code, and the subject
    /// confirmed the mandate through the subject's address on file (<see cref="RequestMandates"/>).</summary>
    public const string MandateConfirmedBySubject = "mandate_confirmed_by_subject";
}

internal sealed class DataSubjectRequestConfiguration : IEntityTypeConfiguration<DataSubjectRequest>
{
    public void Configure(EntityTypeBuilder<DataSubjectRequest> builder)
    {
        builder.ToTable("data_subject_requests");
        builder.HasKey(r => r.Id);
        builder.Property(r => r.Id).ValueGeneratedNever();
        builder.Property(r => r.Reference).HasMaxLength(DataSubjectRequest.ReferenceLength);
        builder.HasIndex(r => r.Reference).IsUnique();
        builder.Property(r => r.Type).HasConversion(t => RequestTypes.Name(t), s => RequestTypes.Parse(s)!.Value).HasMaxLength(20);
        builder.Property(r => r.Channel).HasConversion(c => RequestChannels.Name(c), s => RequestChannels.Parse(s)!.Value).HasMaxLength(10);
        builder.Property(r => r.State).HasConversion(s => RequestStates.Name(s), s => RequestStates.Parse(s)).HasMaxLength(30);
        builder.Property(r => r.Language).HasMaxLength(2);
        builder.Property(r => r.ExtensionReason).HasMaxLength(DataSubjectRequest.MaxReasonLength);
        builder.Property(r => r.IdentifierKind).HasConversion(k => SubjectKey.KindName(k), s => SubjectKey.ParseKind(s)!.Value).HasMaxLength(10);
        builder.Property(r => r.IdentifierValue).HasMaxLength(DataSubjectRequest.MaxIdentifierLength);
        builder.Property(r => r.Details).HasMaxLength(DataSubjectRequest.MaxDetailsLength);
        builder.Property(r => r.VerificationTier).HasConversion<string>().HasMaxLength(10);
        builder.Property(r => r.VerifiedBy).HasMaxLength(64);
        builder.Property(r => r.VerificationMethod).HasMaxLength(40);
        builder.Property(r => r.RefusalJustification).HasMaxLength(DataSubjectRequest.MaxReasonLength);
        builder.Property(r => r.Version).IsConcurrencyToken();
        builder.Property(r => r.RepresentativeEmail).HasMaxLength(DataSubjectRequest.MaxIdentifierLength);
        builder.Property(r => r.MandateStatement).HasMaxLength(DataSubjectRequest.MaxMandateLength);
        builder.Ignore(r => r.EffectiveDueOn);
        builder.Ignore(r => r.IsMandated);
        builder.Ignore(r => r.ContactAddress);
        builder.HasIndex(r => new { r.State, r.DueOn });
        builder.HasIndex(r => new { r.IdentifierKind, r.IdentifierValue });
    }
}
