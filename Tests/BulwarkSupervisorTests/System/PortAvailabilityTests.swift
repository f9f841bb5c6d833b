@testable import BulwarkSupervisor
import BulwarkTestSupport
import Testing

@Suite("A port is checked before an instance starts on it", .timeLimit(.minutes(1)))
struct PortAvailabilityTests {
    @Test("a port another process listens on is taken, and the message names that process", .enabled(if: PythonHolder.python != nil, "needs python3"))
    func takenByAnotherProcess() throws {
        let holder = try PythonHolder.listeningOnAFreePort()
        defer { holder.stop() }
        let port = try #require(holder.port)
        let status = PortAvailability.check(port: port)
        #expect(status == .taken(by: "pid \(holder.child.pid) (python3)"))
        #expect(status.message(port: port, keyPath: "processes.app.port_base")
            == "port \(port) is in use by pid \(holder.child.pid) (python3): stop it or change processes.app.port_base")
    }

    @Test("a free port is free, and has no message")
    func free() throws {
        let port = try RedisServer.freePort()
        #expect(PortAvailability.check(port: port) == .free)
        #expect(PortAvailability.check(port: port).message(port: port, keyPath: "processes.app.port_base") == nil)
    }

    @Test("an unknown holder is still reported as taken")
    func unknownHolder() {
        #expect(PortStatus.taken(by: nil).message(port: 3001, keyPath: "processes.app.port_base")
            == "port 3001 is in use by another process (not one this user can see): stop it or change processes.app.port_base")
    }

    @Test("listening sockets are found by port in /proc/net/tcp and tcp6 tables, other states and ports are not")
    func table() {
        let ipv4 = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41211 1 0000000000000000 100 0 0 10 0
           1: 0100007F:0BB9 0100007F:D6A2 01 00000000:00000000 00:00000000 00000000     0        0 41299 1 0000000000000000 20 4 30 10 -1
           2: 0100007F:0BBA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 41300 1 0000000000000000 100 0 0 10 0
        """
        let ipv6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000000000000:0BB9 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 52000 1 0000000000000000 100 0 0 10 0
        """
        #expect(PortAvailability.listeningInodes(port: 3001, table: ipv4) == ["41211"])
        #expect(PortAvailability.listeningInodes(port: 3001, table: ipv6) == ["52000"])
        #expect(PortAvailability.listeningInodes(port: 3003, table: ipv4).isEmpty)
    }
}
