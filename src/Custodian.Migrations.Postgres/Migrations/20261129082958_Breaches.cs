using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Breaches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "breaches",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    reference = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    title = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    detected_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    aware_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    initial_report_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    complete_report_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    not_notified_reason = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    nature = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    categories = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    approximate_people = table.Column<int>(type: "integer", nullable: true),
                    approximate_records = table.Column<int>(type: "integer", nullable: true),
                    likely_consequences = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    measures_taken = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    measures_proposed = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    subjects_informed = table.Column<bool>(type: "boolean", nullable: false),
                    subjects_not_informed_because = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    contact_point = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    organization_ids = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    late_reasons = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    recorded_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    closed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_breaches", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_breaches_closed_at",
                table: "breaches",
                column: "closed_at");

            migrationBuilder.CreateIndex(
                name: "ix_breaches_reference",
                table: "breaches",
                column: "reference",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "breaches");
        }
    }
}
