#!/usr/bin/env bash
# bench-city.sh — reproduce the city-scale numbers of docs/BENCHMARKS.md:
# seed the city into its own database (unless it is there already), start
# the system on it on loopback ports, run `anxin loadtest`, export every
# worker over HTTP and print the server's peak memory, then stop.
#
#   scripts/bench-city.sh            # reuse anxin_bench when seeded
#   FRESH=1 scripts/bench-city.sh    # drop and seed again (≈ 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
admin=${ANXIN_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
url=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/anxin_bench?sslmode=disable}
data=${BENCH_DATA_DIR:-$(pwd)/.data/bench}
addr=127.0.0.1:18080
mkdir -p "$data" bin
./scripts/pg-ensure.sh "$admin"
go build -o bin/anxin ./cmd/anxin

if [[ ${FRESH:-0} == 1 ]]; then psql "$admin" -qc "DROP DATABASE IF EXISTS anxin_bench WITH (FORCE)"; fi
./scripts/pg-ensure.sh "$url"
seeded=$(psql "$url" -tAc "SELECT to_regclass('workers') IS NOT NULL AND EXISTS (SELECT 1 FROM workers)" 2>/dev/null || echo f)
if [[ $seeded != t ]]; then
  echo "== seeding the city"
  /usr/bin/time -f "seed: %e s wall, %M KiB peak RSS" env ANXIN_DATA_DIR="$data" ANXIN_LOG_LEVEL=warn bin/anxin seed --scale city --database-url "$url"
fi

echo "== starting the system on $addr"
ANXIN_DATA_DIR="$data" ANXIN_LOG_LEVEL=warn bin/anxin dev --database-url "$url" --addr "$addr" --temporal-port 17233 >"$data/dev.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://$addr/readyz" >/dev/null && break; sleep 1; done

echo "== registry reads"
ANXIN_DATA_DIR="$data" bin/anxin loadtest --database-url "$url" --base "http://$addr" --requests "${REQUESTS:-300}" --concurrency "${CONCURRENCY:-4}"

echo "== export of every worker"
token=$(curl -s "http://$addr/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"demo.supervisor","password":"Demo@2026"}' | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
grep VmHWM "/proc/$pid/status"
curl -s -o /dev/null -H "Authorization: Bearer $token" -w "export: HTTP %{http_code}, %{size_download} bytes in %{time_total} s\n" "http://$addr/api/v1/exports/workers.xlsx"
grep VmHWM "/proc/$pid/status"
