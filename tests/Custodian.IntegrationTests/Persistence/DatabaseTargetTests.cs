using Custodian.Core.Persistence;
using Npgsql;
using Xunit;

namespace Custodian.IntegrationTests.Persistence;

public sealed class DatabaseTargetTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("custodian-target.").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Resolve_NoSetting_SqliteFileInDataFolderWhichIsCreated()
    {
        var dataFolder = Path.Combine(_dir, "data");

        var target = DatabaseTarget.Resolve(null, dataFolder);

        Assert.Equal(DatabaseEngine.Sqlite, target.Engine);
        Assert.True(Directory.Exists(dataFolder));
        Assert.Contains(Path.Combine(dataFolder, "custodian.db"), target.ConnectionString, StringComparison.Ordinal);
        Assert.Equal(target, DatabaseTarget.Resolve("  ", dataFolder));
    }

    [Theory]
    [InlineData("Host=db.example;Database=custodian;Username=app;Password=s3cret")]
    [InlineData("Server=db.example;Port=5433;Database=custodian;User ID=app;Password=s3cret")]
    [InlineData("host=db.example;database=custodian;username=app;password=s3cret")]
    public void Resolve_KeywordConnectionStringWithHost_Postgres(string setting)
    {
        var target = DatabaseTarget.Resolve(setting, _dir);

        Assert.Equal(DatabaseEngine.Postgres, target.Engine);
        var b = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal("db.example", b.Host);
        Assert.Equal("custodian", b.Database);
        Assert.Equal("s3cret", b.Password);
    }

    [Theory]
    [InlineData("postgres://app:p%40ss%3Aword@db.example:5433/custodian?sslmode=require&application_name=custodian")]
    [InlineData("postgresql://app:p%40ss%3Aword@db.example:5433/custodian?sslmode=require&application_name=custodian")]
    public void Resolve_PostgresUri_ConvertedToKeywords(string setting)
    {
        var target = DatabaseTarget.Resolve(setting, _dir);

        Assert.Equal(DatabaseEngine.Postgres, target.Engine);
        var b = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        Assert.Equal("db.example", b.Host);
        Assert.Equal(5433, b.Port);
        Assert.Equal("custodian", b.Database);
        Assert.Equal("app", b.Username);
        Assert.Equal("p@ss:word", b.Password);
        Assert.Equal(SslMode.Require, b.SslMode);
        Assert.Equal("custodian", b.ApplicationName);
    }

    [Fact]
    public void Resolve_PostgresUriWithoutPort_DefaultPort()
    {
        var b = new NpgsqlConnectionStringBuilder(DatabaseTarget.Resolve("postgresql://app@db.example/custodian", _dir).ConnectionString);

        Assert.Equal(5432, b.Port);
        Assert.Null(b.Password);
    }

    [Fact]
    public void Resolve_RelativePath_SqliteFileRelativeToCurrentDirectory()
    {
        var target = DatabaseTarget.Resolve("some-folder-that-is-not-there-yet/x.db", _dir);
        try
        {
            Assert.Equal(DatabaseEngine.Sqlite, target.Engine);
            Assert.Contains(Path.Combine(Directory.GetCurrentDirectory(), "some-folder-that-is-not-there-yet", "x.db"), target.ConnectionString, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.Combine(Directory.GetCurrentDirectory(), "some-folder-that-is-not-there-yet"), recursive: true);
        }
    }

    [Fact]
    public void Resolve_SqliteConnectionString_Sqlite()
    {
        var file = Path.Combine(_dir, "a.db");

        var target = DatabaseTarget.Resolve($"Data Source={file};Cache=Shared", _dir);

        Assert.Equal(DatabaseEngine.Sqlite, target.Engine);
        Assert.Contains(file, target.ConnectionString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql://app@db.example/custodian", "mysql")]
    [InlineData("Database=custodian;Username=app", "neither Host")]
    [InlineData("Host=db.example;NoSuchKeyword=1", "PostgreSQL connection string")]
    [InlineData(":memory:", "in-memory")]
    [InlineData("Data Source=:memory:", "in-memory")]
    public void Resolve_UnusableValue_ClearError(string setting, string expected)
    {
        var e = Assert.Throws<DatabaseTargetException>(() => DatabaseTarget.Resolve(setting, _dir));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ExistingFolder_ClearError()
    {
        var e = Assert.Throws<DatabaseTargetException>(() => DatabaseTarget.Resolve(_dir, _dir));

        Assert.Contains("is a folder", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db.example;Database=custodian;Username=app;Password=s3cret")]
    [InlineData("postgresql://app:s3cret@db.example/custodian")]
    public void DescribeAndToString_PostgresWithPassword_NeverShowPassword(string setting)
    {
        var target = DatabaseTarget.Resolve(setting, _dir);

        Assert.DoesNotContain("s3cret", target.Describe(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", target.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", $"{target}", StringComparison.Ordinal);
        Assert.Contains("db.example", target.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownUriParameter_ErrorDoesNotRepeatPassword()
    {
        var e = Assert.Throws<DatabaseTargetException>(() => DatabaseTarget.Resolve("postgresql://app:s3cret@db.example/custodian?bogus=1", _dir));

        Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
        Assert.Contains("bogus", e.Message, StringComparison.Ordinal);
    }
}
