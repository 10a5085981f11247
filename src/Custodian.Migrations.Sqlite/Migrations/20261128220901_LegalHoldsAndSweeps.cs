using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    basis = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ground = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                    reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    reference = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    categories = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    records_from = table.Column<DateTime>(type: "TEXT", nullable: true),
                    records_until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    starts_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ends_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    extension_count = table.Column<int>(type: "INTEGER", nullable: false),
                    placed_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    placed_by_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    placed_by_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    placed_by_organization_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    released_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    released_by_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    released_by_id = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    release_reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    version = table.Column<int>(type: "INTEGER", nullable: false)
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
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    cutoff = table.Column<DateTime>(type: "TEXT", nullable: false),
                    started_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    finished_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    state = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    step = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    cursor = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    batches = table.Column<int>(type: "INTEGER", nullable: false),
                    audit_first_seq = table.Column<long>(type: "INTEGER", nullable: true),
                    audit_last_seq = table.Column<long>(type: "INTEGER", nullable: true),
                    max_lateness_seconds = table.Column<long>(type: "INTEGER", nullable: false),
                    deleted = table.Column<string>(type: "TEXT", nullable: false),
                    kept = table.Column<string>(type: "TEXT", nullable: false),
                    partitions_dropped = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_retention_sweeps", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "legal_hold_identifiers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    legal_hold_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false)
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
