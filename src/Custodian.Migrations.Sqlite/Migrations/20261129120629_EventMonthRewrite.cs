using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class EventMonthRewrite : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Events.EventMonthRewriteSchemaSql.SqliteUp);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Events.EventMonthRewriteSchemaSql.SqliteDown);
        }
    }
}
