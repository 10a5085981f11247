using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddRequestAttachments : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "request_attachments",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    blob_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    uploaded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    uploaded_by = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_attachments", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_attachments_data_subject_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "data_subject_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_queue_all",
                table: "data_subject_requests",
                columns: new[] { "due_on", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_queue_extended",
                table: "data_subject_requests",
                columns: new[] { "extended_due_on", "id" },
                filter: "extended_due_on IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_queue_open",
                table: "data_subject_requests",
                columns: new[] { "due_on", "id" },
                filter: "extended_due_on IS NULL AND state <> 'delivered' AND state <> 'refused' AND state <> 'closed'");

            migrationBuilder.CreateIndex(
                name: "ix_data_subject_requests_queue_state",
                table: "data_subject_requests",
                columns: new[] { "state", "due_on", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_request_attachments_request_id",
                table: "request_attachments",
                column: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_attachments");

            migrationBuilder.DropIndex(
                name: "ix_data_subject_requests_queue_all",
                table: "data_subject_requests");

            migrationBuilder.DropIndex(
                name: "ix_data_subject_requests_queue_extended",
                table: "data_subject_requests");

            migrationBuilder.DropIndex(
                name: "ix_data_subject_requests_queue_open",
                table: "data_subject_requests");

            migrationBuilder.DropIndex(
                name: "ix_data_subject_requests_queue_state",
                table: "data_subject_requests");
        }
    }
}
