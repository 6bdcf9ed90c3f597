import Glibc

/// Serves the requests of one accepted socket in order (HTTP/1.1 keep-alive, no pipelining
/// concurrency: one request at a time, as HTTP/1.1 requires).
struct Connection {
    let fd: Int32
    let core: ServerCore

    func serve() {
        var buffer: [UInt8] = []
        var sentContinue = false
        while !core.isStopped {
            switch RequestParser.parse(buffer) {
            case .needMore(let expectsContinue):
                if expectsContinue && !sentContinue {
                    sentContinue = true
                    guard Socket.sendAll(fd, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return }
                }
                guard Socket.receive(fd, into: &buffer) else { return }
            case .invalid(let status):
                let response = LoopbackResponse(status: status, body: Array("bad request\n".utf8))
                _ = Socket.sendAll(fd, ResponseWriter.encode(response, close: true))
                return
            case .request(let head, let keepAlive, let consumed):
                buffer.removeFirst(consumed)
                sentContinue = false
                guard answer(head, keepAlive: keepAlive) else { return }
            }
        }
    }

    /// Runs the handler and writes its response; false when the connection must close.
    private func answer(_ head: HTTPRequestHead, keepAlive: Bool) -> Bool {
        core.requestStarted()
        let response = core.handler(head)
        sleep(response.delay)
        // Counted before the bytes leave, so a client that got its answer always sees it counted.
        core.requestFinished()
        if response.dropConnection || core.isStopped { return false }
        let close = !keepAlive || response.header("connection")?.lowercased() == "close"
        guard Socket.sendAll(fd, ResponseWriter.encode(response, close: close)) else { return false }
        return !close
    }

    /// Sleeps in short slices so that `stop()` is not held up by a long delay.
    private func sleep(_ delay: Duration) {
        let (seconds, attoseconds) = delay.components
        var remainingMicros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        while remainingMicros > 0 && !core.isStopped {
            let slice = min(remainingMicros, 20_000)
            usleep(UInt32(slice))
            remainingMicros -= slice
        }
    }
}
