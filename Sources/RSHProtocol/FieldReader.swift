/// Reads typed fields out of a frame header, turning every wrong type or
/// impossible value into a `bad_request` that names the request when it can.
struct FieldReader {
    let frame: Frame
    var id: Int64?
    /// The members read: the header's, or those of an object inside it (`nested`).
    private let members: [String: JSONValue]
    /// How a member is named in an error: `"rows"`, or `"pty.rows"` inside `pty`.
    private let path: String

    init(_ frame: Frame, id: Int64? = nil) {
        self.frame = frame
        self.id = id
        members = frame.header
        path = ""
    }

    private init(_ outer: FieldReader, object: [String: JSONValue], name: String) {
        frame = outer.frame
        id = outer.id
        members = object
        path = outer.path + name + "."
    }

    private subscript(name: String) -> JSONValue? { members[name] }

    /// A reader of the object `name` holds, or `nil` when it is absent or null.
    func optionalObject(_ name: String) throws(ProtocolError) -> FieldReader? {
        switch self[name] {
        case nil, .null?: return nil
        case .object(let object)?: return FieldReader(self, object: object, name: name)
        default: throw fail("\"\(path)\(name)\" must be an object")
        }
    }

    /// An integer in `range`, or `nil` when absent or null.
    func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(ProtocolError) -> Int64? {
        guard let value = try optionalInteger(name) else { return nil }
        guard range.contains(value) else { throw fail("\"\(path)\(name)\" must be in \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    func requiredInteger(_ name: String, in range: ClosedRange<Int64>) throws(ProtocolError) -> Int64 {
        guard let value = try optionalInteger(name, in: range) else { throw fail("missing integer \"\(path)\(name)\"") }
        return value
    }

    func fail(_ message: String) -> ProtocolError {
        ProtocolError(.badRequest, "\(frame.type): \(message)", id: id)
    }

    func requiredInteger(_ name: String) throws(ProtocolError) -> Int64 {
        guard let value = try optionalInteger(name) else { throw fail("missing integer \"\(path)\(name)\"") }
        return value
    }

    func optionalInteger(_ name: String) throws(ProtocolError) -> Int64? {
        switch self[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw fail("\"\(path)\(name)\" must be an integer")
        }
    }

    func requiredString(_ name: String) throws(ProtocolError) -> String {
        guard let value = try optionalString(name) else { throw fail("missing string \"\(path)\(name)\"") }
        return value
    }

    func optionalString(_ name: String) throws(ProtocolError) -> String? {
        switch self[name] {
        case nil, .null?: return nil
        case .string(let value)?:
            guard !value.utf8.contains(0) else { throw fail("\"\(path)\(name)\" contains a NUL byte") }
            return value
        default: throw fail("\"\(path)\(name)\" must be a string")
        }
    }

    func optionalBool(_ name: String) throws(ProtocolError) -> Bool? {
        switch self[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw fail("\"\(path)\(name)\" must be true or false")
        }
    }

    func optionalStringArray(_ name: String) throws(ProtocolError) -> [String]? {
        switch self[name] {
        case nil, .null?: return nil
        case .array(let elements)?:
            var strings: [String] = []
            for element in elements {
                guard case .string(let text) = element, !text.utf8.contains(0) else {
                    throw fail("\"\(path)\(name)\" must be an array of strings without NUL bytes")
                }
                strings.append(text)
            }
            return strings
        default: throw fail("\"\(path)\(name)\" must be an array of strings")
        }
    }

    func optionalStringMap(_ name: String) throws(ProtocolError) -> [String: String]? {
        switch self[name] {
        case nil, .null?: return nil
        case .object(let members)?:
            var map: [String: String] = [:]
            for (key, value) in members {
                // A name is a string like any other (section 3: no NUL), and
                // it becomes part of a C string too ("NAME=VALUE").
                guard !key.utf8.contains(0) else { throw fail("\"\(path)\(name)\" names must not contain NUL bytes") }
                guard case .string(let text) = value, !text.utf8.contains(0) else {
                    throw fail("\"\(path)\(name)\" values must be strings without NUL bytes")
                }
                map[key] = text
            }
            return map
        default: throw fail("\"\(path)\(name)\" must be an object of strings")
        }
    }

    /// A byte string written as `count` bytes of lower- or upper-case hex (a SHA-256).
    func requiredBytes(_ name: String, count: Int) throws(ProtocolError) -> [UInt8] {
        let text = try requiredString(name)
        guard let bytes = Hex.decode(text), bytes.count == count else {
            throw fail("\"\(path)\(name)\" must be \(count) bytes in hex")
        }
        return bytes
    }

    func requireEmptyBody() throws(ProtocolError) {
        guard frame.body.isEmpty else { throw fail("carries no body, but total_size is \(frame.body.count)") }
    }
}
