#!/usr/bin/env bash
# `make bench DB=postgres`: the benchmark on a loopback PostgreSQL cluster of its own, started
# like .ci/run starts CI's (pg_createcluster, trust on 127.0.0.1) and dropped afterwards.
# Arguments go to bench/run.py. Needs root (pg_createcluster runs the server as postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PG_PORT:-55434}
NAME=dhabench
if [ "$(id -u)" != 0 ]; then
  echo "bench/postgres.sh needs root to create a cluster; or run" >&2
  echo "  .venv/bin/python bench/run.py --db postgres --database-url postgresql+psycopg://…/bench" >&2
  exit 1
fi
PGVER=$(ls /usr/lib/postgresql | sort -V | tail -1)
DATA_DIR=$(mktemp -d /tmp/dha-bench-pg.XXXXXX)
chown postgres:postgres "$DATA_DIR"
pg_dropcluster "$PGVER" "$NAME" --stop >/dev/null 2>&1 || true
pg_createcluster "$PGVER" "$NAME" -p "$PORT" -d "$DATA_DIR/data" -- -A trust -E UTF8 \
  --locale=C.UTF-8 >/dev/null
trap 'pg_dropcluster "$PGVER" "$NAME" --stop >/dev/null 2>&1 || true; rm -rf "$DATA_DIR"' EXIT
# Durable like production (fsync and synchronous_commit stay on); memory for a 2-core box
# with this much RAM, room for the bulk load's WAL, and jit=off: the JIT spends 30-40 ms
# compiling the national overview's aggregates, more than it saves (docs/performance.md).
pg_ctlcluster "$PGVER" "$NAME" start -o "-c listen_addresses=127.0.0.1 \
  -c shared_buffers=512MB -c effective_cache_size=4GB -c work_mem=16MB \
  -c maintenance_work_mem=256MB -c max_wal_size=4GB -c jit=off"
for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p "$PORT" && break; sleep 0.5; done
.venv/bin/python bench/run.py --db postgres \
  --database-url "postgresql+psycopg://postgres@127.0.0.1:$PORT/bench" "$@"
