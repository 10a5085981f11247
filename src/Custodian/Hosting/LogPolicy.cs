namespace Custodian.Hosting;

/// <summary>
/// No personal data in logs. The framework's per-request and per-command logs carry URLs with query strings (a searched
/// phone number, an e-mail address) and SQL text, so they are held at Warning; Custodian's own logs use
/// source-generated messages that carry ids and counts only.
/// </summary>
internal static class LogPolicy
{
    internal static readonly string[] QuietCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",   // "Request starting GET /api/v1/subjects?identifier=..."
        "Microsoft.AspNetCore.Routing",
        "Microsoft.AspNetCore.Mvc",
        "Microsoft.AspNetCore.StaticFiles",
        "Microsoft.AspNetCore.HttpLogging",
        "Microsoft.EntityFrameworkCore.Database.Command", // SQL text
        "Microsoft.EntityFrameworkCore.Query",
        "Microsoft.EntityFrameworkCore.Update",
    ];

    internal static void Apply(ILoggingBuilder logging)
    {
        foreach (var category in QuietCategories)
        {
            logging.AddFilter(category, LogLevel.Warning);
        }
    }
}
