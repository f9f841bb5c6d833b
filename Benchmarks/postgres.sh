#!/usr/bin/env bash
# What the PostgreSQL proxy costs (issue 19), in one run, loopback only. Not a test, not run by CI.
#
# One throwaway PostgreSQL (Debian's, initdb in a temp dir, trust auth, `pgbench -i -s SCALE`) reached three
# ways by pgbench, 16 clients, 2 threads, one connection per client for the whole run:
#
#   direct     the server itself
#   bulwark    `bulwark serve` with a `postgres:` cluster of that one server, through its `primary` listener
#              (session relay: one server connection per client connection)
#   pgbouncer  Debian's PgBouncer in session mode (pool_mode=session, max_client_conn 100,
#              default_pool_size 20, auth_type trust), 1 process
#
# Two workloads: select-only (`pgbench -S`: one SELECT per transaction) and TPC-B-like (pgbench's default:
# BEGIN, 3 UPDATEs, SELECT, INSERT, END = 7 statements per transaction). The server runs with fsync=off,
# synchronous_commit=off and full_page_writes=off, so TPC-B is bound by CPU rather than this machine's disk
# and the proxies' cost is not hidden behind fsync waits. ROUNDS interleaved rounds (the order of the
# three rotates each round), each: WARMUP s unmeasured, then DURATION s measured (`-T`); pgbench runs with
# -n and the tables pgbench would vacuum are vacuumed (and pgbench_history truncated) directly before each
# TPC-B run. Medians over rounds.
#
# Reported per workload and way: TPS, average latency, CPU per transaction of the proxy process (utime +
# stime of its /proc/PID/stat, all threads, before and after the measured run, over the transactions
# pgbench counted), the TPS and latency ratios against PgBouncer, and the latency added per transaction
# (and per statement) against direct, in µs. On 2 cores the proxies, pgbench and the server share the CPU:
# a proxy's CPU per transaction is the figure that carries over to a bigger machine.
#
# Usage: bash Benchmarks/postgres.sh   (env: ROUNDS=3 DURATION=15 WARMUP=3 CLIENTS=16 THREADS=2 SCALE=10
#                                      BULWARK_BIN=.build/release/bulwark SKIP_BULWARK=1 SKIP_PGBOUNCER=1)
# Needs: postgresql (initdb, pg_ctl, pgbench, psql), pgbouncer (installed with apt-get when missing), and
# a release bulwark (built when missing: swift build -c release --product bulwark, several minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-15} WARMUP=${WARMUP:-3} CLIENTS=${CLIENTS:-16} THREADS=${THREADS:-2}
SCALE=${SCALE:-10}
BULWARK_BIN=${BULWARK_BIN:-.build/release/bulwark}
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $pg_bin && -x $pg_bin/initdb ]] || { echo "needs PostgreSQL: apt-get install -y postgresql" >&2; exit 1; }
for tool in pgbench psql; do command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install -y postgresql-client)" >&2; exit 1; }; done
if [[ -z ${SKIP_PGBOUNCER:-} ]] && ! command -v pgbouncer >/dev/null; then
  echo "installing pgbouncer"
  apt-get install -y pgbouncer >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y pgbouncer >/dev/null; }
fi
HZ=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Runs a command as the postgres user when this script runs as root (initdb and postgres refuse root).
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

work=$(mktemp -d "${TMPDIR:-/tmp}/bulwark-pg-bench.XXXXXX")
chmod 755 "$work"
[[ $(id -u) == 0 ]] && chown postgres:postgres "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [[ -f $work/data/postmaster.pid ]] && as_pg "$pg_bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  sleep 0.3
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pg_port=$(free_port) bouncer_port=$(free_port) bulwark_port=$(free_port)
server_port=$(free_port) admin_port=$(free_port)

# --- PostgreSQL --------------------------------------------------------------------------------------
as_pg "$pg_bin/initdb" -D "$work/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (fsync=off, synchronous_commit=off); pgbench -i -s $SCALE"
pgbench -i -q -s "$SCALE" -h 127.0.0.1 -p "$pg_port" -U postgres postgres >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 1; }

targets=(direct)
declare -A port_of=([direct]=$pg_port) pid_of=()

# --- PgBouncer ---------------------------------------------------------------------------------------
if [[ -z ${SKIP_PGBOUNCER:-} ]]; then
  mkdir -p "$work/pgbouncer"
  echo '"postgres" ""' >"$work/pgbouncer/userlist.txt"
  cat >"$work/pgbouncer/pgbouncer.ini" <<EOF
[databases]
postgres = host=127.0.0.1 port=$pg_port dbname=postgres

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/pgbouncer/userlist.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
logfile = $work/pgbouncer/pgbouncer.log
pidfile = $work/pgbouncer/pgbouncer.pid
ignore_startup_parameters = extra_float_digits
EOF
  [[ $(id -u) == 0 ]] && chown -R postgres:postgres "$work/pgbouncer"
  # PgBouncer refuses to run as root; -u switches to postgres after reading its configuration.
  if [[ $(id -u) == 0 ]]; then
    setsid pgbouncer -u postgres "$work/pgbouncer/pgbouncer.ini" >"$work/pgbouncer/stdout" 2>&1 &
  else
    setsid pgbouncer "$work/pgbouncer/pgbouncer.ini" >"$work/pgbouncer/stdout" 2>&1 &
  fi
  pid_of[pgbouncer]=$! port_of[pgbouncer]=$bouncer_port
  pids+=("${pid_of[pgbouncer]}")
  targets+=(pgbouncer)
fi

# --- bulwark -----------------------------------------------------------------------------------------
if [[ -z ${SKIP_BULWARK:-} ]]; then
  [[ -x $BULWARK_BIN ]] || swift build -c release --product bulwark
  cat >"$work/bulwark.yaml" <<EOF
server: { listen: "127.0.0.1:$server_port", access_log: "off" }
admin: { listen: "127.0.0.1:$admin_port" }
postgres:
  bench:
    servers: ["127.0.0.1:$pg_port"]
    check: { user: postgres, database: postgres, interval: 2s, timeout: 1s }
    listen: { primary: "127.0.0.1:$bulwark_port" }
    max_server_connections: 100
EOF
  setsid "$BULWARK_BIN" serve --config "$work/bulwark.yaml" >"$work/bulwark.log" 2>&1 &
  pid_of[bulwark]=$! port_of[bulwark]=$bulwark_port
  pids+=("${pid_of[bulwark]}")
  targets+=(bulwark)
fi

# Every way must answer a query before anything is measured; a bulwark that cannot serve `postgres:`
# yet is left out with its log rather than failing the whole run.
for target in "${targets[@]}"; do
  ok=
  for _ in $(seq 100); do
    if [[ $(psql -XAtq -h 127.0.0.1 -p "${port_of[$target]}" -U postgres -d postgres -c 'select 1' 2>/dev/null) == 1 ]]; then ok=1; break; fi
    [[ -n ${pid_of[$target]:-} ]] && ! kill -0 "${pid_of[$target]}" 2>/dev/null && break
    sleep 0.1
  done
  if [[ -z $ok ]]; then
    echo "!! $target does not answer on 127.0.0.1:${port_of[$target]}; left out. Its log:" >&2
    case $target in
      bulwark) tail -20 "$work/bulwark.log" >&2 ;;
      pgbouncer) tail -20 "$work/pgbouncer/pgbouncer.log" "$work/pgbouncer/stdout" >&2 2>/dev/null || true ;;
      direct) exit 1 ;;
    esac
    targets=("${targets[@]/$target}")
  fi
done
read -r -a targets <<<"${targets[*]}"
echo "ways: ${targets[*]} (pgbouncer $(pgbouncer --version 2>/dev/null | head -1 | awk '{print $2}'), bulwark $BULWARK_BIN)"

ticks() { # utime+stime of process $1 (all its threads), in clock ticks
  local fields
  read -r -a fields < <(sed 's/^.*) //' "/proc/$1/stat")
  echo $((fields[11] + fields[12]))
}

bench() { # $1 way, $2 workload (select|tpcb), $3 seconds; prints pgbench's output
  local args=(-n -c "$CLIENTS" -j "$THREADS" -T "$3" -h 127.0.0.1 -p "${port_of[$1]}" -U postgres)
  [[ $2 == select ]] && args+=(-S)
  pgbench "${args[@]}" postgres 2>&1
}

workloads=(select tpcb)
declare -A results=()
echo "$ROUNDS interleaved rounds: ${WARMUP}s warm-up + ${DURATION}s measured, -c $CLIENTS -j $THREADS"
for round in $(seq "$ROUNDS"); do
  # Rotate the order of the ways each round so that none always runs first.
  order=()
  for i in "${!targets[@]}"; do order+=("${targets[$(((i + round - 1) % ${#targets[@]}))]}"); done
  for workload in "${workloads[@]}"; do
    for target in "${order[@]}"; do
      if [[ $workload == tpcb ]]; then
        psql -XAtq -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres \
          -c 'vacuum pgbench_branches' -c 'vacuum pgbench_tellers' -c 'truncate pgbench_history' >/dev/null
      fi
      bench "$target" "$workload" "$WARMUP" >/dev/null
      pid=${pid_of[$target]:-}
      before=0; [[ -n $pid ]] && before=$(ticks "$pid")
      out=$(bench "$target" "$workload" "$DURATION")
      after=0; [[ -n $pid ]] && after=$(ticks "$pid")
      tx=$(awk '/number of transactions actually processed/ {split($NF, a, "/"); print a[1]}' <<<"$out")
      tps=$(awk '/^tps = / {print $3}' <<<"$out")
      lat=$(awk '/^latency average = / {print $4}' <<<"$out")
      failed=$(awk '/number of failed transactions/ {print $5}' <<<"$out")
      if [[ -z $tx || -z $tps || -z $lat ]]; then echo "!! $target $workload: pgbench failed:" >&2; echo "$out" >&2; exit 1; fi
      [[ -z $failed || $failed == 0 ]] || echo "!! $target $workload: $failed failed transactions" >&2
      cpu=-
      [[ -n $pid ]] && cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$tx" 'BEGIN { printf "%.1f", t * 1e6 / hz / n }')
      printf 'round %d %-6s %-9s %9.0f tps  latency %7.3f ms  proxy cpu/tx %6s us\n' "$round" "$workload" "$target" "$tps" "$lat" "$cpu"
      results[$workload/$target]+="$tps $lat $cpu"$'\n'
    done
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo
for workload in "${workloads[@]}"; do
  statements=1; [[ $workload == tpcb ]] && statements=7
  [[ $workload == select ]] && echo "select-only (pgbench -S, 1 statement per transaction), -c $CLIENTS, medians of $ROUNDS" \
    || echo "TPC-B-like (pgbench default, 7 statements per transaction), -c $CLIENTS, medians of $ROUNDS"
  printf '  %-9s %9s %11s %12s %8s %8s %14s %14s\n' way TPS "latency ms" "cpu/tx (us)" "TPS x pgb" "lat x pgb" "+us/tx vs dir" "+us/stmt vs dir"
  declare -A tps_m=() lat_m=() cpu_m=()
  for target in "${targets[@]}"; do
    tps_m[$target]=$(awk 'NF {print $1}' <<<"${results[$workload/$target]}" | median)
    lat_m[$target]=$(awk 'NF {print $2}' <<<"${results[$workload/$target]}" | median)
    cpu_m[$target]=-
    [[ $target == direct ]] || cpu_m[$target]=$(awk 'NF {print $3}' <<<"${results[$workload/$target]}" | median)
  done
  for target in "${targets[@]}"; do
    awk -v w="$target" -v t="${tps_m[$target]}" -v l="${lat_m[$target]}" -v c="${cpu_m[$target]}" \
        -v tb="${tps_m[pgbouncer]:-}" -v lb="${lat_m[pgbouncer]:-}" -v ld="${lat_m[direct]}" -v s="$statements" 'BEGIN {
      rt = tb == "" ? "-" : sprintf("%.2fx", t / tb); rl = lb == "" ? "-" : sprintf("%.2fx", l / lb)
      over = (l - ld) * 1000
      printf "  %-9s %9.0f %11.3f %12s %8s %8s %14.0f %14.1f\n", w, t, l, c, rt, rl, over, over / s }'
  done
  unset tps_m lat_m cpu_m
  echo
done
