import BulwarkConfig
import NIOCore

/// The shell of one upgraded connection: both channels relay raw bytes through ``ByteRelayHandler``s,
/// and every decision (timers, which side closed, drain) is ``UpgradedConnectionStateMachine``'s. Made by
/// ``ProxyExchange`` when its target switched protocols; keeps the exchange (and so its attempt, in
/// flight on the target) until the relay ends, then tells it. Both channels are on one event loop (the
/// upstream pools are per loop) and it is only touched there.
final class UpgradedConnection {
    let client = ByteRelayHandler(side: .client)
    let target = ByteRelayHandler(side: .target)
    private var machine: UpgradedConnectionStateMachine
    private var exchange: ProxyExchange?
    private let eventLoop: any EventLoop
    private let telemetry: GatewayTelemetry
    private let routeIndex: Int?
    private let drainTimeout: Int64
    private var timers: [UpgradedConnectionStateMachine.Timer: Scheduled<Void>] = [:]

    init(exchange: ProxyExchange, settings: UpgradedConnectionSettings, routeIndex: Int?, drainTimeout: Duration) {
        self.exchange = exchange
        self.eventLoop = exchange.eventLoop
        self.telemetry = exchange.telemetry
        self.routeIndex = routeIndex
        self.drainTimeout = drainTimeout.nanoseconds
        self.machine = UpgradedConnectionStateMachine(idleTimeout: settings.idleTimeout.nanoseconds, maxLifetime: settings.maxLifetime?.nanoseconds)
        client.session = self
        target.session = self
    }

    /// Both pipelines are relays now: start the clock. A relay stays alive through its handlers' and
    /// timers' references to it until it closes.
    func start(draining: Bool) {
        telemetry.upgradeStarted()
        let now = ProxyExchange.now()
        retainedSelf = self
        perform(machine.upgraded(now: now, drainingUntil: draining ? now + drainTimeout : nil))
        client.startReading()
        target.startReading()
    }

    /// Held from ``start(draining:)`` to the close: the handlers refer to the session weakly.
    private var retainedSelf: UpgradedConnection?

    // MARK: Events from the handlers

    func relay(_ buffer: ByteBuffer, from side: ByteRelayHandler.Side) {
        _ = machine.bytesRelayed(now: ProxyExchange.now())
        other(side).write(buffer)
    }

    func readBatchEnded(from side: ByteRelayHandler.Side) { other(side).flush() }

    func otherSideIsWritable(_ side: ByteRelayHandler.Side) -> Bool { other(side).isWritable }

    func becameWritable(_ side: ByteRelayHandler.Side) { other(side).resumeReading() }

    func sideClosed(_ side: ByteRelayHandler.Side) {
        perform(side == .client ? machine.clientClosed() : machine.targetClosed())
    }

    func drainStarted() {
        perform(machine.drainStarted(now: ProxyExchange.now(), drainTimeout: drainTimeout))
    }

    private func other(_ side: ByteRelayHandler.Side) -> ByteRelayHandler { side == .client ? target : client }

    // MARK: Actions

    private func perform(_ action: UpgradedConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .armTimers(let idle, let lifetime, let drain):
            arm(.idle, at: idle)
            if let lifetime { arm(.lifetime, at: lifetime) }
            if let drain { arm(.drain, at: drain) }
        case .arm(let timer, let deadline):
            arm(timer, at: deadline)
        case .close(let outcome):
            for timer in timers.values { timer.cancel() }
            timers = [:]
            client.flushAndClose()
            target.flushAndClose()
            telemetry.upgradeEnded(routeIndex: routeIndex, outcome: outcome.rawValue)
            exchange?.upgradedConnectionEnded()
            exchange = nil
            retainedSelf = nil
        }
    }

    private func arm(_ timer: UpgradedConnectionStateMachine.Timer, at deadline: Int64) {
        timers[timer]?.cancel()
        timers[timer] = eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(UInt64(max(0, deadline)))) { [weak self] in
            guard let self else { return }
            switch timer {
            case .idle: self.perform(self.machine.idleTimerFired(now: ProxyExchange.now()))
            case .lifetime: self.perform(self.machine.lifetimeTimerFired())
            case .drain: self.perform(self.machine.drainTimerFired())
            }
        }
    }
}
