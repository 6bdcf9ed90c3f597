import Pipeline

/// An error a retry `sleep` throws to refuse a wait (a caller's time budget is spent), which
/// the HTTP client completes with why it wanted to retry: the user then reads what kept failing
/// ("connection refused"), not only that retrying stopped.
public protocol RetryRefusal: Error {
    /// The same refusal, knowing the failure that asked for the retry.
    func after(_ lastFailure: String) -> any Error
}
