using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddRequestAnswers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "request_answers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    file_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    blob_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    blob_organization_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_answers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_answer_downloads",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    answer_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    token_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    used_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_answer_downloads", x => x.id);
                    table.ForeignKey(
                        name: "fk_request_answer_downloads_request_answers_answer_id",
                        column: x => x.answer_id,
                        principalTable: "request_answers",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_request_answer_downloads_answer_id",
                table: "request_answer_downloads",
                column: "answer_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_answer_downloads_token_hash",
                table: "request_answer_downloads",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_request_answers_expires_at",
                table: "request_answers",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_request_answers_request_id",
                table: "request_answers",
                column: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_answer_downloads");

            migrationBuilder.DropTable(
                name: "request_answers");
        }
    }
}
