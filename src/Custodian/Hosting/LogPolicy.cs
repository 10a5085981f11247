namespace Custodian.Hosting;

/// <summary>
/// No personal data in logs. The framework's per-request logs carry URLs with query strings (a searched phone number, an
/// e-mail address), so they are held at Warning; EF's command and update logs carry SQL text and parameters and say
/// nothing at all (<see cref="SilentCategories"/>). Custodian's own logs use source-generated messages that carry ids
/// and counts only.
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
    ];

    /// <summary>
    /// EF logs every failed command, save and commit at Error with the whole exception and the SQL text, before our code
    /// has decided what it means (a unique violation is often expected and handled). The exception always reaches our
    /// code, which logs it once: the exception handler's stack trace for a bug, one coded line for a storage fault
    /// (<see cref="StorageFaultLog"/>), the timers their own line. So these say nothing of their own.
    /// <para>
    /// The same holds for a failed connection (<c>Database.Connection</c>: a database restart) and, in
    /// <see cref="ErrorSilentCategories"/>, for a query that fails while its results are read (EF's
    /// <c>QueryIterationFailed</c>, an Npgsql "end of the stream" trace when the server stops mid-query), whose category
    /// keeps its warnings (a query shape worth fixing).
    /// </para>
    /// </summary>
    internal static readonly string[] SilentCategories =
    [
        "Microsoft.EntityFrameworkCore.Database.Command",
        "Microsoft.EntityFrameworkCore.Database.Connection",
        "Microsoft.EntityFrameworkCore.Database.Transaction",
        "Microsoft.EntityFrameworkCore.Update",
    ];

    /// <summary>Warnings only: their errors are exceptions our code receives and logs once (see <see cref="SilentCategories"/>).</summary>
    internal static readonly string[] ErrorSilentCategories =
    [
        "Microsoft.EntityFrameworkCore.Query",
    ];

    internal static void Apply(ILoggingBuilder logging)
    {
        foreach (var category in QuietCategories)
        {
            logging.AddFilter(category, LogLevel.Warning);
        }

        foreach (var category in SilentCategories)
        {
            logging.AddFilter(category, LogLevel.None);
        }

        foreach (var category in ErrorSilentCategories)
        {
            logging.AddFilter(category, level => level == LogLevel.Warning);
        }
    }
}
