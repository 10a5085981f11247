using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Custodian.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class BackOfficeListsAndAgreement : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_subject_identifiers_organization_id",
                table: "subject_identifiers");

            migrationBuilder.AddColumn<bool>(
                name: "processing_agreement_organization_is_controller",
                table: "organizations",
                type: "boolean",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_subject_identifiers_organization_id_kind_value",
                table: "subject_identifiers",
                columns: new[] { "organization_id", "kind", "value" });

            migrationBuilder.CreateIndex(
                name: "ix_organizations_name_id",
                table: "organizations",
                columns: new[] { "name", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_subject_identifiers_organization_id_kind_value",
                table: "subject_identifiers");

            migrationBuilder.DropIndex(
                name: "ix_organizations_name_id",
                table: "organizations");

            migrationBuilder.DropColumn(
                name: "processing_agreement_organization_is_controller",
                table: "organizations");

            migrationBuilder.CreateIndex(
                name: "ix_subject_identifiers_organization_id",
                table: "subject_identifiers",
                column: "organization_id");
        }
    }
}
