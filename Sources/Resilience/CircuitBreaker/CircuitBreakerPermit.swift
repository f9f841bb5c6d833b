/// Permission to make one call through a ``CircuitBreaker``, for callers that cannot wrap the call in a
/// closure (a proxy, a callback API). Report how the call ended exactly once.
///
/// ```swift
/// let permit = try breaker.acquire()          // throws CircuitBreakerOpenError when rejected
/// do {
///     let response = try await upstream.send(request)
///     response.status >= 500 ? permit.failed() : permit.succeeded()
/// } catch {
///     permit.failed(error)
/// }
/// ```
public struct CircuitBreakerPermit: Sendable {
    let breaker: CircuitBreaker
    /// Which state admitted the call and when it started.
    public let ticket: CircuitBreaker.Ticket

    /// The call succeeded.
    public func succeeded() { breaker.finish(.succeeded, ticket: ticket) }

    /// The call failed (e.g. a 503 response, which is not an error to the caller).
    public func failed() { breaker.finish(.failed, ticket: ticket) }

    /// The call returned `value`: a success, unless ``CircuitBreakerConfiguration/isFailureResult`` says otherwise.
    public func succeeded<T: Sendable>(returning value: T) {
        breaker.succeeded(ticket, returning: value)
    }

    /// The call threw `error`: the breaker's ``CircuitBreakerConfiguration/isIgnored`` and
    /// ``CircuitBreakerConfiguration/isFailure`` predicates classify it.
    public func failed(_ error: any Error) {
        breaker.finish(breaker.classify(error), ticket: ticket)
    }

    /// The call ended in a way that says nothing about the dependency (e.g. the client went away):
    /// it is not recorded, and a half-open trial slot is freed.
    public func ignored() { breaker.finish(.ignored, ticket: ticket) }
}
