import Pipeline

/// The `stop_when_older` option, for listings ordered newest first: records whose `field` is
/// older than the run's clock minus `than` are dropped, and no page after the first one holding
/// such a record is fetched. A record without the field (or one that is not a time) is kept.
struct HTTPStopWhenOlder: Sendable, Decodable {
    var field: FieldPath
    var than: TimeSpan

    init(from decoder: any Decoder) throws {
        let reader = try OptionReader(decoder)
        let text: String = try reader.required("field")
        guard let field = FieldPath(text) else { throw reader.failure("field", "\"\(text)\" is not a field path") }
        self.field = field
        than = try reader.required("than")
    }

    /// Whether `record`'s time (an ISO 8601 string, or epoch seconds) is before `cutoff`.
    func isOlder(_ record: JSON, cutoff: Double) -> Bool {
        guard let value = field.value(in: record) else { return false }
        let time: Double? =
            switch value {
            case .string(let text): Timestamp.parse(text)
            case .number(let seconds): seconds
            default: nil
            }
        return time.map { $0 < cutoff } ?? false
    }
}

extension HTTPStopWhenOlder: OptionSchemaDescribing {
    static var optionSchema: JSON { OptionSchema.object }
}
