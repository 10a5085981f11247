using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class EventMonthTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Events.EventTotalsSchemaSql.PostgresUp);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Custodian.Core.Features.Events.EventTotalsSchemaSql.PostgresDown);
        }
    }
}
