using Custodian.Core.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Custodian.Migrations.Postgres;

/// <summary>
/// Lets <c>dotnet ef</c> build the model for PostgreSQL through the same provider set-up the product uses. The connection
/// string is a placeholder: generating a migration or checking for model changes never connects.
/// </summary>
internal sealed class DesignTimeFactory : IDesignTimeDbContextFactory<CustodianDbContext>
{
    public CustodianDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<CustodianDbContext>();
        new PostgresDatabaseProvider(new DatabaseTarget(DatabaseEngine.Postgres, "Host=localhost;Database=custodian_design_time;Username=custodian")).Configure(options);
        return new CustodianDbContext(options.Options);
    }
}
