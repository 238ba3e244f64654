import RSHProtocol
import Testing

/// Feeds `bytes` in the given chunk sizes and collects every frame.
func decodeAll(_ bytes: [UInt8], chunks: [Int]? = nil, decoder: inout FrameDecoder) throws(ProtocolError) -> [Frame] {
    var frames: [Frame] = []
    var offset = 0
    for size in chunks ?? [bytes.count] {
        decoder.feed(bytes[offset..<min(bytes.count, offset + size)])
        offset += size
        while let frame = try decoder.next() { frames.append(frame) }
    }
    precondition(offset >= bytes.count, "chunks do not cover the input")
    return frames
}

func randomChunks(total: Int, using generator: inout SeededGenerator) -> [Int] {
    var chunks: [Int] = []
    var remaining = total
    while remaining > 0 {
        let size = Int.random(in: 1...max(1, min(remaining, max(97, total / 64))), using: &generator)
        chunks.append(size)
        remaining -= size
    }
    return chunks
}

@Suite("Frame vectors: valid frames")
struct ValidFrameVectorTests {
    @Test("decodes whole", arguments: VectorFiles.valid)
    func whole(_ vector: ValidVector) throws {
        var decoder = FrameDecoder()
        let frames = try decodeAll(vector.bytes, decoder: &decoder)
        #expect(frames.count == 1)
        #expect(frames.first?.header == vector.expectedHeader)
        #expect(frames.first?.body == vector.expectedBody)
        #expect(decoder.isAtFrameBoundary)
    }

    @Test("decodes one byte at a time, completing only at the last byte", arguments: VectorFiles.valid.filter { $0.bytes.count < 100_000 })
    func byteByByte(_ vector: ValidVector) throws {
        var decoder = FrameDecoder()
        let bytes = vector.bytes
        for (index, byte) in bytes.enumerated() {
            decoder.feed(CollectionOfOne(byte))
            let frame = try decoder.next()
            if index < bytes.count - 1 {
                #expect(frame == nil, "frame completed early, at byte \(index)")
            } else {
                #expect(frame?.header == vector.expectedHeader)
                #expect(frame?.body == vector.expectedBody)
            }
        }
    }

    @Test("decodes at random split points", arguments: VectorFiles.valid)
    func randomSplits(_ vector: ValidVector) throws {
        var generator = SeededGenerator(seed: UInt64(vector.name.utf8.count))
        // Debug builds copy bytes slowly; the two boundary vectors (64 KiB, 1 MiB) get fewer rounds.
        for _ in 0..<(vector.bytes.count > 50_000 ? 3 : 20) {
            var decoder = FrameDecoder()
            let frames = try decodeAll(vector.bytes, chunks: randomChunks(total: vector.bytes.count, using: &generator), decoder: &decoder)
            #expect(frames.map(\.header) == [vector.expectedHeader])
            #expect(frames.first?.body == vector.expectedBody)
        }
    }

    @Test("leaves trailing bytes of the next frame buffered", arguments: VectorFiles.valid)
    func trailingBytes(_ vector: ValidVector) throws {
        let next = VectorFiles.valid[0].bytes
        for extra in [1, 3, 4, 5, next.count - 1] {
            var decoder = FrameDecoder()
            let frames = try decodeAll(vector.bytes + next.prefix(extra), decoder: &decoder)
            #expect(frames.count == 1)
            #expect(frames.first?.body == vector.expectedBody)
            #expect(decoder.bufferedByteCount == extra)
            decoder.feed(next.dropFirst(extra))
            #expect(try decoder.next()?.header == VectorFiles.valid[0].expectedHeader)
        }
    }

    @Test("decodes as a typed message; canonical vectors re-encode to the same bytes", arguments: VectorFiles.valid)
    func typedMessage(_ vector: ValidVector) throws {
        var decoder = FrameDecoder()
        let frame = try #require(try decodeAll(vector.bytes, decoder: &decoder).first)
        let encoded: [UInt8]
        if vector.direction == "client" {
            encoded = try ClientMessage(frame).encoded
        } else {
            encoded = try ServerMessage(frame).encoded
        }
        if vector.canonical {
            #expect(encoded == vector.bytes)
        } else {
            var again = FrameDecoder()
            let reparsed = try #require(try decodeAll(encoded, decoder: &again).first)
            #expect(reparsed.body == frame.body)
            #expect(reparsed.type == frame.type)
        }
    }

    @Test("decodes every vector from one stream, back to back")
    func concatenated() throws {
        let vectors = VectorFiles.valid
        let stream = vectors.flatMap(\.bytes)
        var generator = SeededGenerator(seed: 42)
        var decoder = FrameDecoder()
        let frames = try decodeAll(stream, chunks: randomChunks(total: stream.count, using: &generator), decoder: &decoder)
        #expect(frames.map(\.header) == vectors.map(\.expectedHeader))
        #expect(frames.map(\.body) == vectors.map(\.expectedBody))
    }
}

@Suite("Frame vectors: invalid input")
struct InvalidFrameVectorTests {
    /// The error a whole connection's decoding reports: the decoder's, or the message's.
    static func firstError(_ bytes: [UInt8], chunks: [Int]? = nil) -> ProtocolError? {
        var decoder = FrameDecoder()
        do {
            for frame in try decodeAll(bytes, chunks: chunks, decoder: &decoder) {
                _ = try ClientMessage(frame)
            }
        } catch {
            return error
        }
        return nil
    }

    @Test("is rejected with its error code, whole and one byte at a time", arguments: VectorFiles.invalid)
    func rejected(_ vector: InvalidVector) {
        let bytes = vector.bytes
        #expect(Self.firstError(bytes)?.code.rawValue == vector.error)
        if bytes.count < 100_000 {
            #expect(Self.firstError(bytes, chunks: Array(repeating: 1, count: bytes.count))?.code.rawValue == vector.error)
        }
    }

    @Test("a bad length is rejected from the four length bytes alone",
          arguments: [0, 65_537, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF] as [UInt32])
    func badLengthBeforeAllocation(_ length: UInt32) {
        var decoder = FrameDecoder()
        decoder.feed(withUnsafeBytes(of: length.littleEndian) { Array($0) })
        #expect(throws: ProtocolError.self) { try decoder.next() }
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("a failed decoder stays failed")
    func staysFailed() {
        var decoder = FrameDecoder()
        decoder.feed([0, 0, 0, 0])
        #expect(throws: ProtocolError.self) { try decoder.next() }
        decoder.feed(VectorFiles.valid[0].bytes)
        #expect(throws: ProtocolError.self) { try decoder.next() }
    }
}
