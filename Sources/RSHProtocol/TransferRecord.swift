/// What a log line says about one file request.
public struct TransferRecord: Hashable, Sendable {
    public var id: Int64
    public var request: FileRequest
    /// File content moved: the bytes uploaded or downloaded so far.
    public var bytes: Int64
    /// Why it failed (an error code and message, or the connection's end); `nil` when it succeeded.
    public var failure: String?

    public init(id: Int64, request: FileRequest, bytes: Int64, failure: String? = nil) {
        self.id = id
        self.request = request
        self.bytes = bytes
        self.failure = failure
    }
}
