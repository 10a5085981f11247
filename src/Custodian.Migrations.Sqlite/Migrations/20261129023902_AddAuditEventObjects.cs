using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class AddAuditEventObjects : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "audit_event_objects",
                columns: table => new
                {
                    type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    seq = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_audit_event_objects", x => new { x.type, x.id, x.seq });
                });

            migrationBuilder.CreateIndex(
                name: "ix_audit_event_objects_id_seq",
                table: "audit_event_objects",
                columns: new[] { "id", "seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "audit_event_objects");
        }
    }
}
