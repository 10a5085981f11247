using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class ConsentLedger : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "consent_texts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    purpose = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    text = table.Column<string>(type: "character varying(20000)", maxLength: 20000, nullable: false),
                    text_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    first_seen_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_consent_texts", x => x.id);
                    table.UniqueConstraint("ak_consent_texts_purpose_version", x => new { x.purpose, x.version });
                });

            migrationBuilder.CreateTable(
                name: "consent_entries",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    subject_kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    subject_value = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: false),
                    organization_id = table.Column<Guid>(type: "uuid", nullable: true),
                    purpose = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    text_version = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    text_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    channel = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    given_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    withdrawn_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    withdrawn_channel = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    withdrawn_by_request_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_consent_entries", x => x.id);
                    table.ForeignKey(
                        name: "fk_consent_entries_consent_texts_purpose_text_version",
                        columns: x => new { x.purpose, x.text_version },
                        principalTable: "consent_texts",
                        principalColumns: new[] { "purpose", "version" },
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "ix_consent_entries_purpose_text_version",
                table: "consent_entries",
                columns: new[] { "purpose", "text_version" });

            migrationBuilder.CreateIndex(
                name: "ix_consent_entries_subject_kind_subject_value_purpose",
                table: "consent_entries",
                columns: new[] { "subject_kind", "subject_value", "purpose" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "consent_entries");

            migrationBuilder.DropTable(
                name: "consent_texts");
        }
    }
}
