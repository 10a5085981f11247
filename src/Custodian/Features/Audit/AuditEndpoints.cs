using Custodian.Core.Features.Audit;
using Custodian.Core.Persistence;
using Custodian.Features.ApiKeys;
using Custodian.Hosting;

namespace Custodian.Features.Audit;

/// <summary>
/// The checkpoint feed for client organisations and witnesses (security.md §2.3 item 4, L-08): any valid API key may
/// fetch the latest signed checkpoint, the public key to check it with, and a consistency proof between two sizes, and
/// keep them. Nothing here is tenant data or personal data: sizes, hashes and a signature. Comparing the checkpoints
/// that different holders kept is what reveals a log that showed them different histories.
/// </summary>
internal static class AuditEndpoints
{
    internal static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit").RequireAuthorization(ApiKeyAuthentication.AnyKey).WithTags("Audit");

        audit.MapGet("/checkpoint", async (CustodianDbContext db, CancellationToken ct) =>
                await AuditCheckpoints.LatestAsync(db, ct) is { } latest
                    ? Results.Text(latest.Note, "text/plain; charset=utf-8")
                    : ApiProblems.NotFound("audit.no_checkpoint", "The audit log has no signed checkpoint yet."))
            .WithName("GetAuditCheckpoint")
            .WithSummary("The latest signed checkpoint of the audit log (C2SP tlog-checkpoint signed note, text/plain); store it outside the provider")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status404NotFound);

        audit.MapGet("/public-key", (CheckpointSigner signer) => Results.Text(signer.VerifierKey + "\n", "text/plain; charset=utf-8"))
            .WithName("GetAuditPublicKey")
            .WithSummary("The Ed25519 verifier key of the checkpoints (signed-note form name+keyid+base64key, text/plain)")
            .Produces<string>(StatusCodes.Status200OK, "text/plain");

        audit.MapGet("/consistency", async (long? from, long? to, CustodianDbContext db, CancellationToken ct) =>
            {
                var size = await AuditProofs.SizeAsync(db, ct);
                if (from is not { } m || to is not { } n || m < 0 || n < m || n > size)
                {
                    return ApiProblems.BadRequest("audit.bad_range", $"Give 0 <= from <= to <= {size} (the log's current size).");
                }

                return await AuditProofs.ConsistencyAsync(db, m, n, ct) is { } proof
                    ? Results.Ok(AuditConsistencyDto.Of(proof))
                    : ApiProblems.NotFound("audit.proof_unavailable", "The stored log cannot produce this proof (events are missing).");
            })
            .WithName("GetAuditConsistencyProof")
            .WithSummary("RFC 9162 consistency proof that the log at size 'from' is a prefix of the log at size 'to'")
            .Produces<AuditConsistencyDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}

/// <param name="From">The smaller tree size.</param>
/// <param name="To">The larger tree size.</param>
/// <param name="FromRoot">Base64 root at <paramref name="From"/>, as the stored log has it.</param>
/// <param name="ToRoot">Base64 root at <paramref name="To"/>.</param>
/// <param name="Proof">Base64 hashes, RFC 9162 §2.1.4 order.</param>
internal sealed record AuditConsistencyDto(long From, long To, string FromRoot, string ToRoot, IReadOnlyList<string> Proof)
{
    internal static AuditConsistencyDto Of(AuditConsistency c) =>
        new(c.Size1, c.Size2, Convert.ToBase64String(c.Root1), Convert.ToBase64String(c.Root2), [.. c.Proof.Select(Convert.ToBase64String)]);
}
