using Custodian.Testing;
using Xunit;

// Starts nothing by itself: the PostgreSQL server is started on first use (see PostgresServer.GetAsync) and stopped here
// when the whole run ends.
[assembly: AssemblyFixture(typeof(PostgresServerLifetime))]
