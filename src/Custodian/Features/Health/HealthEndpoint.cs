using Custodian.Core.Persistence;
using Custodian.Features.Register;

namespace Custodian.Features.Health;

/// <summary>
/// <c>GET /health</c>: readiness. 200 when the database is reachable, every migration is applied and the register is
/// valid; 503 otherwise. It names which check failed but never connection details or secrets.
/// </summary>
internal static class HealthEndpoint
{
    internal static IEndpointRouteBuilder MapHealthEndpoint(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", async (DatabaseMigrator migrator, ActiveRegister register, DatabaseTarget target, CancellationToken ct) =>
        {
            var status = await migrator.GetStatusAsync(ct);
            var report = new HealthReport(
                Status: status.CanConnect && status.Pending.Count == 0 ? "ready" : "unready",
                Database: new DatabaseHealth(target.Engine == DatabaseEngine.Sqlite ? "sqlite" : "postgresql", status.CanConnect ? "reachable" : "unreachable"),
                Migrations: new MigrationHealth(status.Pending.Count == 0 ? "applied" : "pending", status.Applied.Count, status.Pending),
                Register: new RegisterHealth("valid", register.Sha256, register.Register.Statement.LastUpdated.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), register.Warnings.Count));
            return report.Status == "ready"
                ? Results.Ok(report)
                : Results.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
        })
        .WithName("GetHealth")
        .WithTags("Health")
        .WithSummary("Readiness: database reachable, migrations applied, register valid")
        .Produces<HealthReport>()
        .Produces<HealthReport>(StatusCodes.Status503ServiceUnavailable);
        return endpoints;
    }
}

internal sealed record HealthReport(string Status, DatabaseHealth Database, MigrationHealth Migrations, RegisterHealth Register);

internal sealed record DatabaseHealth(string Engine, string Status);

internal sealed record MigrationHealth(string Status, int Applied, IReadOnlyList<string> Pending);

internal sealed record RegisterHealth(string Status, string Sha256, string LastUpdated, int Warnings);
