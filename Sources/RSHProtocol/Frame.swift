/// One frame: a JSON header object and the body it announces.
///
/// On the wire: 4 bytes of header length (unsigned, little-endian), the header
/// as UTF-8 JSON, then exactly `total_size` bytes of body.
public struct Frame: Hashable, Sendable {
    /// The header's `type`. Empty for classic replies, whose headers have none.
    public var type: String
    /// Every header member, `type` and `total_size` included.
    public var header: [String: JSONValue]
    public var body: [UInt8]

    public init(type: String, header: [String: JSONValue], body: [UInt8]) {
        self.type = type
        self.header = header
        self.body = body
    }

    public subscript(field: String) -> JSONValue? { header[field] }
}
