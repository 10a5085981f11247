using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Custodian.Migrations.Sqlite;

/// <summary>
/// Lets <c>dotnet ef</c> build the model for SQLite through the same provider set-up the product uses. The connection
/// string is a placeholder: generating a migration or checking for model changes never connects.
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CustodianDbContext>
{
    public CustodianDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<CustodianDbContext>();
        new SqliteDatabaseProvider(new DatabaseTarget(DatabaseEngine.Sqlite, "Data Source=design-time.db")).Configure(options);
        return new CustodianDbContext(options.Options);
    }
}
