import BulwarkSupervisor
import BulwarkTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("One supervisor per configuration: the lock file", .timeLimit(.minutes(1)))
struct SupervisorLockTests {
    /// A fresh directory (for lock files) holding a `bulwark.yaml`, removed afterwards.
    static func withDirectory(_ body: (_ directory: String, _ configuration: String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "bulwark-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = directory + "/bulwark.yaml"
        try "processes: {}\n".write(toFile: configuration, atomically: true, encoding: .utf8)
        try body(directory, configuration)
    }

    static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    @Test("the lock file is named after the resolved path, created 0600, and holds our pid")
    func lockFile() throws {
        try Self.withDirectory { directory, configuration in
            let lock = try SupervisorLock.acquire(forConfiguration: configuration, directory: directory)
            #expect(lock.subject == Self.resolved(configuration))
            #expect(lock.path == SupervisorLock.lockPath(key: Self.resolved(configuration), directory: directory))
            let name = try #require(lock.path.split(separator: "/").last)
            #expect(name.hasPrefix("bulwark-run-") && name.hasSuffix(".lock"))
            #expect(name.dropFirst("bulwark-run-".count).dropLast(".lock".count).count == 16)
            var info = stat()
            #expect(stat(lock.path, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600)
            #expect(try String(contentsOfFile: lock.path, encoding: .utf8) == "\(getpid())\n")
            withExtendedLifetime(lock) {}
        }
    }

    @Test("a second acquire (another open file description, here or through a symlink) fails naming our pid; after release it succeeds")
    func secondAcquire() throws {
        try Self.withDirectory { directory, configuration in
            var lock: SupervisorLock? = try SupervisorLock.acquire(forConfiguration: configuration, directory: directory)
            let path = try #require(lock?.path)
            let error = #expect(throws: SupervisorLockError.self) {
                try SupervisorLock.acquire(forConfiguration: configuration, directory: directory)
            }
            #expect(error?.isHeldByAnotherProcess == true)
            #expect(error?.holderPID == getpid())
            #expect(error?.description == "another bulwark run (pid \(getpid())) already supervises \(Self.resolved(configuration)) (lock \(path))")

            let link = directory + "/link.yaml"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: configuration)
            #expect(throws: SupervisorLockError.self) { try SupervisorLock.acquire(forConfiguration: link, directory: directory) }

            lock = nil
            let again = try SupervisorLock.acquire(forConfiguration: link, directory: directory)
            #expect(again.path == path)
        }
    }

    @Test("the name is the first 16 hex digits of the key's SHA-256 (as sha256sum prints them)")
    func name() {
        #expect(SupervisorLock.lockPath(key: "/etc/bulwark/bulwark.yaml", directory: "/run/user/0")
            == "/run/user/0/bulwark-run-18ee8c9d90c4826f.lock")
        #expect(SupervisorLock.lockPath(key: "/etc/bulwark/bulwark.yaml", directory: "/tmp/")
            == "/tmp/bulwark-run-18ee8c9d90c4826f.lock")
    }

    @Test("different keys lock different files")
    func differentKeys() throws {
        try Self.withDirectory { directory, _ in
            let first = try SupervisorLock.acquire(key: "node dist/index.js --instances 3", directory: directory)
            let second = try SupervisorLock.acquire(key: "node dist/index.js --instances 4", directory: directory)
            #expect(first.path != second.path)
        }
    }

    @Test("a lock held by another process fails naming that process's pid", .enabled(if: PythonHolder.python != nil, "needs python3"))
    func heldByAnotherProcess() throws {
        try Self.withDirectory { directory, _ in
            let key = "python holds \(UUID().uuidString)"
            let path = SupervisorLock.lockPath(key: key, directory: directory)
            let holder = try PythonHolder.start("""
            import fcntl, os, sys, time
            f = open(sys.argv[1], "a+")
            fcntl.flock(f, fcntl.LOCK_EX)
            f.seek(0); f.truncate(); f.write(str(os.getpid())); f.flush()
            print(os.getpid(), flush=True)
            time.sleep(60)
            """, [path])
            defer { holder.stop() }
            #expect(holder.line == "\(holder.child.pid)")
            let error = #expect(throws: SupervisorLockError.self) {
                try SupervisorLock.acquire(key: key, subject: "the test app", directory: directory)
            }
            #expect(error?.holderPID == holder.child.pid)
            #expect(error?.description == "another bulwark run (pid \(holder.child.pid)) already supervises the test app (lock \(path))")
        }
    }
}
