import Foundation
import Glibc
import Synchronization

/// A one-purpose HTTP server on 127.0.0.1 for what `LoopbackServer` cannot do: answers written
/// byte by byte by the test (a `Content-Length` and then nothing, a chunked body of any size).
///
/// Each connection reads one request head, then runs `script` with a writer; the connection stays
/// open until the script returns and the client closes, or `stop()`.
final class ScriptedServer: Sendable {
    /// Writes to the connection; false once the client has gone away.
    struct Writer: Sendable {
        let fd: Int32
        let server: ScriptedServer

        @discardableResult
        func write(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return true
        }

        @discardableResult
        func write(_ text: String) -> Bool { write(Array(text.utf8)) }

        /// Sleeps up to `duration`, returning early once the server stops.
        func pause(_ duration: Duration) {
            let end = ContinuousClock.now + duration
            while ContinuousClock.now < end, !server.isStopped { usleep(20_000) }
        }
    }

    private let listener: Int32
    let port: UInt16
    private let state = Mutex((stopped: false, requests: 0, connections: [Int32]()))

    init(script: @escaping @Sendable (Writer) -> Void) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: actual.sin_port)
        let acceptor = Thread { [self] in self.acceptLoop(script) }
        acceptor.start()
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var isStopped: Bool { state.withLock { $0.stopped } }
    /// Request heads read so far.
    var requestCount: Int { state.withLock { $0.requests } }

    func stop() {
        let connections = state.withLock { state -> [Int32] in
            guard !state.stopped else { return [] }
            state.stopped = true
            return state.connections
        }
        shutdown(listener, Int32(SHUT_RDWR))
        for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(_ script: @escaping @Sendable (Writer) -> Void) {
        while !isStopped {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { break }
            state.withLock { $0.connections.append(fd) }
            Thread { [self] in
                if self.readHead(fd) {
                    self.state.withLock { $0.requests += 1 }
                    script(Writer(fd: fd, server: self))
                    // Keep the socket until the client closes it (or the server stops).
                    var byte: UInt8 = 0
                    while !self.isStopped, recv(fd, &byte, 1, 0) > 0 {}
                }
                close(fd)
            }.start()
        }
        close(listener)
    }

    /// Reads up to the end of the request head; false if the client went away first.
    private func readHead(_ fd: Int32) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !received.contains(subsequence: [13, 10, 13, 10]) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            received += buffer[..<count]
        }
        return true
    }
}

extension Array where Element == UInt8 {
    fileprivate func contains(subsequence: [UInt8]) -> Bool {
        guard count >= subsequence.count else { return false }
        for start in 0...(count - subsequence.count) where self[start..<start + subsequence.count].elementsEqual(subsequence) {
            return true
        }
        return false
    }
}
