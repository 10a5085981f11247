using System.Net;
using System.Text.Json;
using Custodian.Core.Features.ApiKeys;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Retention;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Identifiers;
using Custodian.Core.Persistence;
using Custodian.IntegrationTests.Store;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NodaTime;
using Xunit;

namespace Custodian.IntegrationTests.Retention;

/// <summary>
/// Legal holds through the real API on both engines: the authority matrix (tenant key, provider key, lawful provider
/// key), the secrecy of authority holds, the 126ni limits, the audit events, and what the sweep gets from
/// <see cref="LegalHolds.ActiveAtAsync"/>. The clock is fake (start 1 March 2025, 10:00 in Amsterdam).
/// </summary>
public sealed class HoldApiTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Fixture : IAsyncDisposable
    {
        public required StoreApi Api { get; init; }

        public required FakeTimeProvider Time { get; init; }

        public required Guid OrgA { get; init; }

        /// <summary>Organisation A's key: store scopes plus holds:read and holds:write.</summary>
        public required HttpClient TenantA { get; init; }

        public required Guid OrgB { get; init; }

        public required HttpClient TenantB { get; init; }

        /// <summary>tenants:all + holds:read + holds:write, without holds:lawful.</summary>
        public required HttpClient Provider { get; init; }

        /// <summary>tenants:all + holds:* including holds:lawful.</summary>
        public required HttpClient Lawful { get; init; }

        public static async Task<Fixture> StartAsync(Engine engine)
        {
            var time = new FakeTimeProvider(Start);
            var api = await StoreApi.StartAsync(engine, b => b.Services.AddSingleton<TimeProvider>(time));
            var (a, tenantA) = await api.CreateTenantAsync("org-a");
            var (b, tenantB) = await api.CreateTenantAsync("org-b");
            return new Fixture
            {
                Api = api,
                Time = time,
                OrgA = a,
                TenantA = tenantA,
                OrgB = b,
                TenantB = tenantB,
                Provider = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.AllTenants, ApiScopes.HoldsRead, ApiScopes.HoldsWrite])),
                Lawful = api.ClientWith(await api.CreateKeyAsync(null, [ApiScopes.AllTenants, ApiScopes.HoldsRead, ApiScopes.HoldsWrite, ApiScopes.HoldsLawful])),
            };
        }

        public ValueTask DisposeAsync() => Api.DisposeAsync();
    }

    private static object Claims(string? organization = null, object? identifiers = null, string? endsAt = null) =>
        new { basis = "legal_claims", reason = "Claim in dispute D-17", reference = "D-17", organization, identifiers, endsAt };

    private static object Order(string organization, string endsAt, string basis = "preservation_order_126ni") =>
        new { basis, reason = "Preservation order", reference = "OvJ-2025-0042", organization, identifiers = new[] { new { kind = "phone", value = "+31640000001" } }, endsAt };

    private static Task<(HttpStatusCode Status, JsonElement Body)> Send(HttpClient client, HttpMethod method, string path, object? body = null) =>
        StoreApi.SendAsync(client, method, path, body);

    private static async Task<Guid> PlaceAsync(HttpClient client, object body) => (await StoreApi.PostAsync(client, "/api/v1/holds", body)).GetProperty("id").GetGuid();

    private static async Task<List<Guid>> ListAsync(HttpClient client)
    {
        var (status, body) = await Send(client, HttpMethod.Get, "/api/v1/holds?limit=200");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid())];
    }

    private static void AssertProblem((HttpStatusCode Status, JsonElement Body) answer, HttpStatusCode status, string code)
    {
        Assert.True(answer.Status == status, $"{answer.Status} {answer.Body}");
        Assert.Equal(code, answer.Body.GetProperty("code").GetString());
    }

    private static void AssertFieldProblem((HttpStatusCode Status, JsonElement Body) answer, string field, string code)
    {
        AssertProblem(answer, HttpStatusCode.BadRequest, "validation.failed");
        Assert.Contains(answer.Body.GetProperty("errors").EnumerateArray(), e => e.GetProperty("field").GetString() == field && e.GetProperty("code").GetString() == code);
    }

    [Theory, AllEngines]
    public async Task Place_TenantKeyOwnOrganization_IsCreatedVisibleAndReleasableByItself(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);

        var created = await StoreApi.PostAsync(f.TenantA, "/api/v1/holds", new
        {
            basis = "legal_claims",
            reason = "Claim in dispute D-17",
            categories = new[] { "usage.call_detail_records" },
            identifiers = new[] { new { kind = "phone", value = "06 4000 0001" } },
        });
        var id = created.GetProperty("id").GetGuid();

        Assert.Equal(f.OrgA, created.GetProperty("organizationId").GetGuid());
        Assert.True(created.GetProperty("active").GetBoolean());
        Assert.Equal("+31640000001", created.GetProperty("identifiers")[0].GetProperty("value").GetString());
        Assert.Equal("organization", created.GetProperty("placedBy").GetProperty("tenancy").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Send(f.TenantA, HttpMethod.Get, $"/api/v1/holds/{id}")).Status);
        Assert.Contains(id, await ListAsync(f.Provider));
        Assert.DoesNotContain(id, await ListAsync(f.TenantB));

        var released = await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{id}/release", new { reason = "Dispute settled" });
        Assert.Equal(HttpStatusCode.OK, released.Status);
        Assert.False(released.Body.GetProperty("active").GetBoolean());
        AssertProblem(await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{id}/release", new { reason = "again" }), HttpStatusCode.Conflict, "hold.released");
    }

    [Theory, AllEngines]
    public async Task Place_AuthorityBasis_OnlyWithLawfulProviderKey(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);
        var end = "2025-05-01T00:00:00Z";

        AssertProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", Order("org-a", end)), HttpStatusCode.Forbidden, "hold.basis_not_allowed");
        AssertProblem(await Send(f.Provider, HttpMethod.Post, "/api/v1/holds", Order("org-a", end)), HttpStatusCode.Forbidden, "hold.lawful_scope_required");
        AssertProblem(await Send(f.Provider, HttpMethod.Post, "/api/v1/holds", Order("org-a", end, "supervisory_authority")), HttpStatusCode.Forbidden, "hold.lawful_scope_required");
        AssertProblem(await Send(f.Provider, HttpMethod.Post, "/api/v1/holds", Order("org-a", end, "criminal_investigation")), HttpStatusCode.Forbidden, "hold.lawful_scope_required");
        var id = await PlaceAsync(f.Lawful, Order("org-a", end));

        Assert.Contains(id, await ListAsync(f.Lawful));
    }

    [Theory, AllEngines]
    public async Task Place_TenantKeyNamingAnOrganization_IsRefusedAlsoItsOwn(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);

        AssertFieldProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", Claims("org-b")), "organization", "organization.set_by_key");
        AssertFieldProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", Claims("org-a")), "organization", "organization.set_by_key");
    }

    [Theory, AllEngines]
    public async Task AuthorityHold_WithoutLawfulScope_DoesNotExistEvenForItsOrganization(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);
        var secret = await PlaceAsync(f.Lawful, Order("org-a", "2025-05-01T00:00:00Z"));
        var nowhere = Guid.CreateVersion7();

        foreach (var client in new[] { f.TenantA, f.Provider })
        {
            Assert.DoesNotContain(secret, await ListAsync(client));
            var hidden = await Send(client, HttpMethod.Get, $"/api/v1/holds/{secret}");
            var missing = await Send(client, HttpMethod.Get, $"/api/v1/holds/{nowhere}");
            AssertProblem(hidden, HttpStatusCode.NotFound, "hold.not_found");
            Assert.Equal(missing.Body.GetProperty("detail").GetString(), hidden.Body.GetProperty("detail").GetString());
            AssertProblem(await Send(client, HttpMethod.Post, $"/api/v1/holds/{secret}/release", new { reason = "no" }), HttpStatusCode.NotFound, "hold.not_found");
            AssertProblem(await Send(client, HttpMethod.Post, $"/api/v1/holds/{secret}/extend", new { endsAt = "2025-06-01T00:00:00Z" }), HttpStatusCode.NotFound, "hold.not_found");
        }

        Assert.Equal(HttpStatusCode.OK, (await Send(f.Lawful, HttpMethod.Get, $"/api/v1/holds/{secret}")).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(f.Lawful, HttpMethod.Post, $"/api/v1/holds/{secret}/release", new { reason = "Order withdrawn" })).Status);
    }

    [Theory, AllEngines]
    public async Task ReleaseAndExtend_OnlyByTheTenancyThatPlacedIt(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);
        var byTenant = await PlaceAsync(f.TenantA, Claims(endsAt: "2025-06-01T00:00:00Z"));
        var byProvider = await PlaceAsync(f.Provider, Claims("org-a", endsAt: "2025-06-01T00:00:00Z"));

        // The tenant sees the provider's (non-authority) hold in its organisation but cannot change it, and vice versa.
        Assert.Contains(byProvider, await ListAsync(f.TenantA));
        AssertProblem(await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{byProvider}/release", new { reason = "x" }), HttpStatusCode.Forbidden, "hold.placed_by_provider");
        AssertProblem(await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{byProvider}/extend", new { endsAt = "2025-07-01T00:00:00Z" }), HttpStatusCode.Forbidden, "hold.placed_by_provider");
        AssertProblem(await Send(f.Provider, HttpMethod.Post, $"/api/v1/holds/{byTenant}/release", new { reason = "x" }), HttpStatusCode.Forbidden, "hold.placed_by_organization");
        AssertProblem(await Send(f.Lawful, HttpMethod.Post, $"/api/v1/holds/{byTenant}/release", new { reason = "x" }), HttpStatusCode.Forbidden, "hold.placed_by_organization");

        // Another organisation's key: exactly "not found".
        AssertProblem(await Send(f.TenantB, HttpMethod.Post, $"/api/v1/holds/{byTenant}/release", new { reason = "x" }), HttpStatusCode.NotFound, "hold.not_found");
        AssertProblem(await Send(f.TenantB, HttpMethod.Get, $"/api/v1/holds/{byProvider}"), HttpStatusCode.NotFound, "hold.not_found");

        Assert.Equal(HttpStatusCode.OK, (await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{byTenant}/extend", new { endsAt = "2025-07-01T00:00:00Z" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await Send(f.Provider, HttpMethod.Post, $"/api/v1/holds/{byProvider}/release", new { reason = "Settled" })).Status);
    }

    [Theory, AllEngines]
    public async Task ProviderWideHold_InvisibleToTenants_NeedsIdentifiers(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);

        AssertFieldProblem(await Send(f.Provider, HttpMethod.Post, "/api/v1/holds", Claims()), "identifiers", "hold.scope_required");
        var wide = await PlaceAsync(f.Provider, Claims(identifiers: new[] { new { kind = "email", value = "Jan@Voorbeeld.example" } }));

        Assert.Contains(wide, await ListAsync(f.Provider));
        Assert.DoesNotContain(wide, await ListAsync(f.TenantA));
        AssertProblem(await Send(f.TenantA, HttpMethod.Get, $"/api/v1/holds/{wide}"), HttpStatusCode.NotFound, "hold.not_found");
    }

    [Theory, AllEngines]
    public async Task PreservationOrder_90DaysOnceExtendableBy90_ThenRefused(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);

        // 1 March 10:00 Amsterdam + 90 days = 30 May 10:00 Amsterdam (08:00 UTC, summer time).
        AssertFieldProblem(await Send(f.Lawful, HttpMethod.Post, "/api/v1/holds", Order("org-a", "2025-05-30T08:00:01Z")), "endsAt", "hold.duration_limit");
        AssertFieldProblem(await Send(f.Lawful, HttpMethod.Post, "/api/v1/holds", new { basis = "preservation_order_126ni", reason = "r", reference = "OvJ-1", organization = "org-a" }), "endsAt", "hold.end_required");
        var id = await PlaceAsync(f.Lawful, Order("org-a", "2025-05-30T08:00:00Z"));

        AssertFieldProblem(await Send(f.Lawful, HttpMethod.Post, $"/api/v1/holds/{id}/extend", new { endsAt = "2025-08-28T08:00:01Z" }), "endsAt", "hold.duration_limit");
        AssertFieldProblem(await Send(f.Lawful, HttpMethod.Post, $"/api/v1/holds/{id}/extend", new { endsAt = "2025-05-30T08:00:00Z" }), "endsAt", "hold.not_later");
        var extended = await Send(f.Lawful, HttpMethod.Post, $"/api/v1/holds/{id}/extend", new { endsAt = "2025-08-28T08:00:00Z" });
        Assert.Equal(HttpStatusCode.OK, extended.Status);
        Assert.Equal(1, extended.Body.GetProperty("extensionCount").GetInt32());
        Assert.Equal("2025-08-28T08:00:00Z", extended.Body.GetProperty("endsAt").GetString());

        AssertProblem(await Send(f.Lawful, HttpMethod.Post, $"/api/v1/holds/{id}/extend", new { endsAt = "2025-08-29T08:00:00Z" }), HttpStatusCode.Conflict, "hold.extension_limit");
    }

    [Theory, AllEngines]
    public async Task Extend_EndedHold_IsRefused_AndTheHoldIsNoLongerActive(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);
        var id = await PlaceAsync(f.TenantA, Claims(endsAt: "2025-03-10T00:00:00Z"));

        f.Time.Advance(TimeSpan.FromDays(10));

        AssertProblem(await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{id}/extend", new { endsAt = "2025-04-10T00:00:00Z" }), HttpStatusCode.Conflict, "hold.ended");
        var (_, body) = await Send(f.TenantA, HttpMethod.Get, $"/api/v1/holds/{id}");
        Assert.False(body.GetProperty("active").GetBoolean());
    }

    [Theory, AllEngines]
    public async Task Place_BrokenRules_AnswerProblemDetailsWithFieldAndRule(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);

        AssertFieldProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", new { basis = "legal_claims", reason = "r", categories = new[] { "no.such.category" } }), "categories[0]", "hold.unknown_category");
        AssertFieldProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", new { basis = "restriction_art18", ground = "legal_claims", reason = "r" }), "identifiers", "hold.identifiers_required");
        AssertFieldProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", new { basis = "legal_claims", reason = "r", startsAt = "2025-04-01T00:00:00Z", endsAt = "2025-03-20T00:00:00Z" }), "endsAt", "hold.ends_before_start");
        AssertFieldProblem(await Send(f.TenantA, HttpMethod.Post, "/api/v1/holds", new { basis = "seizure", reason = "r" }), "basis", "field.not_allowed");
        var restriction = await StoreApi.PostAsync(f.TenantA, "/api/v1/holds", new
        {
            basis = "restriction_art18",
            ground = "legal_claims",
            reason = "Art. 18 request R-5",
            identifiers = new[] { new { kind = "email", value = "piet@voorbeeld.example" } },
        });
        Assert.Equal("legal_claims", restriction.GetProperty("ground").GetString());
    }

    [Theory, AllEngines]
    public async Task Place_SameIdempotencyKeyTwice_ReplaysTheFirstAnswer(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);

        async Task<(HttpStatusCode, string, bool)> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/holds") { Content = System.Net.Http.Json.JsonContent.Create(Claims()) };
            request.Headers.Add("Idempotency-Key", "hold-1");
            using var response = await f.TenantA.SendAsync(request, Ct);
            return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct), response.Headers.Contains("Idempotent-Replayed"));
        }

        var first = await Post();
        var second = await Post();

        Assert.Equal(HttpStatusCode.Created, first.Item1);
        Assert.Equal((first.Item1, first.Item2, true), second);
        Assert.Single(await ListAsync(f.TenantA));
    }

    [Theory, AllEngines]
    public async Task Audit_EveryChangeAndRead_RecordedWithoutReasonOrIdentifierInClear_ChainVerifies(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);
        var claim = await PlaceAsync(f.TenantA, new
        {
            basis = "legal_claims",
            reason = "Reasontext-canary",
            reference = "Refcanary-9",
            identifiers = new[] { new { kind = "phone", value = "+31640000777" } },
            endsAt = "2025-06-01T00:00:00Z",
        });
        var order = await PlaceAsync(f.Lawful, Order("org-a", "2025-05-01T00:00:00Z"));
        await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{claim}/extend", new { endsAt = "2025-07-01T00:00:00Z" });
        await Send(f.TenantA, HttpMethod.Get, $"/api/v1/holds/{claim}");
        await ListAsync(f.TenantA);
        await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{claim}/release", new { reason = "Releasecanary settled" });

        await using var scope = f.Api.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();
        db.ScopeTo(TenantScope.Everything);
        var events = await db.Set<AuditEvent>().AsNoTracking().Where(e => e.Action.StartsWith("hold.")).OrderBy(e => e.Seq).ToListAsync(Ct);

        Assert.Equal(["hold.placed", "hold.placed", "hold.extended", "hold.viewed", "hold.listed", "hold.released"], events.Select(e => e.Action));
        foreach (var e in events)
        {
            var text = e.Objects + e.Details + e.Reason;
            Assert.DoesNotContain("canary", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("640000777", text, StringComparison.Ordinal);
            Assert.DoesNotContain("OvJ-2025", text, StringComparison.Ordinal);
        }

        var hasher = scope.ServiceProvider.GetRequiredService<AuditHasher>();
        Assert.Contains(hasher.HashIdentifier("phone", "+31640000777"), events[0].Details, StringComparison.Ordinal);
        Assert.Contains(hasher.HashIdentifier("hold_reason", "Reasontext-canary"), events[0].Details, StringComparison.Ordinal);
        Assert.Equal(f.OrgA, events[0].OrganizationId);
        Assert.Contains(order.ToString(), events[1].Objects, StringComparison.Ordinal);
        Assert.Null(events[1].OrganizationId); // an authority hold: no organisation in the trail

        var verify = await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(db, null, Ct);
        Assert.True(verify.Intact, string.Join("; ", verify.Problems));
    }

    [Theory, AllEngines]
    public async Task ActiveAtAsync_ReturnsExactlyTheActiveHolds_WhateverTheContextsTenant(Engine engine)
    {
        await using var f = await Fixture.StartAsync(engine);
        var whole = await PlaceAsync(f.TenantA, new { basis = "legal_claims", reason = "r", categories = new[] { "usage.call_detail_records" } });
        var wide = await PlaceAsync(f.Provider, Claims(identifiers: new[] { new { kind = "phone", value = "+31640000001" } }));
        var secret = await PlaceAsync(f.Lawful, Order("org-b", "2025-04-01T00:00:00Z"));
        var later = await PlaceAsync(f.TenantA, new { basis = "other", reason = "r", startsAt = "2025-03-20T00:00:00Z" });
        var released = await PlaceAsync(f.TenantA, Claims());
        await Send(f.TenantA, HttpMethod.Post, $"/api/v1/holds/{released}/release", new { reason = "done" });
        var restriction = await PlaceAsync(f.TenantB, new { basis = "restriction_art18", ground = "accuracy_contested", reason = "R-1", identifiers = new[] { new { kind = "imei", value = TenantRecords.Imei(1) } } });

        await using var tenantContext = f.Api.Server.Database.CreateContext(TenantScope.For(f.OrgA));
        var now = await LegalHolds.ActiveAtAsync(tenantContext, Instant.FromDateTimeOffset(Start), Ct);
        var inApril = await LegalHolds.ActiveAtAsync(tenantContext, Instant.FromUtc(2025, 4, 2, 0, 0), Ct);

        Assert.Equal(new[] { whole, wide, secret, restriction }.Order(), now.Scopes.Select(s => s.HoldId).Order());
        Assert.Equal(new[] { whole, wide, later, restriction }.Order(), inApril.Scopes.Select(s => s.HoldId).Order());
        Assert.True(now.For("usage.call_detail_records", f.OrgA).Everything);
        Assert.True(now.Covers("general.support_information", f.OrgB, Instant.FromUtc(2024, 1, 1, 0, 0), new HashSet<(IdentifierKind, string)> { (IdentifierKind.PhoneNumber, "+31640000001") }));
        Assert.True(now.Covers("usage.call_detail_records", f.OrgB, Instant.FromUtc(2024, 1, 1, 0, 0), new HashSet<(IdentifierKind, string)> { (IdentifierKind.Imei, TenantRecords.Imei(1)) }));
        Assert.False(now.Covers("general.support_information", f.OrgA, Instant.FromUtc(2024, 1, 1, 0, 0), new HashSet<(IdentifierKind, string)>()));
    }
}
