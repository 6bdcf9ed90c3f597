import Foundation

/// Secrets from files under a directory: `github/dashboard-token` is the file
/// `DIR/github/dashboard-token`, as Kubernetes mounts a Secret (`github`) whose key is
/// `dashboard-token` at `DIR/github`. One trailing newline is dropped (files written by
/// `echo` have one; tokens never do).
public struct DirectorySecrets: SecretBackend {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    public var description: String { "the directory \(directory)" }

    public struct Unreadable: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot read the secret file \(path): \(reason)" }
    }

    public func fetch(_ name: String) async throws -> String? {
        // A name cannot climb out of the directory.
        let parts = name.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.isEmpty, !parts.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        let path = ([directory] + parts.map(String.init)).joined(separator: "/")
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Unreadable(path: path, reason: "permission denied or not a regular file")
        }
        guard var text = String(data: data, encoding: .utf8) else {
            throw Unreadable(path: path, reason: "not UTF-8 text")
        }
        if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
        return text
    }
}
