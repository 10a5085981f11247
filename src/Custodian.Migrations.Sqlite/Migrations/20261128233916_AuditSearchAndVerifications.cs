using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AuditSearchAndVerifications : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_verifications",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    verified_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    event_count = table.Column<long>(type: "INTEGER", nullable: false),
                    checkpoint_count = table.Column<int>(type: "INTEGER", nullable: false),
                    with_external_checkpoint = table.Column<bool>(type: "INTEGER", nullable: false),
                    intact = table.Column<bool>(type: "INTEGER", nullable: false),
                    problem_count = table.Column<int>(type: "INTEGER", nullable: false),
                    first_problem_code = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    first_problem_seq = table.Column<long>(type: "INTEGER", nullable: true),
                    actor_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_verifications", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_action_seq",
                table: "audit_events",
                columns: new[] { "action", "seq" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_actor_id_seq",
                table: "audit_events",
                columns: new[] { "actor_id", "seq" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_occurred_at",
                table: "audit_events",
                column: "occurred_at");

            migrationBuilder.CreateIndex(
                name: "ix_audit_verifications_verified_at",
                table: "audit_verifications",
                column: "verified_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_verifications");

            migrationBuilder.DropIndex(
                name: "ix_audit_events_action_seq",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "ix_audit_events_actor_id_seq",
                table: "audit_events");

            migrationBuilder.DropIndex(
                name: "ix_audit_events_occurred_at",
                table: "audit_events");
        }
    }
}
