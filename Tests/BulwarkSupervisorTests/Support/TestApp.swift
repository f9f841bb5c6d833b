import Foundation

/// A small app for the supervisor's tests, run by python3: it listens on `$PORT` (after
/// `$START_DELAY` seconds), prints `listening on PORT`, answers `GET /health` and `GET /` with its pid
/// and port, allocates `N` MiB it keeps on `GET /alloc?mb=N`, exits with code 3 on `GET /crash`, exits 1
/// at once when `$CRASH_AT_START` is set, prints `$SPAM_LINES` lines of output at start, and finishes
/// its requests and exits 0 on SIGTERM.
enum TestApp {
    static let source = #"""
    import http.server, os, signal, socketserver, sys, threading, time

    if os.environ.get("CRASH_AT_START"):
        print("crashing at start", flush=True)
        sys.exit(1)
    for i in range(int(os.environ.get("SPAM_LINES", "0"))):
        print(f"line {i:06d} " + "x" * 100)
    sys.stdout.flush()
    time.sleep(float(os.environ.get("START_DELAY", "0")))
    port = int(os.environ["PORT"])
    held = []

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            if self.path.startswith("/alloc"):
                block = bytearray(int(self.path.split("=")[1]) * 1024 * 1024)
                for i in range(0, len(block), 4096):
                    block[i] = 1
                held.append(block)
            if self.path == "/crash":
                os._exit(3)
            if self.path.startswith("/slow"):
                time.sleep(float(self.path.split("=")[1]))
            body = f"{os.getpid()} {port} {self.path}\n".encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            # Head and body in one write: a SIGKILL then lands before the response or after it, never
            # between its head and its body (a response whose head was relayed cannot be retried by any
            # proxy, so the kill tests would see a cut response by chance).
            self._headers_buffer.append(b"\r\n" + body)
            self.flush_headers()

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        daemon_threads = False   # server_close() waits for requests in flight
        allow_reuse_address = True

    server = Server(("127.0.0.1", port), Handler)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on {port}", flush=True)
    server.serve_forever()
    server.server_close()
    print("stopped", flush=True)
    """#

    /// Writes the app to a temp file once and returns its path.
    static let path: String = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-test-app-\(getpid()).py")
        try? source.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }()
}
