#!/usr/bin/env bash
# Side-by-side HTTPS benchmark (issue 14): bulwark's TLS listener vs nginx, loopback only (127.0.0.1).
#
# What it measures
#   One origin ("app": nginx, 1 worker, plain HTTP, no access log) answers GET / with `return 200` of a
#   1 KiB body. In front of it, each on its own port, three peers terminate TLS with the SAME
#   certificate and key (an ECDSA P-256 leaf for localhost/127.0.0.1, signed by an ECDSA P-256 CA, both
#   generated with openssl in the temp dir) and proxy to the origin over plain HTTP/1.1 keep-alive:
#     nginx       BASE_PORT+2  nginx, 1 worker, `listen ... ssl`, ssl_protocols TLSv1.3, ciphersuite
#                              CIPHER only, ssl_session_cache off, upstream `keepalive`
#                              CONNECTIONS; session tickets set to match bulwark (see "Resumption")
#     bulwark     BASE_PORT+4  `bulwark serve --config FILE`: server.tls.certificates [{cert, key}],
#                              min_version 1.3, access log off, admin on BASE_PORT+11, default threads
#                              (one event loop per core)
#     bulwark-1t  BASE_PORT+6  the same plus `server.threads: 1` (per-core comparison with nginx's one
#                              worker); admin on BASE_PORT+13
#   Cipher: bulwark's BoringSSL has no TLS 1.3 ciphersuite setting; on AES hardware it ranks AES-GCM
#   above ChaCha20 but between AES-128-GCM and AES-256-GCM it follows the client's order, and OpenSSL 3
#   clients (wrk, s_client, curl) list TLS_AES_256_GCM_SHA384 first (browsers list AES-128 first). So
#   the clients here, wrk and s_client, run with OPENSSL_CONF set to a file whose system_default
#   section lists CIPHER (default TLS_AES_128_GCM_SHA256) first, as a browser does; nginx serves only
#   CIPHER (ssl_conf_command Ciphersuites). Before the load, `openssl s_client -brief` with that same
#   client setup prints each peer's negotiated protocol, ciphersuite, signature, verification and key
#   exchange; the script stops if they differ between peers, or are not TLSv1.3 with CIPHER.
#
#   Resumption: each peer is probed with two s_client connections (-sess_out, then -sess_in). BoringSSL
#   servers issue TLS 1.3 session tickets unless told not to, and wrk resumes: it keeps the SSL object
#   of each connection slot, and SSL_clear() keeps the last session (with the ticket received), which
#   the next connection of that slot offers (checked with an nginx access log of $ssl_session_reused:
#   every connection but the first of each slot was resumed). So if bulwark resumes, nginx gets
#   `ssl_session_tickets on` too and the new-connection test measures resumed handshakes (TLS 1.3
#   PSK with a fresh X25519 exchange, no certificate or signature) on both; if it does not, tickets are
#   off on both and every new connection is a full handshake. "resumed" in the plan says which.
#
#   Tests (wrk -t THREADS -c CONNECTIONS --latency, WARMUP s unmeasured, then DURATION s measured):
#     keepalive  https://127.0.0.1:PORT/ over persistent connections: TLS record cost only.
#     newconn    the same with `-H "Connection: close"`: the peer answers `Connection: close` and
#                closes, wrk counts the response and reconnects (TCP + TLS handshake), so every request
#                is a new connection and req/s = new connections per second. "tcp/req" checks it:
#                TCP connections opened on this host during the run (ActiveOpens in /proc/net/snmp,
#                system-wide, so other traffic on the machine adds to it) per request wrk completed;
#                it must be about 1.00 here (a little more: the connections still open when wrk
#                stops count too) and about 0.00 for keepalive. wrk's latency starts when
#                it writes the request, after the handshake: p99 there is request to response only.
#   ROUNDS interleaved rounds: in each round every test runs against every peer back to back, the peer
#   order rotating from round to round, so drift in machine load affects every peer alike. Tables
#   show medians over rounds; errors are totals over the measured runs.
#
#   CPU per request: right before and after each measured run the script reads utime+stime
#   (clock ticks) from /proc/PID/stat of every process in the peer's process group (nginx: master and
#   worker; bulwark with all its threads) and divides the difference by the requests wrk completed.
#   The origin's and wrk's CPU are not included ("origin" in the round lines shows the origin's).
#
# How to read the results
#   Ratios are bulwark's (or bulwark-1t's) median divided by nginx's from the same run: req/s higher
#   is better, p99 and CPU per request lower is better. bulwark uses both cores, nginx one worker;
#   bulwark-1t vs nginx is the like-for-like per-core comparison, and CPU per request is comparable
#   for all three. wrk, the origin and the peers share the machine's cores, so absolute figures
#   depend on it; only ratios within one run mean much. Errors (wrk's) must be 0.
#   bulwark's bulwark_tls_handshake_failures_total (admin /metrics, whole run) is printed at the end:
#   it includes the connections wrk abandons mid-handshake when it stops (up to CONNECTIONS per
#   newconn run, warm-ups included), which bulwark counts under reason "other", not "client_closed".
#
# Usage (from anywhere; needs nginx, wrk, openssl, curl; Linux only, reads /proc):
#   bash Benchmarks/tls.sh                        # about 3 minutes with the defaults
#   ROUNDS=1 DURATION=2 bash Benchmarks/tls.sh    # a quick check
# Environment: ROUNDS (3), DURATION (6 s per measured run), WARMUP (1), THREADS (2, wrk threads),
#   CONNECTIONS (64), CIPHER (TLS_AES_128_GCM_SHA256; or TLS_AES_256_GCM_SHA384),
#   BASE_PORT (18100: ports +1 +2 +4 +6 +11 +13),
#   BULWARK_BIN (<repo>/.build/release/bulwark; build it first: swift build -c release --product bulwark),
#   BULWARK_1T (1; 0 skips the bulwark-1t peer).
# Everything it starts runs in its own process group and is stopped on exit; the temp dir is removed.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
BASE_PORT=${BASE_PORT:-18100}
BULWARK_1T=${BULWARK_1T:-1}
CIPHER=${CIPHER:-TLS_AES_128_GCM_SHA256}
BODY_BYTES=1024
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BULWARK_BIN=${BULWARK_BIN:-$repo_root/.build/release/bulwark}
export PATH="$PATH:/usr/sbin:/sbin"

die() { echo "error: $*" >&2; exit 1; }
note() { echo "==> $*"; }

for v in ROUNDS DURATION WARMUP THREADS CONNECTIONS BASE_PORT; do
  [[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v must be a positive integer, got '${!v}'"
done
for tool in nginx wrk openssl curl awk setsid; do command -v "$tool" >/dev/null || die "$tool is not available"; done
[[ -x $BULWARK_BIN ]] || die "no bulwark binary at $BULWARK_BIN: run 'swift build -c release --product bulwark' at the repo root, or set BULWARK_BIN"
[[ $CIPHER =~ ^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$ ]] || die "CIPHER must be a TLS 1.3 ciphersuite, got '$CIPHER'"
[[ -r /proc/self/stat && -r /proc/net/snmp ]] || die "/proc is not available (Linux only)"
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

peers=(nginx bulwark)
((BULWARK_1T)) && peers+=(bulwark-1t)
declare -A port=([app]=$((BASE_PORT + 1)) [nginx]=$((BASE_PORT + 2)) [bulwark]=$((BASE_PORT + 4)) [bulwark-1t]=$((BASE_PORT + 6)))
declare -A admin_port=([bulwark]=$((BASE_PORT + 11)) [bulwark-1t]=$((BASE_PORT + 13)))
for p in app "${peers[@]}"; do
  for q in "${port[$p]}" "${admin_port[$p]:-}"; do
    [[ -n $q ]] && (exec 3<>"/dev/tcp/127.0.0.1/$q") 2>/dev/null && die "port $q (for $p) is already in use; set BASE_PORT"
  done
done
tests=(keepalive newconn)

# ---------------------------------------------------------------- temp dir, cleanup, start
work=$(mktemp -d -t bulwark-tls-bench.XXXXXX)
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

# Waits (<= ~5 s) until `name` answers 200 with the 1 KiB body (https, verified against the CA, for peers).
wait_ready() { # name scheme
  local name=$1 url="$2://127.0.0.1:${port[$1]}/" out="" code="" size=""
  for _ in $(seq 50); do
    kill -0 "${leader[$name]}" 2>/dev/null || break
    out=$(curl -s --cacert "$work/ca.pem" -o /dev/null -w '%{http_code} %{size_download}' --max-time 1 "$url" 2>/dev/null) || true
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
  openssl req -x509 -new -key ca.key -subj "/CN=Bulwark TLS bench CA" -days 2 -out ca.pem \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out leaf.key
  openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr
  printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >leaf.ext
  openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.pem
) >"$work/openssl.log" 2>&1 || { cat "$work/openssl.log" >&2; die "openssl could not make the certificates"; }
chmod a+rx "$work" && chmod a+r "$work/leaf.pem" "$work/ca.pem"
# The clients' (wrk's and s_client's) OpenSSL settings: CIPHER first, then the other TLS 1.3 suites.
client_suites=$(printf '%s\n' "$CIPHER" TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256 | awk '!seen[$0]++' | paste -sd:)
printf '%s\n' "openssl_conf = openssl_init" "[openssl_init]" "ssl_conf = ssl_sect" "[ssl_sect]" \
  "system_default = system_default_sect" "[system_default_sect]" "Ciphersuites = $client_suites" >"$work/client.cnf"
client() { OPENSSL_CONF="$work/client.cnf" "$@"; }

# ---------------------------------------------------------------- origin and peers
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
mkdir -p "$work/app" "$work/nginx"
nginx_conf "$work/app" "    server { listen 127.0.0.1:${port[app]}; default_type text/plain; location / { return 200 \"$body\"; } }" >"$work/app/nginx.conf"
start app nginx -e "$work/app/error.log" -p "$work/app" -c "$work/app/nginx.conf"
wait_ready app http

bulwark_config() { # peer [extra server line]
  cat <<EOF
server:
  listen: "127.0.0.1:${port[$1]}"
  access_log: "off"
${2:-}
  tls:
    certificates:
      - { cert: "$work/leaf.pem", key: "$work/leaf.key" }
    min_version: "1.3"
admin:
  listen: "127.0.0.1:${admin_port[$1]}"
upstreams:
  app:
    targets: ["http://127.0.0.1:${port[app]}"]
routes:
  - path_prefix: /
    upstream: app
EOF
}
for p in bulwark bulwark-1t; do
  [[ " ${peers[*]} " == *" $p "* ]] || continue
  bulwark_config "$p" "$([[ $p == bulwark-1t ]] && echo "  threads: 1")" >"$work/$p.yaml"
  start "$p" "$BULWARK_BIN" serve --config "$work/$p.yaml"
  wait_ready "$p" https
done

# Prints "yes" if a second s_client connection resumes the first one's session, else "no".
resumes() { # port
  local req='GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' sess="$work/session.$1"
  rm -f "$sess"
  printf "$req" | client timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername localhost -CAfile "$work/ca.pem" \
    -ign_eof -sess_out "$sess" >/dev/null 2>&1 || true
  [[ -s $sess ]] && printf "$req" | client timeout 5 openssl s_client -connect "127.0.0.1:$1" -servername localhost \
    -CAfile "$work/ca.pem" -ign_eof -sess_in "$sess" 2>/dev/null | grep -q '^Reused,' && echo yes || echo no
}
resumed=$(resumes "${port[bulwark]}")
tickets=$([[ $resumed == yes ]] && echo on || echo off)

nginx_conf "$work/nginx" "    upstream app { server 127.0.0.1:${port[app]}; keepalive $CONNECTIONS; keepalive_requests 1000000; }
    server {
        listen 127.0.0.1:${port[nginx]} ssl;
        ssl_certificate $work/leaf.pem;
        ssl_certificate_key $work/leaf.key;
        ssl_protocols TLSv1.3;
        ssl_conf_command Ciphersuites $CIPHER;
        ssl_session_cache off;
        ssl_session_tickets $tickets;
        location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
    }" >"$work/nginx/nginx.conf"
start nginx nginx -e "$work/nginx/error.log" -p "$work/nginx" -c "$work/nginx/nginx.conf"
wait_ready nginx https

# ---------------------------------------------------------------- negotiated parameters
echo
note "$(nginx -v 2>&1 | sed 's/^nginx version: //'), wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'), $(openssl version | cut -d' ' -f1-2), $(nproc) cores; bulwark: $BULWARK_BIN"
reference=""
for p in "${peers[@]}"; do
  out=$(client timeout 5 openssl s_client -connect "127.0.0.1:${port[$p]}" -servername localhost -CAfile "$work/ca.pem" \
    -verify_return_error -brief </dev/null 2>&1) || { echo "$out" >&2; die "openssl s_client could not complete a verified handshake with $p"; }
  params=$(awk -F': ' '/^(Protocol version|Ciphersuite|Server Temp Key|Signature type|Verification):/ { printf "%s%s", sep, $2; sep = ", " }' <<<"$out")
  r=$(resumes "${port[$p]}")
  note "$(printf '%-10s' "$p") negotiated: $params; resumes a session: $r"
  [[ -z $reference || $params == "$reference" ]] || die "$p negotiated '$params', ${peers[0]} '$reference': not the same protocol/cipher"
  [[ $r == "$resumed" ]] || die "$p resumes sessions: $r, bulwark: $resumed"
  reference=$params
done
[[ $reference == "TLSv1.3, $CIPHER,"* ]] || die "expected TLSv1.3 with $CIPHER, got '$reference'"
if [[ $resumed == yes ]]; then
  note "bulwark issues TLS 1.3 session tickets and resumes: nginx runs with ssl_session_tickets on, so 'newconn' measures resumed handshakes (PSK + X25519) on every peer"
else
  note "no peer resumes sessions: every 'newconn' request is a full handshake"
fi
note "tests: ${tests[*]} (wrk -t $THREADS -c $CONNECTIONS; newconn adds -H 'Connection: close'); $ROUNDS round(s) x ${#tests[@]} x ${#peers[@]} peers x (${WARMUP}s + ${DURATION}s): about $((ROUNDS * ${#tests[@]} * ${#peers[@]} * (WARMUP + DURATION + 1))) s"
echo

# ---------------------------------------------------------------- load runs
# "req/s p99_ms errors requests" from one wrk --latency output (errors: non-2xx/3xx + socket errors).
parse_wrk() {
  awk '
    function ms(v,   n, u) {
      n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
      return u == "us" ? n / 1000 : u == "ms" ? n : u == "s" ? n * 1000 : u == "m" ? n * 60000 : -1
    }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "99%" && p99 == "" { p99 = ms($2) }
    /Non-2xx or 3xx responses:/ { errors += $NF }
    $2 == "requests" && $3 == "in" && requests == "" { requests = $1 }
    /Socket errors:/ { line = $0; sub(/.*Socket errors:/, "", line); gsub(/[a-z,]+/, " ", line)
      n = split(line, f, " "); for (i = 1; i <= n; i++) errors += f[i] }
    END {
      if (rps == "" || p99 == "" || p99 < 0 || requests !~ /^[0-9]+$/) exit 1
      printf "%s %.3f %d %d\n", rps, p99, errors + 0, requests
    }'
}
# Sets cpu_ticks[name] to utime+stime summed over the live processes of each process group we started.
declare -A cpu_ticks=()
sample_cpu() {
  local -A group=()
  local p f line g
  local -a fld
  for p in app "${peers[@]}"; do group[${leader[$p]}]=$p; cpu_ticks[$p]=0; done
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    read -r -a fld <<<"${line##*) }"
    g=${fld[2]:-}
    [[ -n $g && -n ${group[$g]:-} ]] || continue
    cpu_ticks[${group[$g]}]=$((cpu_ticks[${group[$g]}] + fld[11] + fld[12]))
  done
}
tcp_opens() { awk '$1 == "Tcp:" && $6 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp; }

results="$work/results.txt" # peer round test req/s p99_ms errors requests peer_ticks tcp_opens
: >"$results"
for round in $(seq "$ROUNDS"); do
  for t in "${tests[@]}"; do
    hdr=(); [[ $t == newconn ]] && hdr=(-H "Connection: close")
    for i in "${!peers[@]}"; do
      p=${peers[$(((i + round - 1) % ${#peers[@]}))]}
      url="https://127.0.0.1:${port[$p]}/"
      client timeout "$((WARMUP + 20))" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" "${hdr[@]}" "$url" >/dev/null
      out="$work/wrk-$p-$t-$round.txt"
      sample_cpu; c0=${cpu_ticks[$p]} a0=${cpu_ticks[app]} o0=$(tcp_opens)
      client timeout "$((DURATION + 20))" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency "${hdr[@]}" "$url" >"$out" \
        || { cat "$out" >&2; die "wrk against $p ($t) failed"; }
      sample_cpu; dc=$((cpu_ticks[$p] - c0)) da=$((cpu_ticks[app] - a0)) dopen=$(($(tcp_opens) - o0))
      line=$(parse_wrk <"$out") || { cat "$out" >&2; die "could not parse wrk output for $p ($t)"; }
      read -r rps p99 errors requests <<<"$line"
      echo "$p $round $t $line $dc $dopen" >>"$results"
      awk -v r="$round" -v t="$t" -v p="$p" -v rps="$rps" -v p99="$p99" -v e="$errors" -v n="$requests" \
        -v c="$dc" -v a="$da" -v o="$dopen" -v hz="$CLK_TCK" 'BEGIN {
        printf "round %d  %-9s %-10s %8.0f req/s  p99 %7.3f ms  errors %d  cpu %7.2f µs/req  origin %6.2f µs/req  tcp/req %.2f\n",
          r, t, p, rps, p99, e, (n ? c * 1e6 / hz / n : -1), (n ? a * 1e6 / hz / n : -1), (n ? o / n : -1) }'
      kill -0 "${leader[app]}" 2>/dev/null || die "the origin died (see $work/app/error.log)"
      kill -0 "${leader[$p]}" 2>/dev/null || die "$p died (see $work/$p.log)"
    done
  done
done

# ---------------------------------------------------------------- summary
echo
awk -v order="${peers[*]}" -v testlist="${tests[*]}" -v hz="$CLK_TCK" -v rounds="$ROUNDS" -v resumed="$resumed" '
  function median(list,   a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n == 0 ? -1 : (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function ratio(a, b) { return (a > 0 && b > 0) ? sprintf("%.2f", a / b) : "n/a" }
  # $1 peer $2 round $3 test $4 req/s $5 p99 $6 errors $7 requests $8 cpu ticks $9 tcp opens
  { k = $1 SUBSEP $3; rps[k] = rps[k] " " $4; p99[k] = p99[k] " " $5; err[k] += $6
    if ($7 > 0) { cpu[k] = cpu[k] " " ($8 * 1e6 / hz / $7); opens[k] = opens[k] " " ($9 / $7) } }
  END {
    np = split(order, peers, " "); nt = split(testlist, tests, " ")
    printf "HTTPS, median of %d round(s); newconn = one TLS connection per request (%s handshakes)\n", rounds, (resumed == "yes" ? "resumed" : "full")
    printf "%-10s %-10s %10s %9s %11s %8s %7s %8s %10s %8s\n", "test", "peer", "req/s", "p99 ms", "cpu µs/req", "tcp/req", "errors", "x req/s", "x p99", "x cpu"
    for (j = 1; j <= nt; j++) for (i = 1; i <= np; i++) {
      t = tests[j]; k = peers[i] SUBSEP t; n = "nginx" SUBSEP t
      R = median(rps[k]); P = median(p99[k]); C = median(cpu[k])
      Rn = median(rps[n]); Pn = median(p99[n]); Cn = median(cpu[n])
      printf "%-10s %-10s %10.0f %9.3f %11.2f %8.2f %7d", t, peers[i], R, P, C, median(opens[k]), err[k]
      if (peers[i] == "nginx") print "   (x = peer / nginx)"
      else printf " %8s %10s %8s\n", ratio(R, Rn), ratio(P, Pn), ratio(C, Cn)
    }
  }' "$results"
for p in bulwark bulwark-1t; do
  [[ " ${peers[*]} " == *" $p "* ]] || continue
  failures=$(curl -s --max-time 5 "http://127.0.0.1:${admin_port[$p]}/metrics" | awk '/^bulwark_tls_handshake_failures_total/ && $NF + 0 > 0' || true)
  echo "$p handshake failures (bulwark_tls_handshake_failures_total > 0): ${failures:-none}"
done
