namespace Custodian.Core.Persistence;

/// <summary>The two storage engines Custodian supports with one EF Core model.</summary>
internal enum DatabaseEngine
{
    Sqlite,
    Postgres,
}
