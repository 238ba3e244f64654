/// Encodes frames. Members are written in the order given, after `type` and
/// before `total_size`, so encoding is deterministic.
public enum FrameEncoder {
    /// Appends one frame to `output`.
    public static func append(type: String?, _ members: [(String, JSONValue)], body: UnsafeRawBufferPointer,
                              to output: inout [UInt8]) {
        precondition(body.count <= Int(UInt32.max), "frame body too large")
        let lengthOffset = output.count
        output.append(contentsOf: [0, 0, 0, 0])
        var all: [(String, JSONValue)] = []
        all.reserveCapacity(members.count + 2)
        if let type { all.append(("type", .string(type))) }
        all.append(contentsOf: members)
        all.append(("total_size", .integer(Int64(body.count))))
        JSONWriter.appendObject(all, to: &output)
        let headerLength = output.count - lengthOffset - 4
        precondition(headerLength <= Limits.maxHeaderLength, "frame header of \(headerLength) bytes exceeds the limit")
        withUnsafeBytes(of: UInt32(headerLength).littleEndian) { raw in
            for index in 0..<4 { output[lengthOffset + index] = raw[index] }
        }
        output.append(contentsOf: body)
    }

    public static func append(type: String?, _ members: [(String, JSONValue)], body: [UInt8] = [],
                              to output: inout [UInt8]) {
        body.withUnsafeBytes { append(type: type, members, body: $0, to: &output) }
    }

    public static func encode(type: String?, _ members: [(String, JSONValue)], body: [UInt8] = []) -> [UInt8] {
        var output: [UInt8] = []
        append(type: type, members, body: body, to: &output)
        return output
    }
}
