using Xunit;

namespace Custodian.Testing;

/// <summary>
/// Class fixture: one running server (SQLite, fresh database) shared by the tests of one class. Fine for tests that only
/// read; a test that writes data and cares what others see starts its own <see cref="CustodianServer"/>.
/// </summary>
public sealed class PortalServerFixture : IAsyncLifetime
{
    private CustodianServer? _server;

    internal CustodianServer Server => _server ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// Loopback is a trusted proxy here, so a test that must not share the portal's per-client limits with the others
    /// (they all come from 127.0.0.1) sends its own <c>X-Forwarded-For</c>.
    /// </summary>
    public async ValueTask InitializeAsync() => _server = await CustodianServer.StartAsync(
        await TestDatabase.CreateEmptyAsync(Engine.Sqlite),
        adjust: o => o with { TrustedProxies = [System.Net.IPNetwork.Parse("127.0.0.0/8")] });

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
