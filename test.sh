#!/usr/bin/env bash
# Runs the whole test suite: unit, storage (SQLite and PostgreSQL from one test body), HTTP and browser tests.
# On a fresh machine it first installs what the tests need from the Debian archive when it is missing.
# PostgreSQL: CUSTODIAN_TEST_PG (a connection string) or a throwaway cluster started by the tests with the installed
# server binaries; without either, PostgreSQL tests are skipped locally and fail when CI=true.
# Chromium: /usr/bin/chromium or CHROMIUM_PATH, driven by Playwright (no "playwright install", no chromium-driver);
# without it, browser tests are skipped locally and fail when CI=true. See docs/testing.md.
# tesseract-ocr(-nld), poppler-utils, imagemagick, qpdf: ID-copy screening tests (skipped locally without them, fail in CI).
# fiu-utils, libfiu0 (libfiu): the I/O-error fault tests (skipped locally without them, fail in CI).
# s3rver (object-storage tests): `npm ci` in eng/s3rver (versions pinned by its package-lock.json) when node is there and
# it is not installed yet; without node, S3 tests are skipped locally and fail when CI=true. See docs/object-storage.md.
# Extra arguments go to `dotnet test` (e.g. ./test.sh -- --filter-class '*Register*'). With a --filter* argument the
# test projects without a matching test do not fail the run (their exit code 8), but a filter matching nothing does.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

have_pg() { command -v initdb >/dev/null 2>&1 || compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
need=()
have_pg || [ -n "${CUSTODIAN_TEST_PG:-}" ] || need+=(postgresql)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
# ID-copy screening: OCR (Dutch + English data), PDF rasterising, test images and encrypted test PDFs.
command -v tesseract >/dev/null 2>&1 && [ -e /usr/share/tesseract-ocr/5/tessdata/nld.traineddata ] || need+=(tesseract-ocr tesseract-ocr-nld)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ -x /usr/bin/convert ] || need+=(imagemagick)
command -v qpdf >/dev/null 2>&1 || need+=(qpdf)
# I/O-error tests (Faults/IoErrorTests): libfiu's fiu-run/fiu-ctrl and its POSIX preload library fail a running serve's file writes.
command -v fiu-run >/dev/null 2>&1 && [ -e /usr/lib/fiu/fiu_posix_preload.so ] || need+=(fiu-utils libfiu0)
# s3rver needs node and npm (Debian's nodejs works; eng/s3rver/package-lock.json pins s3rver and its dependencies).
[ -e eng/s3rver/node_modules/s3rver/bin/s3rver.js ] || command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${need[*]} from the Debian archive" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "test.sh: missing ${need[*]}; install with: sudo apt-get install ${need[*]} (tests that need them will be skipped)" >&2
  fi
fi

if [ ! -e eng/s3rver/node_modules/s3rver/bin/s3rver.js ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "test.sh: installing s3rver (npm ci in eng/s3rver)" >&2
    (cd eng/s3rver && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  else
    echo "test.sh: no npm; object-storage (S3) tests will be skipped (install nodejs and npm)" >&2
  fi
fi

# The tests start hundreds of real `custodian` child processes (crash, fault and CLI tests). EF Core, Npgsql and the
# other NuGet assemblies ship as IL only, so a child from the plain build spends half of its ~1.5 s start-up compiling
# them; a ready-to-run publish of the same sources (incremental: seconds when nothing changed) starts in ~0.8 s.
# CUSTODIAN_TEST_EXECUTABLE points the tests at it; without the variable they use the build output.
case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) rid= ;;
esac
# The build comes before the publish (the tests refuse a publish older than their own build of the product), so
# without --no-build this script builds first and runs the tests on that build.
built=()
case " $* " in
  *" --no-build "*) ;;
  *) dotnet build Custodian.slnx -nologo -v:q; built=(--no-build) ;;
esac
if [ -n "$rid" ] && [ -z "${CUSTODIAN_TEST_EXECUTABLE:-}" ]; then
  echo "test.sh: ready-to-run publish of custodian for the child-process tests (artifacts/test-custodian)" >&2
  dotnet publish src/Custodian/Custodian.csproj -c Debug -r "$rid" --self-contained false -p:PublishReadyToRun=true \
    -o artifacts/test-custodian -nologo -v:q
  export CUSTODIAN_TEST_EXECUTABLE="$PWD/artifacts/test-custodian/custodian"
fi

filtered=()
for arg in "$@"; do
  case "$arg" in --filter*) filtered=(--ignore-exit-code 8) ;; esac
done

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution Custodian.slnx "${built[@]}" "$@" "${filtered[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line for humans and CI: "N passed, N failed, N skipped".
awk '/^ *total:/{t+=$2} /^ *failed:/{f+=$2} /^ *succeeded:/{s+=$2} /^ *skipped:/{k+=$2}
     END { if (t > 0) printf "%d passed, %d failed, %d skipped\n", s, f, k; else print "0 passed, 0 failed (no test ran)" }' "$log"
if [ "$rc" = 0 ] && [ ${#filtered[@]} -gt 0 ] && ! grep -Eq '^ *total: *[1-9]' "$log"; then
  rc=8   # the filter matched no test anywhere
fi
exit "$rc"
