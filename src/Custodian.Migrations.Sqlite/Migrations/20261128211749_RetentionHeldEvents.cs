using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RetentionHeldEvents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Retention.RetentionSchemaSql.SqliteUp);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Retention.RetentionSchemaSql.SqliteDown);
        }
    }
}
