/// Turns bytes into frames, with no I/O (the "sans-IO" shape of h11): feed it
/// whatever arrived, then ask for frames until it answers `nil` (need more
/// bytes). Every limit is checked before anything is allocated for it.
/// After an error the decoder stays failed; the connection is over.
public struct FrameDecoder {
    public struct Configuration: Sendable {
        public var maxHeaderLength: Int
        public var maxBodySize: Int
        /// Whether a header must carry `type` (v1 frames) or need not (classic replies).
        public var requiresType: Bool

        public init(maxHeaderLength: Int = Limits.maxHeaderLength, maxBodySize: Int = Limits.maxBodySize,
                    requiresType: Bool = true) {
            self.maxHeaderLength = maxHeaderLength
            self.maxBodySize = maxBodySize
            self.requiresType = requiresType
        }

        /// The v1 protocol's limits.
        public static let v1 = Configuration()
    }

    public var configuration: Configuration
    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// A header already decoded, waiting for its body. The frame
    /// is consumed only when it is complete, so `readIndex` stays at its start.
    private var pending: Header?
    /// In `nextPart`, the body bytes of the current frame not yet returned.
    private var bodyRemaining: Int?
    private var failure: ProtocolError?

    private typealias Header = (type: String, header: [String: JSONValue], headerLength: Int, bodySize: Int)

    public init(_ configuration: Configuration = .v1) {
        self.configuration = configuration
    }

    /// Bytes fed but not yet returned as part of a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the decoder is between frames: nothing partial is buffered.
    public var isAtFrameBoundary: Bool { bufferedByteCount == 0 && pending == nil && bodyRemaining == nil }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, `nil` if more bytes are needed, or the protocol error.
    public mutating func next() throws(ProtocolError) -> Frame? {
        if let failure { throw failure }
        do {
            return try decodeNext()
        } catch {
            throw failed(error)
        }
    }

    /// Remembers the error: the connection is over, and so is the decoder.
    private mutating func failed(_ error: ProtocolError) -> ProtocolError {
        failure = error
        buffer = []
        readIndex = 0
        return error
    }

    /// A piece of a frame whose body is passed on as it arrives.
    public enum Part: Hashable, Sendable {
        /// The header, as a frame with an empty body; `bodySize` bytes follow as `.body` parts.
        case header(Frame, bodySize: Int)
        case body([UInt8])
        /// The frame's last body byte has been returned.
        case end
    }

    /// The next part of a frame, `nil` if more bytes are needed, or the
    /// protocol error. Body bytes are returned as soon as they are fed, so
    /// memory stays at one header plus one feed, whatever the body's size
    /// (a classic reply may be gigabytes).
    public mutating func nextPart() throws(ProtocolError) -> Part? {
        if let failure { throw failure }
        if let remaining = bodyRemaining {
            if remaining == 0 {
                bodyRemaining = nil
                return .end
            }
            let count = min(remaining, bufferedByteCount)
            guard count > 0 else { return nil }
            let body = Array(buffer[readIndex..<readIndex + count])
            readIndex += count
            bodyRemaining = remaining - count
            return .body(body)
        }
        do {
            guard let header = try decodeHeaderIfComplete() else { return nil }
            readIndex += 4 + header.headerLength
            pending = nil
            bodyRemaining = header.bodySize
            return .header(Frame(type: header.type, header: header.header, body: []), bodySize: header.bodySize)
        } catch {
            throw failed(error)
        }
    }

    /// The header of the frame at `readIndex` once all of it is buffered (kept in `pending`).
    private mutating func decodeHeaderIfComplete() throws(ProtocolError) -> Header? {
        if pending == nil {
            guard bufferedByteCount >= 4 else { return nil }
            let length = Int(buffer[readIndex]) | Int(buffer[readIndex + 1]) << 8
                | Int(buffer[readIndex + 2]) << 16 | Int(buffer[readIndex + 3]) << 24
            guard length >= 1, length <= configuration.maxHeaderLength else {
                throw ProtocolError(.badFrame, "header length \(length) is outside 1...\(configuration.maxHeaderLength)")
            }
            guard bufferedByteCount >= 4 + length else { return nil }
            let start = readIndex + 4
            let (type, header, bodySize) = try buffer.withUnsafeBytes { raw in
                Result { () throws(ProtocolError) in
                    try decodeHeader(UnsafeRawBufferPointer(rebasing: raw[start..<start + length]))
                }
            }.get()
            pending = (type, header, length, bodySize)
        }
        return pending
    }

    private mutating func decodeNext() throws(ProtocolError) -> Frame? {
        guard let header = try decodeHeaderIfComplete() else { return nil }
        let frameLength = 4 + header.headerLength + header.bodySize
        guard bufferedByteCount >= frameLength else { return nil }
        let bodyStart = readIndex + 4 + header.headerLength
        let body = Array(buffer[bodyStart..<bodyStart + header.bodySize])
        readIndex += frameLength
        pending = nil
        return Frame(type: header.type, header: header.header, body: body)
    }

    private func decodeHeader(_ bytes: UnsafeRawBufferPointer) throws(ProtocolError) -> (String, [String: JSONValue], Int) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw ProtocolError(.badFrame, "header is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        guard case .object(let header) = value else { throw ProtocolError(.badFrame, "header is not a JSON object") }
        let type: String
        switch header["type"] {
        case .string(let name): type = name
        case nil where !configuration.requiresType: type = ""
        default: throw ProtocolError(.badFrame, "header has no string \"type\"")
        }
        guard case .integer(let size) = header["total_size"] else {
            throw ProtocolError(.badFrame, "header has no integer \"total_size\"")
        }
        guard size >= 0, size <= configuration.maxBodySize else {
            throw ProtocolError(.badFrame, "total_size \(size) is outside 0...\(configuration.maxBodySize)")
        }
        return (type, header, Int(size))
    }

    /// Drops consumed bytes, so the buffer never holds more than one partial
    /// frame plus the newest read, and gives memory back when it runs empty.
    private mutating func compact() {
        if readIndex == buffer.count {
            if buffer.capacity > 4 * Limits.readChunkSize { buffer = [] } else { buffer.removeAll(keepingCapacity: true) }
            readIndex = 0
        } else if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
