import NIOCore
import NIOHTTP1

/// The upstream side: getting a connection for an attempt, and what that connection delivers.
extension ProxyExchange: UpstreamConnectionDelegate {
    /// Gets a connection to the picked target: an idle one from the pool, or a new one.
    func connect(attempt: Int) {
        guard let context, let cluster = context.route?.cluster, let target else { return }
        if let connection = context.pool.idleConnection(to: target, now: Self.now()) {
            return connectionArrived(connection, attempt: attempt)
        }
        let connectTimeout = TimeAmount.nanoseconds(cluster.settings.connectTimeout.nanoseconds)
        let future = context.pool.connect(target, address: target.address, connectTimeout: connectTimeout)
        future.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let connection):
                connectionArrived(connection, attempt: attempt)
            case .failure(let error):
                perform(machine.connectFailed(attempt: attempt, ConnectFailureDescription.describe(error)))
            }
        }
    }

    private func connectionArrived(_ connection: UpstreamConnection, attempt: Int) {
        switch machine.connected(attempt: attempt) {
        case .returnToPool:
            guard let context, let cluster = context.route?.cluster else { return connection.close() }
            context.pool.release(connection, maximumIdle: cluster.settings.maxIdleConnections, now: Self.now())
        case .sendRequest(let body, let end):
            self.connection = connection
            connection.handler.delegate = self
            guard var head = context?.upstreamHead else { return }
            if let host = connection.target.hostOverride {
                // `upstreams.NAME.host`: `target` or a name (X-Forwarded-Host keeps the client's).
                head.headers.replaceOrAdd(name: "Host", value: host)
            } else if context?.addsHost == true {
                // An HTTP/1.0 request without Host goes upstream as HTTP/1.1, which must carry one.
                head.headers.add(name: "Host", value: connection.target.target.authority)
            }
            connection.handler.write(.head(head))
            for part in body { connection.handler.write(.body(.byteBuffer(part))) }
            if end { connection.handler.write(.end(nil)) }
            connection.handler.flush()
            handler.resumeReading()
        }
    }

    var clientIsWritable: Bool { handler.clientIsWritable }

    func upstreamResponseHead(_ head: HTTPResponseHead) {
        perform(machine.upstreamHeadReceived(head))
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        perform(machine.upstreamBodyReceived(buffer))
    }

    func upstreamResponseEnd() {
        perform(machine.upstreamEnded())
    }

    func upstreamFailed(_ error: any Error) {
        perform(machine.upstreamFailed("\(error)", malformed: error is HTTPParserError))
    }

    func upstreamReadComplete() {
        perform(machine.upstreamReadCompleted())
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { handler.resumeReading() }
    }
}
