using Custodian.Core.Common;
using Microsoft.AspNetCore.Diagnostics;

namespace Custodian.Hosting;

/// <summary>
/// How a request that met a storage fault (disk full, read-only, I/O error, database restarting) is logged: one line
/// with the fault's code and the route pattern, instead of the exception handler's stack trace. The fault is the
/// machine's, not a bug, and the operator needs the code; the route pattern (not the path, which can carry an
/// identifier) and the fault's fixed message carry no personal data.
/// </summary>
internal static partial class StorageFaultLog
{
    /// <summary>For <see cref="ExceptionHandlerOptions.SuppressDiagnosticsCallback"/>: true (framework log suppressed) for a storage fault, after logging its line.</summary>
    public static bool LogInsteadOfStackTrace(ILogger logger, ExceptionHandlerSuppressDiagnosticsContext context)
    {
        if (StorageFaults.Classify(context.Exception) is not { } fault)
        {
            return false;
        }

        var route = (context.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no route)";
        LogFault(logger, fault.Code, context.HttpContext.Request.Method, route, fault.Status, fault.Message);
        return true;
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "Storage fault {Code} on {Method} {Route}: answered {Status}. {Detail}")]
    private static partial void LogFault(ILogger logger, string code, string method, string route, int status, string detail);
}
