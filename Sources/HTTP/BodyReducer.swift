import Pipeline

/// Reduces a 2xx body to the request's `keeping` while its bytes arrive, in the request's
/// `bodyFormat`: one interface over `JSONSelectionFilter` and `XMLSelectionFilter`, so the
/// transfer holds one of them without knowing which.
protocol BodyReducer {
    mutating func consume(_ bytes: UnsafeRawBufferPointer)
    /// The kept bytes once every byte was read; throws the first syntax error, as the response
    /// reports it.
    mutating func reduced() throws(HTTPResponse.BodySyntaxError) -> [UInt8]
}

extension JSONSelectionFilter: BodyReducer {
    mutating func reduced() throws(HTTPResponse.BodySyntaxError) -> [UInt8] {
        do throws(JSONParser.SyntaxError) { return try finish() } catch { throw .json(error) }
    }
}

extension XMLSelectionFilter: BodyReducer {
    mutating func reduced() throws(HTTPResponse.BodySyntaxError) -> [UInt8] {
        do throws(XMLSyntaxError) { return try finish() } catch { throw .xml(error) }
    }
}

extension HTTPRequest.BodyFormat {
    /// A reducer of a body in this format to `selection`.
    func reducer(keeping selection: FieldSelection) -> any BodyReducer {
        switch self {
        case .json: JSONSelectionFilter(keeping: selection)
        case .xml: XMLSelectionFilter(keeping: selection)
        }
    }
}
