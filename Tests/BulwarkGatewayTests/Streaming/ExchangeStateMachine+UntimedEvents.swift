@testable import BulwarkGateway
import NIOCore

/// The response events as the machine's tests used them before streaming responses needed the time of
/// each one. They report `now` 0, which only a streaming response (`text/event-stream`, or a route with
/// `streaming: true`) reads; the tests that call them use neither. Tests of streaming pass `now`.
extension ExchangeStateMachine {
    mutating func upstreamBodyReceived(_ part: ByteBuffer) -> Action {
        upstreamBodyReceived(part, now: 0)
    }

    mutating func upstreamReadCompleted() -> Action {
        upstreamReadCompleted(now: 0)
    }
}
