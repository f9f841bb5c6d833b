import BulwarkCredentials
import NIOCore
import NIOHTTP1

/// The upstream side: getting a connection for an attempt, and what that connection delivers.
extension ProxyExchange: UpstreamConnectionDelegate {
    /// Gets a connection to the picked target: an idle one from the pool, or a new one. When the request
    /// carries the gateway's OAuth2 token and none is valid, it first waits for the token (off the
    /// event loop; every other request carries on).
    func connect(attempt: Int) {
        guard let provider = gatewayTokenProvider else { return connectToTarget(attempt: attempt) }
        if let token = provider.currentToken() {
            attemptToken = token
            return connectToTarget(attempt: attempt)
        }
        let loop = eventLoop
        Task {
            do {
                let token = try await provider.token()
                loop.execute {
                    guard case .connecting(let current) = self.machine.state, current.number == attempt else { return }
                    self.attemptToken = token
                    self.connectToTarget(attempt: attempt)
                }
            } catch {
                let detail = "\(error)"
                loop.execute { self.perform(self.machine.credentialsUnavailable(attempt: attempt, detail)) }
            }
        }
    }

    /// After a 401 to the gateway's token (already reported when its head arrived): waits for a fresh
    /// token (the one refresh every request that saw the same token shares), then lets the machine try
    /// again.
    func refreshCredentials() {
        guard let provider = gatewayTokenProvider else {
            return perform(machine.credentialsUnavailable(attempt: nil, "no token provider"))
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
                loop.execute { self.perform(self.machine.credentialsUnavailable(attempt: nil, detail)) }
            }
        }
    }

    /// The route's token provider when this request goes up with the gateway's token.
    private var gatewayTokenProvider: TokenProvider? {
        guard let credential = context?.route?.cluster.credential,
              credential.usesGatewayToken(clientSentAuthorization: clientHead.headers.contains(name: "Authorization"))
        else { return nil }
        return credential.tokenProvider
    }

    private func connectToTarget(attempt: Int) {
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

    var clientIsWritable: Bool { handler.clientIsWritable }

    func upstreamResponseHead(_ head: HTTPResponseHead) {
        if head.status == .unauthorized, let token = attemptToken {
            // The upstream refused the gateway's token: it is dropped and one refresh starts, whether
            // this request is tried again (the machine decides) or gets the 401.
            context?.route?.cluster.credential?.tokenProvider?.reportUnauthorized(token)
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
        perform(machine.upstreamFailed("\(error)", malformed: error is HTTPParserError))
    }

    func upstreamReadComplete() {
        perform(machine.upstreamReadCompleted(now: Self.now()))
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { handler.resumeReading() }
    }
}
