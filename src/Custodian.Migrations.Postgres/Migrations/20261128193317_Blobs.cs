using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
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
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    owner_kind = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    owner_id = table.Column<Guid>(type: "uuid", nullable: false),
                    wrapped_key = table.Column<byte[]>(type: "bytea", nullable: true),
                    kek_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    destroyed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_data_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "blobs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: false),
                    data_key_id = table.Column<Guid>(type: "uuid", nullable: false),
                    store_key = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    stored_size = table.Column<long>(type: "bigint", nullable: false),
                    ciphertext_sha256 = table.Column<byte[]>(type: "bytea", nullable: false),
                    media_type = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
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
