using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Custodian.Configuration;
using Custodian.Hosting;
using Microsoft.AspNetCore.RateLimiting;

namespace Custodian.Features.ApiKeys;

/// <summary>
/// The API's per-key rate limit (setting <c>apiRateLimit</c>): a token bucket per API key id that refills
/// <see cref="PerSecond"/> tokens each second up to <see cref="Burst"/>. Over it, the API answers 429
/// <c>api.rate_limited</c> with <c>Retry-After</c>. Null (the setting <c>off</c>) means no limit.
/// </summary>
/// <remarks>
/// The buckets live in the node's memory: with N nodes behind a load balancer that spreads a key's requests, the key
/// gets up to N times the rate. Either pin keys to a node at the load balancer, or set the per-node rate to the
/// total divided by N (docs/operations: single-ingress assumption). Requests without a valid key are not counted here
/// (they fail authentication before touching data).
/// </remarks>
internal sealed partial record ApiRateLimit(int PerSecond, int Burst)
{
    public const string Code = "api.rate_limited";

    /// <summary>Generous enough for any integration we know of, low enough that one runaway client cannot starve the others.</summary>
    public static readonly ApiRateLimit Default = new(50, 200);

    /// <summary>How often the bucket gets <see cref="PerSecond"/> tokens; one second except in tests, which slow the refill so a loaded machine cannot refill a bucket mid-burst.</summary>
    internal TimeSpan RefillPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{PerSecond}/s burst {Burst}");

    /// <summary>Parses <c>off</c>, <c>N/s</c> or <c>N/s burst M</c> (burst defaults to 4×N); null input gives the default.</summary>
    public static ApiRateLimit? Parse(string? value, SettingSource source)
    {
        var text = value?.Trim();
        if (text is null or "")
        {
            return Default;
        }

        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var m = Syntax().Match(text);
        if (m.Success
            && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var rate) && rate is >= 1 and <= 1_000_000
            && (!m.Groups[2].Success || int.TryParse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var burst = m.Groups[2].Success ? int.Parse(m.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture) : rate * 4;
            if (burst >= rate)
            {
                return new ApiRateLimit(rate, burst);
            }
        }

        throw new SettingsException($"error settings.invalid_api_rate_limit: \"{text}\" ({source}) is not 'off', 'N/s' or 'N/s burst M' (M at least N), e.g. '50/s burst 200'.");
    }

    [GeneratedRegex(@"^(\d{1,7})\s*/\s*s(?:\s+burst\s+(\d{1,9}))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Syntax();
}

internal static class ApiRateLimiting
{
    /// <summary>
    /// Registers the limiter. The <see cref="ApiRateLimit"/> is resolved from DI when the options are built, so a
    /// later registration (a test's) replaces the one given here; a null limit registers nothing to resolve.
    /// </summary>
    internal static IServiceCollection AddCustodianApiRateLimit(this IServiceCollection services, ApiRateLimit? limit)
    {
        services.AddSingleton(new ApiRateLimitSetting(limit));
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<ApiRateLimitSetting>((o, setting) =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = OnRejectedAsync;
            if (setting.Limit is not { } l)
            {
                return;
            }

            var bucket = new TokenBucketRateLimiterOptions
            {
                TokenLimit = l.Burst,
                TokensPerPeriod = l.PerSecond,
                ReplenishmentPeriod = l.RefillPeriod,
                QueueLimit = 0,
                AutoReplenishment = true,
            };
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(ctx =>
                ctx.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                && ctx.User.Identity?.AuthenticationType == ApiKeyAuthentication.Scheme
                && ctx.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } keyId
                    ? RateLimitPartition.GetTokenBucketLimiter(keyId, _ => bucket)
                    : RateLimitPartition.GetNoLimiter(string.Empty));
        });
        return services;
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken ct)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry)
            ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds))
            : 1;
        var http = context.HttpContext;
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ApiProblems.Problem(
            StatusCodes.Status429TooManyRequests,
            ApiRateLimit.Code,
            "Too many requests",
            $"This API key sent more requests than its rate limit allows ({context.HttpContext.RequestServices.GetRequiredService<ApiRateLimitSetting>().Limit}); retry after {seconds} s.")
            .ExecuteAsync(http);
    }
}

/// <summary>The resolved <c>apiRateLimit</c> setting in DI (null limit: off).</summary>
internal sealed record ApiRateLimitSetting(ApiRateLimit? Limit);
