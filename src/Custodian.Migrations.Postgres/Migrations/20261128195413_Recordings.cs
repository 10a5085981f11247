using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Recordings : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "call_recording_enabled",
                table: "organizations",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "customer_call_recordings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    caller_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    callee_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    called_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    duration_seconds = table.Column<int>(type: "integer", nullable: false),
                    content_blob_id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    content_length = table.Column<long>(type: "bigint", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_customer_call_recordings", x => x.id);
                    table.ForeignKey(
                        name: "fk_customer_call_recordings_blobs_content_blob_id",
                        column: x => x.content_blob_id,
                        principalTable: "blobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_customer_call_recordings_organizations_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organizations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "support_call_recordings",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    caller_number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    called_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    duration_seconds = table.Column<int>(type: "integer", nullable: false),
                    ticket_id = table.Column<Guid>(type: "uuid", nullable: true),
                    content_blob_id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    content_length = table.Column<long>(type: "bigint", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_support_call_recordings", x => x.id);
                    table.ForeignKey(
                        name: "fk_support_call_recordings_blobs_content_blob_id",
                        column: x => x.content_blob_id,
                        principalTable: "blobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_support_call_recordings_organizations_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organizations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_support_call_recordings_support_tickets_ticket_id",
                        column: x => x.ticket_id,
                        principalTable: "support_tickets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "support_ticket_attachments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    ticket_id = table.Column<Guid>(type: "uuid", nullable: false),
                    content_blob_id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    content_length = table.Column<long>(type: "bigint", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_support_ticket_attachments", x => x.id);
                    table.ForeignKey(
                        name: "fk_support_ticket_attachments_blobs_content_blob_id",
                        column: x => x.content_blob_id,
                        principalTable: "blobs",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_support_ticket_attachments_organizations_organization_id",
                        column: x => x.organization_id,
                        principalTable: "organizations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "fk_support_ticket_attachments_support_tickets_ticket_id",
                        column: x => x.ticket_id,
                        principalTable: "support_tickets",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_customer_call_recordings_content_blob_id",
                table: "customer_call_recordings",
                column: "content_blob_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_customer_call_recordings_organization_id_called_at",
                table: "customer_call_recordings",
                columns: new[] { "organization_id", "called_at" });

            migrationBuilder.CreateIndex(
                name: "ix_support_call_recordings_called_at",
                table: "support_call_recordings",
                column: "called_at");

            migrationBuilder.CreateIndex(
                name: "ix_support_call_recordings_content_blob_id",
                table: "support_call_recordings",
                column: "content_blob_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_support_call_recordings_organization_id",
                table: "support_call_recordings",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_support_call_recordings_ticket_id",
                table: "support_call_recordings",
                column: "ticket_id");

            migrationBuilder.CreateIndex(
                name: "ix_support_ticket_attachments_content_blob_id",
                table: "support_ticket_attachments",
                column: "content_blob_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_support_ticket_attachments_organization_id",
                table: "support_ticket_attachments",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_support_ticket_attachments_ticket_id",
                table: "support_ticket_attachments",
                column: "ticket_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "customer_call_recordings");

            migrationBuilder.DropTable(
                name: "support_call_recordings");

            migrationBuilder.DropTable(
                name: "support_ticket_attachments");

            migrationBuilder.DropColumn(
                name: "call_recording_enabled",
                table: "organizations");
        }
    }
}
