using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddOutgoingMessages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "outgoing_messages",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    channel = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    recipient = table.Column<byte[]>(type: "BLOB", nullable: true),
                    content = table.Column<byte[]>(type: "BLOB", nullable: true),
                    reference = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    next_attempt_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    claimed_by = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    sent_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    failed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outgoing_messages", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_outgoing_messages_request_id",
                table: "outgoing_messages",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_outgoing_messages_sent_at_failed_at_next_attempt_at",
                table: "outgoing_messages",
                columns: new[] { "sent_at", "failed_at", "next_attempt_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "outgoing_messages");
        }
    }
}
