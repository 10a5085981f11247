using System.Text.Json;
using Custodian.Core.Features.Idempotency;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Microsoft.Extensions.Options;
using NodaTime;

namespace Custodian.Features.Store;

/// <summary>
/// Creates with an optional <c>Idempotency-Key</c> header: the first answer is stored (API key, key, request hash,
/// status, body) in the create's own transaction; a retry with the same key and request gets that answer again
/// (header <c>Idempotent-Replayed: true</c>); the same key with another request gets 422 <c>idempotency.key_reused</c>.
/// The request hash is over the method, the route and the parsed body re-serialised, so formatting does not matter.
/// </summary>
internal sealed class IdempotentCreate(CustodianDbContext db, TimeProvider time, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public const string Header = "Idempotency-Key";

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <summary>A create without an idempotency key: run it and answer, nothing stored for replay.</summary>
    private static async Task<IResult> CreateWithoutKeyAsync<TEntity, TDto>(
        Func<Func<TEntity, CancellationToken, Task>?, Task<StoreResult<TEntity>>> create,
        Func<TEntity, TDto> toDto,
        Func<TEntity, string> location,
        JsonSerializerOptions options)
    {
        var plain = await create(null);
        return plain.IsSuccess ? Created(location(plain.Value), JsonSerializer.Serialize(toDto(plain.Value), options), replayed: false) : ApiProblems.From(plain.Error);
    }

    private static IResult? InvalidKey(string key) =>
        key.Length is 0 or > IdempotencyRecords.MaxKeyLength || key.Any(char.IsControl)
            ? ApiProblems.BadRequest("idempotency.key_invalid", $"'{Header}' must be 1 to {IdempotencyRecords.MaxKeyLength} printable characters.")
            : null;

    public async Task<IResult> RunAsync<TInput, TEntity, TDto>(
        HttpContext http,
        TInput input,
        Func<Func<TEntity, CancellationToken, Task>?, Task<StoreResult<TEntity>>> create,
        Func<TEntity, TDto> toDto,
        Func<TEntity, string> location,
        CancellationToken ct)
    {
        var options = json.Value.SerializerOptions;
        string? key = http.Request.Headers[Header];
        if (key is null)
        {
            return await CreateWithoutKeyAsync(create, toDto, location, options);
        }

        if (InvalidKey(key) is { } invalid)
        {
            return invalid;
        }

        var caller = http.Features.Get<Core.Features.ApiKeys.ApiKeyIdentity>()!;
        var hash = IdempotencyRecords.HashRequest(http.Request.Method, http.Request.Path, JsonSerializer.SerializeToUtf8Bytes(input, options));
        if (await ReplayAsync(caller.KeyId, key, hash, ct) is { } replay)
        {
            return replay;
        }

        var result = await create(
            async (entity, c) =>
            {
                await IdempotencyRecords.PurgeExpiredAsync(db, Now, c);
                db.IdempotencyRecords.Add(new IdempotencyRecord
                {
                    ApiKeyId = caller.KeyId,
                    Key = key,
                    RequestHash = hash,
                    StatusCode = StatusCodes.Status201Created,
                    ResponseBody = JsonSerializer.Serialize(toDto(entity), options),
                    Location = location(entity),
                    CreatedAt = Now,
                });
            });
        if (result.IsSuccess)
        {
            return Created(location(result.Value), JsonSerializer.Serialize(toDto(result.Value), options), replayed: false);
        }

        // A concurrent request with the same key may have won the race (its record made ours a unique violation).
        if (result.Error is ConflictError && await ReplayAsync(caller.KeyId, key, hash, ct) is { } raced)
        {
            return raced;
        }

        return ApiProblems.From(result.Error);
    }

    /// <summary>
    /// The same for uploads, whose body is content that is streamed, never held: the request hash covers the method,
    /// the route, <paramref name="metadata"/> (the canonical header values) and the SHA-256 of the content, which is
    /// known only once the content has been read. A retry is therefore recognised after its content was read to the
    /// end (and discarded): same content, same answer; other content or metadata, 422.
    /// </summary>
    public async Task<IResult> RunUploadAsync<TEntity, TDto>(
        HttpContext http,
        string metadata,
        UploadContent content,
        Func<Func<TEntity, CancellationToken, Task>?, Task<StoreResult<TEntity>>> create,
        Func<TEntity, TDto> toDto,
        Func<TEntity, string> location,
        CancellationToken ct)
    {
        var options = json.Value.SerializerOptions;
        string? key = http.Request.Headers[Header];
        if (key is null)
        {
            return await CreateWithoutKeyAsync(create, toDto, location, options);
        }

        if (InvalidKey(key) is { } invalid)
        {
            return invalid;
        }

        var caller = http.Features.Get<Core.Features.ApiKeys.ApiKeyIdentity>()!;
        string Hash() => IdempotencyRecords.HashRequest(
            http.Request.Method, http.Request.Path, System.Text.Encoding.UTF8.GetBytes($"{content.Type.MediaType}\n{metadata}\n{content.Sha256Hex}"));
        if (await IdempotencyRecords.FindAsync(db, caller.KeyId, key, Now, ct) is not null)
        {
            await content.DrainAsync(ct);
            return await ReplayAsync(caller.KeyId, key, Hash(), ct)
                ?? ApiProblems.Problem(StatusCodes.Status409Conflict, "idempotency.expired", "Conflict", $"This '{Header}' expired while the content was read; send the request again with a new key.");
        }

        var result = await create(
            async (entity, c) =>
            {
                await IdempotencyRecords.PurgeExpiredAsync(db, Now, c);
                db.IdempotencyRecords.Add(new IdempotencyRecord
                {
                    ApiKeyId = caller.KeyId,
                    Key = key,
                    RequestHash = Hash(),
                    StatusCode = StatusCodes.Status201Created,
                    ResponseBody = JsonSerializer.Serialize(toDto(entity), options),
                    Location = location(entity),
                    CreatedAt = Now,
                });
            });
        if (result.IsSuccess)
        {
            return Created(location(result.Value), JsonSerializer.Serialize(toDto(result.Value), options), replayed: false);
        }

        if (result.Error is ConflictError && content.Completed && await ReplayAsync(caller.KeyId, key, Hash(), ct) is { } raced)
        {
            return raced;
        }

        return ApiProblems.From(result.Error);
    }

    private async Task<IResult?> ReplayAsync(Guid apiKeyId, string key, string hash, CancellationToken ct)
    {
        var stored = await IdempotencyRecords.FindAsync(db, apiKeyId, key, Now, ct);
        if (stored is null)
        {
            return null;
        }

        return stored.RequestHash == hash
            ? Created(stored.Location, stored.ResponseBody, replayed: true)
            : ApiProblems.Problem(
                StatusCodes.Status422UnprocessableEntity,
                "idempotency.key_reused",
                "Idempotency key reused",
                $"This '{Header}' was already used with a different request; use a new key for a new request.");
    }

    private static StoredJsonResult Created(string? location, string body, bool replayed) => new StoredJsonResult(StatusCodes.Status201Created, location, body, replayed);

    private sealed class StoredJsonResult(int status, string? location, string body, bool replayed) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            if (location is not null)
            {
                httpContext.Response.Headers.Location = location;
            }

            if (replayed)
            {
                httpContext.Response.Headers["Idempotent-Replayed"] = "true";
            }

            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await httpContext.Response.WriteAsync(body, httpContext.RequestAborted);
        }
    }
}
