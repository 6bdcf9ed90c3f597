/// A small real-socket HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection,
/// keep-alive, and counters that let tests assert how a client behaved (how many requests, how
/// many at once).
///
/// It starts serving in `init` and stops on `stop()` or when the last reference goes away.
public final class LoopbackServer: Sendable {
    private let core: ServerCore

    /// Binds an ephemeral port on 127.0.0.1 and starts serving.
    public convenience init(handler: @escaping @Sendable (HTTPRequestHead) -> LoopbackResponse) throws {
        try self.init(port: 0, handler: handler)
    }

    /// Binds a fixed port on 127.0.0.1 (0 = ephemeral) and starts serving.
    public init(port: UInt16, handler: @escaping @Sendable (HTTPRequestHead) -> LoopbackResponse) throws {
        let (fd, actualPort) = try Socket.listen(port: port)
        core = ServerCore(listenFD: fd, port: actualPort, handler: handler)
        core.start()
    }

    deinit { core.stop() }

    public var port: UInt16 { core.port }

    /// "http://127.0.0.1:PORT", no trailing slash.
    public var baseURL: String { "http://127.0.0.1:\(core.port)" }

    /// Requests answered or dropped so far.
    public var requestCount: Int { core.state.withLock { $0.requestCount } }

    /// The highest number of requests handled at the same time (a measure of client concurrency).
    public var maxInFlight: Int { core.state.withLock { $0.maxInFlight } }

    /// TCP connections accepted so far (lets tests see whether a client reuses connections).
    public var connectionCount: Int { core.state.withLock { $0.connectionsAccepted } }

    /// Closes the listener and every connection, then waits for the server threads. Idempotent.
    public func stop() { core.stop() }
}
