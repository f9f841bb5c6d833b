import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plays systemd's notify socket in tests: an `AF_UNIX` datagram socket bound to a path in a fresh temp
/// directory, or to a name in the abstract namespace. ``notifySocket`` is the `NOTIFY_SOCKET` value that
/// reaches it. The socket and its directory go away with the receiver.
public final class NotifySocketReceiver: Sendable {
    /// The `NOTIFY_SOCKET` value: the socket's path, or `@name`.
    public let notifySocket: String
    private let descriptor: Int32
    private let directory: String?

    /// Binds a socket at `<temp dir>/notify`, or at `@bulwark-test-<uuid>` when `abstract`.
    public init(abstract: Bool = false) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket(AF_UNIX, SOCK_DGRAM): \(String(cString: strerror(errno)))") }
        var directory: String?
        var name: [UInt8]
        if abstract {
            name = [0] + Array("bulwark-test-\(UUID().uuidString)".utf8)
        } else {
            let path = NSTemporaryDirectory() + "bulwark-notify-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            directory = path
            name = Array("\(path)/notify".utf8) + [0]
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        guard name.count <= MemoryLayout.size(ofValue: address.sun_path) else {
            close(descriptor)
            throw TestFailure("notify socket path too long: \(name.count) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: name) }
        let length = socklen_t(MemoryLayout.offset(of: \sockaddr_un.sun_path)! + name.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            if let directory { try? FileManager.default.removeItem(atPath: directory) }
            throw TestFailure("bind notify socket: \(reason)")
        }
        self.descriptor = descriptor
        self.directory = directory
        self.notifySocket = abstract
            ? "@" + String(decoding: name.dropFirst(), as: UTF8.self)
            : String(decoding: name.dropLast(), as: UTF8.self)
    }

    deinit {
        close(descriptor)
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The next datagram's text, or `nil` when none arrives within `limit`.
    public func next(within limit: Duration = .seconds(10)) async -> String? {
        let deadline = ContinuousClock.now + limit
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count >= 0 { return String(decoding: buffer.prefix(count), as: UTF8.self) }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Datagrams until one contains the line `line` (which is returned last), or `nil` when none does
    /// within `limit`.
    public func messages(until line: String, within limit: Duration = .seconds(10)) async -> [String]? {
        let deadline = ContinuousClock.now + limit
        var received: [String] = []
        while let message = await next(within: deadline - ContinuousClock.now) {
            received.append(message)
            if message.split(separator: "\n").contains(Substring(line)) { return received }
        }
        return nil
    }
}
