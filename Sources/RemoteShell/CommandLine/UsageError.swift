/// A bad command line: what to print before the usage hint.
public struct UsageError: Error, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
}
