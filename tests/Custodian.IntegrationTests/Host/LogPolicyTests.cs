using System.Collections.Concurrent;
using Custodian.Hosting;
using Custodian.Testing;
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

    [Fact]
    public void QuietCategories_IncludeTheRequestAndSqlLoggers()
    {
        Assert.Contains("Microsoft.AspNetCore.Hosting.Diagnostics", LogPolicy.QuietCategories);
        Assert.Contains("Microsoft.EntityFrameworkCore.Database.Command", LogPolicy.QuietCategories);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }
}
