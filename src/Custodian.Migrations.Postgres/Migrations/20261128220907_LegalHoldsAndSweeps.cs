using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class LegalHoldsAndSweeps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "legal_holds",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    basis = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    ground = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: false),
                    reference = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: true),
                    categories = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    records_from = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    records_until = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    starts_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ends_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    extension_count = table.Column<int>(type: "integer", nullable: false),
                    placed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    placed_by_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    placed_by_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    placed_by_organization_id = table.Column<Guid>(type: "uuid", nullable: true),
                    released_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    released_by_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    released_by_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    release_reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_legal_holds", x => x.id);
                    table.ForeignKey(
                        name: "fk_legal_holds_organizations_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organizations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "retention_sweeps",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    cutoff = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    step = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    cursor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    batches = table.Column<int>(type: "integer", nullable: false),
                    audit_first_seq = table.Column<long>(type: "bigint", nullable: true),
                    audit_last_seq = table.Column<long>(type: "bigint", nullable: true),
                    max_lateness_seconds = table.Column<long>(type: "bigint", nullable: false),
                    deleted = table.Column<string>(type: "text", nullable: false),
                    kept = table.Column<string>(type: "text", nullable: false),
                    partitions_dropped = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_retention_sweeps", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "legal_hold_identifiers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    legal_hold_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    value = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_legal_hold_identifiers", x => x.id);
                    table.ForeignKey(
                        name: "fk_legal_hold_identifiers_legal_holds_legal_hold_id",
                        column: x => x.legal_hold_id,
                        principalTable: "legal_holds",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_legal_hold_identifiers_kind_value",
                table: "legal_hold_identifiers",
                columns: new[] { "kind", "value" });

            migrationBuilder.CreateIndex(
                name: "ix_legal_hold_identifiers_legal_hold_id",
                table: "legal_hold_identifiers",
                column: "legal_hold_id");

            migrationBuilder.CreateIndex(
                name: "ix_legal_holds_organization_id",
                table: "legal_holds",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_legal_holds_released_at",
                table: "legal_holds",
                column: "released_at");

            migrationBuilder.CreateIndex(
                name: "ix_retention_sweeps_started_at",
                table: "retention_sweeps",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ux_retention_sweeps_running",
                table: "retention_sweeps",
                column: "state",
                unique: true,
                filter: "state = 'running'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "legal_hold_identifiers");

            migrationBuilder.DropTable(
                name: "retention_sweeps");

            migrationBuilder.DropTable(
                name: "legal_holds");
        }
    }
}
