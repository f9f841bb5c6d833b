#!/usr/bin/env bash
# PostgreSQL backup benchmark: `bulwark backup run` against a plain `pg_dump -Fc`, loopback only.
#
# What it measures
#   The script starts its own PostgreSQL 15 server from Debian's /usr/lib/postgresql/15/bin. The server
#   gets a temporary data directory, a free port on 127.0.0.1 and a socket directory in the same temp
#   dir. Its settings stay at their defaults; in particular fsync stays on, so the dumps read real,
#   durable data. `pgbench -i -s SCALE` fills the database `bench` (SCALE 50 puts 5 M rows in
#   pgbench_accounts, roughly 750 MB; the script prints the real size). Then come ROUNDS interleaved rounds, each one running:
#     (a) pg_dump  `pg_dump -Fc -f OUT bench`, over TCP to the same server
#     (b) bulwark  `bulwark backup run --config CFG`. CFG holds only a backup: section with bin_dir set
#                  to the same PostgreSQL 15 bin directory, so both runs use the same pg_dump. Bulwark's
#                  compression_level default is 6, which is also what pg_dump -Fc uses by default.
#   Odd rounds run (a) first, even rounds run (b) first, so drift in machine load and in the page cache
#   affects both alike. The outputs are deleted after every run. GNU time (`/usr/bin/time -f '%e %M'`)
#   times each run: wall-clock seconds and maximum RSS. The summary prints the medians and the ratio
#   bulwark/pg_dump of the median wall times.
#
# What bulwark's time includes
#   More than pg_dump: `SHOW server_version`; an exact count(*) of every table in one REPEATABLE READ
#   transaction, which reads every table once while the dump runs (beside it, on the other core);
#   `pg_dump --version`; SHA-256 of the dump stream; the fsync and rename; and the manifest. The ratio
#   is the cost of all of that together.
#
# Memory: what is measured
#   GNU time's %M comes from wait4(). On Linux, that is the largest peak RSS of any single process among
#   the measured process and the descendants it waited for (the largest one, not a sum). For (a) that is
#   pg_dump's own peak. For (b) it is the largest of bulwark, its pg_dump child and its psql children.
#   To show bulwark's own footprint, the script also reads VmHWM (a process's own peak RSS) of the
#   bulwark process from /proc every 0.1 s, and of pg_dump in (a) for comparison. Both columns are
#   printed. VmHWM read this way can miss growth in the last 0.1 s of a run.
#
# Usage (as root on Debian 12 with postgresql-15 installed, or as any user who can run initdb):
#   bash Benchmarks/backup.sh
#   ROUNDS=5 SCALE=100 BULWARK_BIN=/path/to/bulwark bash Benchmarks/backup.sh
# Environment:
#   ROUNDS (3), SCALE (50, pgbench scale factor), BULWARK_BIN (<repo>/.build/release/bulwark),
#   PG_BIN (/usr/lib/postgresql/15/bin).
# Run as root, the server runs as the `postgres` user (initdb and pg_ctl through `runuser -u postgres --`),
# and the temp dir is chowned to it. Every step is bounded: one that takes longer than 30 minutes fails
# the script. On exit, even on failure or Ctrl-C, the server is stopped and the temp dir removed.
# The script does not build bulwark: build it first with `swift build -c release` at the repo root.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-50}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
STEP_TIMEOUT=1800 # seconds: 30 minutes per step

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BULWARK_BIN=${BULWARK_BIN:-$repo_root/.build/release/bulwark}

die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*"; }

for v in ROUNDS SCALE; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, got '${!v}'"
done

# ---------------------------------------------------------------- tools
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) is missing: apt-get install time"
/usr/bin/time -f '%e %M' true 2>/dev/null || die "/usr/bin/time is not GNU time (needs -f): apt-get install time"
for tool in initdb pg_ctl postgres pg_dump pgbench psql; do
  [[ -x $PG_BIN/$tool ]] || die "$PG_BIN/$tool not found: apt-get install postgresql-15 (Debian 12), or set PG_BIN"
done
[[ -x $BULWARK_BIN ]] || die "no bulwark binary at $BULWARK_BIN: build it with 'swift build -c release' at the repo root, or set BULWARK_BIN"
for tool in timeout awk stat; do command -v "$tool" >/dev/null || die "$tool is not available"; done

as_root=false
if [[ $(id -u) -eq 0 ]]; then
  as_root=true
  command -v runuser >/dev/null || die "runuser is not available (util-linux)"
  id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user to run the server (apt-get install postgresql-15 creates it)"
fi

# ---------------------------------------------------------------- temp dir and cleanup
work=$(mktemp -d -t bulwark-backup-bench.XXXXXX)
mkdir -p "$work/socket" "$work/out-pg_dump" "$work/out-bulwark"
if $as_root; then chown -R postgres:postgres "$work"; fi
server_started=false
measured_pid="" # the background `time` of a run in progress, if any
child_pidfile="$work/child.pid"

# Runs a server command (initdb, pg_ctl) as the postgres user when root, from the temp dir (so a
# cwd that postgres cannot read, like /root, does not matter), bounded by STEP_TIMEOUT.
as_server() {
  if $as_root; then
    (cd "$work" && timeout -k 10 "$STEP_TIMEOUT" runuser -u postgres -- "$@")
  else
    (cd "$work" && timeout -k 10 "$STEP_TIMEOUT" "$@")
  fi
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [[ -n $measured_pid ]]; then
    [[ -s $child_pidfile ]] && kill -TERM "$(<"$child_pidfile")" 2>/dev/null || true
    kill -TERM "$measured_pid" 2>/dev/null || true
  fi
  if $server_started; then
    as_server "$PG_BIN/pg_ctl" -D "$work/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
      || as_server "$PG_BIN/pg_ctl" -D "$work/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs one setup step bounded by STEP_TIMEOUT; on failure shows its log.
step() { # description log command...
  local what=$1 log=$2 status=0
  shift 2
  timeout -k 10 "$STEP_TIMEOUT" "$@" >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    tail -n 30 "$log" >&2 || true
    ((status == 124)) && die "$what took longer than $((STEP_TIMEOUT / 60)) minutes"
    die "$what failed (exit $status)"
  fi
}

# ---------------------------------------------------------------- the server
free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
    return
  fi
  local p
  for _ in $(seq 100); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
  die "found no free port"
}
port=$(free_port)

note "initdb (PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $NF}'), default settings, fsync on)"
as_server "$PG_BIN/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --no-locale >"$work/initdb.log" 2>&1 \
  || { tail -n 30 "$work/initdb.log" >&2; die "initdb failed"; }
as_server "$PG_BIN/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w -t 120 \
  -o "-p $port -k '$work/socket' -c listen_addresses=127.0.0.1" start >"$work/pg_ctl.log" 2>&1 \
  || { tail -n 30 "$work/postgres.log" >&2 || true; die "the PostgreSQL server did not start"; }
server_started=true
note "server on 127.0.0.1:$port"

pg=(-h 127.0.0.1 -p "$port" -U postgres)
step "CREATE DATABASE bench" "$work/createdb.log" "$PG_BIN/psql" "${pg[@]}" -X -q -v ON_ERROR_STOP=1 -d postgres -c 'CREATE DATABASE bench'
note "pgbench -i -s $SCALE (this takes a while at large scales)"
step "pgbench -i -s $SCALE" "$work/pgbench.log" "$PG_BIN/pgbench" "${pg[@]}" -i -s "$SCALE" -q bench
step "CHECKPOINT" "$work/checkpoint.log" "$PG_BIN/psql" "${pg[@]}" -X -q -v ON_ERROR_STOP=1 -d bench -c 'CHECKPOINT'
db_size=$(timeout 60 "$PG_BIN/psql" "${pg[@]}" -X -A -t -d bench -c "SELECT pg_size_pretty(pg_database_size('bench'))")

cat >"$work/bulwark.yaml" <<EOF
backup:
  database_url: "postgres://postgres@127.0.0.1:$port/bench"
  directory: "$work/out-bulwark"
  bin_dir: "$PG_BIN"
EOF
if $as_root; then chown postgres:postgres "$work/bulwark.yaml"; fi

# ---------------------------------------------------------------- measuring
# measure NAME COMM command...: runs the command under GNU time and STEP_TIMEOUT, samples the VmHWM of
# the process whose name is COMM (the command itself: a wrapper writes its pid, then execs it).
# Sets m_wall (s), m_tree (KiB, GNU time %M) and m_own (KiB, sampled VmHWM).
measure() {
  local name=$1 comm=$2
  shift 2
  local timefile="$work/time-$name.txt" pid="" hwm=0 value="" status=0
  rm -f "$timefile" "$child_pidfile"
  /usr/bin/time -f '%e %M' -o "$timefile" timeout -k 10 "$STEP_TIMEOUT" \
    bash -c 'echo $$ >"$0"; exec "$@"' "$child_pidfile" "$@" >"$work/$name.out" 2>"$work/$name.err" &
  measured_pid=$!
  while kill -0 "$measured_pid" 2>/dev/null; do
    if [[ -z $pid && -s $child_pidfile ]]; then pid=$(<"$child_pidfile"); fi
    if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null || true) == "$comm" ]]; then
      value=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      if [[ -n $value ]] && ((value > hwm)); then hwm=$value; fi
    fi
    sleep 0.1
  done
  wait "$measured_pid" || status=$?
  measured_pid=""
  if ((status != 0)); then
    tail -n 30 "$work/$name.err" >&2 || true
    ((status == 124)) && die "$name took longer than $((STEP_TIMEOUT / 60)) minutes"
    die "$name failed (exit $status)"
  fi
  read -r m_wall m_tree < <(tail -n 1 "$timefile")
  [[ $m_wall =~ ^[0-9.]+$ && $m_tree =~ ^[0-9]+$ ]] || die "could not read GNU time's output for $name: $(cat "$timefile")"
  m_own=$hwm
}

bulwark_comm=$(basename "$BULWARK_BIN" | cut -c1-15) # the kernel's name for the exec'd process
results="$work/results.txt" # round tool wall_s tree_kib own_kib archive_bytes
: >"$results"

run_pg_dump() { # round
  local out="$work/out-pg_dump/bench.dump"
  measure "pg_dump-$1" pg_dump "$PG_BIN/pg_dump" "${pg[@]}" -Fc -f "$out" bench
  local size
  size=$(stat -c %s "$out")
  echo "$1 pg_dump $m_wall $m_tree $m_own $size" >>"$results"
  rm -f "$out"
}

run_bulwark() { # round
  measure "bulwark-$1" "$bulwark_comm" "$BULWARK_BIN" backup run --config "$work/bulwark.yaml"
  local id archive size
  id=$(tr -d '[:space:]' <"$work/bulwark-$1.out")
  archive="$work/out-bulwark/$id.dump"
  [[ -n $id && -s $archive && -s $work/out-bulwark/$id.json ]] || die "bulwark printed '$id' but wrote no $archive with its manifest"
  size=$(stat -c %s "$archive")
  echo "$1 bulwark $m_wall $m_tree $m_own $size" >>"$results"
  find "$work/out-bulwark" -mindepth 1 -delete
}

echo
note "$("$PG_BIN/pg_dump" --version), $("$BULWARK_BIN" version 2>/dev/null | head -1 || echo 'bulwark ?'), $(nproc) cores"
note "database bench: pgbench scale $SCALE, $db_size"
note "$ROUNDS round(s), alternating which goes first"
echo
printf '%-6s %-8s %9s %16s %14s %12s\n' round tool "wall s" "tree peak MB" "own peak MB" "archive MB"
for round in $(seq "$ROUNDS"); do
  if ((round % 2 == 1)); then order=(pg_dump bulwark); else order=(bulwark pg_dump); fi
  for tool in "${order[@]}"; do
    if [[ $tool == pg_dump ]]; then run_pg_dump "$round"; else run_bulwark "$round"; fi
    read -r _ t wall tree own size < <(tail -n 1 "$results")
    awk -v r="$round" -v t="$t" -v w="$wall" -v tr="$tree" -v o="$own" -v s="$size" \
      'BEGIN { printf "%-6s %-8s %9.2f %16.1f %14.1f %12.1f\n", r, t, w, tr * 1024 / 1e6, o * 1024 / 1e6, s / 1e6 }'
  done
done

# ---------------------------------------------------------------- summary
echo
awk '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { wall[$2] = wall[$2] " " $3; tree[$2] = tree[$2] " " $4; own[$2] = own[$2] " " $5; size[$2] = size[$2] " " $6 }
  END {
    printf "%-8s %14s %18s %16s %14s\n", "median", "wall s", "tree peak MB", "own peak MB", "archive MB"
    split("pg_dump bulwark", tools, " ")
    for (k = 1; k <= 2; k++) {
      t = tools[k]; W[t] = median(wall[t]); T[t] = median(tree[t]); O[t] = median(own[t]); S[t] = median(size[t])
      printf "%-8s %14.2f %18.1f %16.1f %14.1f\n", t, W[t], T[t] * 1024 / 1e6, O[t] * 1024 / 1e6, S[t] / 1e6
    }
    print ""
    printf "bulwark/pg_dump wall time (medians): %.2fx\n", W["bulwark"] / W["pg_dump"]
    printf "bulwark peak RSS: %.1f MB for the bulwark process alone (sampled VmHWM), %.1f MB for the largest process in its tree (GNU time %%M: bulwark or its pg_dump/psql children)\n", O["bulwark"] * 1024 / 1e6, T["bulwark"] * 1024 / 1e6
    printf "pg_dump peak RSS on its own, run (a): %.1f MB (GNU time %%M), %.1f MB (sampled VmHWM)\n", T["pg_dump"] * 1024 / 1e6, O["pg_dump"] * 1024 / 1e6
    print "MB = 1,000,000 bytes."
  }' "$results"
