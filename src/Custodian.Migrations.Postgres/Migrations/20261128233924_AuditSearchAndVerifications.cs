using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
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
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    verified_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    event_count = table.Column<long>(type: "bigint", nullable: false),
                    checkpoint_count = table.Column<int>(type: "integer", nullable: false),
                    with_external_checkpoint = table.Column<bool>(type: "boolean", nullable: false),
                    intact = table.Column<bool>(type: "boolean", nullable: false),
                    problem_count = table.Column<int>(type: "integer", nullable: false),
                    first_problem_code = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    first_problem_seq = table.Column<long>(type: "bigint", nullable: true),
                    actor_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
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
