#!/usr/bin/env bash
# Adds an EF Core migration to the app database (src/WebDemo/Data/Migrations) after a feature
# added or changed a table: scripts/add-migration.sh AddConversations
# The EF tools need Microsoft.EntityFrameworkCore.Design in the app's build output, and the app
# references it only when built with -p:EfDesign=true (the published app does not ship it), so
# that build comes first. The next ordinary build restores without it again.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 MigrationName" >&2; exit 2; }
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet build src/WebDemo/WebDemo.csproj -c Debug -p:EfDesign=true -nologo -v quiet
dotnet ef migrations add "$1" --project src/WebDemo --no-build --output-dir Data/Migrations
