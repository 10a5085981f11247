using Custodian.Core.Common;
using Custodian.Core.Features.Audit;
using Custodian.Core.Features.Store;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using NodaTime;

namespace Custodian.Core.Features.ApiKeys;

/// <summary>A key as just created: <see cref="FullKey"/> is shown once and never stored.</summary>
internal sealed record CreatedApiKey(ApiKey Key, string FullKey);

/// <summary>Who an authenticated key is: enough to build the request's tenant scope and audit actor.</summary>
internal sealed record ApiKeyIdentity(Guid KeyId, string Prefix, Guid? OrganizationId, IReadOnlyList<string> Scopes)
{
    /// <summary>Tenant keys: their organisation. Provider keys: every organisation with <c>tenants:all</c>, none without.</summary>
    public TenantScope TenantScope => OrganizationId is { } id
        ? TenantScope.For(id)
        : Scopes.Contains(ApiScopes.AllTenants) ? TenantScope.Everything : TenantScope.None;

    public AuditActor Actor => new(AuditActorKind.ApiKey, KeyId.ToString());
}

/// <summary>Creating, listing, revoking and checking API keys (operator commands; the web host's authentication handler).</summary>
internal sealed class ApiKeyRegistry(CustodianDbContext db, IAuditTrail audit, TimeProvider time)
{
    /// <summary>Crash-test point (L-10): the key and its audit event are committed, the command has not yet answered.</summary>
    public const string FailPointCreatedAfterCommit = "api_key.created.after_commit";

    /// <summary>How stale <see cref="ApiKey.LastUsedAt"/> may get before a request writes it again (saves a write per request).</summary>
    public static readonly Duration LastUsedResolution = Duration.FromMinutes(1);

    private Instant Now => Instant.FromDateTimeOffset(time.GetUtcNow());

    /// <param name="organizationCode">The tenant the key belongs to; null for a provider feed key.</param>
    /// <param name="scopes">The scopes; see <see cref="ApiScopes"/>. <c>tenants:all</c> only for provider keys.</param>
    /// <param name="name">A label for operators.</param>
    /// <param name="actor">Who creates it (for the audit event).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<StoreResult<CreatedApiKey>> CreateAsync(
        string? organizationCode, IReadOnlyCollection<string> scopes, string? name, AuditActor actor, CancellationToken ct)
    {
        var v = new FieldValidator();
        var unknown = scopes.Where(s => !ApiScopes.All.Contains(s)).ToList();
        if (scopes.Count == 0)
        {
            v.Add("scopes", "api_key.no_scopes", $"Give at least one scope: {string.Join(", ", ApiScopes.All)}.");
        }
        else if (unknown.Count > 0)
        {
            v.Add("scopes", "api_key.unknown_scope", $"Unknown scope(s) {string.Join(", ", unknown)}; known: {string.Join(", ", ApiScopes.All)}.");
        }

        if (organizationCode is not null && scopes.Contains(ApiScopes.AllTenants))
        {
            v.Add("scopes", "api_key.tenant_cannot_span", "A key of one organisation cannot hold tenants:all.");
        }

        if (organizationCode is not null && scopes.Contains(ApiScopes.HoldsLawful))
        {
            // Authority holds are secret from the organisation whose data they concern.
            v.Add("scopes", "api_key.tenant_cannot_be_lawful", "A key of one organisation cannot hold holds:lawful.");
        }

        if (organizationCode is not null && scopes.Contains(ApiScopes.DisclosuresManage))
        {
            v.Add("scopes", "api_key.tenant_cannot_disclose", "A key of one organisation cannot hold disclosures:manage.");
        }

        var label = v.Text("name", name, 100, required: false);
        Guid? organizationId = null;
        if (organizationCode is not null)
        {
            db.ScopeTo(TenantScope.Everything);
            organizationId = await db.Organizations.Where(o => o.Code == organizationCode).Select(o => (Guid?)o.Id).FirstOrDefaultAsync(ct);
            if (organizationId is null)
            {
                v.Add("organization", "organization.not_found", "There is no organisation with this code.");
            }
        }

        if (!v.IsValid)
        {
            return v.ToError();
        }

        var (prefix, secret, full) = ApiKeySecret.Generate();
        var key = new ApiKey
        {
            Prefix = prefix,
            SecretHash = ApiKeySecret.Hash(secret),
            OrganizationId = organizationId,
            Name = label,
            Scopes = string.Join(' ', scopes.Distinct(StringComparer.Ordinal)),
            CreatedAt = Now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        await audit.AppendAsync(db, new AuditEntry("api_key.created", actor, organizationId, [new AuditObject("api_key", key.Id.ToString())]), ct);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        FailPoints.Hit(FailPointCreatedAfterCommit);
        return new CreatedApiKey(key, full);
    }

    public async Task<IReadOnlyList<(ApiKey Key, string? OrganizationCode)>> ListAsync(CancellationToken ct)
    {
        db.ScopeTo(TenantScope.Everything);
        var keys = await db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(ct);
        var codes = await db.Organizations.AsNoTracking().ToDictionaryAsync(o => o.Id, o => o.Code, ct);
        return [.. keys.Select(k => (k, k.OrganizationId is { } id ? codes.GetValueOrDefault(id) : null))];
    }

    public async Task<StoreResult<ApiKey>> RevokeAsync(string prefix, AuditActor actor, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Prefix == prefix, ct);
        if (key is null)
        {
            return StoreErrors.NotFound("api_key");
        }

        if (key.RevokedAt is null)
        {
            key.RevokedAt = Now;
            await db.SaveChangesAsync(ct);
            await audit.AppendAsync(db, new AuditEntry("api_key.revoked", actor, key.OrganizationId, [new AuditObject("api_key", key.Id.ToString())]), ct);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return key;
    }

    /// <summary>
    /// The identity behind a presented <c>cust_…</c> key, or null when it is malformed, unknown, wrong or revoked (one
    /// answer for all, so a caller learns nothing about which prefixes exist). Updates <see cref="ApiKey.LastUsedAt"/>.
    /// </summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string presented, CancellationToken ct)
    {
        if (!ApiKeySecret.TryParse(presented, out var prefix, out var secret))
        {
            return null;
        }

        var key = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Prefix == prefix, ct);
        if (key is null || key.RevokedAt is not null || !ApiKeySecret.Matches(secret, key.SecretHash))
        {
            return null;
        }

        var now = Now;
        if (key.LastUsedAt is null || key.LastUsedAt < now - LastUsedResolution)
        {
            await db.ApiKeys.Where(k => k.Id == key.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
        }

        return new ApiKeyIdentity(key.Id, key.Prefix, key.OrganizationId, key.ScopeList);
    }
}
