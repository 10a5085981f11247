using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Blobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "data_keys",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    owner_kind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    owner_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    wrapped_key = table.Column<byte[]>(type: "BLOB", nullable: true),
                    kek_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    destroyed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "blobs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    data_key_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    store_key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    stored_size = table.Column<long>(type: "INTEGER", nullable: false),
                    ciphertext_sha256 = table.Column<byte[]>(type: "BLOB", nullable: false),
                    media_type = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_blobs", x => x.id);
                    table.ForeignKey(
                        name: "fk_blobs_data_keys_data_key_id",
                        column: x => x.data_key_id,
                        principalTable: "data_keys",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_blobs_data_key_id",
                table: "blobs",
                column: "data_key_id");

            migrationBuilder.CreateIndex(
                name: "ix_blobs_organization_id",
                table: "blobs",
                column: "organization_id");

            migrationBuilder.CreateIndex(
                name: "ix_blobs_store_key",
                table: "blobs",
                column: "store_key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_data_keys_organization_id_owner_kind_owner_id_created_at",
                table: "data_keys",
                columns: new[] { "organization_id", "owner_kind", "owner_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ux_data_keys_live_owner",
                table: "data_keys",
                columns: new[] { "organization_id", "owner_kind", "owner_id" },
                unique: true,
                filter: "destroyed_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "blobs");

            migrationBuilder.DropTable(
                name: "data_keys");
        }
    }
}
