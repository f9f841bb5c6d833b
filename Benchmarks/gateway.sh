#!/usr/bin/env bash
# Side-by-side HTTP reverse-proxy benchmark, loopback only (127.0.0.1).
#
# What it measures
#   One origin ("app": nginx, 1 worker, `return 200` of a fixed 1 KiB body, keep-alive, no access log)
#   is load-tested directly and through three reverse proxies, each on its own port:
#     app      127.0.0.1:18001  the origin alone (ceiling: no proxy hop)
#     nginx    127.0.0.1:18002  nginx, 1 worker, upstream keepalive 64, HTTP/1.1 to the origin
#     haproxy  127.0.0.1:18003  HAProxy, nbthread 1, mode http, http-keep-alive
#     bulwark  127.0.0.1:18004  `bulwark serve --config FILE` (access log off)
#   Load: wrk -t 2 -c 64 --latency, DURATION seconds per run, 1 s warm-up before each measured run.
#   ROUNDS interleaved rounds (app, nginx, haproxy, bulwark, then again), so drift in machine load
#   affects every peer alike; the table shows per peer the median over rounds of req/s and of the
#   p99 latency, and the total of non-2xx/3xx responses plus socket errors over all measured runs.
#   CPU per request: right before and right after each measured wrk run the script reads utime+stime
#   (clock ticks, `getconf CLK_TCK`) from /proc/PID/stat of every process in each peer's process
#   group (nginx: master + worker; haproxy; bulwark; the origin) and divides the difference by the
#   number of requests wrk completed in that run ("N requests in ..."). Two more columns:
#     "cpu µs/req"     median over rounds of the CPU the peer's own processes used per request
#                      (for "app" that is the origin itself; wrk's own CPU is never counted)
#     "origin µs/req"  median over rounds of the CPU the origin used per request during that peer's
#                      runs (the same for every peer if the proxy adds no origin work)
#   The resolution is one clock tick (usually 10 ms) per process per run, far below the CPU seconds a
#   run uses, but short runs (DURATION=2) are noisier than the default.
#   Optional second bulwark: with BULWARK_BASELINE_BIN set (another bulwark binary, e.g. an older
#   build), it runs as peer "baseline" on BASE_PORT+5 with the same config, in the same rounds, right
#   next to "bulwark" (baseline first in even rounds, so neither always runs first).
#
# How to read the ratios
#   "bulwark/nginx req/s" = median req/s of bulwark divided by that of nginx: 1.0 means as fast as
#   nginx, 0.8 means 20 % fewer requests per second. Target: >= 0.8.
#   "bulwark/nginx p99" = median p99 of bulwark divided by that of nginx: 1.5 means bulwark's tail
#   latency is 50 % higher. Target: <= 1.5. The same two ratios against HAProxy are printed too.
#   "bulwark/nginx cpu" = median CPU µs/request of bulwark's process divided by that of nginx's
#   processes (lower is better; no target, it is informational), likewise against HAProxy.
#   "bulwark/baseline" (only with BULWARK_BASELINE_BIN): req/s, p99 and CPU µs/request ratios of the
#   two bulwark binaries; a change should cost at most 5 % CPU per request: cpu ratio <= 1.05. The
#   per-round cpu ratios (bulwark and baseline ran back to back) are printed too, to show the noise:
#   if they straddle 1.05, run more rounds (ROUNDS=7 DURATION=10) before concluding.
#   Everything (wrk, the origin, the proxy) shares the same cores, so absolute numbers depend on the
#   machine; only the ratios between peers measured in the same run are meaningful. Every proxy peer
#   also pays for the origin's CPU, so "% of app" shows what each proxy hop costs. Errors must be 0.
#
# Usage (from anywhere; as root on Debian 12 it installs wrk, nginx and haproxy if missing):
#   bash Benchmarks/gateway.sh
#   ROUNDS=5 DURATION=10 BULWARK_BIN=/path/to/bulwark bash Benchmarks/gateway.sh
#   BULWARK_BASELINE_BIN=/path/to/old/bulwark ROUNDS=7 bash Benchmarks/gateway.sh
# Environment:
#   ROUNDS (3), DURATION (6, seconds per measured run), WARMUP (1), THREADS (2), CONNECTIONS (64),
#   BULWARK_BIN (<repo>/.build/release/bulwark; if missing, the bulwark peer is skipped),
#   BULWARK_BASELINE_BIN (unset: no "baseline" peer; if set it must be an executable file),
#   BASE_PORT (18000: ports BASE_PORT+1 .. BASE_PORT+4, and BASE_PORT+5 for the baseline).
# Linux only (reads /proc).
# The script does not build bulwark: build it first with `swift build -c release` at the repo root.
# Installing the nginx/haproxy packages may start their system services where an init system allows
# it (e.g. nginx on port 80); this script never uses those ports or services, it runs the binaries
# directly with config files in a temporary directory and stops everything it started on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
BASE_PORT=${BASE_PORT:-18000}
BODY_BYTES=1024

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BULWARK_BIN=${BULWARK_BIN:-$repo_root/.build/release/bulwark}
BULWARK_BASELINE_BIN=${BULWARK_BASELINE_BIN:-}
export PATH="$PATH:/usr/sbin:/sbin"

die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*"; }

for v in ROUNDS DURATION WARMUP THREADS CONNECTIONS BASE_PORT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, got '${!v}'"
done
[[ -r /proc/self/stat ]] || die "/proc is not available: the CPU-per-request columns need Linux /proc"
[[ -z $BULWARK_BASELINE_BIN || -x $BULWARK_BASELINE_BIN ]] \
  || die "BULWARK_BASELINE_BIN=$BULWARK_BASELINE_BIN is not an executable file"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || true)
[[ $CLK_TCK =~ ^[0-9]+$ && $CLK_TCK -gt 0 ]] || CLK_TCK=100

# ---------------------------------------------------------------- tools
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; run as root to install them with apt-get, or install them yourself"
  note "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in wrk nginx haproxy curl awk; do command -v "$tool" >/dev/null || die "$tool is not available"; done

# ---------------------------------------------------------------- peers
peers=(app nginx haproxy bulwark)
declare -A port=([app]=$((BASE_PORT + 1)) [nginx]=$((BASE_PORT + 2)) [haproxy]=$((BASE_PORT + 3)) [bulwark]=$((BASE_PORT + 4)) [baseline]=$((BASE_PORT + 5)))

if [[ ! -x $BULWARK_BIN ]]; then
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo "!!! NOTE: no bulwark binary at $BULWARK_BIN"
  echo "!!! The bulwark peer is SKIPPED: only app, nginx and haproxy are measured, no ratios are computed."
  echo "!!! Build it with 'swift build -c release' at the repo root, or set BULWARK_BIN."
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo
  peers=(app nginx haproxy)
fi
[[ -n $BULWARK_BASELINE_BIN ]] && peers+=(baseline)
has_peer() { [[ " ${peers[*]} " == *" $1 "* ]]; }

port_in_use() {
  if command -v ss >/dev/null; then
    [[ -n $(ss -Hltn "sport = :$1") ]]
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}
for p in "${peers[@]}"; do
  if port_in_use "${port[$p]}"; then
    die "port ${port[$p]} (for $p) is already in use on this machine; stop whatever listens there or set BASE_PORT"
  fi
done

# ---------------------------------------------------------------- temp dir and cleanup
work=$(mktemp -d -t bulwark-gateway-bench.XXXXXX)
pids=()
declare -A leader=() # peer -> pid of its session/process-group leader (the process setsid exec'd)
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 30); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts a server in its own process group (setsid), so cleanup can stop it and all its workers.
start() { # name command...
  local name=$1; shift
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  pids+=($!)
  leader[$name]=$!
}

# Waits (≤ ~5 s) until the peer (the last one started) answers, then checks it returns 200 with the 1 KiB body.
wait_ready() { # name
  local name=$1 url="http://127.0.0.1:${port[$1]}/" code="" size="" out=""
  local deadline=$(($(date +%s%N) / 1000000 + 5000))
  while (($(date +%s%N) / 1000000 < deadline)); do
    kill -0 "${pids[-1]}" 2>/dev/null || { code="exited"; break; }
    if out=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 0.5 "$url" 2>/dev/null); then
      read -r code size <<<"$out"
      [[ $code == 200 ]] && break
    fi
    sleep 0.1
  done
  if [[ $code != 200 || $size != "$BODY_BYTES" ]]; then
    echo "---- $work/$name.log:" >&2
    tail -n 30 "$work/$name.log" >&2 || true
    die "$name on $url did not become ready within ~5 s (last status '${code:-none}', body ${size:-0} bytes, want 200 and $BODY_BYTES bytes)"
  fi
  note "$name ready on $url"
}

body=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')

# Common nginx preamble: everything in the temp dir, foreground master, one worker.
nginx_main() { # dir
  cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
EOF
}
nginx_http_common() { # dir
  cat <<EOF
    access_log off;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
EOF
}

# (a) the origin
mkdir -p "$work/app"
{
  nginx_main "$work/app"
  echo "http {"
  nginx_http_common "$work/app"
  cat <<EOF
    default_type text/plain;
    server {
        listen 127.0.0.1:${port[app]};
        location / { return 200 "$body"; }
    }
}
EOF
} >"$work/app/nginx.conf"
start app nginx -e "$work/app/error.log" -p "$work/app" -c "$work/app/nginx.conf"
wait_ready app

# (b) nginx as reverse proxy
mkdir -p "$work/nginx"
{
  nginx_main "$work/nginx"
  echo "http {"
  nginx_http_common "$work/nginx"
  cat <<EOF
    upstream app {
        server 127.0.0.1:${port[app]};
        keepalive 64;
        keepalive_requests 1000000;
    }
    server {
        listen 127.0.0.1:${port[nginx]};
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
} >"$work/nginx/nginx.conf"
start nginx nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf"
wait_ready nginx

# (c) HAProxy
cat >"$work/haproxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend bench
    bind 127.0.0.1:${port[haproxy]}
    default_backend app

backend app
    server app1 127.0.0.1:${port[app]}
EOF
haproxy -c -q -f "$work/haproxy.cfg" || die "haproxy rejected $work/haproxy.cfg"
start haproxy haproxy -db -f "$work/haproxy.cfg"
wait_ready haproxy

# (d) bulwark (and the optional baseline, with the same config on its own port)
bulwark_config() { # peer
  cat <<EOF
server:
  listen: "127.0.0.1:${port[$1]}"
  access_log: "off"
upstreams:
  app:
    targets: ["http://127.0.0.1:${port[app]}"]
routes:
  - path_prefix: /
    upstream: app
EOF
}
if has_peer bulwark; then
  bulwark_config bulwark >"$work/bulwark.yaml"
  start bulwark "$BULWARK_BIN" serve --config "$work/bulwark.yaml"
  wait_ready bulwark
fi
if has_peer baseline; then
  bulwark_config baseline >"$work/baseline.yaml"
  start baseline "$BULWARK_BASELINE_BIN" serve --config "$work/baseline.yaml"
  wait_ready baseline
fi

# ---------------------------------------------------------------- runs
echo
note "$(nginx -v 2>&1 | sed 's/^nginx version: //'), $(haproxy -v | head -1 | cut -d' ' -f1-3), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(nproc) cores"
note "bulwark: $(has_peer bulwark && echo "$BULWARK_BIN" || echo skipped)"
has_peer baseline && note "baseline: $BULWARK_BASELINE_BIN"
note "CPU per request from /proc/PID/stat utime+stime, CLK_TCK $CLK_TCK"
note "$ROUNDS round(s) x ${#peers[@]} peers x (${WARMUP}s warm-up + ${DURATION}s), wrk -t $THREADS -c $CONNECTIONS: about $((ROUNDS * ${#peers[@]} * (WARMUP + DURATION + 1))) s"
echo

# Prints "req/s p99_ms errors requests" from one wrk --latency output on stdin.
# errors = non-2xx/3xx responses + socket errors (connect, read, write, timeout);
# requests = the N of wrk's "N requests in 6.00s, ... read" line.
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      if (u == "us") return n / 1000
      if (u == "ms") return n
      if (u == "s")  return n * 1000
      if (u == "m")  return n * 60000
      if (u == "h")  return n * 3600000
      return -1
    }
    /^Requests\/sec:/                 { rps = $2 }
    $1 == "99%" && p99 == ""          { p99 = ms($2) }
    /Non-2xx or 3xx responses:/       { errors += $NF }
    $2 == "requests" && $3 == "in" && requests == "" { requests = $1 }
    /Socket errors:/ {
      line = $0; sub(/.*Socket errors:/, "", line); gsub(/[a-z,]+/, " ", line)
      n = split(line, f, " "); for (i = 1; i <= n; i++) errors += f[i]
    }
    END {
      if (rps == "" || p99 == "" || p99 < 0 || requests !~ /^[0-9]+$/) exit 1
      printf "%s %.3f %d %d\n", rps, p99, errors + 0, requests
    }'
}

# Sets cpu_ticks[peer] to utime+stime (clock ticks) summed over every live process in that peer's
# process group (each peer was started by setsid, so its group id is the pid in leader[peer]):
# the nginx master and its worker, haproxy, bulwark, the origin. All threads of a process are
# included in its /proc/PID/stat. Field layout after the ")" that ends the command name:
# state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime ...
declare -A cpu_ticks=()
sample_cpu() {
  local -A group=()
  local p f line g
  local -a fld
  for p in "${peers[@]}"; do group[${leader[$p]}]=$p; cpu_ticks[$p]=0; done
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue # the process may have exited meanwhile
    read -r -a fld <<<"${line##*) }"
    g=${fld[2]:-}
    [[ -n $g && -n ${group[$g]:-} ]] || continue
    p=${group[$g]}
    cpu_ticks[$p]=$((cpu_ticks[$p] + fld[11] + fld[12]))
  done
}

# Runs of the round, in order: the fixed peer order, except that with a baseline peer, bulwark and
# baseline swap places in even rounds (they always run back to back).
round_order() { # round
  local p
  for p in "${peers[@]}"; do
    if (($1 % 2 == 0)) && has_peer bulwark && has_peer baseline; then
      case $p in bulwark) p=baseline ;; baseline) p=bulwark ;; esac
    fi
    echo "$p"
  done
}

results="$work/results.txt" # peer round req/s p99_ms errors requests peer_cpu_ticks origin_cpu_ticks
: >"$results"
wrk_limit=$((DURATION + 20))
for round in $(seq "$ROUNDS"); do
  for p in $(round_order "$round"); do
    url="http://127.0.0.1:${port[$p]}/"
    timeout "$((WARMUP + 20))" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" "$url" >/dev/null
    out="$work/wrk-$p-$round.txt"
    sample_cpu
    cpu0_peer=${cpu_ticks[$p]} cpu0_app=${cpu_ticks[app]}
    timeout "$wrk_limit" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency "$url" >"$out" \
      || { cat "$out" >&2; die "wrk against $p failed"; }
    sample_cpu
    dcpu_peer=$((cpu_ticks[$p] - cpu0_peer)) dcpu_app=$((cpu_ticks[app] - cpu0_app))
    line=$(parse_wrk <"$out") || { cat "$out" >&2; die "could not parse wrk output for $p"; }
    echo "$p $round $line $dcpu_peer $dcpu_app" >>"$results"
    read -r rps p99 errors requests <<<"$line"
    printf 'round %d  %-8s %12.0f req/s   p99 %8.3f ms   errors %d' "$round" "$p" "$rps" "$p99" "$errors"
    if ((requests > 0)); then
      printf '   cpu %7.2f µs/req   origin %7.2f µs/req\n' \
        "$(awk -v t="$dcpu_peer" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.4f", t * 1e6 / hz / n }')" \
        "$(awk -v t="$dcpu_app" -v hz="$CLK_TCK" -v n="$requests" 'BEGIN { printf "%.4f", t * 1e6 / hz / n }')"
    else
      printf '   cpu n/a (0 requests)\n'
    fi
    kill -0 "${pids[0]}" 2>/dev/null || die "the app server died (see $work/app/error.log)"
  done
done

# ---------------------------------------------------------------- summary
echo
awk -v order="${peers[*]}" -v hz="$CLK_TCK" '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  # $1 peer, $2 round, $3 req/s, $4 p99 ms, $5 errors, $6 requests, $7 peer cpu ticks, $8 origin cpu ticks
  {
    rps[$1] = rps[$1] " " $3; p99[$1] = p99[$1] " " $4; err[$1] += $5
    if ($2 + 0 > maxround) maxround = $2 + 0
    if ($6 > 0) {
      c = $7 * 1e6 / hz / $6
      cpu[$1] = cpu[$1] " " c; ocpu[$1] = ocpu[$1] " " ($8 * 1e6 / hz / $6); rc[$1, $2] = c
    }
  }
  END {
    np = split(order, peers, " ")
    for (i = 1; i <= np; i++) {
      p = peers[i]; R[p] = median(rps[p]); P[p] = median(p99[p])
      C[p] = (cpu[p] != "") ? median(cpu[p]) : -1; O[p] = (ocpu[p] != "") ? median(ocpu[p]) : -1
    }
    # (the µ sign is in literal text, not in a printf width, so mawk and gawk align it alike)
    printf "%-8s %14s %9s %14s %12s", "peer", "median req/s", "% of app", "median p99 ms", "errors"
    print "   cpu µs/req  origin µs/req"
    for (i = 1; i <= np; i++) {
      p = peers[i]
      printf "%-8s %14.0f %8.1f%% %14.3f %12d", p, R[p], 100 * R[p] / R["app"], P[p], err[p]
      if (C[p] >= 0) printf " %12.2f %14.2f\n", C[p], O[p]; else printf " %12s %14s\n", "n/a", "n/a"
    }
    if (!("bulwark" in R)) { print "\n(bulwark skipped: no ratios)"; exit }
    print ""
    print "targets: req/s ratio >= 0.8, p99 ratio <= 1.5 (cpu ratio: informational, lower is better)"
    split("nginx haproxy", refs, " ")
    for (k = 1; k <= 2; k++) {
      r = refs[k]
      tr = R["bulwark"] / R[r]; lr = P["bulwark"] / P[r]
      printf "bulwark/%-8s req/s ratio %5.2f  %s    p99 ratio %5.2f  %s", r, \
        tr, (tr >= 0.8 ? "PASS" : "MISS"), lr, (lr <= 1.5 ? "PASS" : "MISS")
      if (C["bulwark"] > 0 && C[r] > 0) printf "    cpu ratio %5.2f\n", C["bulwark"] / C[r]; else print "    cpu ratio n/a"
    }
    if ("baseline" in R) {
      print ""
      print "bulwark vs baseline (target: cpu ratio <= 1.05, i.e. at most 5 % more CPU per request)"
      printf "bulwark/%-8s req/s ratio %5.2f        p99 ratio %5.2f      ", "baseline", R["bulwark"] / R["baseline"], P["bulwark"] / P["baseline"]
      if (C["bulwark"] > 0 && C["baseline"] > 0) {
        cr = C["bulwark"] / C["baseline"]
        printf "    cpu ratio %5.3f  %s\n", cr, (cr <= 1.05 ? "PASS" : "MISS")
        list = ""; n = 0
        for (rd = 1; rd <= maxround; rd++)
          if ((("bulwark", rd) in rc) && (("baseline", rd) in rc) && rc["baseline", rd] > 0) {
            list = list sprintf(" %.3f", rc["bulwark", rd] / rc["baseline", rd]); n++
          }
        if (n) printf "  per-round cpu ratios (back-to-back runs):%s  (median %.3f)\n", list, median(list)
      } else print "    cpu ratio n/a"
      if (err["baseline"] > 0) printf "NOTE: baseline had %d errors (non-2xx/3xx + socket errors)\n", err["baseline"]
    }
    if (err["bulwark"] > 0) printf "NOTE: bulwark had %d errors (non-2xx/3xx + socket errors)\n", err["bulwark"]
  }' "$results"
