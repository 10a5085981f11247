using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class EventMonthSortedTail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Events.EventMonthTailSchemaSql.PostgresUp);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Events.EventMonthTailSchemaSql.PostgresDown);
        }
    }
}
