import Pipeline
import Synchronization

/// What the curl thread needs to run one attempt, besides the request itself.
struct TransferOptions: Sendable {
    var userAgent: String
    var connectTimeout: Duration
    var timeout: Duration
    var maxResponseBytes: Int
}

/// One attempt handed from a task to the curl thread, and the way back: the continuation is
/// resumed exactly once, by whoever moves the `AttemptState` to finished first (completion on
/// the curl thread, cancellation, or refusal at shutdown).
final class TransferJob: Sendable {
    let id: UInt64
    let request: HTTPRequest
    let options: TransferOptions

    private let state = Mutex(AttemptState<CheckedContinuation<HTTPResponse, any Error>>())

    init(id: UInt64, request: HTTPRequest, options: TransferOptions) {
        self.id = id
        self.request = request
        self.options = options
    }

    /// Parks `continuation` and calls `submit` (which queues the job for the curl thread) while
    /// holding the job's lock, so a cancellation that sees the job waiting always finds it queued.
    /// `submit` returns an error if the job cannot be queued (the client is shut down).
    func start(_ continuation: CheckedContinuation<HTTPResponse, any Error>, submit: () -> (any Error)?) {
        let refusal: (any Error)? = state.withLock { state in
            guard state.begin() else { return CancellationError() }
            if let error = submit() {
                state.refuse()
                return error
            }
            state.park(continuation)
            return nil
        }
        if let refusal { continuation.resume(throwing: refusal) }
    }

    /// Records a cancellation; returns true if the job is with the curl thread and must be
    /// removed there (which then resumes the continuation).
    func cancel() -> Bool { state.withLock { $0.cancel() } }

    /// Resumes the waiting task with the attempt's result (no-op if already finished).
    func complete(_ result: Result<HTTPResponse, any Error>) {
        state.withLock { $0.finish() }?.resume(with: result)
    }
}

/// The life of one attempt, apart from its continuation's type, so every transition and race
/// is tested with plain values: created → waiting (parked, with the curl thread) → finished, or
/// created → cancelled before it started, or created → finished when it cannot be queued.
struct AttemptState<Continuation> {
    private enum Phase {
        case created
        case cancelledBeforeStart
        case waiting(Continuation)
        case finished
    }

    private var phase = Phase.created

    /// Before queueing: false (and finished) when a cancellation came first.
    mutating func begin() -> Bool {
        guard case .created = phase else {
            phase = .finished
            return false
        }
        return true
    }

    /// The job could not be queued: finished without waiting.
    mutating func refuse() { phase = .finished }

    /// Queued: the continuation waits for `finish`.
    mutating func park(_ continuation: Continuation) {
        guard case .created = phase else {
            assertionFailure("park after \(phase)")
            return
        }
        phase = .waiting(continuation)
    }

    /// A cancellation: true when the job is with the curl thread and must be removed there.
    mutating func cancel() -> Bool {
        switch phase {
        case .created:
            phase = .cancelledBeforeStart
            return false
        case .waiting: return true
        case .cancelledBeforeStart, .finished: return false
        }
    }

    /// The continuation to resume, once; nil when the attempt already finished or never waited.
    mutating func finish() -> Continuation? {
        guard case .waiting(let continuation) = phase else { return nil }
        phase = .finished
        return continuation
    }

    var isFinished: Bool {
        if case .finished = phase { return true }
        return false
    }
}
