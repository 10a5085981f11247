using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Store;
using Custodian.Features.ApiKeys;
using Custodian.Hosting;

namespace Custodian.Features.Store;

/// <summary>
/// The intake API of the personal-data store under <c>/api/v1</c>: for every record type a create (POST, with
/// <c>Idempotency-Key</c>), a read (GET by id), a list (GET, keyset-paged) and, where records change, an update (PUT);
/// plus <c>POST /services/{id}/end</c> and <c>POST /support-tickets/{id}/close</c>. Reads need <c>store:read</c>,
/// writes <c>store:write</c>. Tenancy is not handled here: the request's database context is already bound to the
/// key's tenant, so another tenant's id is simply "not found".
/// </summary>
internal static class StoreEndpoints
{
    internal static RouteGroupBuilder MapStoreEndpoints(this RouteGroupBuilder api)
    {
        MapRecord<ContactPerson, ContactPersonInput, ContactPersonDto>(api, "contact-persons", "Contact persons", "contact person", ContactPersonDto.From, updatable: true);
        MapRecord<DeliveryAddress, DeliveryAddressInput, DeliveryAddressDto>(api, "delivery-addresses", "Delivery addresses", "delivery address", DeliveryAddressDto.From, updatable: true);
        var services = MapRecord<Service, ServiceInput, ServiceRecordDto>(api, "services", "Services", "service", ServiceRecordDto.From, updatable: false);
        MapRecord<InternetConnection, InternetConnectionInput, InternetConnectionDto>(api, "internet-connections", "Internet connections", "internet connection", InternetConnectionDto.From, updatable: true);
        MapRecord<VoipDevice, VoipDeviceInput, VoipDeviceDto>(api, "voip-devices", "VoIP devices", "VoIP device", VoipDeviceDto.From, updatable: true);
        MapRecord<VoipContact, VoipContactInput, VoipContactDto>(api, "voip-contacts", "VoIP contacts", "VoIP contact", VoipContactDto.From, updatable: true);
        MapRecord<MobileSubscription, MobileSubscriptionInput, MobileSubscriptionDto>(api, "mobile-subscriptions", "Mobile subscriptions", "mobile subscription", MobileSubscriptionDto.From, updatable: true);
        MapRecord<MobileNotification, MobileNotificationInput, MobileNotificationDto>(api, "mobile-notifications", "Mobile notifications", "roaming or bundle notification", MobileNotificationDto.From, updatable: false);
        MapRecord<Keyholder, KeyholderInput, KeyholderDto>(api, "keyholders", "Keyholders", "keyholder of an alarm service", KeyholderDto.From, updatable: true);
        var tickets = MapRecord<SupportTicket, SupportTicketInput, SupportTicketDto>(api, "support-tickets", "Support tickets", "support ticket", SupportTicketDto.From, updatable: false);

        services.MapPost("/{id:guid}/end", async (Guid id, EndServiceInput input, HttpContext http, StoreCommands store, CancellationToken ct) =>
                Answer(await store.EndServiceAsync(http.Caller(), id, input, ct), ServiceRecordDto.From))
            .RequireAuthorization(ApiScopes.StoreWrite)
            .WithName("EndService")
            .WithSummary("End a service: its end date starts the 'until the end of the service' retention of its records (store:write)")
            .Produces<ServiceRecordDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapPost("/{id:guid}/close", async (Guid id, CloseTicketInput input, HttpContext http, StoreCommands store, CancellationToken ct) =>
                Answer(await store.CloseTicketAsync(http.Caller(), id, input, ct), SupportTicketDto.From))
            .RequireAuthorization(ApiScopes.StoreWrite)
            .WithName("CloseSupportTicket")
            .WithSummary("Close a support ticket: the closing starts its three-year retention (store:write)")
            .Produces<SupportTicketDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    /// <summary>
    /// Handlers of the generic record endpoints read their body themselves: the RouteHandlerAnalyzer crashes on a
    /// parameter of a generic type (dotnet/aspnetcore#56831). The request schema is declared with <c>Accepts</c>.
    /// </summary>
    internal static async Task<(T? Body, IResult? Problem)> ReadBodyAsync<T>(HttpContext http, CancellationToken ct)
        where T : class
    {
        if (!http.Request.HasJsonContentType())
        {
            return (null, ApiProblems.Problem(StatusCodes.Status415UnsupportedMediaType, "api.json_required", "Unsupported media type", "Send the body as application/json."));
        }

        try
        {
            var body = await http.Request.ReadFromJsonAsync<T>(ct);
            return body is null ? (null, ApiProblems.BadRequest("api.body_required", "The request needs a JSON body.")) : (body, null);
        }
        catch (System.Text.Json.JsonException)
        {
            return (null, ApiProblems.BadRequest("api.invalid_json", "The body is not valid JSON for this endpoint (check the field types: ids are UUIDs, everything else is text)."));
        }
    }

    internal static IResult Answer<T, TDto>(StoreResult<T> result, Func<T, TDto> toDto) =>
        result.IsSuccess ? TypedResults.Ok(toDto(result.Value)) : ApiProblems.From(result.Error);

    private static RouteGroupBuilder MapRecord<TEntity, TInput, TDto>(
        RouteGroupBuilder api, string route, string tag, string what, Func<TEntity, TDto> toDto, bool updatable)
        where TEntity : TenantRecord, new()
        where TInput : class, IRecordInput<TEntity>
    {
        var name = typeof(TEntity).Name;
        var group = api.MapGroup("/" + route).WithTags(tag);

        async Task<IResult> Create(HttpContext http, StoreCommands store, IdempotentCreate idempotent, CancellationToken ct)
        {
            var (input, problem) = await ReadBodyAsync<TInput>(http, ct);
            return problem ?? await idempotent.RunAsync<TInput, TEntity, TDto>(
                http,
                input!,
                beforeCommit => store.CreateAsync(http.Caller(), input!, beforeCommit, ct),
                toDto,
                e => $"/api/v1/{route}/{e.Id}",
                ct);
        }

        group.MapPost("/", Create)
            .RequireAuthorization(ApiScopes.StoreWrite)
            .Accepts<TInput>("application/json")
            .WithName("Create" + name)
            .WithSummary($"Store a {what} (store:write; send Idempotency-Key to make retries safe)")
            .Produces<TDto>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        async Task<IResult> Get(Guid id, HttpContext http, StoreCommands store, CancellationToken ct) =>
            Answer(await store.GetAsync<TEntity>(http.Caller(), id, ct), toDto);

        group.MapGet("/{id:guid}", Get)
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithName("Get" + name)
            .WithSummary($"One {what} (store:read; the read is audited)")
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

        if (updatable)
        {
            async Task<IResult> Update(Guid id, HttpContext http, StoreCommands store, CancellationToken ct)
            {
                var (input, problem) = await ReadBodyAsync<TInput>(http, ct);
                return problem ?? Answer(await store.UpdateAsync(http.Caller(), id, input!, ct), toDto);
            }

            group.MapPut("/{id:guid}", Update)
                .RequireAuthorization(ApiScopes.StoreWrite)
                .Accepts<TInput>("application/json")
                .WithName("Update" + name)
                .WithSummary($"Replace the fields of a {what} (store:write; its organisation and parent never change)")
                .WithDescription("409 record.restricted: the person the record concerns has restricted processing (GDPR Art. 18); it is stored but not changed until the restriction is lifted.")
                .Produces<TDto>()
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
        }

        return group;
    }
}
