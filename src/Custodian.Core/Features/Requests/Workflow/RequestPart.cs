using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>
/// One part of a request per register category and controller (ROU-1), as split when the workflow started. Tenant-owned:
/// a client part belongs to its organisation, so a client-privacy contact's scoped context sees its own parts and nothing
/// of the others (attack A18); a provider part carries <see cref="Guid.Empty"/> and is visible to provider staff only.
/// The outcome never says anything about authority holds (ACC-5): the executors report those as a legal obligation.
/// </summary>
internal sealed class RequestPart : ITenantOwned
{
    public const int MaxReasonLength = 2000;

    [NotPersonalData]
    public Guid Id { get; init; } = Guid.CreateVersion7();

    [NotPersonalData]
    public required Guid RequestId { get; init; }

    [NotPersonalData]
    public required string Category { get; init; }

    /// <summary><c>provider</c> or <c>client</c>.</summary>
    [NotPersonalData]
    public required string Controller { get; init; }

    /// <summary>The controller organisation of a client part; <see cref="Guid.Empty"/> for a provider part.</summary>
    [NotPersonalData("the tenant of the records")]
    public required Guid OrganizationId { get; init; }

    [NotPersonalData]
    public required long RecordsAtSplit { get; init; }

    /// <summary>One of <see cref="RequestPartStates"/>.</summary>
    [NotPersonalData]
    public string State { get; set; } = RequestPartStates.Pending;

    [NotPersonalData]
    public Instant? ForwardedAt { get; set; }

    /// <summary>Where the notice went: <c>contact_person:&lt;id&gt;</c>, or null when no address was on file.</summary>
    [NotPersonalData("a reference to the organisation's contact person row, not the address")]
    public string? ControllerContact { get; set; }

    /// <summary><c>execute</c> or <c>decline</c> (client parts).</summary>
    [NotPersonalData]
    public string? Instruction { get; set; }

    [NotPersonalData("the controller's reason; must not name the person")]
    public string? InstructionReason { get; set; }

    [NotPersonalData]
    public string? DecidedBy { get; set; }

    [NotPersonalData]
    public Instant? DecidedAt { get; set; }

    /// <summary>JSON of <see cref="PartOutcome"/>.</summary>
    [NotPersonalData("counts and reason codes only")]
    public string? Outcome { get; set; }

    [NotPersonalData]
    public string? ExecutedBy { get; set; }

    [NotPersonalData]
    public Instant? ExecutedAt { get; set; }

    public bool IsClient => Controller == RequestPartStates.ClientController;

    /// <summary>Parts of a provider are answered here; client parts only when their controller instructed execution.</summary>
    public bool IsAnsweredHere => !IsClient || Instruction == RequestPartStates.Execute;
}

/// <summary>The states of a part and the one place that says which moves are allowed.</summary>
internal static class RequestPartStates
{
    public const string Pending = "pending";
    public const string Forwarded = "forwarded";
    public const string InstructedExecute = "instructed_execute";
    public const string InstructedDecline = "instructed_decline";
    public const string Executed = "executed";
    public const string Declined = "declined";

    public const string Execute = "execute";
    public const string Decline = "decline";

    public const string ProviderController = "provider";
    public const string ClientController = "client";

    public static IReadOnlyList<string> All { get; } = [Pending, Forwarded, InstructedExecute, InstructedDecline, Executed, Declined];

    private static readonly Dictionary<string, string[]> Moves = new(StringComparer.Ordinal)
    {
        [Pending] = [Forwarded, Executed],
        [Forwarded] = [InstructedExecute, InstructedDecline],
        [InstructedExecute] = [Executed],
        [InstructedDecline] = [Declined],
        [Executed] = [],
        [Declined] = [],
    };

    public static bool CanMove(string from, string to) => Moves.TryGetValue(from, out var next) && next.Contains(to, StringComparer.Ordinal);

    public static bool IsFinal(string state) => state is Executed or Declined;
}

/// <summary>What was kept, and why, and until when (a reason code of <c>KeptReasons</c>).</summary>
internal sealed record PartKept(string Reason, long Count, Instant? Until);

/// <summary>
/// The executor's result for a part. <c>Kind</c>: <c>erased</c>, <c>restricted</c>, <c>objection</c>, <c>consent</c>,
/// <c>rectified</c>, <c>answered_by_report</c>, <c>declined</c>. <c>Code</c>: a result code (e.g. <c>consent.none_in_register</c>).
/// </summary>
internal sealed record PartOutcome(string Kind, long? Done, IReadOnlyList<PartKept> Kept, string? Code)
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new Answers.AccessReportJson.InstantConverter() },
    };

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, Json);

    public static PartOutcome? FromJson(string? json) => json is null ? null : System.Text.Json.JsonSerializer.Deserialize<PartOutcome>(json, Json);
}

internal sealed class RequestPartConfiguration : IEntityTypeConfiguration<RequestPart>
{
    public void Configure(EntityTypeBuilder<RequestPart> builder)
    {
        builder.ToTable("request_parts");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).ValueGeneratedNever();
        builder.HasOne<DataSubjectRequest>().WithMany().HasForeignKey(p => p.RequestId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(p => p.Category).HasMaxLength(100);
        builder.Property(p => p.Controller).HasMaxLength(10);
        builder.Property(p => p.State).HasMaxLength(20);
        builder.Property(p => p.ControllerContact).HasMaxLength(100);
        builder.Property(p => p.Instruction).HasMaxLength(10);
        builder.Property(p => p.InstructionReason).HasMaxLength(RequestPart.MaxReasonLength);
        builder.Property(p => p.DecidedBy).HasMaxLength(64);
        builder.Property(p => p.Outcome).HasMaxLength(8000);
        builder.Property(p => p.ExecutedBy).HasMaxLength(64);
        builder.Ignore(p => p.IsClient);
        builder.Ignore(p => p.IsAnsweredHere);
        builder.HasIndex(p => p.RequestId);
        builder.HasIndex(p => new { p.OrganizationId, p.State });
    }
}
