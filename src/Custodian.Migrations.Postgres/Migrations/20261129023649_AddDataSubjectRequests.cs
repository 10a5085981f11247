using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AddDataSubjectRequests : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "data_subject_requests",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    reference = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    type = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    channel = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    state = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    language = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                    received_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    received_on = table.Column<DateOnly>(type: "date", nullable: false),
                    due_on = table.Column<DateOnly>(type: "date", nullable: false),
                    extended_due_on = table.Column<DateOnly>(type: "date", nullable: true),
                    extension_reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    extension_notified_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    identifier_kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    identifier_value = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    details = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    verification_tier = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    verified_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    verified_by = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    verification_method = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    refusal_justification = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    entered_by = table.Column<Guid>(type: "uuid", nullable: true),
                    closed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_subject_requests", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_rate_events",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    scope = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    key_hash = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_rate_events", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_events",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    kind = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    actor = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    note = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_events", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_events_data_subject_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "data_subject_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "request_sessions",
                columns: table => new
                {
                    token_hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_sessions", x => x.token_hash);
                    table.ForeignKey(
                        name: "fk_request_sessions_data_subject_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "data_subject_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "request_verification_codes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    request_id = table.Column<Guid>(type: "uuid", nullable: false),
                    code_hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    failed_attempts = table.Column<int>(type: "integer", nullable: false),
                    consumed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    invalidated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_verification_codes", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_verification_codes_data_subject_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "data_subject_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_identifier_kind_identifier_value",
                table: "data_subject_requests",
                columns: new[] { "identifier_kind", "identifier_value" });

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_reference",
                table: "data_subject_requests",
                column: "reference",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_state_due_on",
                table: "data_subject_requests",
                columns: new[] { "state", "due_on" });

            migrationBuilder.CreateIndex(
                name: "ix_request_events_request_id_at",
                table: "request_events",
                columns: new[] { "request_id", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_request_rate_events_scope_key_hash_at",
                table: "request_rate_events",
                columns: new[] { "scope", "key_hash", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_request_sessions_request_id",
                table: "request_sessions",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_verification_codes_request_id_created_at",
                table: "request_verification_codes",
                columns: new[] { "request_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_events");

            migrationBuilder.DropTable(
                name: "request_rate_events");

            migrationBuilder.DropTable(
                name: "request_sessions");

            migrationBuilder.DropTable(
                name: "request_verification_codes");

            migrationBuilder.DropTable(
                name: "data_subject_requests");
        }
    }
}
