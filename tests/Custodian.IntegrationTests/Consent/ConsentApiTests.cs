using System.Net;
using Custodian.Core.Features.ApiKeys;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Consent;

/// <summary>The apps' consent API over real HTTP: give, check, withdraw, check again at once; the processing on consent follows.</summary>
public sealed class ConsentApiTests
{
    private const string Phone = "+31640000123";

    [Theory, AllEngines]
    public async Task ConsentApi_GiveCheckWithdraw_NextCheckAndProcessingSeeTheWithdrawal(Engine engine)
    {
        await using var api = await StoreApi.StartAsync(engine);
        var app = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.ConsentRead, ApiScopes.ConsentWrite, ApiScopes.StoreRead, ApiScopes.AllTenants]));
        var noScope = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.StoreRead]));
        var check = $"/api/v1/consents/check?identifier={Uri.EscapeDataString(Phone)}&purpose=app_usage_insights";

        var (status, given) = await StoreApi.SendAsync(app, HttpMethod.Post, "/api/v1/consents",
            new { identifier = Phone, purpose = "app_usage_insights", textVersion = "app-1", text = "Verbruiksoverzicht in de app?", channel = "app" });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("app-1", given.GetProperty("textVersion").GetString());
        var (_, before) = await StoreApi.SendAsync(app, HttpMethod.Get, check);
        Assert.True(before.GetProperty("given").GetBoolean());
        Assert.Equal("app-1", before.GetProperty("textVersion").GetString());
        Assert.Equal(HttpStatusCode.OK, (await StoreApi.SendAsync(app, HttpMethod.Get, $"/api/v1/insights/usage?phone={Uri.EscapeDataString(Phone)}")).Status);

        var (withdrawStatus, withdrawn) = await StoreApi.SendAsync(app, HttpMethod.Post, "/api/v1/consents/withdraw", new { identifier = Phone, purpose = "app_usage_insights" });
        Assert.Equal(HttpStatusCode.OK, withdrawStatus);
        Assert.Equal(1, withdrawn.GetProperty("withdrawn").GetArrayLength());

        var (_, after) = await StoreApi.SendAsync(app, HttpMethod.Get, check);
        Assert.False(after.GetProperty("given").GetBoolean());
        var (refusedStatus, refused) = await StoreApi.SendAsync(app, HttpMethod.Get, $"/api/v1/insights/usage?phone={Uri.EscapeDataString(Phone)}");
        Assert.Equal((HttpStatusCode.Conflict, "consent.required"), (refusedStatus, refused.GetProperty("code").GetString()));

        var (badStatus, bad) = await StoreApi.SendAsync(app, HttpMethod.Post, "/api/v1/consents",
            new { identifier = Phone, purpose = "service_delivery", textVersion = "x", text = "x", channel = "app" });
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Contains("consent.purpose_not_consent", bad.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await StoreApi.SendAsync(noScope, HttpMethod.Get, check)).Status);

        // A tenant key, even one holding the scopes, is refused on every consent endpoint: the ledger is the provider's own.
        await api.CreateTenantAsync("org-a");
        var tenant = api.ClientWith(await api.CreateKeyAsync("org-a", [ApiScopes.ConsentRead, ApiScopes.ConsentWrite]));
        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
        {
            (HttpMethod.Get, check, null),
            (HttpMethod.Get, $"/api/v1/consents?identifier={Uri.EscapeDataString(Phone)}", null),
            (HttpMethod.Post, "/api/v1/consents", new { identifier = Phone, purpose = "app_usage_insights", textVersion = "app-2", text = "x", channel = "app" }),
            (HttpMethod.Post, "/api/v1/consents/withdraw", new { identifier = Phone, purpose = "app_usage_insights" }),
        })
        {
            var (tenantStatus, tenantBody) = await StoreApi.SendAsync(tenant, method, path, body);
            Assert.Equal((HttpStatusCode.Forbidden, "consent.provider_only"), (tenantStatus, tenantBody.GetProperty("code").GetString()));
        }

        var (_, history) = await StoreApi.SendAsync(app, HttpMethod.Get, $"/api/v1/consents?identifier={Uri.EscapeDataString(Phone)}");
        Assert.Equal(1, history.GetProperty("entries").GetArrayLength()); // the tenant's POST left nothing
    }
}
