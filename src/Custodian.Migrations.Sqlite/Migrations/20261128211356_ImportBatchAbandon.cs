using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ImportBatchAbandon : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_import_batches_kind_file_sha256_scope_key",
                table: "import_batches");

            migrationBuilder.AddColumn<DateTime>(
                name: "abandoned_at",
                table: "import_batches",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "extends_batch_id",
                table: "import_batches",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_import_batches_extends_batch_id",
                table: "import_batches",
                column: "extends_batch_id");

            migrationBuilder.CreateIndex(
                name: "ix_import_batches_kind_file_sha256",
                table: "import_batches",
                columns: new[] { "kind", "file_sha256" },
                unique: true,
                filter: "status <> 'abandoned'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_import_batches_extends_batch_id",
                table: "import_batches");

            migrationBuilder.DropIndex(
                name: "ix_import_batches_kind_file_sha256",
                table: "import_batches");

            migrationBuilder.DropColumn(
                name: "abandoned_at",
                table: "import_batches");

            migrationBuilder.DropColumn(
                name: "extends_batch_id",
                table: "import_batches");

            migrationBuilder.CreateIndex(
                name: "ix_import_batches_kind_file_sha256_scope_key",
                table: "import_batches",
                columns: new[] { "kind", "file_sha256", "scope_key" },
                unique: true);
        }
    }
}
