using System.Globalization;
using System.Security.Cryptography;
using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Blobs;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.Requests.Answers;

/// <summary>An expected refusal of an answer operation (stable dotted code).</summary>
internal sealed record AnswerError(string Code, string Message);

/// <summary>An opened answer: its row and its decrypted content (the caller disposes the stream).</summary>
internal sealed record OpenedAnswer(RequestAnswer Answer, Stream Content);

/// <summary>
/// Stored answers and their delivery (issue 6 §5): encrypted at rest, each under its own data key; handed out only
/// through single-use download tokens of at most <see cref="MaxLinkLifetime"/>. Uses provider-wide contexts of its
/// own: the answers belong to requests, not to a tenant.
/// </summary>
internal sealed class RequestAnswers(IDbContextFactory<CustodianDbContext> contexts, EncryptedBlobs blobs, IAuditTrail audit, TimeProvider time)
{
    /// <summary>Fail point (issue 8 §4): the answer's encrypted file is written, its row not yet committed (an orphan for the blob sweep).</summary>
    public const string FailPointStaged = "request.answer.staged";

    /// <summary>Issue 6 §5: a download link expires in at most seven days.</summary>
    public static readonly Duration MaxLinkLifetime = Duration.FromDays(7);

    public static string KindName(AnswerKind kind) => kind switch
    {
        AnswerKind.AccessHtml => "access_html",
        AnswerKind.AccessJson => "access_json",
        AnswerKind.PortabilityZip => "portability_zip",
        AnswerKind.OutcomeHtml => "outcome_html",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static AnswerKind ParseKind(string name) => name switch
    {
        "access_html" => AnswerKind.AccessHtml,
        "access_json" => AnswerKind.AccessJson,
        "portability_zip" => AnswerKind.PortabilityZip,
        "outcome_html" => AnswerKind.OutcomeHtml,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Encrypts and stores an answer file (<paramref name="content"/> read to its end) until <paramref name="expiresAt"/>.</summary>
    public async Task<RequestAnswer> StoreAsync(
        Guid requestId, AnswerKind kind, string fileName, string contentType, Stream content, Instant expiresAt, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        await using var db = Open();
        var id = Guid.CreateVersion7();
        // The blob's own data key (owner = this answer): destroying it on purge shreds the file, backups included.
        var staged = await blobs.StageAsync(db, Guid.Empty, DataKeyOwner.Subject(id), content, contentType, ct);
        FailPoints.Hit(FailPointStaged);
        var answer = new RequestAnswer
        {
            Id = id,
            RequestId = requestId,
            Kind = kind,
            FileName = fileName,
            ContentType = contentType,
            Size = staged.Record.Size,
            BlobId = staged.Record.Id,
            BlobOrganizationId = Guid.Empty,
            CreatedAt = Now(),
            ExpiresAt = expiresAt,
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Add(answer);
        if (!await EncryptedBlobs.AddStagedAsync(db, staged, ct))
        {
            throw new InvalidOperationException("the answer's data key was destroyed while it was stored");
        }

        await tx.CommitAsync(ct);
        return answer;
    }

    /// <summary>
    /// A new single-use download token for an answer: 32 random bytes, base64url; only its SHA-256 is stored. Refused
    /// (<c>answer.link_too_long</c>) for a lifetime above <see cref="MaxLinkLifetime"/> or not positive.
    /// </summary>
    public async Task<(string? Token, AnswerError? Error)> IssueDownloadAsync(Guid answerId, Duration lifetime, CancellationToken ct)
    {
        if (lifetime > MaxLinkLifetime || lifetime <= Duration.Zero)
        {
            return (null, new AnswerError("answer.link_too_long", "A download link lives more than zero and at most 7 days."));
        }

        await using var db = Open();
        if (!await db.Set<RequestAnswer>().AnyAsync(a => a.Id == answerId, ct))
        {
            return (null, new AnswerError("answer.not_found", "No such answer."));
        }

        var bytes = RandomNumberGenerator.GetBytes(32);
        var token = Base64Url(bytes);
        var now = Now();
        db.Add(new RequestAnswerDownload { AnswerId = answerId, TokenHash = SHA256.HashData(bytes), CreatedAt = now, ExpiresAt = now + lifetime });
        CryptographicOperations.ZeroMemory(bytes);
        await db.SaveChangesAsync(ct);
        return (token, null);
    }

    /// <summary>
    /// Opens an answer of <paramref name="requestId"/> by its token, once: the token is consumed by a conditional
    /// update, so of two concurrent opens exactly one wins. Refused when unknown or for another request
    /// (<c>answer.link_invalid</c>, the token stays unused), expired (<c>answer.link_expired</c>) or used
    /// (<c>answer.link_used</c>). Audited as <c>request.answer_downloaded</c> in the consuming transaction.
    /// </summary>
    public async Task<(OpenedAnswer? Answer, AnswerError? Error)> OpenAsync(Guid requestId, string token, AuditActor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!TryDecode(token, out var bytes))
        {
            return (null, Invalid);
        }

        var hash = SHA256.HashData(bytes);
        var db = Open();
        try
        {
            var row = await db.Set<RequestAnswerDownload>().AsNoTracking()
                .Where(d => d.TokenHash == hash)
                .Join(db.Set<RequestAnswer>(), d => d.AnswerId, a => a.Id, (d, a) => new { Download = d, Answer = a })
                .SingleOrDefaultAsync(ct);
            if (row is null || row.Answer.RequestId != requestId)
            {
                return (null, Invalid);
            }

            var now = Now();
            if (row.Download.UsedAt is not null)
            {
                return (null, new AnswerError("answer.link_used", "This download link was already used."));
            }

            if (row.Download.ExpiresAt <= now || row.Answer.ExpiresAt <= now)
            {
                return (null, new AnswerError("answer.link_expired", "This download link has expired."));
            }

            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                var id = row.Download.Id;
                var won = await db.Set<RequestAnswerDownload>()
                    .Where(d => d.Id == id && d.UsedAt == null && d.ExpiresAt > now)
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.UsedAt, now), ct);
                if (won != 1)
                {
                    return (null, new AnswerError("answer.link_used", "This download link was already used."));
                }

                await audit.AppendAsync(
                    db,
                    new AuditEntry(
                        "request.answer_downloaded",
                        actor,
                        null,
                        [new AuditObject("request", requestId.ToString()), new AuditObject("request_answer", row.Answer.Id.ToString())],
                        null,
                        new Dictionary<string, string>
                        {
                            ["kind"] = KindName(row.Answer.Kind),
                            ["size"] = row.Answer.Size.ToString(CultureInfo.InvariantCulture),
                        }),
                    ct);
                await tx.CommitAsync(ct);
            }

            var content = await blobs.OpenReadAsync(db, row.Answer.BlobId, ct);
            return (new OpenedAnswer(row.Answer, content), null);
        }
        finally
        {
            await db.DisposeAsync();
        }
    }

    private static readonly AnswerError Invalid = new("answer.link_invalid", "This download link is not valid.");

    private CustodianDbContext Open()
    {
        var db = contexts.CreateDbContext();
        db.ScopeTo(TenantScope.Everything);
        return db;
    }

    private Instant Now() => Instant.FromDateTimeOffset(time.GetUtcNow());

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string? token, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrEmpty(token) || token.Length != 43)
        {
            return false;
        }

        var s = token.Replace('-', '+').Replace('_', '/') + "=";
        var buffer = new byte[33];
        if (!Convert.TryFromBase64String(s, buffer, out var written) || written != 32)
        {
            return false;
        }

        bytes = buffer[..32];
        return true;
    }
}
