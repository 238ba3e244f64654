/// The peer broke the protocol: what to tell it, and whether the connection survives.
/// (Errors of our own making are programmer errors and stop at a `precondition`.)
public struct ProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    /// The request it rejects, when it can be named; without one the error ends the connection.
    public var id: Int64?

    public init(_ code: ErrorCode, _ message: String, id: Int64? = nil) {
        self.code = code
        self.message = message
        self.id = id
    }

    /// Whether the connection must close after the error is sent.
    public var isFatal: Bool { id == nil }

    public var description: String { "\(code.rawValue): \(message)" }
}
