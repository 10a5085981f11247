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

    public async ValueTask InitializeAsync() => _server = await CustodianServer.StartAsync(Engine.Sqlite);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
