using System.Globalization;
using Microsoft.AspNetCore.Localization;

namespace Custodian.Hosting;

/// <summary>
/// The languages of the pages: Dutch by default, English on request. The choice is explicit (<c>?lang=en</c>, then
/// remembered in a cookie); the browser's Accept-Language is deliberately not used, so the provider's statement is
/// shown in its original language unless the reader asks for the translation.
/// </summary>
internal static class Languages
{
    internal static readonly CultureInfo Dutch = CultureInfo.GetCultureInfo("nl");
    internal static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");
    internal static readonly CultureInfo[] Supported = [Dutch, English];

    internal const string QueryKey = "lang";
    internal const string CookieName = "custodian-lang";

    internal static bool IsEnglish(CultureInfo culture) => culture.TwoLetterISOLanguageName == "en";

    internal static string Code(CultureInfo culture) => IsEnglish(culture) ? "en" : "nl";

    internal static RequestLocalizationOptions Options()
    {
        var options = new RequestLocalizationOptions
        {
            DefaultRequestCulture = new RequestCulture(Dutch),
            SupportedCultures = Supported,
            SupportedUICultures = Supported,
        };
        options.RequestCultureProviders.Clear();
        options.RequestCultureProviders.Add(new CustomRequestCultureProvider(context =>
        {
            var requested = context.Request.Query[QueryKey].ToString();
            if (string.IsNullOrEmpty(requested))
            {
                requested = context.Request.Cookies[CookieName] ?? string.Empty;
            }

            var result = requested is "nl" or "en" ? new ProviderCultureResult(requested) : null;
            return Task.FromResult(result);
        }));
        return options;
    }

    /// <summary>Remembers an explicit <c>?lang=</c> choice so links without it keep the language.</summary>
    internal static IApplicationBuilder UseLanguageCookie(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var requested = context.Request.Query[QueryKey].ToString();
        if (requested is "nl" or "en" && context.Request.Cookies[CookieName] != requested)
        {
            context.Response.Cookies.Append(CookieName, requested, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Lax,
                Secure = context.Request.IsHttps,
                IsEssential = true, // a language preference, no personal data
                MaxAge = TimeSpan.FromDays(365),
            });
        }

        await next(context);
    });
}
