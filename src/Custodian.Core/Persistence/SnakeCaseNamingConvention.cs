using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Metadata.Conventions;

namespace Custodian.Core.Persistence;

/// <summary>
/// Names tables, columns, keys, foreign keys and indexes in snake_case (<c>RegisterVersions.LastUpdated</c> →
/// <c>register_versions.last_updated</c>), the same on both engines. Runs when the model is finalised, so it sees every
/// entity configuration; a name given explicitly in a configuration wins over this convention.
/// </summary>
internal sealed class SnakeCaseNamingConvention : IModelFinalizingConvention
{
    public void ProcessModelFinalizing(IConventionModelBuilder modelBuilder, IConventionContext<IConventionModelBuilder> context)
    {
        var entityTypes = modelBuilder.Metadata.GetEntityTypes().ToList();

        // Tables and columns first: default key and index names are derived from them.
        foreach (var entityType in entityTypes)
        {
            if (entityType.GetTableName() is { } table && entityType.GetViewName() is null)
            {
                entityType.Builder.ToTable(ToSnakeCase(table), entityType.GetSchema());
            }

            foreach (var property in entityType.GetDeclaredProperties())
            {
                property.Builder.HasColumnName(ToSnakeCase(property.GetColumnName()));
            }
        }

        foreach (var entityType in entityTypes)
        {
            foreach (var key in entityType.GetDeclaredKeys())
            {
                if (key.GetName() is { } name)
                {
                    key.Builder.HasName(ToSnakeCase(name));
                }
            }

            foreach (var foreignKey in entityType.GetDeclaredForeignKeys())
            {
                if (foreignKey.GetConstraintName() is { } name)
                {
                    foreignKey.Builder.HasConstraintName(ToSnakeCase(name));
                }
            }

            foreach (var index in entityType.GetDeclaredIndexes())
            {
                if (index.GetDatabaseName() is { } name)
                {
                    index.Builder.HasDatabaseName(ToSnakeCase(name));
                }
            }
        }
    }

    /// <summary>
    /// <c>LeaseUntil</c> → <c>lease_until</c>, <c>Sha256</c> → <c>sha256</c>, <c>PK_JobLeases</c> → <c>pk_job_leases</c>,
    /// <c>HTTPServer</c> → <c>http_server</c>.
    /// </summary>
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var prev = i > 0 ? name[i - 1] : '_';
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (prev != '_' && (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && nextIsLower)))
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
