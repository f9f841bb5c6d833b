import BulwarkTestSupport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The Python `websockets` package (PyPI), run as real WebSocket servers and clients for the upgrade
/// tests. Found in `BULWARK_WS_PYTHON`, CI's venv (`/opt/bulwark-moto`, see `.ci/run`), `/tmp/ws-venv`
/// or the system `python3`. Locally a missing package skips the tests; under `CI=true` they fail.
enum PythonWebSockets {
    static let python: String? = {
        let candidates = [ProcessInfo.processInfo.environment["BULWARK_WS_PYTHON"], "/opt/bulwark-moto/bin/python", "/tmp/ws-venv/bin/python", "/usr/bin/python3"]
        return candidates.compactMap { $0 }.first { path in
            guard FileManager.default.isExecutableFile(atPath: path) else { return false }
            return (try? run(path, ["-c", "import websockets.asyncio.server"], timeoutSeconds: 20).status) == 0
        }
    }()

    /// Whether the tests run: the package is there, or CI must fail without it.
    static let shouldRun: Bool = {
        if python == nil && !RedisServer.isCI {
            FileHandle.standardError.write(Data("\n⚠️  SKIPPING WebSocket tests: python websockets is missing (python3 -m venv /tmp/ws-venv && /tmp/ws-venv/bin/pip install websockets). Under CI=true this fails.\n\n".utf8))
        }
        return python != nil || RedisServer.isCI
    }()

    static func requirePython() throws -> String {
        guard let python else { throw TestFailure("python websockets is not installed but CI=true: see .ci/run") }
        return python
    }

    /// Writes `source` to a temporary script file.
    static func script(_ name: String, _ source: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-\(name)-\(UUID().uuidString).py").path
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Runs `executable` to its end (killed after `timeoutSeconds`), off the cooperative pool.
    static func run(_ executable: String, _ arguments: [String], timeoutSeconds: Int) throws -> (status: Int32, output: String) {
        let outPath = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-ws-out-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outPath) }
        let out = open(outPath, O_WRONLY)
        let null = open("/dev/null", O_RDWR)
        defer { close(out); close(null) }
        let child = try ChildProcess.spawn("/usr/bin/timeout", ["-s", "KILL", "\(timeoutSeconds)", executable] + arguments,
                                           environment: ProcessInfo.processInfo.environment, stdin: null, stdout: out, stderr: out)
        let status = child.wait()
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return (status, output)
    }

    /// Runs a client script in a thread (the wait blocks), returning its exit status and output.
    static func runClient(_ arguments: [String], timeoutSeconds: Int = 60) async throws -> (status: Int32, output: String) {
        let python = try requirePython()
        let path = try script("ws-client", clientSource)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try run(python, [path] + arguments, timeoutSeconds: timeoutSeconds) })
            }
        }
    }

    /// A client for `url` acting out `mode`; prints what it saw, one fact a line.
    static let clientSource = #"""
import asyncio, os, sys, time
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

async def closed_after(ws, start):
    try:
        await asyncio.wait_for(ws.recv(), 15)
        print("no close", flush=True)
    except ConnectionClosed as error:
        code = error.rcvd.code if error.rcvd else None
        print(f"closed code={code} after={time.monotonic() - start:.3f}", flush=True)

async def main(url, mode):
    async with connect(url, max_size=None, ping_interval=None, open_timeout=10, close_timeout=5) as ws:
        print("open", flush=True)
        await ws.send("hello")
        print("text", await ws.recv() == "hello", flush=True)
        if mode == "echo":
            data = bytes(range(256)) * 4
            await ws.send(data)
            print("binary", await ws.recv() == data, flush=True)
            big = os.urandom(16 * 1024 * 1024)
            await ws.send(big)
            print("big", await ws.recv() == big, flush=True)
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 10)
            print("pong True", flush=True)
            await ws.send("close:4001")
            await closed_after(ws, time.monotonic())
        elif mode == "client-close":
            await ws.close(4002, "bye")
            print("client closed", ws.close_code, flush=True)
        elif mode == "die":
            start = time.monotonic()
            await ws.send("die")
            await closed_after(ws, start)
        elif mode == "vanish":
            os._exit(0)
        elif mode == "idle":
            await closed_after(ws, time.monotonic())

asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), 50))
"""#

    /// An echo server: `die` exits the process at once, `close:CODE` closes with that code; every
    /// connection's end is appended to the log file (`ended CODE`).
    static let serverSource = #"""
import asyncio, os, sys
from websockets.asyncio.server import serve

log = open(sys.argv[1], "a", buffering=1)

async def handler(ws):
    log.write("opened\n")
    try:
        async for message in ws:
            if message == "die":
                os._exit(3)
            if isinstance(message, str) and message.startswith("close:"):
                await ws.close(int(message[6:]), "asked")
                break
            await ws.send(message)
    except Exception:
        pass
    finally:
        log.write(f"ended {ws.close_code}\n")

async def main():
    async with serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()

asyncio.run(main())
"""#
}

/// A real WebSocket echo server (Python `websockets`) on a free loopback port.
final class WebSocketEchoServer: @unchecked Sendable {
    let port: Int
    let logPath: String
    private let child: ChildProcess
    private let files: [String]

    private init(port: Int, logPath: String, child: ChildProcess, files: [String]) {
        self.port = port
        self.logPath = logPath
        self.child = child
        self.files = files
    }

    static func start() async throws -> WebSocketEchoServer {
        let python = try PythonWebSockets.requirePython()
        let script = try PythonWebSockets.script("ws-server", PythonWebSockets.serverSource)
        let directory = FileManager.default.temporaryDirectory
        let logPath = directory.appendingPathComponent("bulwark-ws-log-\(UUID().uuidString)").path
        let outPath = directory.appendingPathComponent("bulwark-ws-port-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        let out = open(outPath, O_WRONLY)
        let null = open("/dev/null", O_RDWR)
        defer { close(out); close(null) }
        let child = try ChildProcess.spawn(python, [script, logPath], environment: ProcessInfo.processInfo.environment, stdin: null, stdout: out, stderr: null)
        let server = WebSocketEchoServer(port: 0, logPath: logPath, child: child, files: [script, logPath, outPath])
        var port: Int?
        _ = try await eventually(within: .seconds(20)) {
            port = (try? String(contentsOfFile: outPath, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return port != nil
        }
        guard let port else {
            server.stop()
            throw TestFailure("the python WebSocket server did not start")
        }
        return WebSocketEchoServer(port: port, logPath: logPath, child: child, files: [script, logPath, outPath])
    }

    /// The lines the server logged so far (`opened`, `ended CODE`).
    var log: [String] { ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }

    func stop() {
        kill(child.pid, SIGKILL)
        _ = child.wait()
        for file in files { try? FileManager.default.removeItem(atPath: file) }
    }
}
