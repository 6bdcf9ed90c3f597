import CCurl
import Pipeline
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs every transfer of one `HTTPClient` on one curl multi handle, driven by one dedicated
/// thread (`curl_multi_poll`), so the two-thread Swift cooperative pool never blocks on I/O.
///
/// Tasks hand jobs over through a mutex-protected inbox and wake the thread with
/// `curl_multi_wakeup`, the one multi call libcurl allows from other threads. The multi handle
/// keeps the connection and DNS caches, so connections are reused across requests; finished
/// easy handles are reset and pooled.
final class CurlMultiLoop: Sendable {
    private enum Command {
        case start(TransferJob)
        case cancel(UInt64)
    }

    private struct Inbox {
        var commands: [Command] = []
        var stopping = false
        var thread: pthread_t?
        var nextID: UInt64 = 0
    }

    private let multi: MultiHandle
    private let inbox = Mutex(Inbox())

    init() {
        _ = curlGlobalInit
        guard let raw = curl_multi_init() else { fatalError("curl_multi_init failed (out of memory)") }
        multi = MultiHandle(raw: raw)

        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(
            &thread, nil,
            { context in
                let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context!).takeRetainedValue()
                loop.run()
                return nil
            }, context)
        guard created == 0 else { fatalError("cannot start the HTTP thread: \(String(cString: strerror(created)))") }
        inbox.withLock { $0.thread = thread }
    }

    /// Runs one attempt on the curl thread. Cancelling the task removes the transfer there and
    /// throws `CancellationError` at once.
    func perform(_ request: HTTPRequest, options: TransferOptions) async throws -> HTTPResponse {
        let id = inbox.withLock { inbox in
            inbox.nextID += 1
            return inbox.nextID
        }
        let job = TransferJob(id: id, request: request, options: options)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                job.start(continuation) { send(.start(job)) ? nil : shutDownError(request) }
            }
        } onCancel: {
            if job.cancel() { _ = send(.cancel(job.id)) }
        }
    }

    /// Stops the thread: transfers still running fail with `HTTPError.Kind.shutDown`. Waits for
    /// the thread to exit; safe to call more than once.
    func shutdown() {
        let thread: pthread_t? = inbox.withLock { inbox in
            inbox.stopping = true
            curl_multi_wakeup(multi.raw)
            defer { inbox.thread = nil }
            return inbox.thread
        }
        if let thread, pthread_equal(thread, pthread_self()) == 0 { pthread_join(thread, nil) }
    }

    /// Queues a command and wakes the thread; false once shutdown has begun.
    private func send(_ command: Command) -> Bool {
        inbox.withLock { inbox in
            guard !inbox.stopping else { return false }
            inbox.commands.append(command)
            curl_multi_wakeup(multi.raw)
            return true
        }
    }

    private func shutDownError(_ request: HTTPRequest) -> HTTPError {
        HTTPError(.shutDown, method: request.method, url: request.url, attempts: 0)
    }

    // MARK: - The curl thread

    private func run() {
        let worker = Worker(multi: multi.raw)
        while true {
            let (commands, stopping) = inbox.withLock { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                return (inbox.commands, inbox.stopping)
            }
            for command in commands {
                switch command {
                case .start(let job): stopping ? job.complete(.failure(shutDownError(job.request))) : worker.start(job)
                case .cancel(let id): worker.cancel(id)
                }
            }
            if stopping {
                worker.failAll { self.shutDownError($0.request) }
                break
            }
            worker.performAndCollect()
            var ready: Int32 = 0
            // A paused transfer has bytes waiting already: go round again at once.
            curl_multi_poll(multi.raw, nil, 0, worker.hasPaused ? 0 : 1000, &ready)
        }
        worker.close()
        // `send` refuses commands once `stopping` is set and every `curl_multi_wakeup` happens
        // under the inbox lock, so nothing touches the handle after this.
        inbox.withLock { _ in _ = curl_multi_cleanup(multi.raw) }
    }

    /// State owned by the curl thread alone.
    private final class Worker {
        let multi: UnsafeMutableRawPointer
        var active: [UInt64: CurlTransfer] = [:]
        var byHandle: [UnsafeMutableRawPointer: UInt64] = [:]
        var idleHandles: [UnsafeMutableRawPointer] = []
        static let maxIdleHandles = 16
        let budget = ReceiveBudget()

        var hasPaused: Bool { active.values.contains { $0.isPaused } }

        init(multi: UnsafeMutableRawPointer) { self.multi = multi }

        func start(_ job: TransferJob) {
            guard let easy = idleHandles.popLast() ?? curl_easy_init() else {
                job.complete(
                    .failure(
                        TransferFailure(kind: .transport("curl_easy_init failed (out of memory)"), retryable: false)))
                return
            }
            let transfer = CurlTransfer(job: job, easy: easy, budget: budget)
            if let failure = transfer.configure() {
                recycle(easy)
                job.complete(.failure(failure))
                return
            }
            let added = curl_multi_add_handle(multi, easy)
            guard added == CURLM_OK else {
                recycle(easy)
                let reason = String(cString: curl_multi_strerror(added))
                job.complete(
                    .failure(TransferFailure(kind: .transport("curl_multi_add_handle: \(reason)"), retryable: false)))
                return
            }
            active[job.id] = transfer
            byHandle[easy] = job.id
        }

        func cancel(_ id: UInt64) {
            guard let transfer = remove(id) else { return }
            transfer.job.complete(.failure(CancellationError()))
        }

        /// Drives the transfers (the paused ones first, oldest first) and completes the finished ones.
        func performAndCollect() {
            budget.refill()
            for transfer in active.values.filter(\.isPaused).sorted(by: { $0.job.id < $1.job.id }) {
                transfer.isPaused = false
                // curl may hand the held bytes over within this call; a spent budget pauses it again.
                _ = curl_easy_pause(transfer.easy, CURLPAUSE_CONT)
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(multi, &queued) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                    let id = byHandle[easy]
                else { continue }
                let code = message.pointee.data.result
                // Build the result before the handle is reset.
                guard let transfer = active[id] else { continue }
                let result = transfer.result(code)
                _ = remove(id)
                transfer.job.complete(result)
            }
        }

        func failAll(_ error: (TransferJob) -> HTTPError) {
            for id in Array(active.keys) {
                if let transfer = remove(id) { transfer.job.complete(.failure(error(transfer.job))) }
            }
        }

        func close() {
            for easy in idleHandles { curl_easy_cleanup(easy) }
            idleHandles.removeAll()
        }

        private func remove(_ id: UInt64) -> CurlTransfer? {
            guard let transfer = active.removeValue(forKey: id) else { return nil }
            byHandle[transfer.easy] = nil
            curl_multi_remove_handle(multi, transfer.easy)
            recycle(transfer.easy)
            return transfer
        }

        private func recycle(_ easy: UnsafeMutableRawPointer) {
            if idleHandles.count < Self.maxIdleHandles {
                curl_easy_reset(easy)
                idleHandles.append(easy)
            } else {
                curl_easy_cleanup(easy)
            }
        }
    }
}

/// The multi handle, shareable because other threads only call `curl_multi_wakeup` on it
/// (documented as thread-safe) and only under the inbox lock, before cleanup.
private struct MultiHandle: @unchecked Sendable {
    let raw: UnsafeMutableRawPointer
}

/// `curl_global_init`, once per process (Swift runs a global's initializer exactly once).
private let curlGlobalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
