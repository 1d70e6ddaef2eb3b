using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace WebDemo.Data.Migrations
{
    /// <inheritdoc />
    public partial class AddUsage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "Usage",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Surface = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    BrowserId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Task = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Provider = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Model = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    TokensIn = table.Column<int>(type: "INTEGER", nullable: false),
                    TokensOut = table.Column<int>(type: "INTEGER", nullable: false),
                    Images = table.Column<int>(type: "INTEGER", nullable: false),
                    Steps = table.Column<int>(type: "INTEGER", nullable: true),
                    DurationMs = table.Column<double>(type: "REAL", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    ErrorKind = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    EstimatedCostUsd = table.Column<double>(type: "REAL", nullable: true),
                    IsCloud = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Usage", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_BrowserId_CreatedAt",
                table: "Usage",
                columns: new[] { "BrowserId", "CreatedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Usage_CreatedAt",
                table: "Usage",
                column: "CreatedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Usage");
        }
    }
}
