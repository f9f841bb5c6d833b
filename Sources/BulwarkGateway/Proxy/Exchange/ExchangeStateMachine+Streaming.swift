import NIOCore
import NIOHTTP1

/// Streaming responses: `text/event-stream` ones, and every response of a route with
/// `routes[].streaming: true`. Once such a response's held head is relayed, the whole-request deadline
/// no longer applies; the stream is cut instead when the upstream sends no body bytes for
/// `routes[].stream_idle_timeout`.
///
/// The idle timer is not moved on every chunk: body events record when bytes last came, and when the
/// timer fires the machine either re-arms it at that time plus the idle timeout or cuts the stream.
///
/// ```
/// streaming(heldHead) ─ body / read batch end ─▶ startStreaming(idle deadline) ─▶ streaming
///     streamIdleTimerFired: bytes since? ─ yes ─▶ armStreamIdleTimer(lastBytes + idle)
///                                         └ no ──▶ abortResponse (stream idle timeout)
/// ```
extension ExchangeStateMachine {
    /// The clock of a streaming response whose head was relayed.
    struct ResponseStream: Equatable {
        /// `routes[].stream_idle_timeout`, in nanoseconds.
        let idleTimeout: Int64
        /// When the head was relayed or body bytes last came from the upstream (monotonic nanoseconds).
        var lastBytesAt: Int64

        /// When the stream is cut unless more bytes come.
        var idleDeadline: Int64 { lastBytesAt + idleTimeout }
    }

    /// Whether a response with `head` streams on this route.
    func streams(_ head: HTTPResponseHead) -> Bool {
        guard let policy else { return false }
        return policy.streamsResponses || Self.isEventStream(head)
    }

    /// Starts the stream when the held `head` being relayed at `now` streams; returns its idle deadline,
    /// or nil when the response does not stream.
    mutating func startsStream(_ head: HTTPResponseHead, now: Int64) -> Int64? {
        guard stream == nil, let policy, streams(head) else { return nil }
        let started = ResponseStream(idleTimeout: policy.streamIdleTimeout, lastBytesAt: now)
        stream = started
        return started.idleDeadline
    }

    /// The stream idle timer fired: re-armed when body bytes came since it was armed, otherwise the
    /// stream is cut (the attempt failed: its target sent nothing for the idle timeout).
    mutating func streamIdleTimerFired(now: Int64) -> Action {
        guard case .streaming(let attempt, heldHead: nil) = state, let stream else { return .none }
        if now < stream.idleDeadline { return .armStreamIdleTimer(at: stream.idleDeadline) }
        return abort(AttemptSettlement(attempt: attempt.number, outcome: .failed(.streamIdleTimeout), reusesConnection: false))
    }

    /// Whether `head` says `Content-Type: text/event-stream` (parameters and case aside).
    static func isEventStream(_ head: HTTPResponseHead) -> Bool {
        guard let value = head.headers.first(name: "Content-Type") else { return false }
        let mediaType = value.prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" }
        return mediaType.lowercased() == "text/event-stream"
    }
}
