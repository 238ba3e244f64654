/// The pseudo-terminal an `exec` asks for (its `pty` object): the child runs
/// with a new terminal as its controlling terminal and as its stdin, stdout
/// and stderr, with this window size set before it starts.
public struct TerminalRequest: Hashable, Sendable {
    /// The child's `TERM`; empty leaves `TERM` unset.
    public var term: String
    public var size: WindowSize

    public init(term: String, size: WindowSize) {
        self.term = term
        self.size = size
    }

    init(_ fields: FieldReader) throws(ProtocolError) {
        term = try fields.requiredString("term")
        size = try WindowSize(fields)
    }

    var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: [("term", JSONValue.string(term))] + size.members))
    }
}
