using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class OneWaitingPackagePerOrder : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ux_authority_order_productions_waiting",
                table: "authority_order_productions",
                column: "order_id",
                unique: true,
                filter: "released_at IS NULL AND superseded_by_id IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ux_authority_order_productions_waiting",
                table: "authority_order_productions");
        }
    }
}
