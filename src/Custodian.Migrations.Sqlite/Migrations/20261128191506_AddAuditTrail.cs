using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddAuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_checkpoints",
                columns: table => new
                {
                    number = table.Column<long>(type: "INTEGER", nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    root_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    note = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_checkpoints", x => x.number);
                });

            migrationBuilder.CreateTable(
                name: "audit_events",
                columns: table => new
                {
                    seq = table.Column<long>(type: "INTEGER", nullable: false),
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    occurred_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    organization_id = table.Column<Guid>(type: "TEXT", nullable: true),
                    actor_kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    action = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    objects = table.Column<string>(type: "TEXT", nullable: false),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    details = table.Column<string>(type: "TEXT", nullable: false),
                    leaf_hash = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    tree_root = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_events", x => x.seq);
                });

            migrationBuilder.CreateTable(
                name: "audit_head",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false),
                    size = table.Column<long>(type: "INTEGER", nullable: false),
                    frontier = table.Column<byte[]>(type: "BLOB", nullable: false),
                    checkpoint_count = table.Column<long>(type: "INTEGER", nullable: false),
                    last_checkpoint_size = table.Column<long>(type: "INTEGER", nullable: false),
                    last_checkpoint_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_head", x => x.id);
                });

            migrationBuilder.InsertData(
                table: "audit_head",
                columns: new[] { "id", "checkpoint_count", "frontier", "last_checkpoint_at", "last_checkpoint_size", "size" },
                values: new object[] { 1, 0L, new byte[0], null, 0L, 0L });

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_id",
                table: "audit_events",
                column: "id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_audit_events_organization_id_seq",
                table: "audit_events",
                columns: new[] { "organization_id", "seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_checkpoints");

            migrationBuilder.DropTable(
                name: "audit_events");

            migrationBuilder.DropTable(
                name: "audit_head");
        }
    }
}
