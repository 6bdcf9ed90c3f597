import Foundation

/// A pull request as the metrics see it: its state is derived from `closedAt`, merged ones carry
/// `mergedAt` (and then `closedAt` equals it, as on GitHub).
public struct FakePullRequest: Sendable, Equatable {
    public var number: Int
    public var title: String
    public var authorLogin: String
    public var draft: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var closedAt: Date?
    public var mergedAt: Date?
    public var headRef: String
    public var baseRef: String
    public var headSHA: String

    public init(
        number: Int, title: String, authorLogin: String, draft: Bool = false, createdAt: Date,
        updatedAt: Date, closedAt: Date? = nil, mergedAt: Date? = nil, headRef: String, baseRef: String,
        headSHA: String
    ) {
        self.number = number
        self.title = title
        self.authorLogin = authorLogin
        self.draft = draft
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.closedAt = closedAt
        self.mergedAt = mergedAt
        self.headRef = headRef
        self.baseRef = baseRef
        self.headSHA = headSHA
    }

    /// "open" or "closed", as GitHub's `state` field.
    public var state: String { closedAt == nil ? "open" : "closed" }
    public var isOpen: Bool { closedAt == nil }
}
