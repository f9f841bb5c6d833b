#!/usr/bin/env bash
# Gateway cost of bearer-token verification: `bulwark serve` with a route `auth: required` against the same
# route without authentication, side by side in one run, loopback only.
#
#   origin    BASE_PORT+1  nginx, 1 worker: `return 200` of a 64-byte body
#   none      BASE_PORT+2  `bulwark serve`, no `auth:` section, route `auth: off` (plain proxying)
#   off       BASE_PORT+4  the same with `auth.jwt` configured (JWKS file) and the route still `auth: off`
#   required  BASE_PORT+6  the same with the route `auth: required` (RS256 and ES256 requests both go here)
# Every bulwark: release build, access log off, default threads (one event loop per core), revocation list
# in memory. The JWKS file holds one RSA 2048 key (kid rsa-1) and one P-256 key (kid ec-1), made afresh
# by python3's `cryptography`, with tokens valid for a day (iss, sub, aud, iat, exp, jti, tenant).
#
# Every variant gets `Authorization: Bearer <token>` (the RS256 token, except ES256), so requests are the
# same size. ROUNDS interleaved rounds (none, off, RS256, ES256, back to back), each: WARMUP s unmeasured,
# DURATION s of `wrk -t THREADS -c CONNECTIONS`. Medians over rounds. CPU per request: utime+stime from
# /proc/PID/stat of every thread of the bulwark process, before and after each measured run, over the
# requests wrk completed.
#
# Usage: bash Benchmarks/gateway-auth.sh   (env: ROUNDS=3 DURATION=10 WARMUP=2 CONNECTIONS=64 THREADS=2
#                                          BASE_PORT=19400 BULWARK_BIN=.build/release/bulwark)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} CONNECTIONS=${CONNECTIONS:-64} THREADS=${THREADS:-2}
BASE_PORT=${BASE_PORT:-19400}
BULWARK_BIN=${BULWARK_BIN:-.build/release/bulwark}
for tool in nginx wrk curl python3; do command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }; done
python3 -c 'import cryptography' 2>/dev/null || { echo "needs python3's cryptography (pip install cryptography)" >&2; exit 1; }
[[ -x $BULWARK_BIN ]] || swift build -c release --product bulwark
HZ=$(getconf CLK_TCK)
work=$(mktemp -d /tmp/bulwark-auth-bench.XXXXXX)
chmod 700 "$work"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; sleep 0.3; rm -rf "$work"; }
trap cleanup EXIT

origin_port=$((BASE_PORT + 1))
none_port=$((BASE_PORT + 2)) off_port=$((BASE_PORT + 4)) required_port=$((BASE_PORT + 6))
issuer=https://auth.example.com

# Keys, JWKS and tokens. Writes jwks.json, rs256.token, es256.token.
python3 - "$work" "$issuer" <<'PY'
import base64, json, os, sys, time, uuid
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

work, issuer = sys.argv[1], sys.argv[2]
b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
num = lambda n, size: b64(n.to_bytes(size, "big"))
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ec_key = ec.generate_private_key(ec.SECP256R1())
rn, en = rsa_key.public_key().public_numbers(), ec_key.public_key().public_numbers()
jwks = {"keys": [
    {"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": num(rn.n, 256), "e": num(rn.e, 3)},
    {"kty": "EC", "kid": "ec-1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": num(en.x, 32), "y": num(en.y, 32)},
]}
now = int(time.time())
claims = {"iss": issuer, "sub": "user-42", "aud": "api", "tenant": "acme", "scope": "read write",
          "iat": now, "exp": now + 86400, "jti": str(uuid.uuid4())}

def token(alg, kid, sign):
    header = b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}, separators=(",", ":")).encode())
    payload = b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    return f"{header}.{payload}.{b64(sign(signing_input))}"

def es256(data):
    r, s = decode_dss_signature(ec_key.sign(data, ec.ECDSA(hashes.SHA256())))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")

with open(os.path.join(work, "jwks.json"), "w") as f: json.dump(jwks, f)
with open(os.path.join(work, "rs256.token"), "w") as f:
    f.write(token("RS256", "rsa-1", lambda d: rsa_key.sign(d, padding.PKCS1v15(), hashes.SHA256())))
with open(os.path.join(work, "es256.token"), "w") as f: f.write(token("ES256", "ec-1", es256))
PY
rs256=$(cat "$work/rs256.token") es256=$(cat "$work/es256.token")

mkdir -p "$work/origin/logs"
cat >"$work/origin/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $work/origin/nginx.pid;
error_log $work/origin/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $work/origin/body; proxy_temp_path $work/origin/proxy; fastcgi_temp_path $work/origin/fcgi; uwsgi_temp_path $work/origin/uwsgi; scgi_temp_path $work/origin/scgi;
    server { listen 127.0.0.1:$origin_port; location / { default_type text/plain; return 200 '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n'; } }
}
EOF
bulwark_conf() { # $1 name, $2 port, $3 route auth, $4 with the auth section (yes/no)
  {
    echo "server: { listen: \"127.0.0.1:$2\", access_log: \"off\" }"
    echo "admin: { listen: \"127.0.0.1:$(($2 + 1))\" }"
    echo "upstreams: { origin: { targets: [\"http://127.0.0.1:$origin_port\"] } }"
    if [[ $4 == yes ]]; then
      echo "auth:"
      echo "  jwt:"
      echo "    issuers:"
      echo "      - { issuer: \"$issuer\", audiences: [api], jwks_file: \"$work/jwks.json\", algorithms: [RS256, ES256] }"
    fi
    echo "routes:"
    echo "  - { path_prefix: /, upstream: origin, auth: $3 }"
  } >"$work/$1.yaml"
}
bulwark_conf none "$none_port" off no
bulwark_conf off "$off_port" off yes
bulwark_conf required "$required_port" required yes
# nginx's worker runs as an unprivileged user when started as root.
if [[ $(id -u) == 0 ]]; then chmod 755 "$work"; chown -R nobody "$work/origin"; fi
setsid nginx -p "$work/origin" -c "$work/origin/nginx.conf" & pids+=($!)
for name in none off required; do
  setsid "$BULWARK_BIN" serve --config "$work/$name.yaml" >"$work/$name.log" 2>&1 & pids+=($!)
  declare "${name}_pid=$!"
done
for port in $origin_port $none_port $off_port $required_port; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/item" && break; sleep 0.1; done
done
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
no_token=$(status "http://127.0.0.1:$required_port/item")
rs_status=$(status -H "Authorization: Bearer $rs256" "http://127.0.0.1:$required_port/item")
es_status=$(status -H "Authorization: Bearer $es256" "http://127.0.0.1:$required_port/item")
echo "auth: required answers: no token $no_token, RS256 $rs_status, ES256 $es_status;" \
  "none $(status -H "Authorization: Bearer $rs256" "http://127.0.0.1:$none_port/item"), off $(status -H "Authorization: Bearer $rs256" "http://127.0.0.1:$off_port/item")"
if [[ $no_token != 401 || $rs_status != 200 || $es_status != 200 ]]; then
  echo "auth: required does not behave as expected:" >&2
  cat "$work/required.log" >&2
  exit 1
fi

ticks() { # utime+stime of every process in the group led by $1
  local total=0 f
  for f in /proc/[0-9]*/stat; do
    read -r -a fld < <(sed 's/^.*) //' "$f" 2>/dev/null) || continue
    [[ ${fld[2]:-} == "$1" ]] && total=$((total + fld[11] + fld[12]))
  done
  echo "$total"
}

variants=(none off RS256 ES256)
declare -A results=()
for round in $(seq "$ROUNDS"); do
  for variant in "${variants[@]}"; do
    case $variant in
      none) port=$none_port pid=$none_pid token=$rs256 ;;
      off) port=$off_port pid=$off_pid token=$rs256 ;;
      RS256) port=$required_port pid=$required_pid token=$rs256 ;;
      ES256) port=$required_port pid=$required_pid token=$es256 ;;
    esac
    url="http://127.0.0.1:$port/item"
    wrk -t "$THREADS" -c "$CONNECTIONS" -d "${WARMUP}s" -H "Authorization: Bearer $token" "$url" >/dev/null
    before=$(ticks "$pid")
    out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency -H "Authorization: Bearer $token" "$url")
    after=$(ticks "$pid")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
    [[ -z $errors ]] || echo "!! $variant: $errors" >&2
    cpu=$(awk -v t=$((after - before)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
    printf 'round %d %-6s %10s req/s  p99 %8s  cpu/req %6s us %s\n' "$round" "$variant" "$rps" "$p99" "$cpu" "$errors"
    results[$variant]+="$rps $cpu $p99"$'\n'
  done
done

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
to_ms() { sed 's/ms$//;s/us$/e-3/;s/\([0-9.]\)s$/\1e3/'; }
echo
printf '%-30s %10s %8s %14s %8s %10s %9s\n' variant "req/s" "x none" "cpu/req (us)" "x none" "+cpu (us)" "p99 (ms)"
for variant in "${variants[@]}"; do
  rps=$(awk 'NF {print $1}' <<<"${results[$variant]}" | median)
  cpu=$(awk 'NF {print $2}' <<<"${results[$variant]}" | median)
  p99=$(awk 'NF {print $3}' <<<"${results[$variant]}" | to_ms | median)
  [[ $variant == none ]] && { rps0=$rps cpu0=$cpu; }
  case $variant in
    none) label="none (no auth section)" ;;
    off) label="off (auth.jwt set, auth: off)" ;;
    *) label="required, $variant token" ;;
  esac
  awk -v l="$label" -v r="$rps" -v c="$cpu" -v p="$p99" -v r0="$rps0" -v c0="$cpu0" 'BEGIN {
    printf "%-30s %10.0f %7.2fx %14.2f %7.2fx %10.2f %9.2f\n", l, r, r / r0, c, c / c0, c - c0, p }'
done
