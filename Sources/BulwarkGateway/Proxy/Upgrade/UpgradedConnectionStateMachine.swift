/// The decisions of one upgraded connection (a WebSocket, or any protocol in `routes[].upgrades`) once
/// its `101 Switching Protocols` has been relayed, as a pure value: ``UpgradedConnection`` reports what
/// happened (bytes relayed, a side closed, a timer fired, a drain began) with `now` (monotonic
/// nanoseconds) and performs the ``Action`` returned. It reads no clock and does no I/O.
///
/// ```
/// open ─ client closed ─────────▶ closed(clientClosed)      (the target side is closed at once)
///      ─ target closed / failed ─▶ closed(targetClosed)      (the client side is closed at once)
///      ─ idle timer: no bytes for idle_timeout ─▶ closed(idleTimeout); bytes since ─▶ re-armed
///      ─ lifetime timer (max_lifetime) ─▶ closed(maxLifetime)
///      ─ drain ─▶ drain timer (server.drain_timeout) ─▶ closed(drained)
/// ```
///
/// The idle timer is not moved on every read: reads record when bytes last moved, and when the timer
/// fires it is either re-armed from then or the connection closes.
struct UpgradedConnectionStateMachine: Equatable {
    /// Why an upgraded connection ended: the `outcome` label of `bulwark_upgraded_connections_total`.
    enum Outcome: String, Equatable, CaseIterable {
        case clientClosed = "client_closed"
        case targetClosed = "target_closed"
        case idleTimeout = "idle_timeout"
        case maxLifetime = "max_lifetime"
        case drained
    }

    /// The timers of an upgraded connection.
    enum Timer: Equatable {
        case idle, lifetime, drain
    }

    /// What the shell does after an event.
    enum Action: Equatable {
        case none
        /// Schedule the idle timer at `idle` and, when given, the lifetime timer at `lifetime` and the
        /// drain timer at `drain`.
        case armTimers(idle: Int64, lifetime: Int64?, drain: Int64?)
        /// Schedule `timer` at `deadline` (replacing the one of that kind).
        case arm(Timer, at: Int64)
        /// Close both connections (what was written is flushed first), cancel every timer, settle the
        /// attempt and count the connection as ended with `outcome`.
        case close(Outcome)
    }

    /// Where the connection is.
    enum State: Equatable {
        case open
        case closed(Outcome)
    }

    private(set) var state: State = .open
    /// `routes[].websocket.idle_timeout`, in nanoseconds.
    let idleTimeout: Int64
    /// `routes[].websocket.max_lifetime`, in nanoseconds (nil: none).
    let maxLifetime: Int64?
    /// When bytes last moved in either direction (or the connection was upgraded).
    private(set) var lastActivity: Int64 = 0
    /// When a drain closes the connection (nil: no drain).
    private(set) var drainDeadline: Int64?

    init(idleTimeout: Int64, maxLifetime: Int64?) {
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
    }

    /// The `101` was relayed at `now`. `drainingUntil`: the gateway is already draining, and the
    /// connection closes at that time.
    mutating func upgraded(now: Int64, drainingUntil: Int64? = nil) -> Action {
        guard state == .open else { return .none }
        lastActivity = now
        drainDeadline = drainingUntil
        return .armTimers(idle: now + idleTimeout, lifetime: maxLifetime.map { now + $0 }, drain: drainingUntil)
    }

    /// Bytes moved (either direction) at `now`.
    mutating func bytesRelayed(now: Int64) -> Action {
        guard state == .open else { return .none }
        lastActivity = max(lastActivity, now)
        return .none
    }

    /// The client's connection closed or failed: the target's is closed at once.
    mutating func clientClosed() -> Action { close(.clientClosed) }

    /// The target's connection closed or failed: the client's is closed at once.
    mutating func targetClosed() -> Action { close(.targetClosed) }

    /// The idle timer fired at `now`: re-armed when bytes moved since, otherwise the connection closes.
    mutating func idleTimerFired(now: Int64) -> Action {
        guard state == .open else { return .none }
        let deadline = lastActivity + idleTimeout
        if now < deadline { return .arm(.idle, at: deadline) }
        return close(.idleTimeout)
    }

    /// The lifetime timer fired.
    mutating func lifetimeTimerFired() -> Action {
        guard maxLifetime != nil else { return .none }
        return close(.maxLifetime)
    }

    /// The gateway began draining at `now`: the connection gets `drainTimeout` nanoseconds.
    mutating func drainStarted(now: Int64, drainTimeout: Int64) -> Action {
        guard state == .open, drainDeadline == nil else { return .none }
        let deadline = now + drainTimeout
        drainDeadline = deadline
        return .arm(.drain, at: deadline)
    }

    /// The drain timer fired.
    mutating func drainTimerFired() -> Action {
        guard drainDeadline != nil else { return .none }
        return close(.drained)
    }

    private mutating func close(_ outcome: Outcome) -> Action {
        guard state == .open else { return .none }
        state = .closed(outcome)
        return .close(outcome)
    }
}
