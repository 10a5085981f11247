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
    /// Rows of <paramref name="table"/> per UTC month and organisation, within <paramref name="scope"/>: the month
    /// tables' counts come from <see cref="EventMonthTotals"/> (kept exact in the transaction of every write to a month,
    /// so no month is read), the held table (rows kept by holds after their month was dropped; few) is read and grouped.
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
            foreach (var total in await EventMonthTotals.ReadAllAsync(connection, transaction, table, ct))
            {
                if (scope.OrganizationId is null || scope.OrganizationId == total.OrganizationId)
                {
                    counts[(total.Month, total.OrganizationId)] = counts.GetValueOrDefault((total.Month, total.OrganizationId)) + total.Rows;
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
