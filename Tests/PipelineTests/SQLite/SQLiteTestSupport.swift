import Foundation
import Testing

@testable import Pipeline

/// A fresh directory under the system's temporary directory, removed with everything in it
/// when `body` returns or throws.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "/pipeline-sqlite-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// The error `body` throws as an `SQLiteError`, or nil (with an issue) when it throws none or another.
func sqliteError(_ body: () throws -> Void) -> SQLiteError? {
    do {
        try body()
        Issue.record("expected an SQLiteError")
    } catch let error as SQLiteError {
        return error
    } catch {
        Issue.record("expected an SQLiteError, got \(error)")
    }
    return nil
}

/// A point as the store gives it back: tags sorted, duplicates dropped.
func stored(_ point: MetricPoint) -> MetricPoint {
    var copy = point
    copy.tags = Array(Set(point.tags)).sorted()
    return copy
}

extension MetricPoint {
    /// Equality that takes NaN as equal to NaN.
    func same(as other: MetricPoint) -> Bool {
        var a = self
        var b = other
        if a.value.isNaN, b.value.isNaN {
            a.value = 0
            b.value = 0
        }
        return a == b
    }
}
