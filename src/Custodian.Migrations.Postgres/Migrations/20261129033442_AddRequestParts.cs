using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AddRequestParts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "request_parts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    category = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    controller = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    records_at_split = table.Column<long>(type: "bigint", nullable: false),
                    state = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    forwarded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    controller_contact = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    instruction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    instruction_reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    decided_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    decided_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    outcome = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: true),
                    executed_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    executed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_parts", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_parts_data_subject_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "data_subject_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_request_parts_organization_id_state",
                table: "request_parts",
                columns: new[] { "organization_id", "state" });

            migrationBuilder.CreateIndex(
                name: "ix_request_parts_request_id",
                table: "request_parts",
                column: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_parts");
        }
    }
}
