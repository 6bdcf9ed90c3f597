import Foundation
import HTTP
import Pipeline

/// Keeps a provider's credentials until they are within `refreshWindow` of expiring, then
/// fetches new ones; callers arriving during a refresh wait for that one refresh instead of
/// starting their own (a run's many requests must not stampede STS or IMDS).
///
/// If a refresh fails while the old credentials are still valid, they are used and the next
/// call tries again.
public actor AWSCredentialCache: AWSCredentialProvider {
    public nonisolated let provider: any AWSCredentialProvider
    public nonisolated let refreshWindow: TimeInterval
    private let now: @Sendable () -> Date
    private var cached: AWSCredentials?
    private var refresh: Task<AWSCredentials, any Error>?

    public init(
        _ provider: any AWSCredentialProvider, refreshWindow: TimeInterval = 300,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.provider = provider
        self.refreshWindow = refreshWindow
        self.now = now
    }

    public func credentials() async throws -> AWSCredentials {
        if let cached, !isStale(cached) { return cached }
        let task: Task<AWSCredentials, any Error>
        if let running = refresh {
            task = running
        } else {
            let provider = self.provider
            task = Task { try await provider.credentials() }
            refresh = task
        }
        do {
            let fresh = try await task.value
            if refresh == task {
                cached = fresh
                refresh = nil
            }
            return fresh
        } catch {
            if refresh == task { refresh = nil }
            if let cached, let expiration = cached.expiration, expiration > now() { return cached }
            throw error
        }
    }

    /// Drops the cached credentials, so the next call fetches new ones.
    public func invalidate() { cached = nil }

    private func isStale(_ credentials: AWSCredentials) -> Bool {
        guard let expiration = credentials.expiration else { return false }
        return expiration.timeIntervalSince(now()) < refreshWindow
    }
}
