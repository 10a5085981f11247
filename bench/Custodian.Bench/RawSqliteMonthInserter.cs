using System.Globalization;
using Custodian.Core.Features.Events;
using Microsoft.Data.Sqlite;
using NodaTime;

namespace Custodian.Bench;

/// <summary>
/// The raw SQLite engine path the benchmarks compare the product with: one prepared <c>INSERT</c> per month table,
/// parameters set by position, no checks, no audit. Used for the import benchmark's "raw" figure and for loading
/// large generated data sets fast (access report, scale).
/// </summary>
internal sealed class RawSqliteMonthInserter(SqliteConnection connection, UsageTable table, Guid organizationId, Guid batchId) : IDisposable
{
    private readonly Dictionary<YearMonth, SqliteCommand> _commands = [];
    private readonly string _placeholders = string.Join(", ", table.Columns.Select((_, i) => string.Create(CultureInfo.InvariantCulture, $"$p{i}")));
    private readonly byte[] _org = EventTable.ToSqliteId(organizationId);
    private readonly byte[] _batch = EventTable.ToSqliteId(batchId);

    /// <summary>The transaction the inserts run in: set before the first insert, and again after each commit.</summary>
    public SqliteTransaction? Transaction
    {
        get;
        set
        {
            field = value;
            foreach (var command in _commands.Values)
            {
                command.Transaction = value;
            }
        }
    }

    public void Insert(UsageRecord r)
    {
        var month = EventPartitions.MonthOf(r.StartTime);
        if (!_commands.TryGetValue(month, out var c))
        {
            c = connection.CreateCommand();
            c.Transaction = Transaction;
            c.CommandText = $"INSERT INTO {table.MonthTable(month)} ({table.ColumnList}) VALUES ({_placeholders})";
            for (var i = 0; i < table.Columns.Count; i++)
            {
                c.Parameters.Add(new SqliteParameter(string.Create(CultureInfo.InvariantCulture, $"$p{i}"), null));
            }

            c.Prepare();
            _commands[month] = c;
        }

        var p = c.Parameters;
        p[0].Value = _org;
        p[1].Value = EventTable.ToSqliteTime(r.StartTime);
        p[2].Value = r.RecordKey;
        p[3].Value = r.Kind;
        p[4].Value = r.Direction;
        p[5].Value = (object?)r.CallerNumber ?? DBNull.Value;
        p[6].Value = r.CalleeNumber;
        p[7].Value = r.DurationSeconds;
        p[8].Value = r.BilledSeconds;
        p[9].Value = (object?)r.Outcome ?? DBNull.Value;
        p[10].Value = (object?)r.CellId ?? DBNull.Value;
        p[11].Value = (object?)r.Country ?? DBNull.Value;
        p[12].Value = (object?)r.Volume ?? DBNull.Value;
        p[13].Value = r.Cost is { } cost ? cost.ToString(CultureInfo.InvariantCulture) : DBNull.Value;
        p[14].Value = (object?)r.Currency ?? DBNull.Value;
        p[15].Value = (object?)r.ServiceReference ?? DBNull.Value;
        p[16].Value = _batch;
        c.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var c in _commands.Values)
        {
            c.Dispose();
        }
    }
}
