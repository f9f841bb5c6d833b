import NIOCore
import NIOHTTP1

/// What ``ClientConnectionStateMachine`` asks its handler to do after an event.
enum ClientConnectionAction: Equatable {
    /// Nothing (the event changed no I/O, or a part was dropped).
    case none

    // Request parts.
    /// A request head: start a new exchange for it.
    case startExchange(HTTPRequestHead)
    /// Hand a body part to the open exchange.
    case forwardBody(ByteBuffer)
    /// Tell the open exchange that its request is complete.
    case forwardEnd
    /// The part waits behind the response in progress (the machine holds it).
    case queued

    // Reads.
    /// Read from the socket.
    case read
    /// Do not read now; the machine remembers that a read is wanted.
    case holdReads

    // Responses.
    /// Write the exchange's response head, with `Connection: close` when `connectionClose`.
    case writeResponseHead(connectionClose: Bool)
    /// Write and flush the response's end; then close (`thenClose`) or hand the queued parts over one
    /// by one (`deliverQueued`: call ``ClientConnectionStateMachine/nextQueuedPart(now:)`` until it
    /// returns `.none`).
    case writeResponseEnd(thenClose: Bool, deliverQueued: Bool)
    /// Answer with the error's status (and `Connection: close`), then close. `cancelExchange`: the open
    /// exchange is abandoned first.
    case answerAndClose(ClientConnectionError, cancelExchange: Bool)
    /// The request body stalled: the exchange answers 408 (or cuts a response already started).
    case failStalledBody
    /// The client's socket takes writes again: tell the exchange.
    case notifyExchangeWritable
    /// The client is gone: abandon the open exchange.
    case cancelExchange

    // Closing.
    /// Flush what was written (a response cut short), then close.
    case flushAndClose
    /// Close now.
    case close

    // Timers: one of each per connection, armed lazily; each comes back as an event when it fires.
    /// Arm the idle timer for `deadline` (monotonic nanoseconds).
    case armIdleTimer(deadline: UInt64)
    /// Arm the body-idle timer for `deadline` (monotonic nanoseconds).
    case armBodyTimer(deadline: UInt64)
}
