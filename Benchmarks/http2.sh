#!/usr/bin/env bash
# Side-by-side HTTP/2 and WebSocket benchmark: bulwark vs nginx (HTTP/2) and vs no gateway (WebSocket),
# loopback only (127.0.0.1), every listener on a free port the kernel picks.
#
# What it measures
#   A) HTTP/2 over TLS. One origin ("app": nginx, 1 worker, plain HTTP/1.1, no access log) answers
#      GET / with `return 200` of a 1 KiB body, as in tls.sh and gateway.sh. In front of it two peers
#      terminate TLS with the SAME certificate and key (an ECDSA P-256 leaf for localhost/127.0.0.1
#      signed by an ECDSA P-256 CA, made with openssl in the temp dir, as tls.sh does), speak HTTP/2 to
#      the client (ALPN h2) and HTTP/1.1 keep-alive to the origin:
#        nginx       nginx, 1 worker, `listen 127.0.0.1:PORT ssl http2;`, TLSv1.3 only, ciphersuite
#                    CIPHER only, upstream `keepalive` (enough idle connections for every stream)
#        bulwark     `bulwark serve --config FILE`: server.tls.certificates [{cert, key}], min_version
#                    1.3, access log off, default threads (one event loop per core); HTTP/2 is offered
#                    by ALPN because server.tls is set (server.http2.enabled defaults to true; the
#                    script does not set any server.http2 key)
#        bulwark-1t  only with BULWARK_1T=1: the same plus `server.threads: 1` (per core, like nginx's
#                    one worker)
#      Load: h2load -c H2_CLIENTS -m H2_STREAMS -n H2_REQUESTS (default 10 connections x 10 concurrent
#      streams = 100 streams in flight), one h2load thread, after an unmeasured warm-up run of
#      H2_WARMUP requests. h2load offers h2 first and would fall back to HTTP/1.1 if the server's
#      ALPN does not pick h2, so EVERY h2load output (warm-ups included) is checked for
#      "Application protocol: h2" and the script stops if it says anything else. Before the rounds,
#      each peer is also checked with `openssl s_client -alpn h2` (negotiated protocol, ciphersuite,
#      key exchange, verification against the CA, ALPN) and with `curl --http2` (HTTP/2 200 with the
#      1 KiB body, certificate verified); the peers must negotiate the same TLS parameters.
#      Reported per peer: req/s (h2load's "finished in" line), p50/p99 latency of a request (from
#      h2load --log-file: time from a stream's start to the end of its response), CPU µs per request
#      and the ratios bulwark / nginx.
#      If bulwark does not negotiate h2 (HTTP/2 not in the binary yet), the script says so in a
#      banner, runs everything else, repeats the banner at the end and exits with status 3.
#      BULWARK_H2=0 leaves the bulwark HTTP/2 peers out on purpose (exit status 0).
#
#   B) WebSocket echo round trips. An echo server written with the Python `websockets` package
#      (Benchmarks/ws-echo-latency.py server; the venv BULWARK_WS_PYTHON, default /opt/bulwark-moto)
#      and a second `bulwark serve` on plain HTTP in front of it ("gateway": one route /, upstream the
#      echo server; routes allow WebSocket upgrades by default; access log off). The client
#      (ws-echo-latency.py client) opens one connection, sends WS_WARMUP untimed messages, then
#      WS_MESSAGES messages of WS_SIZE bytes one after the other, timing each round trip (send until
#      its echo is back); it prints p50/p90/p99/mean. "direct" connects to the echo server, "gateway"
#      to bulwark. Reported: median over rounds of p50 and p99 for each, the ratios gateway/direct
#      and the latency the gateway adds (gateway - direct), and bulwark's CPU per message (one round
#      trip: the message relayed in, its echo relayed out), warm-up messages and the connection's
#      upgrade included, summed over all gateway rounds (the per-round figures are printed too).
#      Python's client and server dominate the round trip (about 0.15 ms direct on the 2-core
#      development machine): the latency the gateway adds is the figure to watch, the ratio is diluted
#      by Python's own time. A p99 of a few ms on one path only usually means something else on the
#      machine took the cores during that run: compare the per-round lines.
#
#   ROUNDS interleaved rounds. In each round: every HTTP/2 peer runs back to back (the order
#   rotating from round to round), then the two WebSocket paths (direct first in odd rounds, gateway
#   first in even ones), so drift in machine load affects all of them alike. Tables show medians
#   over rounds; failures are totals.
#
#   CPU: right before and after each measured run the script reads utime+stime (clock ticks,
#   `getconf CLK_TCK`, usually 10 ms) from /proc/PID/stat of every process in the peer's process
#   group (nginx: master and worker; bulwark with all its threads) and divides the difference by the
#   requests (messages) of that run. The client's CPU and the origin's are not included ("origin"
#   shows the origin's CPU per request during that peer's runs). "tcp opens": TCP connections
#   opened on this host during a measured HTTP/2 run (ActiveOpens in /proc/net/snmp, system-wide, so
#   other traffic adds to it): H2_CLIENTS for h2load plus whatever the peer opens to the origin; far
#   more than H2_CLIENTS + 100 means the peer reopens upstream connections (the origin's CPU per
#   request shows it too).
#
# How to read the results
#   Ratios are bulwark's median divided by nginx's (direct's) from the same run: req/s higher is
#   better, latency and CPU per request lower is better. h2load, the origin and the peers share the
#   machine's cores (nginx has one worker; bulwark one event loop per core), so only ratios within one
#   run mean much; CPU per request is the steadiest figure. Failures (h2load's failed + errored +
#   timeout, non-2xx) must be 0.
#
# Usage (from anywhere; needs nginx, h2load (Debian nghttp2-client), openssl, curl; Linux only):
#   bash Benchmarks/http2.sh                                # about 1 minute (nginx + WebSocket) to 2 with bulwark HTTP/2
#   ROUNDS=1 H2_REQUESTS=5000 WS_MESSAGES=1000 bash Benchmarks/http2.sh   # a quick check
#   BUILD=1 bash Benchmarks/http2.sh                        # swift build -c release --product bulwark first
# Environment: ROUNDS (5), H2 (1; 0 skips part A), WS (1; 0 skips part B),
#   H2_REQUESTS (60000 per measured run), H2_WARMUP (2000), H2_CLIENTS (10), H2_STREAMS (10),
#   CIPHER (TLS_AES_128_GCM_SHA256; or TLS_AES_256_GCM_SHA384), BULWARK_H2 (1; 0 leaves out the bulwark
#   HTTP/2 peers), BULWARK_1T (0; 1 adds bulwark-1t), WS_MESSAGES (10000 per round), WS_WARMUP (200),
#   WS_SIZE (32 bytes), BULWARK_WS_PYTHON (a python with websockets: /opt/bulwark-moto/bin/python),
#   BULWARK_BIN (<repo>/.build/release/bulwark), BUILD (0; 1 builds it first).
# Everything it starts runs in its own process group and is stopped on exit; the temp dir is removed.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
H2=${H2:-1}
WS=${WS:-1}
H2_REQUESTS=${H2_REQUESTS:-60000}
H2_WARMUP=${H2_WARMUP:-2000}
H2_CLIENTS=${H2_CLIENTS:-10}
H2_STREAMS=${H2_STREAMS:-10}
CIPHER=${CIPHER:-TLS_AES_128_GCM_SHA256}
BULWARK_H2=${BULWARK_H2:-1}
BULWARK_1T=${BULWARK_1T:-0}
WS_MESSAGES=${WS_MESSAGES:-10000}
WS_WARMUP=${WS_WARMUP:-200}
WS_SIZE=${WS_SIZE:-32}
BUILD=${BUILD:-0}
BODY_BYTES=1024
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BULWARK_BIN=${BULWARK_BIN:-$repo_root/.build/release/bulwark}
PYTHON=${BULWARK_WS_PYTHON:-/opt/bulwark-moto/bin/python}
ws_tool="$repo_root/Benchmarks/ws-echo-latency.py"
export PATH="$PATH:/usr/sbin:/sbin"

die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*"; }
banner() { # lines...
  local line
  echo
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  for line in "$@"; do echo "!!! $line"; done
  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
  echo
}

for v in ROUNDS H2_REQUESTS H2_CLIENTS H2_STREAMS WS_MESSAGES WS_SIZE; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, got '${!v}'"
done
for v in H2 WS H2_WARMUP BULWARK_H2 BULWARK_1T WS_WARMUP BUILD; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a non-negative integer, got '${!v}'"
done
((H2 || WS)) || die "H2=0 and WS=0: nothing to measure"
((WS_SIZE >= 8)) || die "WS_SIZE must be at least 8 bytes"
((H2_REQUESTS >= H2_CLIENTS * H2_STREAMS)) || die "H2_REQUESTS ($H2_REQUESTS) must be at least H2_CLIENTS x H2_STREAMS"
[[ $CIPHER =~ ^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$ ]] || die "CIPHER must be a TLS 1.3 ciphersuite, got '$CIPHER'"
[[ -r /proc/self/stat ]] || die "/proc is not available (Linux only)"
tools=(openssl curl awk sort setsid timeout)
((H2)) && tools+=(nginx h2load)
for tool in "${tools[@]}"; do command -v "$tool" >/dev/null || die "$tool is not available (h2load: apt-get install nghttp2-client)"; done
[[ -x $PYTHON ]] || die "no python at $PYTHON: set BULWARK_WS_PYTHON to a python with the websockets package (it also picks free ports)"
if ((WS)); then
  [[ -r $ws_tool ]] || die "$ws_tool is missing"
  "$PYTHON" -c 'import websockets.asyncio.server, websockets.asyncio.client' 2>/dev/null \
    || die "$PYTHON cannot import websockets.asyncio (pip install 'websockets>=13' into it, or set BULWARK_WS_PYTHON; WS=0 skips part B)"
fi
if ((BUILD)); then
  note "building: swift build -c release --product bulwark (waits for the build lock if another build runs)"
  (cd "$repo_root" && swift build -c release --product bulwark) || die "swift build failed"
fi
[[ -x $BULWARK_BIN ]] || die "no bulwark binary at $BULWARK_BIN: run 'swift build -c release --product bulwark' at the repo root (or BUILD=1), or set BULWARK_BIN"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || true)
[[ $CLK_TCK =~ ^[0-9]+$ && $CLK_TCK -gt 0 ]] || CLK_TCK=100

h2_peers=()
if ((H2)); then
  h2_peers=(nginx)
  ((BULWARK_H2)) && h2_peers+=(bulwark)
  ((BULWARK_H2 && BULWARK_1T)) && h2_peers+=(bulwark-1t)
fi
has_h2_peer() { [[ " ${h2_peers[*]} " == *" $1 "* ]]; }

# Free loopback ports, picked by the kernel (bound together, so they differ, then released).
read -r -a free <<<"$("$PYTHON" -c '
import socket
socks = [socket.socket() for _ in range(9)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')"
((${#free[@]} == 9)) || die "could not pick free ports"
declare -A port=([app]=${free[0]} [nginx]=${free[1]} [bulwark]=${free[2]} [bulwark-1t]=${free[3]} [gateway]=${free[4]})
declare -A admin_port=([bulwark]=${free[5]} [bulwark-1t]=${free[6]} [gateway]=${free[7]})

# ---------------------------------------------------------------- temp dir, cleanup, start
work=$(mktemp -d -t bulwark-http2-bench.XXXXXX)
pids=()
declare -A leader=() # name -> pid of its process-group leader (the process setsid exec'd)
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

start() { # name command...
  local name=$1; shift
  setsid "$@" >"$work/$name.log" 2>&1 </dev/null &
  pids+=($!)
  leader[$name]=$!
}
alive() { # name
  kill -0 "${leader[$1]}" 2>/dev/null || { tail -n 30 "$work/$1.log" >&2 || true; die "$1 died (its log is above)"; }
}

# Waits (<= ~5 s) until `name` answers 200 with the 1 KiB body over HTTP/1.1 (https: verified against the CA).
wait_ready() { # name scheme
  local name=$1 url="$2://127.0.0.1:${port[$1]}/" out="" code="" size=""
  for _ in $(seq 50); do
    kill -0 "${leader[$name]}" 2>/dev/null || break
    out=$(curl -s --http1.1 --cacert "$work/ca.pem" -o /dev/null -w '%{http_code} %{size_download}' --max-time 1 "$url" 2>/dev/null) || true
    read -r code size <<<"${out:-x 0}"
    [[ $code == 200 ]] && break
    sleep 0.1
  done
  if [[ $code != 200 || $size != "$BODY_BYTES" ]]; then
    tail -n 30 "$work/$name.log" >&2 || true
    die "$name on $url is not ready (status '${code:-none}', ${size:-0} bytes; want 200 and $BODY_BYTES)"
  fi
}

# ---------------------------------------------------------------- certificate: ECDSA P-256 CA + leaf
(
  cd "$work"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -subj "/CN=Bulwark HTTP2 bench CA" -days 2 -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
  openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >leaf.ext
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; die "openssl could not make the certificates"; }
chmod a+rx "$work" && chmod a+r "$work/leaf.pem" "$work/ca.pem"
# The clients' TLS 1.3 suites: CIPHER first (bulwark's BoringSSL follows the client's order between
# the AES-GCM suites; see tls.sh). h2load gets them with --tls13-ciphers, s_client through OPENSSL_CONF.
client_suites=$(printf '%s\n' "$CIPHER" TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256 | awk '!seen[$0]++' | paste -sd:)
printf '%s\n' "openssl_conf = openssl_init" "[openssl_init]" "ssl_conf = ssl_sect" "[ssl_sect]" \
  "system_default = system_default_sect" "[system_default_sect]" "Ciphersuites = $client_suites" >"$work/client.cnf"
client() { OPENSSL_CONF="$work/client.cnf" "$@"; }

# ---------------------------------------------------------------- servers
body=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' 'x')
nginx_conf() { # dir http-block-body
  cat <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $1/nginx.pid;
error_log $1/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
$2
}
EOF
}

bulwark_config() { # name upstream-url tls(0|1) [extra server line]
  cat <<EOF
server:
  listen: "127.0.0.1:${port[$1]}"
  access_log: "off"
${4:-}
EOF
  (($3)) && cat <<EOF
  tls:
    certificates:
      - { cert: "$work/leaf.pem", key: "$work/leaf.key" }
    min_version: "1.3"
EOF
  cat <<EOF
admin:
  listen: "127.0.0.1:${admin_port[$1]}"
upstreams:
  app:
    targets: ["$2"]
routes:
  - path_prefix: /
    upstream: app
EOF
}

if ((H2)); then
  upstream_keepalive=$((H2_CLIENTS * H2_STREAMS > 128 ? H2_CLIENTS * H2_STREAMS : 128))
  mkdir -p "$work/app" "$work/nginx"
  nginx_conf "$work/app" "    server { listen 127.0.0.1:${port[app]}; default_type text/plain; location / { return 200 \"$body\"; } }" >"$work/app/nginx.conf"
  start app nginx -e "$work/app/error.log" -p "$work/app" -c "$work/app/nginx.conf"
  wait_ready app http

  nginx_conf "$work/nginx" "    upstream app { server 127.0.0.1:${port[app]}; keepalive $upstream_keepalive; keepalive_requests 1000000; }
    server {
        listen 127.0.0.1:${port[nginx]} ssl http2;
        ssl_certificate $work/leaf.pem;
        ssl_certificate_key $work/leaf.key;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites $CIPHER;
        ssl_session_cache off;
        location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    }" >"$work/nginx/nginx.conf"
  start nginx nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf"
  wait_ready nginx https

  for p in bulwark bulwark-1t; do
    has_h2_peer "$p" || continue
    bulwark_config "$p" "http://127.0.0.1:${port[app]}" 1 "$([[ $p == bulwark-1t ]] && echo "  threads: 1")" >"$work/$p.yaml"
    start "$p" "$BULWARK_BIN" serve --config "$work/$p.yaml"
    wait_ready "$p" https
  done
fi

if ((WS)); then
  start ws-echo "$PYTHON" "$ws_tool" server
  ws_port=""
  for _ in $(seq 100); do
    alive ws-echo
    ws_port=$(head -n 1 "$work/ws-echo.log" 2>/dev/null || true)
    [[ $ws_port =~ ^[0-9]+$ ]] && break
    ws_port=""
    sleep 0.1
  done
  [[ -n $ws_port ]] || { cat "$work/ws-echo.log" >&2; die "the WebSocket echo server did not report its port within ~10 s"; }
  port[direct]=$ws_port
  bulwark_config gateway "http://127.0.0.1:$ws_port" 0 >"$work/gateway.yaml"
  start gateway "$BULWARK_BIN" serve --config "$work/gateway.yaml"
  # Ready when it answers HTTP at all (a plain GET / gets the echo server's 426 through the gateway).
  code=""
  for _ in $(seq 50); do
    alive gateway
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://127.0.0.1:${port[gateway]}/" 2>/dev/null) || true
    [[ $code =~ ^[1-5][0-9][0-9]$ ]] && break
    sleep 0.1
  done
  [[ $code =~ ^[1-5][0-9][0-9]$ ]] || { tail -n 30 "$work/gateway.log" >&2; die "the WebSocket gateway (bulwark) did not answer on port ${port[gateway]}"; }
fi

# ---------------------------------------------------------------- checks before the rounds
echo
versions="$(openssl version | cut -d' ' -f1-2), $(nproc) cores"
((H2)) && versions="$(nginx -v 2>&1 | sed 's/^nginx version: //'), $(h2load --version | head -1), $versions"
((WS)) && versions="$versions, python $("$PYTHON" -c 'import sys, websockets; print(sys.version.split()[0], "websockets", websockets.__version__)')"
note "$versions; bulwark: $BULWARK_BIN"

# "OK" when an h2load output shows h2 negotiated and every request answered 2xx; else what is wrong.
h2load_verdict() { # file expected-requests
  awk -v n="$2" '
    /^Application protocol:/ { proto = $3 }
    /^requests:/ { done = $6; ok = $8; failed = $10; errored = $12; timeout = $14 }
    /^status codes:/ { s2xx = $3 }
    END {
      if (proto != "h2") { printf "Application protocol is \"%s\", not h2\n", (proto == "" ? "none (no TLS/ALPN result)" : proto); exit }
      if (ok + 0 != n || s2xx + 0 != n) { printf "%s of %d requests succeeded with 2xx (failed %s, errored %s, timeout %s)\n", ok + 0, n, failed, errored, timeout; exit }
      print "OK"
    }' "$1"
}
h2load_run() { # peer requests output [extra h2load args...]
  local p=$1 n=$2 out=$3; shift 3
  timeout 300 h2load -c "$H2_CLIENTS" -m "$H2_STREAMS" -n "$n" --tls13-ciphers="$client_suites" "$@" \
    "https://127.0.0.1:${port[$p]}/" >"$out" 2>&1 || true
}

h2_missing="" # set when bulwark does not negotiate h2: why
if ((H2)); then
  reference=""
  for p in "${h2_peers[@]}"; do
    out=$(client timeout 5 openssl s_client -connect "127.0.0.1:${port[$p]}" -servername localhost -CAfile "$work/ca.pem" \
      -verify_return_error -brief </dev/null 2>&1) || { echo "$out" >&2; die "openssl s_client could not complete a verified handshake with $p"; }
    params=$(awk -F': ' '/^(Protocol version|Ciphersuite|Server Temp Key|Signature type|Verification):/ { printf "%s%s", sep, $2; sep = ", " }' <<<"$out")
    # (-brief does not print the ALPN result: a second, full-output handshake does.)
    alpn=$(client timeout 5 openssl s_client -connect "127.0.0.1:${port[$p]}" -servername localhost -CAfile "$work/ca.pem" \
      -alpn h2,http/1.1 </dev/null 2>/dev/null | awk -F': ' '/^ALPN protocol:/ { print $2 }') || true
    curl_out=$(curl -s --http2 --cacert "$work/ca.pem" -o /dev/null -w '%{http_version} %{http_code} %{size_download}' --max-time 5 "https://127.0.0.1:${port[$p]}/" 2>&1) || true
    note "$(printf '%-10s' "$p") negotiated: $params; ALPN: ${alpn:-none}; curl --http2: HTTP/${curl_out% * *}, status/bytes ${curl_out#* }"
    [[ -z $reference || $params == "$reference" ]] || die "$p negotiated '$params', nginx '$reference': not the same protocol/cipher"
    reference=$params
    if [[ $alpn != h2 || $curl_out != "2 200 $BODY_BYTES" ]]; then
      why="$p: ALPN '${alpn:-none}' (want h2), curl --http2 gave 'HTTP/${curl_out% * *} ${curl_out#* }' (want 'HTTP/2 200 $BODY_BYTES')"
      [[ $p == nginx ]] && die "nginx does not serve HTTP/2 as configured: $why"
      h2_missing=$why
    fi
    # An h2load warm-up doubles as the check that h2load itself gets h2.
    h2load_run "$p" "$H2_WARMUP" "$work/h2load-check-$p.txt"
    verdict=$(h2load_verdict "$work/h2load-check-$p.txt" "$H2_WARMUP")
    if [[ $verdict != OK ]]; then
      [[ $p == nginx ]] && { cat "$work/h2load-check-$p.txt" >&2; die "h2load against nginx: $verdict"; }
      h2_missing="${h2_missing:+$h2_missing; }h2load: $verdict"
      grep -E '^(TLS Protocol|Cipher|Server Temp Key|Application protocol|No protocol|requests|status codes)' "$work/h2load-check-$p.txt" | sed 's/^/    h2load> /' || true
    fi
  done
  [[ $reference == "TLSv1.3, $CIPHER,"* ]] || die "expected TLSv1.3 with $CIPHER, got '$reference'"
  if [[ -n $h2_missing ]]; then
    banner "bulwark DOES NOT SPEAK HTTP/2 with this binary ($BULWARK_BIN):" \
      "  $h2_missing" \
      "The bulwark HTTP/2 peers are LEFT OUT: only nginx is measured in part A, no HTTP/2 ratios." \
      "The script goes on with the rest and exits with status 3 at the end."
    for p in bulwark bulwark-1t; do
      has_h2_peer "$p" || continue
      kill -TERM -- "-${leader[$p]}" 2>/dev/null || true
    done
    h2_peers=(nginx)
  fi
  note "part A: h2load -c $H2_CLIENTS -m $H2_STREAMS -n $H2_REQUESTS (warm-up $H2_WARMUP) against: ${h2_peers[*]}"
fi

if ((WS)); then
  for path in direct gateway; do
    out=$(timeout 60 "$PYTHON" "$ws_tool" client "ws://127.0.0.1:${port[$path]}/" 50 --warmup 0 --size "$WS_SIZE" 2>&1) \
      || { echo "$out" >&2; tail -n 20 "$work/gateway.log" >&2; die "the WebSocket check through '$path' failed (a 426 through the gateway: this bulwark binary predates WebSocket upgrades; rebuild it)"; }
  done
  note "part B: WebSocket echo, $WS_MESSAGES timed round trips of $WS_SIZE bytes per round (after $WS_WARMUP untimed), one connection: direct (port ${port[direct]}) and through bulwark (port ${port[gateway]})"
fi
note "$ROUNDS interleaved round(s)"
echo

# ---------------------------------------------------------------- measurement helpers
# Sets cpu_ticks[name] to utime+stime summed over the live processes of each process group we started.
declare -A cpu_ticks=()
sample_cpu() {
  local -A group=()
  local p f line g
  local -a fld
  for p in "${!leader[@]}"; do group[${leader[$p]}]=$p; cpu_ticks[$p]=0; done
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    read -r -a fld <<<"${line##*) }"
    g=${fld[2]:-}
    [[ -n $g && -n ${group[$g]:-} ]] || continue
    cpu_ticks[${group[$g]}]=$((cpu_ticks[${group[$g]}] + fld[11] + fld[12]))
  done
}
# TCP connections opened on this host so far (ActiveOpens, system-wide).
tcp_opens() { awk '$1 == "Tcp:" && $6 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp; }
# "req/s" from h2load's "finished in 1.23s, 32512.00 req/s, 35.2MB/s".
h2load_rps() { awk '/^finished in/ { v = $4; gsub(/,/, "", v); print v; found = 1 } END { if (!found) exit 1 }' "$1"; }
# "p50_ms p99_ms" from an h2load --log-file (third column: µs until the end of the response); nearest rank.
log_percentiles() {
  awk -F'\t' '$2 >= 200 && $2 < 300 { print $3 }' "$1" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) exit 1
      i50 = int(NR * 0.50); if (i50 < NR * 0.50) i50++; if (i50 < 1) i50 = 1
      i99 = int(NR * 0.99); if (i99 < NR * 0.99) i99++; if (i99 < 1) i99 = 1
      printf "%.3f %.3f\n", v[i50] / 1000, v[i99] / 1000
    }'
}

h2_results="$work/h2-results.txt" # peer round req/s p50_ms p99_ms failures requests peer_ticks origin_ticks tcp_opens
ws_results="$work/ws-results.txt" # path round p50 p90 p99 mean messages sent gateway_ticks echo_ticks
: >"$h2_results"
: >"$ws_results"

for round in $(seq "$ROUNDS"); do
  for i in "${!h2_peers[@]}"; do
    p=${h2_peers[$(((i + round - 1) % ${#h2_peers[@]}))]}
    h2load_run "$p" "$H2_WARMUP" "$work/h2load-warm.txt"
    verdict=$(h2load_verdict "$work/h2load-warm.txt" "$H2_WARMUP")
    [[ $verdict == OK ]] || { cat "$work/h2load-warm.txt" >&2; die "h2load warm-up against $p, round $round: $verdict"; }
    out="$work/h2load-$p-$round.txt" log="$work/h2load-$p-$round.log"
    sample_cpu; c0=${cpu_ticks[$p]} a0=${cpu_ticks[app]} o0=$(tcp_opens)
    h2load_run "$p" "$H2_REQUESTS" "$out" --log-file="$log"
    sample_cpu; dc=$((cpu_ticks[$p] - c0)) da=$((cpu_ticks[app] - a0)) dopen=$(($(tcp_opens) - o0))
    verdict=$(h2load_verdict "$out" "$H2_REQUESTS")
    [[ $verdict == OK ]] || { cat "$out" >&2; die "h2load against $p, round $round: $verdict"; }
    rps=$(h2load_rps "$out") || { cat "$out" >&2; die "no 'finished in' line in h2load's output for $p"; }
    pct=$(log_percentiles "$log") || die "h2load wrote no 2xx latencies to its log file for $p"
    read -r p50 p99 <<<"$pct"
    failures=$(awk '/^requests:/ { print $10 + $12 + $14 }' "$out")
    echo "$p $round $rps $p50 $p99 $failures $H2_REQUESTS $dc $da $dopen" >>"$h2_results"
    awk -v r="$round" -v p="$p" -v rps="$rps" -v p50="$p50" -v p99="$p99" -v n="$H2_REQUESTS" -v c="$dc" -v a="$da" -v o="$dopen" -v hz="$CLK_TCK" 'BEGIN {
      printf "round %d  h2       %-10s %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  cpu %7.2f µs/req  origin %6.2f µs/req  tcp opens %d\n",
        r, p, rps, p50, p99, c * 1e6 / hz / n, a * 1e6 / hz / n, o }'
    alive app; alive "$p"
  done
  if ((WS)); then
    paths=(direct gateway); ((round % 2)) || paths=(gateway direct)
    for path in "${paths[@]}"; do
      sample_cpu; g0=${cpu_ticks[gateway]} e0=${cpu_ticks[ws-echo]}
      out=$(timeout 180 "$PYTHON" "$ws_tool" client "ws://127.0.0.1:${port[$path]}/" "$WS_MESSAGES" --warmup "$WS_WARMUP" --size "$WS_SIZE" 2>&1) \
        || { echo "$out" >&2; die "the WebSocket client ($path, round $round) failed"; }
      sample_cpu; dg=$((cpu_ticks[gateway] - g0)) de=$((cpu_ticks[ws-echo] - e0))
      line=$(awk '/^RESULT / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
        printf "%s %s %s %s %s %s", v["p50_us"], v["p90_us"], v["p99_us"], v["mean_us"], v["messages"], v["sent"] }' <<<"$out")
      [[ -n $line ]] || { echo "$out" >&2; die "no RESULT line from the WebSocket client ($path)"; }
      echo "$path $round $line $dg $de" >>"$ws_results"
      read -r p50 p90 p99 mean msgs sent <<<"$line"
      awk -v r="$round" -v p="$path" -v p50="$p50" -v p99="$p99" -v mean="$mean" -v sent="$sent" -v g="$dg" -v e="$de" -v hz="$CLK_TCK" 'BEGIN {
        printf "round %d  ws       %-10s p50 %7.1f µs  p99 %7.1f µs  mean %7.1f µs  bulwark cpu %6.2f µs/msg  echo server cpu %6.2f µs/msg\n",
          r, p, p50, p99, mean, g * 1e6 / hz / sent, e * 1e6 / hz / sent }'
      alive ws-echo; alive gateway
    done
  fi
done

# ---------------------------------------------------------------- summary
awk_common='
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n == 0 ? -1 : (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "n/a" }'
if ((H2)); then
  echo
  awk -v order="${h2_peers[*]}" -v hz="$CLK_TCK" -v rounds="$ROUNDS" -v c="$H2_CLIENTS" -v m="$H2_STREAMS" -v n="$H2_REQUESTS" "$awk_common"'
    # $1 peer $2 round $3 req/s $4 p50 $5 p99 $6 failures $7 requests $8 peer ticks $9 origin ticks $10 tcp opens
    { k = $1; opens[k] = opens[k] " " $10; rps[k] = rps[k] " " $3; p50[k] = p50[k] " " $4; p99[k] = p99[k] " " $5; fail[k] += $6
      cpu[k] = cpu[k] " " ($8 * 1e6 / hz / $7); ocpu[k] = ocpu[k] " " ($9 * 1e6 / hz / $7) }
    END {
      np = split(order, peers, " ")
      printf "A) HTTP/2 over TLS, h2load -c %d -m %d -n %d, median of %d round(s)\n", c, m, n, rounds
      printf "%-11s %10s %8s %8s %11s %13s %9s %8s   %7s %7s %7s %7s\n", "peer", "req/s", "p50 ms", "p99 ms", "cpu µs/req", "origin µs/req", "tcp opens", "failed", "x req/s", "x p50", "x p99", "x cpu"
      for (i = 1; i <= np; i++) {
        k = peers[i]
        R = median(rps[k]); P5 = median(p50[k]); P9 = median(p99[k]); C = median(cpu[k]); O = median(ocpu[k])
        printf "%-11s %10.0f %8.3f %8.3f %11.2f %13.2f %9d %8d", k, R, P5, P9, C, O, median(opens[k]), fail[k]
        if (k == "nginx") print "   (x = peer / nginx)"
        else printf "   %7s %7s %7s %7s\n", ratio(R, median(rps["nginx"])), ratio(P5, median(p50["nginx"])), ratio(P9, median(p99["nginx"])), ratio(C, median(cpu["nginx"]))
      }
    }' "$h2_results"
fi
if ((WS)); then
  echo
  awk -v hz="$CLK_TCK" -v rounds="$ROUNDS" -v msgs="$WS_MESSAGES" -v size="$WS_SIZE" "$awk_common"'
    # $1 path $2 round $3 p50 $4 p90 $5 p99 $6 mean $7 messages $8 sent $9 gateway ticks $10 echo ticks
    { k = $1; p50[k] = p50[k] " " $3; p90[k] = p90[k] " " $4; p99[k] = p99[k] " " $5; mean[k] = mean[k] " " $6
      gt[k] += $9; et[k] += $10; sent[k] += $8 }
    END {
      printf "B) WebSocket echo round trip, %d sequential messages of %d bytes per round on one connection, median of %d round(s)\n", msgs, size, rounds
      printf "%-9s %9s %9s %9s %9s %22s %22s\n", "path", "p50 µs", "p90 µs", "p99 µs", "mean µs", "bulwark cpu µs/msg", "echo server µs/msg"
      for (i = 1; i <= 2; i++) {
        k = (i == 1) ? "direct" : "gateway"
        printf "%-9s %9.1f %9.1f %9.1f %9.1f %22.2f %22.2f\n", k, median(p50[k]), median(p90[k]), median(p99[k]), median(mean[k]),
          gt[k] * 1e6 / hz / sent[k], et[k] * 1e6 / hz / sent[k]
      }
      d50 = median(p50["direct"]); g50 = median(p50["gateway"]); d99 = median(p99["direct"]); g99 = median(p99["gateway"])
      printf "gateway / direct: p50 %sx, p99 %sx; added by the gateway: p50 %+.1f µs, p99 %+.1f µs\n", ratio(g50, d50), ratio(g99, d99), g50 - d50, g99 - d99
      printf "bulwark CPU per message (round trip: message in, echo out), all gateway rounds: %.2f µs (%d ticks over %d messages)\n",
        gt["gateway"] * 1e6 / hz / sent["gateway"], gt["gateway"], sent["gateway"]
    }' "$ws_results"
fi
if [[ -n $h2_missing ]]; then
  banner "INCOMPLETE: bulwark did not negotiate HTTP/2, so part A measured nginx only." \
    "  $h2_missing" \
    "Rebuild bulwark with HTTP/2 (swift build -c release --product bulwark) and run again, or BULWARK_H2=0."
  exit 3
fi
