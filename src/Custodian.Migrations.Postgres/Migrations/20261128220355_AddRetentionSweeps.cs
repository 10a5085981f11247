using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class AddRetentionSweeps : Migration
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
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "extends_batch_id",
                table: "import_batches",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "retention_sweeps",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    cutoff = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    started_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    step = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    cursor = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    batches = table.Column<int>(type: "integer", nullable: false),
                    audit_first_seq = table.Column<long>(type: "bigint", nullable: true),
                    audit_last_seq = table.Column<long>(type: "bigint", nullable: true),
                    max_lateness_seconds = table.Column<long>(type: "bigint", nullable: false),
                    deleted = table.Column<string>(type: "text", nullable: false),
                    partitions_dropped = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_retention_sweeps", x => x.id);
                });

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

            migrationBuilder.CreateIndex(
                name: "ix_retention_sweeps_started_at",
                table: "retention_sweeps",
                column: "started_at");

            migrationBuilder.CreateIndex(
                name: "ux_retention_sweeps_running",
                table: "retention_sweeps",
                column: "state",
                unique: true,
                filter: "state = 'running'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "retention_sweeps");

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
