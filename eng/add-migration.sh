#!/usr/bin/env bash
# Generates the EF Core migration <Name> for BOTH engines, from the one model in Custodian.Core.
# Usage: eng/add-migration.sh <Name>      (e.g. eng/add-migration.sh AddAuditEvents)
# Never hand-edit the generated files; provider SQL (triggers) goes in via migrationBuilder.Sql(...) in a new migration.
set -euo pipefail
if [[ $# -ne 1 || ! "$1" =~ ^[A-Z][A-Za-z0-9]*$ ]]; then
  echo "usage: $0 <PascalCaseName>" >&2
  exit 2
fi
name="$1"
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for engine in Sqlite Postgres; do
  project="src/Custodian.Migrations.$engine"
  dotnet build "$project" -nologo -v quiet -clp:NoSummary
  echo "== $engine: $name"
  # Each migrations project is its own startup project; its DesignTimeFactory selects the engine.
  dotnet ef migrations add "$name" \
    --no-build --project "$project" --startup-project "$project" \
    --context CustodianDbContext \
    --output-dir Migrations
done
