using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace Custodian.Testing;

/// <summary>Raw SQL reads for outcome checks that compare runs as text (crash and sweep facts).</summary>
internal static class SqlRows
{
    /// <summary>Each row of <paramref name="sql"/> as one line: its columns in invariant culture, joined by a space (NULL as empty).</summary>
    public static async Task<List<string>> ReadAsync(DbContext db, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<string>();
            while (await reader.ReadAsync(ct))
            {
                rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
            }

            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
