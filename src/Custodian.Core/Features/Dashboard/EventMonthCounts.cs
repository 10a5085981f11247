using System.Data.Common;
using System.Globalization;
using Custodian.Core.Features.Events;
using Custodian.Core.Features.Tenancy;
using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NodaTime;
using Npgsql;

namespace Custodian.Core.Features.Dashboard;

/// <summary>Rows of one event table in one UTC month (its partition) of one organisation.</summary>
internal sealed record EventMonthCount(YearMonth Month, Guid OrganizationId, long Rows);

/// <summary>
/// Event rows per month and organisation: the only place the dashboard reads the event tables, so the switch to
/// maintained per-month totals is one method (<see cref="CountAsync"/>).
/// </summary>
internal static class EventMonthCounts
{
    /// <summary>
    /// Rows of <paramref name="table"/> per UTC month and organisation, within <paramref name="scope"/>.
    /// <para>TODO(perf): replace the body with a read of the per-month per-organisation totals table once it exists.
    /// Until then this counts each month table (partition) once with <c>COUNT(*) ... GROUP BY organization_id</c>
    /// (a tenant: <c>WHERE organization_id = @o</c>). The month tables have no index leading with the organisation or
    /// the time (their indexes lead with a subscriber identifier), so this reads every row of every month that exists:
    /// cheap per row (no row is returned, only one count per organisation and month) but linear in the event volume.
    /// Held rows (kept by holds after their month was dropped; few) are read and grouped here.</para>
    /// </summary>
    public static async Task<IReadOnlyList<EventMonthCount>> CountAsync(CustodianDbContext db, EventTable table, TenantScope scope, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(scope);
        if (!scope.AllTenants && scope.OrganizationId is null)
        {
            return [];
        }

        var counts = new Dictionary<(YearMonth, Guid), long>();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            var connection = db.Database.GetDbConnection();
            var postgres = connection is NpgsqlConnection;
            var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
            var filter = scope.OrganizationId is null ? "" : " WHERE organization_id = @organization";
            foreach (var month in await EventPartitions.ExistingMonthsAsync(connection, transaction, table, ct))
            {
                await using var command = Command(connection, transaction, postgres, scope,
                    $"SELECT organization_id, COUNT(*) FROM {table.MonthTable(month)}{filter} GROUP BY organization_id");
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var organization = ReadGuid(reader, 0, postgres);
                    counts[(month, organization)] = counts.GetValueOrDefault((month, organization)) + Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
                }
            }

            await using (var command = Command(connection, transaction, postgres, scope, $"SELECT organization_id, start_time FROM {table.HeldTable}{filter}"))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var organization = ReadGuid(reader, 0, postgres);
                    var start = postgres
                        ? Instant.FromDateTimeUtc(DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc))
                        : EventTable.FromSqliteTime(Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
                    var month = EventPartitions.MonthOf(start);
                    counts[(month, organization)] = counts.GetValueOrDefault((month, organization)) + 1;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return [.. counts.Select(c => new EventMonthCount(c.Key.Item1, c.Key.Item2, c.Value)).OrderBy(c => c.Month).ThenBy(c => c.OrganizationId)];
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, bool postgres, TenantScope scope, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        if (scope.OrganizationId is { } organization)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@organization";
            parameter.Value = postgres ? organization : organization.ToByteArray();
            command.Parameters.Add(parameter);
        }

        return command;
    }

    private static Guid ReadGuid(DbDataReader reader, int ordinal, bool postgres) =>
        postgres ? reader.GetGuid(ordinal) : new Guid((byte[])reader.GetValue(ordinal));
}
