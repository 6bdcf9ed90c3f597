/// GitHub's page-based pagination: `per_page` (default 30, at most 100 for lists) and `page`
/// (from 1), and a `Link` header with `prev`, `next`, `last` and `first` relations, each only
/// when it applies, absent when everything fits on one page.
struct Pagination {
    var page: Int
    var perPage: Int

    init(query: [String: String], defaultPerPage: Int = 30, maxPerPage: Int = 100) {
        let requested = query["per_page"].flatMap { Int($0) } ?? defaultPerPage
        perPage = min(requested >= 1 ? requested : defaultPerPage, maxPerPage)
        page = max(1, query["page"].flatMap { Int($0) } ?? 1)
    }

    /// The index range of this page within `count` reachable items (empty past the end).
    func range(reachable count: Int) -> Range<Int> {
        let start = min((page - 1) * perPage, count)
        return start..<min(start + perPage, count)
    }

    func lastPage(reachable count: Int) -> Int { max(1, (count + perPage - 1) / perPage) }

    /// The `Link` header for this page, or nil on a lone page. URLs are absolute, on `base`, and
    /// keep the request's other parameters in their order, with `page` moved to the end.
    func linkHeader(base: String, path: String, rawQuery: String, reachable count: Int) -> String? {
        let last = lastPage(reachable: count)
        guard last > 1 || page > 1 else { return nil }
        let kept = rawQuery.split(separator: "&").filter { pair in
            let name = pair.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return name != "page" && !name.isEmpty
        }
        func url(_ target: Int) -> String {
            let query = (kept.map(String.init) + ["page=\(target)"]).joined(separator: "&")
            return "<\(base)\(path)?\(query)>"
        }
        var links: [String] = []
        if page > 1 { links.append("\(url(min(page - 1, last))); rel=\"prev\"") }
        if page < last {
            links.append("\(url(page + 1)); rel=\"next\"")
            links.append("\(url(last)); rel=\"last\"")
        }
        if page > 1 { links.append("\(url(1)); rel=\"first\"") }
        return links.joined(separator: ", ")
    }
}
