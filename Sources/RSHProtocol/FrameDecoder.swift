/// Turns bytes into frames, with no I/O (the "sans-IO" shape of h11): feed it
/// whatever arrived, then ask for frames until it answers `nil` (need more
/// bytes). Every limit is checked before anything is allocated for it.
/// After an error the decoder stays failed; the connection is over.
///
/// A reader can also lend the decoder its read (`fill`, the shape of
/// asyncio's `BufferedProtocol`): then a body longer than one read is read
/// straight into the frame's own body, and its bytes are not copied on their
/// way in (a 1 GiB upload is 1 GiB of 1 MiB bodies).
public struct FrameDecoder {
    public struct Configuration: Sendable {
        public var maxHeaderLength: Int
        public var maxBodySize: Int
        /// Whether a header must carry `type` (v1 frames) or need not (classic replies).
        public var requiresType: Bool
        /// A body at least this long is read in place by `fill`: it spans
        /// several reads. A shorter one mostly arrives in the read that
        /// brings its header, where reading in place would only add a read.
        public var inPlaceBodyMinimum: Int

        public init(maxHeaderLength: Int = Limits.maxHeaderLength, maxBodySize: Int = Limits.maxBodySize,
                    requiresType: Bool = true, inPlaceBodyMinimum: Int = Limits.readChunkSize + 1) {
            self.maxHeaderLength = maxHeaderLength
            self.maxBodySize = maxBodySize
            self.requiresType = requiresType
            self.inPlaceBodyMinimum = inPlaceBodyMinimum
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
    /// In `fill`, the body of the frame in `pending`, read in place: its
    /// header is consumed, and `bodyFilled` of its bytes are in.
    private var body: [UInt8]?
    private var bodyFilled = 0
    private var failure: ProtocolError?

    private typealias Header = (type: String, header: [String: JSONValue], headerLength: Int, bodySize: Int)

    public init(_ configuration: Configuration = .v1) {
        self.configuration = configuration
    }

    /// Bytes fed but not yet returned as part of a frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Whether the decoder is between frames: nothing partial is buffered.
    public var isAtFrameBoundary: Bool { bufferedByteCount == 0 && pending == nil && bodyRemaining == nil && body == nil }

    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        if body != nil {
            // A body being read in place takes its bytes first.
            let taken = min(rest.count, body!.count - bodyFilled)
            let start = bodyFilled
            body!.withUnsafeMutableBytes { destination in
                UnsafeMutableRawBufferPointer(rebasing: destination[start..<start + taken])
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[..<taken]))
            }
            bodyFilled += taken
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
        }
        compact()
        buffer.append(contentsOf: rest)
    }

    public mutating func feed(_ bytes: some Collection<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ feed(UnsafeRawBufferPointer($0)) }) != nil { return }
        Array(bytes).withUnsafeBytes { feed($0) }
    }

    /// Lends the read to the decoder. `read` is given the room where its
    /// bytes belong and returns how many it put there (`nil` or 0: none), and
    /// `fill` returns that. The room is the next part of a long body whose
    /// header has arrived (`Configuration.inPlaceBodyMinimum`), else `scratch`, whose bytes
    /// are then fed. Either way it is at most `scratch.count` bytes: with
    /// rooms of up to a MiB, a 1 GiB upload took rshd 3.9-5.3 s here, and
    /// 1.8-2.8 s with rooms of 64 KiB, more system time making the difference.
    /// Ask `next` for frames afterwards; `nextPart` is not for a decoder that
    /// is filled.
    public mutating func fill<Failure: Error>(
        scratch: UnsafeMutableRawBufferPointer, _ read: (UnsafeMutableRawBufferPointer) throws(Failure) -> Int?
    ) throws(Failure) -> Int? {
        if failure == nil, body == nil { startBodyInPlace() }
        guard body != nil else {
            let count = try read(scratch)
            if let count, count > 0 { feed(UnsafeRawBufferPointer(rebasing: scratch[..<count])) }
            return count
        }
        let start = bodyFilled
        let end = min(body!.count, start + scratch.count)
        let count = try body!.withUnsafeMutableBytes { bytes in
            Result { () throws(Failure) -> Int? in try read(UnsafeMutableRawBufferPointer(rebasing: bytes[start..<end])) }
        }.get()
        if let count, count > 0 {
            precondition(count <= body!.count - start, "read more than the room given")
            bodyFilled += count
        }
        return count
    }

    /// When the frame in hand is long and not all here: its header is
    /// consumed, and its body is begun with the bytes already buffered.
    private mutating func startBodyInPlace() {
        guard bodyRemaining == nil, let header = try? decodeHeaderIfComplete(),
              header.bodySize >= configuration.inPlaceBodyMinimum else { return }
        let bodyStart = readIndex + 4 + header.headerLength
        let buffered = buffer.count - bodyStart
        guard buffered < header.bodySize else { return }  // complete: `next` takes it as it is
        var started = [UInt8](repeating: 0, count: header.bodySize)
        started.withUnsafeMutableBytes { destination in
            buffer.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[bodyStart...]))
            }
        }
        body = started
        bodyFilled = buffered
        readIndex = buffer.count
        compact()
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
        body = nil
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
        precondition(body == nil, "a decoder that is filled gives whole frames")
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
        if let inPlace = body {
            guard bodyFilled == inPlace.count, let header = pending else { return nil }
            body = nil
            pending = nil
            return Frame(type: header.type, header: header.header, body: inPlace)
        }
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
