/// A branch of the repository: a name pointing at a commit.
public struct FakeBranch: Sendable, Equatable {
    public var name: String
    public var sha: String
    public var protected: Bool

    public init(name: String, sha: String, protected: Bool = false) {
        self.name = name
        self.sha = sha
        self.protected = protected
    }
}
