using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RequestLookupCodes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "request_lookup_codes",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    address_key = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                    code_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    failed_attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    consumed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    invalidated_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    session_token_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: true),
                    session_expires_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_lookup_codes", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_request_lookup_codes_address_key_created_at",
                table: "request_lookup_codes",
                columns: new[] { "address_key", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_request_lookup_codes_session_token_hash",
                table: "request_lookup_codes",
                column: "session_token_hash");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_lookup_codes");
        }
    }
}
