import Foundation

/// A commit on the default branch with what GET /commits/{sha} reports about it.
///
/// `authorLogin == nil` models a commit whose git author email is not linked to any GitHub
/// account (the API's `author` is `null`); metrics then identify the author by email.
public struct FakeCommit: Sendable, Equatable {
    public var sha: String
    public var message: String
    public var authorLogin: String?
    public var authorName: String
    public var authorEmail: String
    public var authoredAt: Date
    public var committerLogin: String?
    public var committerName: String
    public var committerEmail: String
    /// The commit date: what `since`/`until` filter on and what the window is applied to.
    public var committedAt: Date
    public var additions: Int
    public var deletions: Int
    /// Paths of the changed files, in the order the API lists them.
    public var files: [String]
    /// Parent SHAs; two for a merge commit.
    public var parents: [String]

    public init(
        sha: String, message: String, authorLogin: String?, authorName: String, authorEmail: String,
        authoredAt: Date, committerLogin: String? = "web-flow", committerName: String = "GitHub",
        committerEmail: String = "noreply@github.com", committedAt: Date, additions: Int, deletions: Int,
        files: [String], parents: [String]
    ) {
        self.sha = sha
        self.message = message
        self.authorLogin = authorLogin
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.authoredAt = authoredAt
        self.committerLogin = committerLogin
        self.committerName = committerName
        self.committerEmail = committerEmail
        self.committedAt = committedAt
        self.additions = additions
        self.deletions = deletions
        self.files = files
        self.parents = parents
    }

    public var isMerge: Bool { parents.count > 1 }

    /// The metric's author identity: the linked login, else the git email lower-cased.
    public var authorIdentity: String { authorLogin ?? authorEmail.lowercased() }
}
