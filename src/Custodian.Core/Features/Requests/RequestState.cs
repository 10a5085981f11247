namespace Custodian.Core.Features.Requests;

/// <summary>
/// Where a request stands. The one place that says which moves are allowed is <see cref="RequestStates.CanMove"/>.
/// <para>
/// awaiting_verification → verified | awaiting_mandate | refused | closed
/// awaiting_mandate → verified | refused | closed
/// verified → in_progress | waiting_for_controller | decided | refused | closed
/// in_progress → waiting_for_controller | decided | refused
/// waiting_for_controller → in_progress | decided
/// decided → delivered | closed
/// delivered → closed
/// refused → closed
/// closed: final.
/// </para>
/// The due date does not change with the state (DSR-12: no automatic pause while waiting for identity; the state is
/// shown next to the unchanged due date).
/// </summary>
internal enum RequestState
{
    /// <summary>Filed; the requester has not yet proven control of the contact address.</summary>
    AwaitingVerification,

    /// <summary>
    /// A representative's request: the representative proved control of their own address, and the subject has not
    /// yet confirmed the mandate through the subject's own channel (<see cref="RequestMandates"/>). Nothing is
    /// executed and no answer is produced; rejection or expiry closes the request.
    /// </summary>
    AwaitingMandate,

    /// <summary>Identity verified to the recorded tier; staff may start.</summary>
    Verified,

    /// <summary>Staff are executing the provider's parts.</summary>
    InProgress,

    /// <summary>A part was forwarded to the client organisation that is its controller; waiting for its instruction.</summary>
    WaitingForController,

    /// <summary>Every part decided; the answer is being prepared or is ready.</summary>
    Decided,

    /// <summary>The answer was delivered (downloaded or sent through the portal).</summary>
    Delivered,

    /// <summary>Refused as manifestly unfounded or excessive (DSR-5), with a recorded justification.</summary>
    Refused,

    /// <summary>Final: nothing further happens (also for requests never verified, or withdrawn by the requester).</summary>
    Closed,
}

internal static class RequestStates
{
    private static readonly Dictionary<RequestState, RequestState[]> Moves = new()
    {
        [RequestState.AwaitingVerification] = [RequestState.Verified, RequestState.AwaitingMandate, RequestState.Refused, RequestState.Closed],
        [RequestState.AwaitingMandate] = [RequestState.Verified, RequestState.Refused, RequestState.Closed],
        [RequestState.Verified] = [RequestState.InProgress, RequestState.WaitingForController, RequestState.Decided, RequestState.Refused, RequestState.Closed],
        [RequestState.InProgress] = [RequestState.WaitingForController, RequestState.Decided, RequestState.Refused],
        [RequestState.WaitingForController] = [RequestState.InProgress, RequestState.Decided],
        [RequestState.Decided] = [RequestState.Delivered, RequestState.Closed],
        [RequestState.Delivered] = [RequestState.Closed],
        [RequestState.Refused] = [RequestState.Closed],
        [RequestState.Closed] = [],
    };

    public static bool CanMove(RequestState from, RequestState to) => Moves[from].Contains(to);

    /// <summary>States in which the request waits for the requester's code or the subject's mandate (DSR-12: shown next to the unchanged due date).</summary>
    public static readonly RequestState[] WaitingForIdentity = [RequestState.AwaitingVerification, RequestState.AwaitingMandate];

    /// <summary>States in which the request still runs against its deadline.</summary>
    public static bool IsOpen(RequestState state) =>
        state is not (RequestState.Delivered or RequestState.Refused or RequestState.Closed);

    public static string Name(RequestState state) => state switch
    {
        RequestState.AwaitingVerification => "awaiting_verification",
        RequestState.AwaitingMandate => "awaiting_mandate",
        RequestState.Verified => "verified",
        RequestState.InProgress => "in_progress",
        RequestState.WaitingForController => "waiting_for_controller",
        RequestState.Decided => "decided",
        RequestState.Delivered => "delivered",
        RequestState.Refused => "refused",
        RequestState.Closed => "closed",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static RequestState Parse(string name) =>
        Enum.GetValues<RequestState>().First(s => Name(s) == name);
}
