/// Reads typed fields out of a frame header, turning every wrong type or
/// impossible value into a `bad_request` that names the request when it can.
struct FieldReader {
    let frame: Frame
    var id: Int64?

    init(_ frame: Frame, id: Int64? = nil) {
        self.frame = frame
        self.id = id
    }

    func fail(_ message: String) -> ProtocolError {
        ProtocolError(.badRequest, "\(frame.type): \(message)", id: id)
    }

    func requiredInteger(_ name: String) throws(ProtocolError) -> Int64 {
        guard let value = try optionalInteger(name) else { throw fail("missing integer \"\(name)\"") }
        return value
    }

    func optionalInteger(_ name: String) throws(ProtocolError) -> Int64? {
        switch frame[name] {
        case nil, .null?: return nil
        case .integer(let value)?: return value
        default: throw fail("\"\(name)\" must be an integer")
        }
    }

    func requiredString(_ name: String) throws(ProtocolError) -> String {
        guard let value = try optionalString(name) else { throw fail("missing string \"\(name)\"") }
        return value
    }

    func optionalString(_ name: String) throws(ProtocolError) -> String? {
        switch frame[name] {
        case nil, .null?: return nil
        case .string(let value)?:
            guard !value.utf8.contains(0) else { throw fail("\"\(name)\" contains a NUL byte") }
            return value
        default: throw fail("\"\(name)\" must be a string")
        }
    }

    func optionalBool(_ name: String) throws(ProtocolError) -> Bool? {
        switch frame[name] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw fail("\"\(name)\" must be true or false")
        }
    }

    func optionalStringArray(_ name: String) throws(ProtocolError) -> [String]? {
        switch frame[name] {
        case nil, .null?: return nil
        case .array(let elements)?:
            var strings: [String] = []
            for element in elements {
                guard case .string(let text) = element, !text.utf8.contains(0) else {
                    throw fail("\"\(name)\" must be an array of strings without NUL bytes")
                }
                strings.append(text)
            }
            return strings
        default: throw fail("\"\(name)\" must be an array of strings")
        }
    }

    func optionalStringMap(_ name: String) throws(ProtocolError) -> [String: String]? {
        switch frame[name] {
        case nil, .null?: return nil
        case .object(let members)?:
            var map: [String: String] = [:]
            for (key, value) in members {
                // A name is a string like any other (section 3: no NUL), and
                // it becomes part of a C string too ("NAME=VALUE").
                guard !key.utf8.contains(0) else { throw fail("\"\(name)\" names must not contain NUL bytes") }
                guard case .string(let text) = value, !text.utf8.contains(0) else {
                    throw fail("\"\(name)\" values must be strings without NUL bytes")
                }
                map[key] = text
            }
            return map
        default: throw fail("\"\(name)\" must be an object of strings")
        }
    }

    func requireEmptyBody() throws(ProtocolError) {
        guard frame.body.isEmpty else { throw fail("carries no body, but total_size is \(frame.body.count)") }
    }
}
