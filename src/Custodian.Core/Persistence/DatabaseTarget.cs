using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Custodian.Core.Persistence;

/// <summary>
/// Which database Custodian talks to. <see cref="ToString"/> and <see cref="Describe"/> never show a password,
/// so a target may be logged; <see cref="ConnectionString"/> may hold one and must not be.
/// </summary>
internal sealed record DatabaseTarget(DatabaseEngine Engine, string ConnectionString)
{
    /// <summary>File name of the embedded database inside the data folder.</summary>
    public const string DefaultSqliteFileName = "custodian.db";

    /// <summary>
    /// Turns the operator's database setting into a target.
    /// <list type="bullet">
    /// <item>null or blank: SQLite file <c>custodian.db</c> in <paramref name="dataFolder"/> (created if missing);</item>
    /// <item><c>postgres://</c> / <c>postgresql://</c> URI, or a keyword connection string with <c>Host</c>/<c>Server</c>: PostgreSQL;</item>
    /// <item>a keyword connection string with <c>Data Source</c>/<c>Filename</c>: SQLite;</item>
    /// <item>anything else: a SQLite file path, relative to the current directory.</item>
    /// </list>
    /// </summary>
    /// <exception cref="DatabaseTargetException">The value cannot be used; the message never repeats a password.</exception>
    public static DatabaseTarget Resolve(string? dbSetting, string dataFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataFolder);

        if (string.IsNullOrWhiteSpace(dbSetting))
        {
            var folder = Path.GetFullPath(dataFolder);
            Directory.CreateDirectory(folder);
            return SqliteFile(Path.Combine(folder, DefaultSqliteFileName));
        }

        var value = dbSetting.Trim();
        var schemeEnd = value.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd > 0)
        {
            var scheme = value[..schemeEnd].ToLowerInvariant();
            return scheme is "postgres" or "postgresql"
                ? new DatabaseTarget(DatabaseEngine.Postgres, PostgresUriToKeywords(value))
                : throw new DatabaseTargetException(
                    $"Unsupported database URI scheme '{scheme}'. Use a postgres:// or postgresql:// URI, a PostgreSQL connection string (Host=...), or a SQLite file path.");
        }

        if (LooksLikeKeywordString(value, out var keys))
        {
            if (keys.Contains("host") || keys.Contains("server"))
            {
                return new DatabaseTarget(DatabaseEngine.Postgres, ValidatePostgres(value));
            }

            if (keys.Contains("data source") || keys.Contains("datasource") || keys.Contains("filename"))
            {
                return SqliteConnectionString(value);
            }

            throw new DatabaseTargetException(
                "The database setting looks like a connection string but has neither Host (PostgreSQL) nor Data Source (SQLite).");
        }

        return SqliteFile(value);
    }

    /// <summary>A one-line description safe for logs and console output: the password is never included.</summary>
    public string Describe()
    {
        switch (Engine)
        {
            case DatabaseEngine.Sqlite:
                return $"SQLite {new SqliteConnectionStringBuilder(ConnectionString).DataSource}";
            case DatabaseEngine.Postgres:
                var b = new NpgsqlConnectionStringBuilder(ConnectionString);
                var port = b.Port.ToString(CultureInfo.InvariantCulture);
                var password = string.IsNullOrEmpty(b.Password) ? "" : " (password set)";
                return $"PostgreSQL {b.Host}:{port}/{b.Database} as {b.Username}{password}";
            default:
                throw new InvalidOperationException($"Unknown engine {Engine}.");
        }
    }

    /// <summary>Never prints the connection string (the record default would, password included).</summary>
    public override string ToString() => Describe();

    private static DatabaseTarget SqliteFile(string path)
    {
        if (path == ":memory:" || path.StartsWith("file::memory:", StringComparison.OrdinalIgnoreCase))
        {
            throw new DatabaseTargetException("An in-memory SQLite database loses all data when the process stops; give a file path.");
        }

        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new DatabaseTargetException($"'{path}' is not a usable SQLite file path: {e.Message}");
        }

        if (Directory.Exists(full))
        {
            throw new DatabaseTargetException($"'{full}' is a folder; give the path of the SQLite database file, for example {Path.Combine(full, DefaultSqliteFileName)}.");
        }

        var folder = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        return new DatabaseTarget(DatabaseEngine.Sqlite, new SqliteConnectionStringBuilder { DataSource = full }.ToString());
    }

    private static DatabaseTarget SqliteConnectionString(string value)
    {
        SqliteConnectionStringBuilder b;
        try
        {
            b = new SqliteConnectionStringBuilder(value);
        }
        catch (ArgumentException e)
        {
            throw new DatabaseTargetException($"Not a valid SQLite connection string: {e.Message}");
        }

        if (b.Mode == SqliteOpenMode.Memory)
        {
            throw new DatabaseTargetException("An in-memory SQLite database loses all data when the process stops; give a file path.");
        }

        var file = SqliteFile(b.DataSource);
        b.DataSource = new SqliteConnectionStringBuilder(file.ConnectionString).DataSource;
        return file with { ConnectionString = b.ToString() };
    }

    private static bool LooksLikeKeywordString(string value, out HashSet<string> keys)
    {
        keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            var b = new DbConnectionStringBuilder { ConnectionString = value };
            foreach (string key in b.Keys)
            {
                keys.Add(key.Trim().ToLowerInvariant());
            }

            return true;
        }
        catch (ArgumentException)
        {
            // Not key=value syntax: a file name that happens to contain '='.
            return false;
        }
    }

    private static string ValidatePostgres(string value)
    {
        try
        {
            var b = new NpgsqlConnectionStringBuilder(value);
            if (string.IsNullOrWhiteSpace(b.Host))
            {
                throw new DatabaseTargetException("The PostgreSQL connection string has an empty Host.");
            }

            return b.ConnectionString;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            // Npgsql's messages name the keyword, not its value, so they are safe to repeat.
            throw new DatabaseTargetException($"Not a valid PostgreSQL connection string: {e.Message}");
        }
    }

    /// <summary>
    /// Converts <c>postgres://user:password@host:port/database?key=value</c> to Npgsql keyword form.
    /// Query parameters are libpq-style (<c>sslmode</c>, <c>application_name</c>, ...) or any Npgsql keyword.
    /// </summary>
    private static string PostgresUriToKeywords(string value)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new DatabaseTargetException("The PostgreSQL URI could not be parsed; expected postgresql://user:password@host:port/database.");
        }

        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
        };

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            b.Username = Uri.UnescapeDataString(colon < 0 ? uri.UserInfo : uri.UserInfo[..colon]);
            if (colon >= 0)
            {
                b.Password = Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
            }
        }

        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0)
        {
            b.Database = database;
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var val = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            var keyword = key.ToLowerInvariant() switch
            {
                "sslmode" => "SSL Mode",
                "application_name" => "Application Name",
                "connect_timeout" => "Timeout",
                "options" => "Options",
                "sslrootcert" => "Root Certificate",
                "sslcert" => "SSL Certificate",
                "sslkey" => "SSL Key",
                "target_session_attrs" => "Target Session Attributes",
                _ => key,
            };
            try
            {
                b[keyword] = val;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            {
                throw new DatabaseTargetException($"The PostgreSQL URI has an unusable parameter '{key}': {e.Message}");
            }
        }

        return b.ConnectionString;
    }
}

/// <summary>The database setting cannot be used. The message is safe to show: it never contains a password.</summary>
internal sealed class DatabaseTargetException(string message) : Exception(message);
