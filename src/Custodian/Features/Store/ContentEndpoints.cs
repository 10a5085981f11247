using System.Net.Http.Headers;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Store;
using Custodian.Features.ApiKeys;
using Custodian.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace Custodian.Features.Store;

/// <summary>
/// The store's records with encrypted content, under <c>/api/v1</c>: support ticket attachments, recordings of calls
/// to the provider's support line, and customers' own call recordings.
/// <para>
/// Uploads are a <c>POST</c> whose body is the content itself (<c>Content-Type</c> its media type) and whose metadata
/// travels in request headers (<see cref="UploadHeaders"/>): one <c>curl --data-binary @call.wav</c>, no multipart
/// framing, and no phone numbers in URLs. The content streams into the encrypted blob store (memory does not grow
/// with its size); it is refused with 415 when its type is not allowed or its first bytes are not that type, and with
/// 413 past <see cref="UploadOptions.MaxContentBytes"/>. <c>Idempotency-Key</c> works as on every create.
/// </para>
/// <para>
/// Downloads (<c>GET …/{id}/content</c>) stream the decrypted content as an attachment with a neutral file name and
/// <c>Cache-Control: no-store</c>, after the <c>&lt;type&gt;.content_viewed</c> event is committed (fail closed).
/// </para>
/// </summary>
internal static class ContentEndpoints
{
    internal static RouteGroupBuilder MapContentEndpoints(this RouteGroupBuilder api)
    {
        MapAttachments(api);

        var support = MapReads<SupportCallRecording, SupportCallRecordingDto>(
            api, "support-call-recordings", "Support call recordings", "recording of a call to the support line", SupportCallRecordingDto.From);
        support.MapPost("/", async (
                HttpContext http,
                [FromHeader(Name = UploadHeaders.Organization)] string? organization,
                [FromHeader(Name = UploadHeaders.Caller)] string? caller,
                [FromHeader(Name = UploadHeaders.StartedAt)] string? startedAt,
                [FromHeader(Name = UploadHeaders.DurationSeconds)] string? durationSeconds,
                [FromHeader(Name = UploadHeaders.TicketId)] string? ticketId,
                StoreContentCommands commands,
                IdempotentCreate idempotent,
                UploadOptions limits,
                CancellationToken ct) =>
            {
                var input = new SupportCallRecordingInput(organization, caller, startedAt, durationSeconds, ticketId);
                return await UploadAsync<SupportCallRecording, SupportCallRecordingDto>(
                    http, ContentRules.Audio, limits, idempotent, input.Canonical(),
                    (content, beforeCommit) => commands.CreateSupportCallRecordingAsync(http.Caller(), input, content, beforeCommit, ct),
                    SupportCallRecordingDto.From,
                    r => $"/api/v1/support-call-recordings/{r.Id}",
                    ct);
            })
            .RequireAuthorization(ApiScopes.StoreWrite)
            .RawBody(ContentRules.Audio)
            .WithName("CreateSupportCallRecording")
            .WithSummary("Store a recording of a call to the support line (store:write): the body is the audio, the call's details are headers")
            .WithDescription(
                "Body: the audio itself, Content-Type audio/wav, audio/ogg or audio/mpeg; the bytes must be that format (415 otherwise) and at most the " +
                "configured limit (413). Headers: Call-Caller (the caller's number; E.164 or Dutch national format), Call-Started-At (ISO-8601 instant), " +
                "Call-Duration-Seconds, optionally Call-Ticket-Id (a ticket of the same organisation), and for provider keys Custodian-Organization " +
                "(the organisation's code). Kept 90 days from the call. Send Idempotency-Key to make retries safe.")
            .Produces<SupportCallRecordingDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        var customer = MapReads<CustomerCallRecording, CustomerCallRecordingDto>(
            api, "customer-call-recordings", "Customer call recordings", "recording of one of the organisation's own calls", CustomerCallRecordingDto.From);
        customer.MapPost("/", async (
                HttpContext http,
                [FromHeader(Name = UploadHeaders.Organization)] string? organization,
                [FromHeader(Name = UploadHeaders.Caller)] string? caller,
                [FromHeader(Name = UploadHeaders.Callee)] string? callee,
                [FromHeader(Name = UploadHeaders.StartedAt)] string? startedAt,
                [FromHeader(Name = UploadHeaders.DurationSeconds)] string? durationSeconds,
                StoreContentCommands commands,
                IdempotentCreate idempotent,
                UploadOptions limits,
                CancellationToken ct) =>
            {
                var input = new CustomerCallRecordingInput(organization, caller, callee, startedAt, durationSeconds);
                return await UploadAsync<CustomerCallRecording, CustomerCallRecordingDto>(
                    http, ContentRules.Audio, limits, idempotent, input.Canonical(),
                    (content, beforeCommit) => commands.CreateCustomerCallRecordingAsync(http.Caller(), input, content, beforeCommit, ct),
                    CustomerCallRecordingDto.From,
                    r => $"/api/v1/customer-call-recordings/{r.Id}",
                    ct);
            })
            .RequireAuthorization(ApiScopes.StoreWrite)
            .RawBody(ContentRules.Audio)
            .WithName("CreateCustomerCallRecording")
            .WithSummary("Store a recording of one of the organisation's own calls (store:write; only for organisations with callRecordingEnabled)")
            .WithDescription(
                "Body: the audio itself, Content-Type audio/wav, audio/ogg or audio/mpeg; the bytes must be that format (415 otherwise) and at most the " +
                "configured limit (413). Headers: Call-Caller and Call-Callee (E.164 or Dutch national format), Call-Started-At (ISO-8601 instant), " +
                "Call-Duration-Seconds, and for provider keys Custodian-Organization. An organisation without the call-recording feature gets 409 " +
                "customer_call_recording.feature_not_enabled. Kept for the organisation's customerCallRecordingRetention from the call.")
            .Produces<CustomerCallRecordingDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return api;
    }

    private static void MapAttachments(RouteGroupBuilder api)
    {
        var tickets = api.MapGroup("/support-tickets").WithTags("Support ticket attachments");
        tickets.MapPost("/{id:guid}/attachments", async (
                Guid id, HttpContext http, StoreContentCommands commands, IdempotentCreate idempotent, UploadOptions limits, CancellationToken ct) =>
                await UploadAsync<SupportTicketAttachment, SupportTicketAttachmentDto>(
                    http, ContentRules.Attachment, limits, idempotent, string.Empty,
                    (content, beforeCommit) => commands.AttachAsync(http.Caller(), id, content, beforeCommit, ct),
                    SupportTicketAttachmentDto.From,
                    a => $"/api/v1/support-ticket-attachments/{a.Id}",
                    ct))
            .RequireAuthorization(ApiScopes.StoreWrite)
            .RawBody(ContentRules.Attachment)
            .WithName("CreateSupportTicketAttachment")
            .WithSummary("Attach a file to a support ticket (store:write): the body is the file, Content-Type its type")
            .WithDescription(
                "Allowed: application/pdf, image/png, image/jpeg and text/plain (UTF-8), checked by the file's first bytes (415 otherwise); at most the " +
                "configured limit (413). No file name is stored. Encrypted under the ticket's own key, so the ticket's attachments can be erased together " +
                "without touching any other ticket. Send Idempotency-Key to make retries safe.")
            .Produces<SupportTicketAttachmentDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        tickets.MapGet("/{id:guid}/attachments", async (Guid id, Guid? after, int? limit, HttpContext http, StoreContentCommands commands, CancellationToken ct) =>
            {
                var size = Math.Clamp(limit ?? 50, 1, StoreCommands.MaxPageSize);
                var page = await commands.ListAttachmentsAsync(http.Caller(), id, after, size, ct);
                return page.IsSuccess
                    ? Results.Ok(new PageDto<SupportTicketAttachmentDto>([.. page.Value.Select(SupportTicketAttachmentDto.From)], page.Value.Count == size ? page.Value[^1].Id : null))
                    : ApiProblems.From(page.Error);
            })
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("ListSupportTicketAttachments")
            .WithSummary("A ticket's attachments in upload order, a page at a time (store:read; after=<last id>, limit<=200)")
            .Produces<PageDto<SupportTicketAttachmentDto>>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        var attachments = api.MapGroup("/support-ticket-attachments").WithTags("Support ticket attachments");
        attachments.MapGet("/{id:guid}", async (Guid id, HttpContext http, StoreCommands store, CancellationToken ct) =>
                StoreEndpoints.Answer(await store.GetAsync<SupportTicketAttachment>(http.Caller(), id, ct), SupportTicketAttachmentDto.From))
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("GetSupportTicketAttachment")
            .WithSummary("One attachment's details (store:read; the read is audited)")
            .Produces<SupportTicketAttachmentDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        MapContent<SupportTicketAttachment>(attachments, "support-ticket-attachment", "attachment");
    }

    /// <summary>List, get and content download of one record type.</summary>
    private static RouteGroupBuilder MapReads<TEntity, TDto>(RouteGroupBuilder api, string route, string tag, string what, Func<TEntity, TDto> toDto)
        where TEntity : TenantRecord, IContentRecord
    {
        var name = typeof(TEntity).Name;
        var group = api.MapGroup("/" + route).WithTags(tag);

        async Task<IResult> Get(Guid id, HttpContext http, StoreCommands store, CancellationToken ct) =>
            StoreEndpoints.Answer(await store.GetAsync<TEntity>(http.Caller(), id, ct), toDto);

        group.MapGet("/{id:guid}", Get)
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("Get" + name)
            .WithSummary($"One {what}: its details, not the audio (store:read; the read is audited)")
            .Produces<TDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        async Task<IResult> List(Guid? after, int? limit, HttpContext http, StoreCommands store, CancellationToken ct)
        {
            var size = Math.Clamp(limit ?? 50, 1, StoreCommands.MaxPageSize);
            var page = await store.ListAsync<TEntity>(http.Caller(), after, size, ct);
            return TypedResults.Ok(new PageDto<TDto>([.. page.Select(toDto)], page.Count == size ? page[^1].Id : null));
        }

        group.MapGet("/", List)
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("List" + name)
            .WithSummary($"The {what} records in creation order, a page at a time (store:read; after=<last id>, limit<=200)")
            .Produces<PageDto<TDto>>();

        MapContent<TEntity>(group, route.TrimEnd('s'), "audio");
        return group;
    }

    private static void MapContent<TEntity>(RouteGroupBuilder group, string fileStem, string what)
        where TEntity : TenantRecord, IContentRecord
    {
        async Task<IResult> Download(Guid id, HttpContext http, StoreContentCommands commands, CancellationToken ct)
        {
            var read = await commands.OpenContentAsync<TEntity>(http.Caller(), id, ct);
            return read.IsSuccess ? new ContentDownload(read.Value, fileStem) : ApiProblems.From(read.Error);
        }

        group.MapGet("/{id:guid}/content", Download)
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("Download" + typeof(TEntity).Name)
            .WithSummary($"Download the {what} (store:read; audited before it is sent; Content-Disposition: attachment, Cache-Control: no-store)")
            .WithDescription("409 record.restricted: the person the recording concerns has restricted processing (GDPR Art. 18); its content is not read until the restriction is lifted.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
    }

    /// <summary>
    /// Documents the raw request body (the content, one media type per allowed type) in the OpenAPI document. Not
    /// <c>Accepts</c>: its metadata also takes part in routing, and a request with another type would then miss the
    /// endpoint and get a 404 instead of the 415 problem that names the rule.
    /// </summary>
    private static RouteHandlerBuilder RawBody(this RouteHandlerBuilder builder, ContentRule rule) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            var body = new OpenApiRequestBody
            {
                Required = true,
                Description = $"The content itself ({rule.Name} rule: {rule.AllowedList}), checked by its first bytes.",
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal),
            };
            foreach (var type in rule.Types)
            {
                body.Content[type.MediaType.Split(';')[0]] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } };
            }

            operation.RequestBody = body;
            return Task.CompletedTask;
        });

    /// <summary>
    /// The shared upload path: declared type and announced length first (no body read), then the signature check of
    /// the first bytes, then the create that streams the rest. Kestrel's own body limit is raised to just past ours,
    /// so that our counter (and its problem) decides; should Kestrel's trip first, its 413 gets the same problem.
    /// </summary>
    private static async Task<IResult> UploadAsync<TEntity, TDto>(
        HttpContext http,
        ContentRule rule,
        UploadOptions limits,
        IdempotentCreate idempotent,
        string metadata,
        Func<UploadContent, Func<TEntity, CancellationToken, Task>?, Task<StoreResult<TEntity>>> create,
        Func<TEntity, TDto> toDto,
        Func<TEntity, string> location,
        CancellationToken ct)
    {
        if (rule.Declared(http.Request.ContentType) is null)
        {
            return ApiProblems.From(new UnsupportedContentError(
                "upload.type_not_allowed", $"Send the content with a Content-Type the {rule.Name} rule allows: {rule.AllowedList}."));
        }

        if (http.Request.ContentLength > limits.MaxContentBytes)
        {
            return ApiProblems.From(new ContentTooLargeError(limits.MaxContentBytes));
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodyLimit)
        {
            bodyLimit.MaxRequestBodySize = limits.MaxContentBytes + 1;
        }

        try
        {
            var opened = await UploadContent.OpenAsync(http.Request.Body, http.Request.ContentType, rule, limits.MaxContentBytes, ct);
            if (!opened.IsSuccess)
            {
                return ApiProblems.From(opened.Error);
            }

            await using var content = opened.Value;
            return await idempotent.RunUploadAsync(http, metadata, content, beforeCommit => create(content, beforeCommit), toDto, location, ct);
        }
        catch (Exception ex) when (ex is UploadTooLargeException || ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            return ApiProblems.From(new ContentTooLargeError(limits.MaxContentBytes));
        }
    }

    /// <summary>Streams a record's decrypted content as a download that no cache keeps, under a name that says nothing about anyone.</summary>
    private sealed class ContentDownload(ContentRead read, string fileStem) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            await using var content = read.Content;
            var response = httpContext.Response;
            var extension = ContentRules.Audio.Types.Concat(ContentRules.Attachment.Types)
                .FirstOrDefault(t => t.MediaType == read.Record.MediaType)?.Extension ?? "bin";
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = read.Record.MediaType;
            response.ContentLength = read.Record.ContentLength;
            response.Headers.CacheControl = "no-store";
            response.Headers.ContentDisposition = new ContentDispositionHeaderValue("attachment")
            {
                FileName = $"{fileStem}-{read.Record.Id}.{extension}",
            }.ToString();

            // Damage found part-way (a tampered chunk) throws here: the response is cut off, never completed with bad bytes.
            await content.CopyToAsync(response.Body, httpContext.RequestAborted);
        }
    }
}
