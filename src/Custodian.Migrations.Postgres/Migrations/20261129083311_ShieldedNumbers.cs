using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class ShieldedNumbers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "emergency_disclosures",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    disclosed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    number_hash = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                    found = table.Column<bool>(type: "boolean", nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: true),
                    subscription_id = table.Column<Guid>(type: "uuid", nullable: true),
                    actor_kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    actor_id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_emergency_disclosures", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "shielded_numbers",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    number = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    source = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    provider_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    received_list_id = table.Column<Guid>(type: "uuid", nullable: true),
                    requested_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    effective_from = table.Column<DateOnly>(type: "date", nullable: false),
                    ended_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    effective_until = table.Column<DateOnly>(type: "date", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_shielded_numbers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "shielding_received_lists",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    received_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    effective_from = table.Column<DateOnly>(type: "date", nullable: false),
                    file_name = table.Column<string>(type: "character varying(260)", maxLength: 260, nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    number_count = table.Column<int>(type: "integer", nullable: false),
                    imported_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_shielding_received_lists", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "shielding_sends",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    provider_name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    sent_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    number_count = table.Column<int>(type: "integer", nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    sent_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_shielding_sends", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_emergency_disclosures_disclosed_at",
                table: "emergency_disclosures",
                column: "disclosed_at");

            migrationBuilder.CreateIndex(
                name: "ix_shielded_numbers_number",
                table: "shielded_numbers",
                column: "number");

            migrationBuilder.CreateIndex(
                name: "ix_shielded_numbers_source_provider_name",
                table: "shielded_numbers",
                columns: new[] { "source", "provider_name" });

            migrationBuilder.CreateIndex(
                name: "ix_shielding_received_lists_provider_name_received_at",
                table: "shielding_received_lists",
                columns: new[] { "provider_name", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_shielding_sends_provider_name_sent_at",
                table: "shielding_sends",
                columns: new[] { "provider_name", "sent_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "emergency_disclosures");

            migrationBuilder.DropTable(
                name: "shielded_numbers");

            migrationBuilder.DropTable(
                name: "shielding_received_lists");

            migrationBuilder.DropTable(
                name: "shielding_sends");
        }
    }
}
