using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Host;

public sealed class PortalTests(PortalServerFixture fixture) : IClassFixture<PortalServerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private HttpClient Client => fixture.Server.Client;

    private async Task<IHtmlDocument> GetPageAsync(string path, HttpClient? client = null)
    {
        using var response = await (client ?? Client).GetAsync(new Uri(path, UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        return new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
    }

    private HttpClient NewClient() => new(new HttpClientHandler { UseCookies = true }) { BaseAddress = fixture.Server.BaseAddress };

    [Fact]
    public async Task Privacy_NoLanguageChosen_ShowsTheDutchStatementWithTheTwelveRowTable()
    {
        using var client = NewClient();
        var page = await GetPageAsync("/privacy", client);

        Assert.Equal("nl", page.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Privacyverklaring", page.QuerySelector("h1")?.TextContent.Trim());
        var table = page.QuerySelector("article table");
        Assert.NotNull(table);
        Assert.Equal(
            ["Type dienst", "Type gegevens", "Bewaartermijnen", "Verantwoordelijke", "Grond voor verwerking"],
            table.QuerySelectorAll("thead th").Select(th => th.TextContent.Trim()));
        var rows = table.QuerySelectorAll("tbody tr");
        Assert.Equal(12, rows.Length);
        Assert.Contains("Gespreksopnames als u ons belt.", rows[5].TextContent, StringComparison.Ordinal);
        Assert.Contains("90 dagen", rows[5].TextContent, StringComparison.Ordinal);
        Assert.Contains("Deze verklaring is voor het laatst bijgewerkt op 25 mei 2019.", page.Body!.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Privacy_LangEn_ShowsEnglishAndRemembersTheChoice()
    {
        using var client = NewClient();

        var english = await GetPageAsync("/privacy?lang=en", client);
        var next = await GetPageAsync("/", client);
        var back = await GetPageAsync("/privacy?lang=nl", client);

        Assert.Equal("en", english.DocumentElement.GetAttribute("lang"));
        Assert.Equal("Privacy statement", english.QuerySelector("h1")?.TextContent.Trim());
        Assert.Equal(12, english.QuerySelectorAll("article table tbody tr").Length);
        Assert.Equal("en", next.DocumentElement.GetAttribute("lang"));
        Assert.Equal("nl", back.DocumentElement.GetAttribute("lang"));
    }

    [Fact]
    public async Task Home_LinksToThePrivacyStatementAndOffersTheOtherLanguage()
    {
        using var client = NewClient();
        var page = await GetPageAsync("/", client);

        Assert.Contains(page.QuerySelectorAll("main a"), a => a.GetAttribute("href") == "/privacy");
        Assert.Contains("AllBest Security Systems BV", page.QuerySelector("h1")!.TextContent, StringComparison.Ordinal);
        var switcher = page.QuerySelector("a.lang");
        Assert.Equal("/?lang=en", switcher?.GetAttribute("href"));
        Assert.Equal("English", switcher?.TextContent.Trim());
    }

    [Fact]
    public async Task Privacy_ArticleIsTheRendererOutputForTheActiveRegister()
    {
        using var client = NewClient();
        using var response = await client.GetAsync(new Uri("/privacy", UriKind.Relative), Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        var active = fixture.Server.Services.GetService(typeof(Custodian.Features.Register.ActiveRegister)) as Custodian.Features.Register.ActiveRegister;

        var expected = Custodian.Core.Features.Register.StatementRenderer.RenderHtmlArticle(
            active!.Register, Custodian.Core.Features.Register.StatementLanguage.Dutch);

        Assert.Contains(expected, html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/privacy")]
    [InlineData("/health")]
    [InlineData("/api/v1/register")]
    public async Task Responses_CarryTheSecurityHeaders(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Contains("frame-ancestors 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    [Fact]
    public async Task Stylesheet_IsServed()
    {
        using var response = await Client.GetAsync(new Uri("/css/site.css", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/css", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OpenApi_DescribesTheApi()
    {
        var doc = await Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json", Ct);

        Assert.StartsWith("3.", doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = doc.GetProperty("paths");
        foreach (var path in new[] { "/health", "/api/v1/register", "/api/v1/register/categories/{id}", "/api/v1/statement" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is described");
        }
    }

    [Fact]
    public async Task Api_Register_ListsTheTwelveCategoriesAndCustodiansAdditionWithTypedRetention()
    {
        var register = await Client.GetFromJsonAsync<JsonElement>("/api/v1/register", Ct);

        var categories = register.GetProperty("categories").EnumerateArray().ToList();
        // The statement's twelve plus Custodian's additions: privacy requests, consent records, shielded numbers.
        Assert.Equal(15, categories.Count);
        Assert.Contains(categories, c => c.GetProperty("retention").GetProperty("anchor").GetString() == "request_closed");
        Assert.Contains(categories, c => c.GetProperty("retention").GetProperty("anchor").GetString() == "consent_withdrawn");
        Assert.Contains(categories, c => c.GetProperty("retention").GetProperty("anchor").GetString() == "shielding_ended");
        var recordings = categories.Single(c => c.GetProperty("retention").GetProperty("period").ValueKind == JsonValueKind.String
                                                && c.GetProperty("retention").GetProperty("period").GetString() == "P90D");
        Assert.Equal("legitimate_interest", recordings.GetProperty("legalBasis").GetProperty("type").GetString());
        Assert.Equal("provider", recordings.GetProperty("controller").GetString());
        Assert.Contains(categories, c => c.GetProperty("retention").GetProperty("anchor").GetString() == "service_end");
        Assert.Contains(categories, c => c.GetProperty("retention").GetProperty("anchor").GetString() == "client_setting");
    }

    [Fact]
    public async Task Api_Category_ReturnsOneCategory()
    {
        var register = await Client.GetFromJsonAsync<JsonElement>("/api/v1/register", Ct);
        var id = register.GetProperty("categories")[0].GetProperty("id").GetString();

        var category = await Client.GetFromJsonAsync<JsonElement>($"/api/v1/register/categories/{id}", Ct);

        Assert.Equal(id, category.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("/api/v1/register/categories/no.such.category", 404, "register.category_not_found")]
    [InlineData("/api/v1/no-such-endpoint", 404, "api.not_found")]
    [InlineData("/api/v1/statement?lang=de", 400, "statement.unsupported_language")]
    [InlineData("/api/v1/statement?format=pdf", 400, "statement.unsupported_format")]
    public async Task Api_Errors_AreProblemDetailsWithAStableCode(string path, int status, string code)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData("nl", "md", "text/markdown", "| Type dienst |")]
    [InlineData("en", "html", "text/html", "<html lang=\"en\"")]
    public async Task Api_Statement_RendersLanguageAndFormat(string lang, string format, string mediaType, string expected)
    {
        using var response = await Client.GetAsync(new Uri($"/api/v1/statement?lang={lang}&format={format}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(expected, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/no-such-page", "nl", "Pagina niet gevonden")]
    [InlineData("/no-such-page?lang=en", "en", "Page not found")]
    public async Task UnknownPage_Is404WithAPageInTheReadersLanguage(string path, string lang, string heading)
    {
        using var client = NewClient();
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal(lang, page.DocumentElement.GetAttribute("lang"));
        Assert.Equal(heading, page.QuerySelector("h1")?.TextContent.Trim());
    }
}
