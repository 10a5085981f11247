using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Consent;
using Custodian.Core.Features.Store;
using Custodian.Core.Persistence;
using Custodian.Features.ApiKeys;
using Custodian.Hosting;
using NodaTime;

namespace Custodian.Features.Consent;

/// <summary>
/// The consent ledger for the provider's apps under <c>/api/v1/consents</c> (issue 7 §3): record a consent given in
/// the app (POST, <c>consent:write</c>), withdraw it as easily (POST <c>/withdraw</c>, <c>consent:write</c>), ask whether
/// it stands (GET <c>/check</c>, <c>consent:read</c>: always read from the database, so a withdrawal shows at the next
/// call) and read a person's history (GET, <c>consent:read</c>). Provider keys only: the ledger is the provider's own
/// evidence. Also the one processing on consent Custodian performs itself: GET <c>/api/v1/insights/usage</c>.
/// </summary>
internal static class ConsentEndpoints
{
    internal static RouteGroupBuilder MapConsentEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/consents").WithTags("Consent")
            .RequireProviderKey("consent.provider_only", "The consent ledger is the provider's own: use a provider key.");
        group.MapPost("/", async (ConsentGiveInput input, HttpContext http, CustodianDbContext db, ConsentLedger ledger, CancellationToken ct) =>
                Answer(await ledger.GiveAsync(db, http.Caller(), input, ct), ConsentEntryDto.From))
            .RequireAuthorization(ApiScopes.ConsentWrite)
            .WithName("GiveConsent")
            .WithSummary("Record a consent given in an app: person, register purpose on consent, exact text and version, channel (consent:write; repeating the same version returns the standing entry)")
            .Produces<ConsentEntryDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/withdraw", async (ConsentWithdrawInput input, HttpContext http, CustodianDbContext db, ConsentLedger ledger, CancellationToken ct) =>
            {
                var v = new FieldValidator();
                var subject = ConsentLedger.ParseSubject(v, input.Identifier, input.Kind);
                if (!v.IsValid || subject is null)
                {
                    return ApiProblems.From(v.ToError());
                }

                var result = await ledger.WithdrawAsync(db, http.Caller(), [subject.Value], input.Purpose, input.Channel ?? ConsentChannels.App, null, ct);
                return Answer(result, entries => new ConsentWithdrawnDto([.. entries.Select(ConsentEntryDto.From)]));
            })
            .RequireAuthorization(ApiScopes.ConsentWrite)
            .WithName("WithdrawConsent")
            .WithSummary("Withdraw a person's standing consent for a purpose (or every purpose when none is given); takes effect at the next check (consent:write)")
            .Produces<ConsentWithdrawnDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/check", async (string? identifier, string? kind, string? purpose, CustodianDbContext db, ConsentLedger ledger, CancellationToken ct) =>
            {
                var v = new FieldValidator();
                var subject = ConsentLedger.ParseSubject(v, identifier, kind);
                if (v.Text("purpose", purpose, 100) is not null && ledger.CheckPurpose(purpose) is { } error)
                {
                    v.Add(error.Field, error.Code, error.Message);
                }

                if (!v.IsValid || subject is null)
                {
                    return ApiProblems.From(v.ToError());
                }

                return Results.Ok(ConsentStatusDto.From(await ConsentLedger.CheckAsync(db, subject.Value, purpose!, ct)));
            })
            .RequireAuthorization(ApiScopes.ConsentRead)
            .WithName("CheckConsent")
            .WithSummary("Whether a person's consent for a purpose stands now, with the text version it was given on (consent:read)")
            .Produces<ConsentStatusDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        group.MapGet("/", async (string? identifier, string? kind, CustodianDbContext db, CancellationToken ct) =>
            {
                var v = new FieldValidator();
                var subject = ConsentLedger.ParseSubject(v, identifier, kind);
                if (!v.IsValid || subject is null)
                {
                    return ApiProblems.From(v.ToError());
                }

                var history = await ConsentLedger.HistoryAsync(db, [subject.Value], ct);
                return Results.Ok(new ConsentHistoryDto([.. history.Select(ConsentEntryDto.From)]));
            })
            .RequireAuthorization(ApiScopes.ConsentRead)
            .WithName("ListConsents")
            .WithSummary("A person's consent history, standing and withdrawn, newest first (consent:read)")
            .Produces<ConsentHistoryDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapGet("/insights/usage", async (string? phone, HttpContext http, CustodianDbContext db, AppUsageInsights insights, CancellationToken ct) =>
                Answer(await insights.GetAsync(db, http.Caller(), phone, ct), UsageInsightDto.Of))
            .RequireAuthorization(ApiScopes.StoreRead)
            .WithTags("Consent")
            .WithName("GetUsageInsight")
            .WithSummary("The app's usage overview for a number (30 days of outgoing calls); rests on consent: 409 consent.required without a standing consent (store:read)")
            .Produces<UsageInsightDto>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return api;
    }

    private static IResult Answer<T, TDto>(StoreResult<T> result, Func<T, TDto> map) =>
        result.IsSuccess ? Results.Ok(map(result.Value)) : ApiProblems.From(result.Error);
}

/// <param name="Identifier">The person's phone number, e-mail address or other identifier.</param>
/// <param name="Kind">The identifier kind; null: inferred.</param>
/// <param name="Purpose">The register purpose; null: every purpose.</param>
/// <param name="Channel">How the person withdrew (<c>app</c> when null).</param>
internal sealed record ConsentWithdrawInput(string? Identifier, string? Kind, string? Purpose, string? Channel);

/// <summary>A ledger entry as the API shows it (the identifier itself is not repeated).</summary>
internal sealed record ConsentEntryDto(
    Guid Id, string Purpose, string TextVersion, string TextHash, string Channel, Guid? OrganizationId, Instant GivenAt, Instant? WithdrawnAt, string? WithdrawnChannel)
{
    internal static ConsentEntryDto From(ConsentEntry e) =>
        new(e.Id, e.Purpose, e.TextVersion, e.TextHash, e.Channel, e.OrganizationId, e.GivenAt, e.WithdrawnAt, e.WithdrawnChannel);
}

internal sealed record ConsentWithdrawnDto(IReadOnlyList<ConsentEntryDto> Withdrawn);

internal sealed record ConsentHistoryDto(IReadOnlyList<ConsentEntryDto> Entries);

/// <param name="Purpose">The register purpose asked about.</param>
/// <param name="Given">True while a consent stands.</param>
/// <param name="TextVersion">The text version of the standing consent; null when none stands.</param>
/// <param name="GivenAt">When the standing consent was given.</param>
/// <param name="Channel">How it was given.</param>
internal sealed record ConsentStatusDto(string Purpose, bool Given, string? TextVersion, Instant? GivenAt, string? Channel)
{
    internal static ConsentStatusDto From(ConsentStatus s) => new(s.Purpose, s.Given, s.TextVersion, s.GivenAt, s.Channel);
}

internal sealed record UsageInsightDto(string ConsentTextVersion, Instant From, Instant To, int Calls, long BilledSeconds)
{
    internal static UsageInsightDto Of(UsageInsight i) => new(i.TextVersion, i.From, i.To, i.Calls, i.BilledSeconds);
}
