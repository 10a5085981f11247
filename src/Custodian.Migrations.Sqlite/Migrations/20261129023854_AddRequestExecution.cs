using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddRequestExecution : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "request_objection_grounds",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    category = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    grounds = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    recorded_by = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    recorded_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_objection_grounds", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_recipient_notices",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    category = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    recipient_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    state = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    notified_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_recipient_notices", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_rectifications",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    record_type = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    record_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    category = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    field = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    old_value = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    new_value = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                    applied_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    old_value_purged_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_rectifications", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_restrictions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    hold_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    placed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    notified_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    lifted_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_restrictions", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_request_objection_grounds_request_id",
                table: "request_objection_grounds",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_recipient_notices_request_id",
                table: "request_recipient_notices",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_recipient_notices_state",
                table: "request_recipient_notices",
                column: "state");

            migrationBuilder.CreateIndex(
                name: "ix_request_rectifications_request_id",
                table: "request_rectifications",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_restrictions_hold_id",
                table: "request_restrictions",
                column: "hold_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_request_restrictions_request_id",
                table: "request_restrictions",
                column: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_objection_grounds");

            migrationBuilder.DropTable(
                name: "request_recipient_notices");

            migrationBuilder.DropTable(
                name: "request_rectifications");

            migrationBuilder.DropTable(
                name: "request_restrictions");
        }
    }
}
