using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddRequestIdCopies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "request_id_copies",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    page_count = table.Column<int>(type: "INTEGER", nullable: false),
                    source_type = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    uploaded_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    blob_id = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_id_copies", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "request_id_decisions",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    request_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    method = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    decided_by = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    decided_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    watermark_confirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    photo_covered_confirmed = table.Column<bool>(type: "INTEGER", nullable: false),
                    copies_destroyed = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_request_id_decisions", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_request_id_copies_organization_id",
                table: "request_id_copies",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_id_copies_request_id",
                table: "request_id_copies",
                column: "request_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_id_decisions_organization_id",
                table: "request_id_decisions",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_request_id_decisions_request_id",
                table: "request_id_decisions",
                column: "request_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "request_id_copies");

            migrationBuilder.DropTable(
                name: "request_id_decisions");
        }
    }
}
