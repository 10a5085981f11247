using System.Text.Json;
using Custodian.Core.Features.Register;
using Custodian.Hosting;
using NodaTime;
using NodaTime.Text;

namespace Custodian.Features.Register;

/// <summary>
/// The register and the statement over HTTP (public: the register is what the statement already publishes).
/// <c>GET /api/v1/register</c>, <c>GET /api/v1/register/categories/{id}</c>, <c>GET /api/v1/statement</c>.
/// </summary>
internal static class RegisterApi
{
    internal static RouteGroupBuilder MapRegisterApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup(string.Empty).WithTags("Register");

        group.MapGet("/register", (ActiveRegister active) => TypedResults.Ok(RegisterDto.From(active)))
            .WithName("GetRegister")
            .WithSummary("The processing register this server runs with: services and data categories with purposes, legal basis, controller and retention");

        group.MapGet("/register/categories/{id}", (string id, ActiveRegister active) =>
                active.Register.Categories.FirstOrDefault(c => c.Id == id) is { } category
                    ? Results.Ok(CategoryDto.From(category))
                    : ApiProblems.NotFound("register.category_not_found", $"The register has no data category '{id}'. GET /api/v1/register lists them."))
            .WithName("GetRegisterCategory")
            .WithSummary("One data category of the register")
            .Produces<CategoryDto>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/statement", (ActiveRegister active, string? lang, string? format) =>
            {
                var language = lang switch
                {
                    null or "nl" => StatementLanguage.Dutch,
                    "en" => StatementLanguage.English,
                    _ => (StatementLanguage?)null,
                };
                if (language is null)
                {
                    return ApiProblems.BadRequest("statement.unsupported_language", $"Language '{lang}' is not available; use lang=nl or lang=en.");
                }

                return format switch
                {
                    null or "md" => Results.Text(StatementRenderer.Render(active.Register, language.Value, StatementFormat.Markdown), "text/markdown; charset=utf-8"),
                    "html" => Results.Text(StatementRenderer.Render(active.Register, language.Value, StatementFormat.Html), "text/html; charset=utf-8"),
                    _ => ApiProblems.BadRequest("statement.unsupported_format", $"Format '{format}' is not available; use format=md or format=html."),
                };
            })
            .WithName("GetStatement")
            .WithSummary("The privacy statement rendered from the register (lang=nl|en, format=md|html)")
            .Produces<string>(contentType: "text/markdown")
            .ProducesProblem(StatusCodes.Status400BadRequest);

        return api;
    }

    internal static string Snake(Enum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    internal static string Iso(Period period) => PeriodPattern.NormalizingIso.Format(period);
}

internal sealed record TextDto(string Nl, string En)
{
    internal static TextDto From(LocalizedText t) => new(t.Nl, t.En);
}

internal sealed record RegisterDto(string Sha256, string LastUpdated, string Controller, IReadOnlyList<ServiceDto> Services, IReadOnlyList<CategoryDto> Categories)
{
    internal static RegisterDto From(ActiveRegister active) => new(
        active.Sha256,
        LocalDatePattern.Iso.Format(active.Register.Statement.LastUpdated),
        active.Register.Statement.Controller.Name,
        [.. active.Register.Services.Select(s => new ServiceDto(s.Id, TextDto.From(s.Name)))],
        [.. active.Register.Categories.Select(CategoryDto.From)]);
}

internal sealed record ServiceDto(string Id, TextDto Name);

internal sealed record CategoryDto(
    string Id,
    string Service,
    TextDto Description,
    IReadOnlyList<string> Fields,
    IReadOnlyList<string> DataSubjects,
    IReadOnlyList<string> Purposes,
    LegalBasisDto LegalBasis,
    string Controller,
    RetentionDto Retention,
    IReadOnlyList<string> Sources,
    bool Portable,
    string? LegalReview)
{
    internal static CategoryDto From(DataCategory c) => new(
        c.Id,
        c.ServiceId,
        TextDto.From(c.Description),
        c.Fields,
        c.DataSubjectIds,
        c.PurposeIds,
        new LegalBasisDto(RegisterApi.Snake(c.LegalBasis.Type), c.LegalBasis.Statute, c.LegalBasis.Interest is { } i ? TextDto.From(i) : null),
        RegisterApi.Snake(c.Controller),
        RetentionDto.From(c.Retention),
        [.. c.Sources.Select(s => RegisterApi.Snake(s))],
        c.Portable,
        c.LegalReview?.Reason);
}

internal sealed record LegalBasisDto(string Type, string? Statute, TextDto? Interest);

/// <summary>A retention rule: ISO-8601 periods counted from the anchor (record_time, ticket_closed, service_end, client_setting).</summary>
internal sealed record RetentionDto(string Anchor, string? Period, string? Grace, string? Min, string? Max)
{
    internal static RetentionDto From(RetentionRule rule) => rule switch
    {
        FixedRetention f => new(RegisterApi.Snake(f.Anchor), RegisterApi.Iso(f.Period), null, null, null),
        UntilServiceEndRetention s => new(RegisterApi.Snake(s.Anchor), null, RegisterApi.Iso(s.Grace), null, null),
        ClientDefinedRetention c => new(RegisterApi.Snake(c.Anchor), null, null, RegisterApi.Iso(c.Min), RegisterApi.Iso(c.Max)),
        _ => throw new InvalidOperationException($"Unknown retention rule {rule.GetType().Name}"),
    };
}
