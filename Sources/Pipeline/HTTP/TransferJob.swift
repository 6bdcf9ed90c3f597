import Synchronization

/// What the curl thread needs to run one attempt, besides the request itself.
struct TransferOptions: Sendable {
    var userAgent: String
    var connectTimeout: Duration
    var timeout: Duration
    var maxResponseBytes: Int
}

/// One attempt handed from a task to the curl thread, and the way back: the continuation is
/// resumed exactly once, by whoever moves the state to `.finished` first (completion on the
/// curl thread, cancellation, or refusal at shutdown).
final class TransferJob: Sendable {
    let id: UInt64
    let request: HTTPRequest
    let options: TransferOptions

    private enum State {
        case created
        case cancelledBeforeStart
        case waiting(CheckedContinuation<HTTPResponse, any Error>)
        case finished
    }

    private let state = Mutex(State.created)

    init(id: UInt64, request: HTTPRequest, options: TransferOptions) {
        self.id = id
        self.request = request
        self.options = options
    }

    /// Parks `continuation` and calls `submit` (which queues the job for the curl thread) while
    /// holding the job's lock, so a cancellation that sees `.waiting` always finds the job queued.
    /// `submit` returns an error if the job cannot be queued (the client is shut down).
    func start(_ continuation: CheckedContinuation<HTTPResponse, any Error>, submit: () -> (any Error)?) {
        let refusal: (any Error)? = state.withLock { state in
            guard case .created = state else {
                state = .finished
                return CancellationError()
            }
            if let error = submit() {
                state = .finished
                return error
            }
            state = .waiting(continuation)
            return nil
        }
        if let refusal { continuation.resume(throwing: refusal) }
    }

    /// Records a cancellation; returns true if the job is with the curl thread and must be
    /// removed there (which then resumes the continuation).
    func cancel() -> Bool {
        state.withLock { state in
            switch state {
            case .created:
                state = .cancelledBeforeStart
                return false
            case .waiting: return true
            case .cancelledBeforeStart, .finished: return false
            }
        }
    }

    /// Resumes the waiting task with the attempt's result (no-op if already finished).
    func complete(_ result: Result<HTTPResponse, any Error>) {
        let continuation: CheckedContinuation<HTTPResponse, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .finished
            return continuation
        }
        continuation?.resume(with: result)
    }
}
