using Custodian.Testing;
using Xunit;

// Starts nothing by itself: the PostgreSQL server is started on first use (see PostgresServer.GetAsync) and stopped here
// when the whole run ends.
[assembly: AssemblyFixture(typeof(PostgresServerLifetime))]

// s3rver likewise: started on first use by an S3 test (S3rverServer.GetAsync), stopped here.
[assembly: AssemblyFixture(typeof(S3rverLifetime))]
