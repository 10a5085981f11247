using System.Globalization;
using Custodian.Core.Persistence;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Custodian.Testing.Crash;

/// <summary>A trial's copy of a <see cref="DatabaseTemplate"/>: its database, its data folder, and how to remove both.</summary>
internal sealed record TemplateCopy(DatabaseTarget Target, string Data, string Folder, Func<Task> Remove);

/// <summary>
/// Starting data stored once and copied per crash trial, cheaply: SQLite as a checkpointed database folder copied as
/// files, PostgreSQL as a template database (<c>CREATE DATABASE ... TEMPLATE</c>), each with a data folder (blobs,
/// outbox, sealed months) copied beside it. The kill trials and their fault-free reference all start from a copy.
/// </summary>
internal sealed class DatabaseTemplate : IAsyncDisposable
{
    private readonly PostgresServer? _server;
    private readonly string? _name;
    private int _copies;

    private DatabaseTemplate(Engine engine, PostgresServer? server, string folder, DatabaseTarget target, string? name)
    {
        Engine = engine;
        _server = server;
        Folder = folder;
        Target = target;
        _name = name;
    }

    public Engine Engine { get; }

    /// <summary>The work folder (template and copies below it; removed on dispose).</summary>
    public string Folder { get; }

    /// <summary>The template database, to fill before the first copy.</summary>
    public DatabaseTarget Target { get; }

    /// <summary>The template's data folder, to fill before the first copy.</summary>
    public string Data => Path.Combine(Folder, "template", "data");

    /// <summary>An empty template (no schema yet) in a new subfolder of <paramref name="workFolder"/>.</summary>
    public static async Task<DatabaseTemplate> CreateAsync(Engine engine, PostgresServer? server, string workFolder, string prefix, CancellationToken ct)
    {
        var folder = Directory.CreateDirectory(Path.Combine(workFolder, prefix + "-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "template", "data"));
        if (engine == Engine.Sqlite)
        {
            var dir = Directory.CreateDirectory(Path.Combine(folder, "template", "db")).FullName;
            return new DatabaseTemplate(engine, null, folder, DatabaseTarget.Resolve(Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName), dir), null);
        }

        var pg = server ?? throw new ArgumentNullException(nameof(server), "PostgreSQL needs a server.");
        var name = prefix.Replace('-', '_') + "_template_" + Guid.NewGuid().ToString("N");
        return new DatabaseTemplate(engine, pg, folder, new DatabaseTarget(DatabaseEngine.Postgres, await pg.CreateDatabaseAsync(name, ct)), name);
    }

    /// <summary>
    /// Ends the filling: SQLite's pools are cleared (the main file must be the whole database: checkpoint the WAL before),
    /// PostgreSQL's too (<c>CREATE DATABASE ... TEMPLATE</c> needs the template without connections).
    /// </summary>
    public void Seal()
    {
        if (Engine == Engine.Sqlite)
        {
            SqliteConnection.ClearAllPools();
        }
        else
        {
            NpgsqlConnection.ClearAllPools();
        }
    }

    /// <summary>A fresh copy of the template's database and data folder.</summary>
    public async Task<TemplateCopy> CopyAsync(CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _copies);
        var trial = Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"trial-{n}"));
        var data = Path.Combine(trial, "data");
        CrashChild.CopyFolder(Data, data);
        if (Engine == Engine.Sqlite)
        {
            var dir = Path.Combine(trial, "db");
            CrashChild.CopyFolder(Path.Combine(Folder, "template", "db"), dir);
            var target = DatabaseTarget.Resolve(Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName), dir);
            return new TemplateCopy(target, data, trial, () =>
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(trial, recursive: true);
                return Task.CompletedTask;
            });
        }

        var name = string.Create(CultureInfo.InvariantCulture, $"{_name}_{n}");
        await using (var admin = new NpgsqlConnection(_server!.AdminConnectionString))
        {
            await admin.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\" TEMPLATE \"{_name}\"", admin);
            await command.ExecuteNonQueryAsync(ct);
        }

        var connection = new NpgsqlConnectionStringBuilder(_server.AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
        return new TemplateCopy(new DatabaseTarget(DatabaseEngine.Postgres, connection), data, trial, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await _server.DropDatabaseAsync(name);
            Directory.Delete(trial, recursive: true);
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Engine == Engine.Sqlite)
        {
            SqliteConnection.ClearAllPools();
        }
        else if (_name is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await _server!.DropDatabaseAsync(_name);
        }

        Directory.Delete(Folder, recursive: true);
    }
}
