import Dispatch
import Foundation
import Glibc
import Synchronization

/// The shared state of one server, owned by its threads.
///
/// Kept apart from `LoopbackServer` so the threads do not retain the public object: dropping the
/// last reference to the server runs its `deinit`, which stops everything.
final class ServerCore: Sendable {
    struct State {
        var stopped = false
        var listenerClosed = false
        var connections: Set<Int32> = []
        var connectionsAccepted = 0
        var requestCount = 0
        var inFlight = 0
        var maxInFlight = 0
    }

    let listenFD: Int32
    let port: UInt16
    let handler: @Sendable (HTTPRequestHead) -> LoopbackResponse
    let state = Mutex(State())
    /// Every server thread (acceptor and connections) is in this group until it exits; `stop()`
    /// waits on it.
    let threads = DispatchGroup()

    init(listenFD: Int32, port: UInt16, handler: @escaping @Sendable (HTTPRequestHead) -> LoopbackResponse) {
        self.listenFD = listenFD
        self.port = port
        self.handler = handler
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    func start() {
        spawn(name: "loopback-accept-\(port)") { [self] in acceptLoop() }
    }

    /// Wakes every blocked `accept` and `recv`, then waits (bounded) for the threads to finish.
    func stop() {
        // Shut down under the lock: a descriptor is only closed (and its number reused) after
        // its owner removed it from the state, so we never touch somebody else's descriptor.
        let first = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.stopped = true
            // On Linux, shutdown of a listening socket makes a blocked accept() fail with EINVAL.
            if !state.listenerClosed { shutdown(listenFD, Int32(SHUT_RDWR)) }
            for fd in state.connections { shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        // A stop() from one of our own threads (a handler) must not wait for itself.
        if Thread.current.name?.hasPrefix("loopback-") != true {
            _ = threads.wait(timeout: .now() + 5)
        }
    }

    private func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        threads.enter()
        let thread = Thread { [threads] in
            body()
            threads.leave()
        }
        thread.name = name
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if isStopped { break }
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    usleep(10_000)  // out of resources: back off instead of spinning
                    continue
                default: break
                }
                break
            }
            let registered = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(fd)
                state.connectionsAccepted += 1
                return true
            }
            guard registered else {
                close(fd)
                break
            }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // accept4 is not imported without _GNU_SOURCE
            Socket.setNoDelay(fd)
            spawn(name: "loopback-conn-\(port)-\(fd)") { [self] in
                Connection(fd: fd, core: self).serve()
                state.withLock { _ = $0.connections.remove(fd) }
                close(fd)
            }
        }
        state.withLock { state in
            state.listenerClosed = true
            close(listenFD)
        }
    }

    // MARK: Counters, updated by connections.

    func requestStarted() {
        state.withLock { state in
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
        }
    }

    func requestFinished() {
        state.withLock { state in
            state.inFlight -= 1
            state.requestCount += 1
        }
    }
}
