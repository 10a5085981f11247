using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class RequestMandates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "mandate_decided_at",
                table: "data_subject_requests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "mandate_requested_at",
                table: "data_subject_requests",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "mandate_statement",
                table: "data_subject_requests",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "representative_email",
                table: "data_subject_requests",
                type: "TEXT",
                maxLength: 320,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "request_mandate_tokens",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    token_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    consumed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_mandate_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_mandate_tokens_data_subject_requests_request_id",
                        column: x => x.request_id,
                        principalTable: "data_subject_requests",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_request_mandate_tokens_request_id",
                table: "request_mandate_tokens",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_mandate_tokens_token_hash",
                table: "request_mandate_tokens",
                column: "token_hash",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_mandate_tokens");

            migrationBuilder.DropColumn(
                name: "mandate_decided_at",
                table: "data_subject_requests");

            migrationBuilder.DropColumn(
                name: "mandate_requested_at",
                table: "data_subject_requests");

            migrationBuilder.DropColumn(
                name: "mandate_statement",
                table: "data_subject_requests");

            migrationBuilder.DropColumn(
                name: "representative_email",
                table: "data_subject_requests");
        }
    }
}
