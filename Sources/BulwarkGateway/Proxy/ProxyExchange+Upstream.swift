import BulwarkCredentials
import NIOCore
import NIOHTTP1

/// The upstream side: getting a connection for an attempt, and what that connection delivers.
extension ProxyExchange: UpstreamConnectionDelegate {
    /// Waits (off the event loop; every other request carries on) for the upstream's OAuth2 token: the
    /// current one, or the one refresh every request that needs it shares; then tells the machine.
    func awaitToken() {
        guard let provider = gatewayTokenProvider else {
            return perform(machine.credentialsUnavailable("the upstream has no token provider"))
        }
        attemptToken = nil
        let loop = eventLoop
        Task {
            do {
                let token = try await provider.token()
                loop.execute {
                    self.attemptToken = token
                    self.perform(self.machine.credentialsRefreshed())
                }
            } catch {
                let detail = "\(error)"
                loop.execute { self.perform(self.machine.credentialsUnavailable(detail)) }
            }
        }
    }

    /// The route's token provider when this request goes up with the gateway's token (decided once, in
    /// its policy, when the request started).
    var gatewayTokenProvider: TokenProvider? {
        guard machine.policy?.refreshesCredentialsOnUnauthorized == true else { return nil }
        return context?.route?.cluster.credential?.tokenProvider
    }

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
            switch context?.route?.cluster.credential {
            case .header(let name, let value)?:
                head.headers.replaceOrAdd(name: name, value: value)
            case .bearer?:
                if let token = attemptToken { head.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.value)") }
            case nil:
                break
            }
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

    /// False also while an audited response waits for its record: the upstream's reads are held.
    var clientIsWritable: Bool {
        if case .recordingAudit = machine.state { return false }
        return handler.clientIsWritable
    }

    func upstreamResponseHead(_ head: HTTPResponseHead) {
        let head = auditSawResponseHead(head)
        if head.status == .unauthorized, let token = attemptToken, !machine.credentialsRetried {
            // The upstream refused the gateway's token: it is dropped and one refresh starts, whether
            // this request is tried again (the machine decides) or gets the 401. A 401 to the retry's
            // fresh token is not reported: refreshing again would not help, and would storm the endpoint.
            let dropped = context?.route?.cluster.credential?.tokenProvider?.reportUnauthorized(token) ?? false
            // Kept (a refresh a 401 started less than a second ago): a retry would carry the same token.
            if !dropped { machine.unauthorizedTokenKept() }
        }
        perform(machine.upstreamHeadReceived(head))
    }

    func upstreamResponseBody(_ buffer: ByteBuffer) {
        perform(machine.upstreamBodyReceived(buffer, now: Self.now()))
    }

    func upstreamResponseEnd() {
        perform(machine.upstreamEnded())
    }

    func upstreamFailed(_ error: any Error) {
        perform(machine.upstreamFailed(error is HTTPParserError ? "\(error)" : ConnectFailureDescription.describe(error), malformed: error is HTTPParserError))
    }

    func upstreamReadComplete() {
        perform(machine.upstreamReadCompleted(now: Self.now()))
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { handler.resumeReading() }
    }
}
