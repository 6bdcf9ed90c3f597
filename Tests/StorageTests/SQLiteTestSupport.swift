import Foundation
import TestKit
import Testing

@testable import Pipeline
@testable import Storage

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
