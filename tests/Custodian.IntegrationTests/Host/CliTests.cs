using Custodian.Cli;
using Custodian.Testing;
using Xunit;

namespace Custodian.IntegrationTests.Host;

/// <summary>The CLI as an operator runs it: the same entry point as the executable, with its output captured.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("custodian-cli.");

    public void Dispose() => _dir.Delete(recursive: true);

    private static string ShippedRegister => Path.Combine(AppContext.BaseDirectory, "policy", "register.yaml");

    internal static async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CustodianCli.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>
    /// Runs a command against <paramref name="db"/> with <paramref name="data"/> as the data folder and a fixed test master
    /// key (written there on first use), as an operator's <c>--db --data --master-key-file</c> would.
    /// </summary>
    internal static async Task<(int Exit, string Out, string Err)> RunAsync(TestDatabase db, string data, params string[] args)
    {
        var key = await TestKeyAsync(data);
        return await RunAsync([.. args, "--db", db.Target.ConnectionString, "--data", data, "--master-key-file", key]);
    }

    /// <summary>The tests' fixed master key in <paramref name="data"/>/master.key (written once); its path.</summary>
    private static async Task<string> TestKeyAsync(string data)
    {
        var key = Path.Combine(data, "master.key");
        if (!File.Exists(key))
        {
            await File.WriteAllTextAsync(key, Convert.ToBase64String([.. Enumerable.Range(1, 32).Select(i => (byte)i)]), TestContext.Current.CancellationToken);
        }

        return key;
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        var (exit, output, _) = await RunAsync("--help");

        Assert.Equal(0, exit);
        foreach (var command in new[] { "serve", "db", "register", "--db", "--data", "--register", "--config", "--master-key-file" })
        {
            Assert.Contains(command, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("serve", "--dev")]
    [InlineData("serve", "--urls")]
    [InlineData("db migrate", "durability")]
    [InlineData("db status", "pending")]
    [InlineData("register check", "FILE:LINE:COLUMN")]
    [InlineData("register render", "--lang")]
    [InlineData("register render", "--format")]
    public async Task CommandHelp_ExplainsItsFlags(string command, string expected)
    {
        var (exit, output, _) = await RunAsync([.. command.Split(' '), "--help"]);

        Assert.Equal(0, exit);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommand_IsUsageError()
    {
        var (exit, _, error) = await RunAsync("frobnicate");

        Assert.Equal(2, exit);
        Assert.Contains("frobnicate", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCheck_ShippedRegister_ExitsZeroWithWarningsOnly()
    {
        var (exit, output, _) = await RunAsync("register", "check", ShippedRegister);

        Assert.Equal(0, exit);
        Assert.DoesNotContain(": error ", output, StringComparison.Ordinal);
        Assert.Contains(": warning register.legal_review:", output, StringComparison.Ordinal);
        Assert.Contains("valid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCheck_Defect_ExitsOneWithFileLineColumn()
    {
        var lines = File.ReadAllLines(ShippedRegister).ToList();
        var index = lines.FindIndex(l => l.TrimStart().StartsWith("retention:", StringComparison.Ordinal));
        Assert.True(index >= 0, "the shipped register has a retention key");
        var indent = lines[index].Length - lines[index].TrimStart().Length;
        lines[index] = lines[index].Replace("retention:", "retension:", StringComparison.Ordinal);
        var broken = Path.Combine(_dir.FullName, "broken.yaml");
        File.WriteAllLines(broken, lines);

        var (exit, output, _) = await RunAsync("register", "check", broken);

        Assert.Equal(1, exit);
        Assert.Contains($"{broken}:{index + 1}:{indent + 1}: error register.unknown_key:", output, StringComparison.Ordinal);
        Assert.Contains("invalid", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterCheck_MissingFile_ExitsOne()
    {
        var (exit, output, _) = await RunAsync("register", "check", Path.Combine(_dir.FullName, "none.yaml"));

        Assert.Equal(1, exit);
        Assert.Contains("register.file_not_found", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nl", "md", "| Type dienst |")]
    [InlineData("en", "md", "Type of service")]
    [InlineData("nl", "html", "<html lang=\"nl\"")]
    [InlineData("en", "html", "<html lang=\"en\"")]
    public async Task RegisterRender_LanguageAndFormat_PrintsTheStatement(string lang, string format, string expected)
    {
        var (exit, output, _) = await RunAsync("register", "render", "--lang", lang, "--format", format, ShippedRegister);

        Assert.Equal(0, exit);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RegisterRender_UnsupportedLanguage_IsUsageError()
    {
        var (exit, _, _) = await RunAsync("register", "render", "--lang", "de");

        Assert.Equal(2, exit);
    }

    [Fact]
    public async Task Serve_WithoutDevAndWithoutConfiguration_RefusesToStart()
    {
        var (exit, _, error) = await RunAsync("serve", "--data", Path.Combine(_dir.FullName, "data"), "--config", WriteEmptyConfig());

        Assert.Equal(1, exit);
        Assert.Contains("serve.configuration_required", error, StringComparison.Ordinal);
        Assert.Contains("database", error, StringComparison.Ordinal);
        Assert.Contains("master key", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BadMasterKey_RefusesToStartNamingTheRule()
    {
        var key = Path.Combine(_dir.FullName, "master.key");
        await File.WriteAllTextAsync(key, Convert.ToBase64String(new byte[16]), TestContext.Current.CancellationToken);

        var (exit, _, error) = await RunAsync(
            "serve", "--db", Path.Combine(_dir.FullName, "c.db"), "--master-key-file", key, "--config", WriteEmptyConfig());

        Assert.Equal(1, exit);
        Assert.Contains("secrets.master_key_length", error, StringComparison.Ordinal);
    }

    /// <summary>
    /// A database that cannot be opened: every command that opens one says so in one coded line with the cause an
    /// operator can act on (the refused connection, a file that is not a database), not EF's "likely due to a transient
    /// failure" wrapper.
    /// </summary>
    [Theory]
    [InlineData("postgres", "retention", "run")]
    [InlineData("postgres", "hold", "list")]
    [InlineData("sqlite", "hold", "list")]
    [InlineData("postgres", "user", "list")]
    [InlineData("sqlite", "user", "list")]
    [InlineData("postgres", "apikey", "list")]
    [InlineData("sqlite", "audit", "verify")]
    [InlineData("sqlite", "keys", "status")]
    [InlineData("postgres", "mail", "list")]
    [InlineData("sqlite", "retention", "plan")]
    public async Task DatabaseCommand_DatabaseUnreachable_OneLineWithTheCause(string engine, string command, string subcommand)
    {
        var (db, cause) = engine == "postgres"
            ? ($"Host=127.0.0.1;Port={UnusedPort()};Database=custodian;Username=custodian;Timeout=3", "Connection refused")
            : (Path.Combine(_dir.FullName, "notes.db"), "file is not a database");
        if (engine == "sqlite")
        {
            await File.WriteAllTextAsync(db, new string('x', 4096), TestContext.Current.CancellationToken);
        }

        var line = await FailsInOneLineAsync(command, subcommand, db, "error db.unreachable: cannot open the database ");

        Assert.Contains(cause, line, StringComparison.Ordinal);
        Assert.DoesNotContain("transient failure", line, StringComparison.Ordinal);
    }

    /// <summary>
    /// The commands that use the database without migrating it (accounts, API keys, audit, keys, mail, the retention
    /// plan), on a database that was never migrated (a wrong <c>--db</c>, or before the first <c>db migrate</c>): one coded
    /// line that says what to run, not a stack trace at the first missing table.
    /// </summary>
    [Theory]
    [InlineData("user", "list", "db.not_migrated")]
    [InlineData("apikey", "list", "db.not_migrated")]
    [InlineData("audit", "verify", "db.not_migrated")]
    [InlineData("keys", "status", "db.not_migrated")]
    [InlineData("mail", "list", "db.not_migrated")]
    [InlineData("retention", "overview", "retention.database_not_migrated")]
    public async Task DatabaseCommand_DatabaseNotMigrated_OneLineNamingTheFix(string command, string subcommand, string code)
    {
        var missing = Path.Combine(_dir.FullName, "typo.db");
        var line = await FailsInOneLineAsync(command, subcommand, missing, $"error {code}: the database ");

        Assert.Contains("does not exist (no such file); run 'custodian db migrate' first", line, StringComparison.Ordinal);
        Assert.False(File.Exists(missing), "the check left an empty database file behind");
    }

    /// <summary>An existing database file without Custodian's tables (an empty one): the pending migrations, counted.</summary>
    [Fact]
    public async Task DatabaseCommand_EmptyDatabaseFile_NamesThePendingMigrations()
    {
        var empty = Path.Combine(_dir.FullName, "empty.db");
        await File.WriteAllBytesAsync(empty, [], TestContext.Current.CancellationToken);

        var line = await FailsInOneLineAsync("user", "list", empty, "error db.not_migrated: the database ");

        Assert.Matches(@"has \d+ pending migration\(s\); run 'custodian db migrate' first", line);
    }

    /// <summary>Runs <c>custodian COMMAND SUBCOMMAND</c> on <paramref name="db"/>: exit 1 and one error line starting with <paramref name="start"/>, returned.</summary>
    private async Task<string> FailsInOneLineAsync(string command, string subcommand, string db, string start)
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir.FullName, "data")).FullName;
        var key = await TestKeyAsync(data);

        var (exit, _, error) = await RunAsync(command, subcommand, "--db", db, "--data", data, "--master-key-file", key);

        Assert.Equal(1, exit);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1 && lines[0].StartsWith(start, StringComparison.Ordinal), error);
        return lines[0];
    }

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private string WriteEmptyConfig()
    {
        // An explicit empty settings file, so a custodian.json in the working directory cannot leak into the test.
        var path = Path.Combine(_dir.FullName, "empty.json");
        File.WriteAllText(path, "{}");
        return path;
    }
}
