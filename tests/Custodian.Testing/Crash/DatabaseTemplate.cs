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
    private readonly string _source;
    private readonly Func<Task>? _removeSource;
    private int _copies;

    /// <param name="engine">The engine.</param>
    /// <param name="server">The PostgreSQL server, or null for SQLite.</param>
    /// <param name="folder">The work folder (copies go below it).</param>
    /// <param name="source">The folder holding the data folder and (SQLite) the <c>db</c> folder that copies start from.</param>
    /// <param name="target">The template database.</param>
    /// <param name="name">The PostgreSQL database copies are made from, or null for SQLite.</param>
    /// <param name="removeSource">Removes a snapshot's source copy on dispose; null for a template that owns its work folder.</param>
    private DatabaseTemplate(Engine engine, PostgresServer? server, string folder, string source, DatabaseTarget target, string? name, Func<Task>? removeSource)
    {
        Engine = engine;
        _server = server;
        Folder = folder;
        _source = source;
        Target = target;
        _name = name;
        _removeSource = removeSource;
    }

    public Engine Engine { get; }

    /// <summary>The work folder (template and copies below it; removed on dispose).</summary>
    public string Folder { get; }

    /// <summary>The template database, to fill before the first copy.</summary>
    public DatabaseTarget Target { get; }

    /// <summary>The template's data folder, to fill before the first copy.</summary>
    public string Data => Path.Combine(_source, "data");

    /// <summary>An empty template (no schema yet) in a new subfolder of <paramref name="workFolder"/>.</summary>
    public static async Task<DatabaseTemplate> CreateAsync(Engine engine, PostgresServer? server, string workFolder, string prefix, CancellationToken ct)
    {
        var folder = Directory.CreateDirectory(Path.Combine(workFolder, prefix + "-" + Guid.NewGuid().ToString("N")[..12])).FullName;
        Directory.CreateDirectory(Path.Combine(folder, "template", "data"));
        if (engine == Engine.Sqlite)
        {
            var dir = Directory.CreateDirectory(Path.Combine(folder, "template", "db")).FullName;
            return new DatabaseTemplate(engine, null, folder, Path.Combine(folder, "template"), DatabaseTarget.Resolve(Path.Combine(dir, DatabaseTarget.DefaultSqliteFileName), dir), null, null);
        }

        var pg = server ?? throw new ArgumentNullException(nameof(server), "PostgreSQL needs a server.");
        var name = prefix.Replace('-', '_') + "_template_" + Guid.NewGuid().ToString("N");
        return new DatabaseTemplate(engine, pg, folder, Path.Combine(folder, "template"), new DatabaseTarget(DatabaseEngine.Postgres, await pg.CreateDatabaseAsync(name, ct)), name, null);
    }

    /// <summary>
    /// A template that starts where <paramref name="copy"/> (of this template) stands now, after more work on it (a
    /// batch imported, or an import killed half-way): its copies start from that state, without redoing the work per
    /// trial. The copy must be left alone from now on; disposing the snapshot removes it.
    /// </summary>
    public DatabaseTemplate Snapshot(TemplateCopy copy)
    {
        ArgumentNullException.ThrowIfNull(copy);
        Seal();
        var name = Engine == Engine.Postgres ? new NpgsqlConnectionStringBuilder(copy.Target.ConnectionString).Database : null;
        return new DatabaseTemplate(Engine, _server, copy.Folder, copy.Folder, copy.Target, name, copy.Remove);
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
            CrashChild.CopyFolder(Path.Combine(_source, "db"), dir);
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
        if (_removeSource is not null)
        {
            await _removeSource();
            return;
        }

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
