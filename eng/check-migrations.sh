#!/usr/bin/env bash
# Fails when the EF model has changes that no migration captures, for either engine (CI runs this).
# Fix: eng/add-migration.sh <Name>.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
status=0
for engine in Sqlite Postgres; do
  project="src/Custodian.Migrations.$engine"
  dotnet build "$project" -nologo -v quiet -clp:NoSummary
  echo "== $engine"
  if ! dotnet ef migrations has-pending-model-changes \
      --no-build --project "$project" --startup-project "$project" --context CustodianDbContext; then
    echo "$engine: the model has changes without a migration; run eng/add-migration.sh <Name>" >&2
    status=1
  fi
done
exit $status
