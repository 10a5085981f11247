using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AuthorityOrders : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "authority_orders",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    reference = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    issued_by = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    judge_authorisation = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    received_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    complied_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    period_from = table.Column<DateTime>(type: "TEXT", nullable: false),
                    period_until = table.Column<DateTime>(type: "TEXT", nullable: false),
                    categories = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    legal_hold_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    registered_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    registered_by_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    registered_by_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    cost_amount = table.Column<decimal>(type: "TEXT", precision: 12, scale: 2, nullable: true),
                    cost_note = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_authority_orders", x => x.id);
                    table.ForeignKey(
                        name: "fk_authority_orders_legal_holds_legal_hold_id",
                        column: x => x.legal_hold_id,
                        principalTable: "legal_holds",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "authority_order_productions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    order_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    blob_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    record_count = table.Column<int>(type: "INTEGER", nullable: false),
                    sha256 = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    produced_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    produced_by_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    released_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    released_by_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    downloads = table.Column<int>(type: "INTEGER", nullable: false),
                    version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_authority_order_productions", x => x.id);
                    table.ForeignKey(
                        name: "fk_authority_order_productions_authority_orders_order_id",
                        column: x => x.order_id,
                        principalTable: "authority_orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "authority_order_targets",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    order_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_authority_order_targets", x => x.id);
                    table.ForeignKey(
                        name: "fk_authority_order_targets_authority_orders_order_id",
                        column: x => x.order_id,
                        principalTable: "authority_orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_authority_order_productions_order_id",
                table: "authority_order_productions",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_authority_order_targets_order_id",
                table: "authority_order_targets",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_authority_orders_legal_hold_id",
                table: "authority_orders",
                column: "legal_hold_id");

            migrationBuilder.CreateIndex(
                name: "ix_authority_orders_received_at",
                table: "authority_orders",
                column: "received_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "authority_order_productions");

            migrationBuilder.DropTable(
                name: "authority_order_targets");

            migrationBuilder.DropTable(
                name: "authority_orders");
        }
    }
}
