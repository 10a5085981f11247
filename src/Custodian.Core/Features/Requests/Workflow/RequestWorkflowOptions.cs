using NodaTime;

namespace Custodian.Core.Features.Requests.Workflow;

/// <summary>Settings of the request workflow.</summary>
internal sealed class RequestWorkflowOptions
{
    /// <summary>
    /// Erasure is two-step (security.md §1.3 item 7): confirmed through the known channel (the request's code), then
    /// nothing irreversible happens before this period has passed since that confirmation.
    /// </summary>
    public Duration ErasureCoolingOff { get; init; } = Duration.FromDays(7);

    /// <summary>How long an answer file stays downloadable; at most <c>RequestAnswers.MaxLinkLifetime</c> per link.</summary>
    public Duration AnswerLifetime { get; init; } = Duration.FromDays(7);
}

/// <summary>Identity confirmation methods staff may record, and the tier each gives (security.md §1.3 item 2).</summary>
internal static class IdentityMethods
{
    /// <summary>The requester stated a fact the store holds and that is not public (a service, SIM or invoice number), checked by staff.</summary>
    public const string HeldFact = "held_fact";

    /// <summary>The client organisation, authenticated, confirmed the person.</summary>
    public const string ClientConfirmation = "client_confirmation";

    /// <summary>A shielded ID copy, only when the register's fallback is on.</summary>
    public const string IdCopy = "id_copy";

    public static IReadOnlyList<string> All { get; } = [HeldFact, ClientConfirmation, IdCopy];

    public static VerificationTier? TierOf(string? method) => method switch
    {
        HeldFact => VerificationTier.Medium,
        ClientConfirmation or IdCopy => VerificationTier.High,
        _ => null,
    };
}

/// <summary>Stable error codes of the workflow.</summary>
internal static class WorkflowErrors
{
    public const string NotVerified = "request.not_verified";
    public const string AlreadySplit = "request.already_split";
    public const string NotSplit = "request.not_split";
    public const string TierTooLow = "request.tier_too_low";
    public const string FourEyes = "request.four_eyes";
    public const string MethodInvalid = "request.identity_method_invalid";
    public const string IdCopyDisabled = "request.id_copy_disabled";
    public const string NotOpen = "request.not_open";
    public const string PartState = "request.part_state";
    public const string InstructionInvalid = "request.instruction_invalid";
    public const string CoolingOff = "request.erasure_cooling_off";
    public const string NoChannelConfirmation = "request.erasure_needs_channel_confirmation";
    public const string PartsOpen = "request.parts_open";
    public const string Forbidden = "request.forbidden";
    public const string RestrictionGroundInvalid = "request.restriction_ground_invalid";
    public const string ChangesRequired = "request.rectification_changes_required";
}
