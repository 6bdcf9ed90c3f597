import Pipeline

/// Builds request URLs from a base, path segments and query items, encoding each piece.
///
///     URLBuilder("https://api.github.com")
///         .path("repos", owner, repo, "pulls")
///         .query("state", "all")
///         .query("per_page", 100)
///         .string   // https://api.github.com/repos/o/r/pulls?state=all&per_page=100
///
/// Path segments and query items are percent-encoded here, so a branch called `a/b` or a search
/// query with spaces cannot change the URL's structure.
public struct URLBuilder: Sendable {
    private var base: String
    private var segments: [String] = []
    private var items: [(String, String)] = []

    /// `base` is used as given (scheme, host and optional path prefix); a trailing `/` is dropped.
    public init(_ base: String) {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// Appends path segments, each percent-encoded (a `/` inside a segment becomes `%2F`).
    public func path(_ segments: String...) -> URLBuilder {
        var copy = self
        copy.segments += segments
        return copy
    }

    /// Appends a query item; a nil value leaves it out, which keeps optional filters tidy.
    public func query(_ name: String, _ value: String?) -> URLBuilder {
        guard let value else { return self }
        var copy = self
        copy.items.append((name, value))
        return copy
    }

    public func query(_ name: String, _ value: Int?) -> URLBuilder { query(name, value.map(String.init)) }

    /// Appends query items in order.
    public func query(_ items: [(String, String)]) -> URLBuilder {
        var copy = self
        copy.items += items
        return copy
    }

    public var string: String {
        var url = base
        for segment in segments { url += "/" + URLQuery.percentEncode(segment) }
        if !items.isEmpty { url += "?" + URLQuery.encode(items) }
        return url
    }
}
