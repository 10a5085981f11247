using System.Collections.Concurrent;
using Custodian.Core.Persistence;
using Custodian.Hosting;
using Custodian.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Custodian.IntegrationTests.Host;

public sealed class LogPolicyTests
{
    [Fact]
    public async Task Requests_WithPersonalDataInTheAddress_LeaveNoTraceInTheLogs()
    {
        const string canary = "+31612345678";
        var sink = new CapturingLoggerProvider();
        await using var server = await CustodianServer.StartAsync(Engine.Sqlite, b => b.Logging.AddProvider(sink));

        using var response = await server.Client.GetAsync(
            new Uri($"/api/v1/no-such-endpoint?identifier={Uri.EscapeDataString(canary)}&email=jan%40allbest.example", UriKind.Relative),
            TestContext.Current.CancellationToken);
        await server.Client.GetAsync(new Uri("/privacy?who=jan%40allbest.example", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.NotEmpty(sink.Lines); // the sink really captures (start-up lines at least)
        Assert.DoesNotContain(sink.Lines, l => l.Contains(canary, StringComparison.Ordinal) || l.Contains("316123", StringComparison.Ordinal));
        Assert.DoesNotContain(sink.Lines, l => l.Contains("allbest.example", StringComparison.Ordinal) || l.Contains("jan%40", StringComparison.Ordinal));
    }

    /// <summary>The policy as a logger factory applies it: what each category may still say.</summary>
    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information, false)] // "Request starting GET /…?identifier=…"
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning, true)]
    [InlineData("Microsoft.AspNetCore.Routing", LogLevel.Information, false)]
    [InlineData("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Information, false)] // SQL text
    [InlineData("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Error, false)]
    [InlineData("Microsoft.EntityFrameworkCore.Update", LogLevel.Error, false)]
    [InlineData("Microsoft.EntityFrameworkCore.Database.Connection", LogLevel.Error, false)]
    [InlineData("Microsoft.EntityFrameworkCore.Query", LogLevel.Warning, true)] // a query shape worth fixing
    [InlineData("Microsoft.EntityFrameworkCore.Query", LogLevel.Error, false)]
    [InlineData("Custodian.Hosting.PeriodicJob", LogLevel.Information, true)]
    public void Policy_DecidesWhatEachCategoryMaySay(string category, LogLevel level, bool enabled)
    {
        using var factory = LoggerFactory.Create(b =>
        {
            b.SetMinimumLevel(LogLevel.Trace).AddProvider(new CapturingLoggerProvider());
            LogPolicy.Apply(b);
        });

        Assert.Equal(enabled, factory.CreateLogger(category).IsEnabled(level));
    }

    /// <summary>
    /// A query that fails while its results are read (a database restart mid-query) reaches our code, which logs it once
    /// as one coded line (a timer, the exception handler, a CLI command): EF must not log the exception and its stack
    /// before that. Provoked here with a query on a table that does not exist, on both engines.
    /// </summary>
    [Theory, AllEngines]
    public async Task FailedQuery_ReachesTheCaller_WithoutEfLoggingItsException(Engine engine)
    {
        var sink = new CapturingLoggerProvider();
        await using var server = await CustodianServer.StartAsync(engine, b => b.Logging.AddProvider(sink));
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CustodianDbContext>();

        await Assert.ThrowsAnyAsync<Exception>(async () => await db.Database
            .SqlQueryRaw<int>("SELECT no_such_column FROM no_such_table")
            .ToListAsync(TestContext.Current.CancellationToken));

        Assert.NotEmpty(sink.Lines);
        Assert.DoesNotContain(sink.Exceptions, e => e.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal));
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        /// <summary>The category of every entry logged with an exception.</summary>
        public ConcurrentQueue<string> Exceptions { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines, Exceptions);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines, ConcurrentQueue<string> exceptions) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lines.Enqueue($"{category}: {formatter(state, exception)}");
                if (exception is not null)
                {
                    exceptions.Enqueue(category);
                }
            }
        }
    }
}
