#!/usr/bin/env bash
# The nightly long runs (security.md G3.2 and G2.1): not part of .ci/run, which must stay within its ~15 minutes.
#   - sweep-soak: 1,000 random kill -9 of real `custodian retention run` processes per engine, each rerun and
#     compared with an uninterrupted sweep of the same data (bench/README.md#sweep-soak);
#   - import-crash: 2,000 random kill -9 of real `custodian import usage` processes per engine (the CI test class
#     ImportCrashTests at nightly size, CUSTODIAN_CRASH_KILLS), each trial compared with a fault-free import;
#   - audit-soak: 10,000 random audit-log mutations (all must be detected) and 1,000,000 legitimate appends (no false
#     positive) per engine;
#   - fuzz: the fuzz tests (docs/testing.md "Fuzzing") with FUZZ_RUNS inputs per property and tonight's SEED instead of
#     CI's fixed seeds and small counts.
# Every run goes on even if an earlier one failed; the script exits 1 if any did. Logs: artifacts/nightly/<UTC time>/.
# About 6 hours on the 2-core reference machine (README "Performance"). Override the sizes with the variables below,
# e.g. KILLS=50 AUDIT_APPENDS=10000 AUDIT_MUTATIONS=1000 eng/nightly.sh for a quick try.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
KILLS=${KILLS:-1000}
CRASH_KILLS=${CRASH_KILLS:-2000}           # random kills of `custodian import` per engine (the CI run makes 100)
SEED=${SEED:-$(date -u +%Y%m%d)}            # a new draw every night, printed so a failure can be replayed
AUDIT_MUTATIONS=${AUDIT_MUTATIONS:-10000}
AUDIT_APPENDS=${AUDIT_APPENDS:-1000000}
FUZZ_RUNS=${FUZZ_RUNS:-20000}               # inputs per fuzz property (CI runs 25-400)
ENGINES=${ENGINES:-"sqlite postgres"}
PG_ARGS=()
if [[ -n "${CUSTODIAN_NIGHTLY_PG:-}" ]]; then PG_ARGS=(--pg "$CUSTODIAN_NIGHTLY_PG"); fi   # else a throwaway cluster
OUT=${OUT:-artifacts/nightly/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"

echo "== build (Release) and publish custodian ReadyToRun (the soak kills it ~2,000 times: start-up matters)"
dotnet build bench/Custodian.Bench -c Release -nologo -v:q || exit 1
dotnet publish src/Custodian -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true \
  -o "$OUT/custodian" -nologo -v:q || exit 1
bench=(dotnet bench/Custodian.Bench/bin/Release/net10.0/Custodian.Bench.dll)

status=0
run() {
  local name=$1; shift
  local start=$SECONDS
  echo "== $name: $*"
  if "${bench[@]}" "$@" "${PG_ARGS[@]}" > "$OUT/$name.log" 2>&1; then
    echo "   passed in $(( SECONDS - start )) s"
  else
    echo "   FAILED (exit $?) in $(( SECONDS - start )) s; the log's last lines:"
    tail -n 20 "$OUT/$name.log" | sed 's/^/   /'
    status=1
  fi
}

for engine in $ENGINES; do
  run "sweep-soak-$engine" sweep-soak --engine "$engine" --kills "$KILLS" --seed "$SEED" --custodian "$OUT/custodian/custodian"
done
# Import and audit-append crash tests at nightly size (docs/testing.md "Crash tests"): both engines in one test run.
crash_start=$SECONDS
echo "== import-crash: $CRASH_KILLS random kills per engine, seed $SEED"
if CUSTODIAN_CRASH_KILLS=$CRASH_KILLS CUSTODIAN_CRASH_SEED=$SEED dotnet test --project tests/Custodian.IntegrationTests -c Release \
    -- --filter-class '*ImportCrashTests*' --output detailed > "$OUT/import-crash.log" 2>&1; then
  echo "   passed in $(( SECONDS - crash_start )) s"
else
  echo "   FAILED in $(( SECONDS - crash_start )) s; replay with CUSTODIAN_CRASH_SEED=$SEED; the log's last lines:"
  tail -n 20 "$OUT/import-crash.log" | sed 's/^/   /'
  status=1
fi
for engine in $ENGINES; do
  run "audit-soak-$engine" audit-soak --engine "$engine" --mutations "$AUDIT_MUTATIONS" --appends "$AUDIT_APPENDS"
done

echo "== fuzz: $FUZZ_RUNS inputs per property, seed $SEED (replay: CUSTODIAN_FUZZ_SEED=$SEED CUSTODIAN_FUZZ_RUNS=$FUZZ_RUNS)"
start=$SECONDS
if CUSTODIAN_FUZZ_SEED=$SEED CUSTODIAN_FUZZ_RUNS=$FUZZ_RUNS \
   dotnet test --project tests/Custodian.IntegrationTests/Custodian.IntegrationTests.csproj -- --filter-class '*Fuzz*' > "$OUT/fuzz.log" 2>&1; then
  echo "   passed in $(( SECONDS - start )) s"
else
  echo "   FAILED in $(( SECONDS - start )) s; the log's last lines:"
  tail -n 40 "$OUT/fuzz.log" | sed 's/^/   /'
  status=1
fi

echo "== summaries"
for log in "$OUT"/*.log; do
  echo "-- $(basename "$log" .log)"
  tail -n 12 "$log"
done
echo "== nightly finished: $([[ $status == 0 ]] && echo passed || echo FAILED); logs in $OUT"
exit $status
