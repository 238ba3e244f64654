import RSHProtocol
import Testing

/// A frame as `nextPart` hands it over: the header, then the body in pieces.
private struct Streamed: Equatable {
    var header: [String: JSONValue]
    var bodySize: Int
    var body: [UInt8] = []
    var ended = false
}

/// Feeds `bytes` in the given chunk sizes and collects every part.
private func streamAll(_ bytes: [UInt8], chunks: [Int]? = nil, decoder: inout FrameDecoder) throws(ProtocolError) -> [Streamed] {
    var frames: [Streamed] = []
    var offset = 0
    for size in chunks ?? [bytes.count] {
        decoder.feed(bytes[offset..<min(bytes.count, offset + size)])
        offset += size
        while let part = try decoder.nextPart() {
            switch part {
            case .header(let frame, let bodySize):
                #expect(frame.body.isEmpty)
                frames.append(Streamed(header: frame.header, bodySize: bodySize))
            case .body(let piece):
                #expect(!piece.isEmpty)
                frames[frames.count - 1].body += piece
            case .end:
                frames[frames.count - 1].ended = true
            }
        }
    }
    return frames
}

@Suite("Frame vectors: bodies streamed as they arrive")
struct StreamedBodyTests {
    private static func expected(_ vector: ValidVector) -> Streamed {
        Streamed(header: vector.expectedHeader, bodySize: vector.expectedBody.count, body: vector.expectedBody, ended: true)
    }

    @Test("whole", arguments: VectorFiles.valid)
    func whole(_ vector: ValidVector) throws {
        var decoder = FrameDecoder()
        #expect(try streamAll(vector.bytes, decoder: &decoder) == [Self.expected(vector)])
        #expect(decoder.isAtFrameBoundary)
    }

    @Test("one byte at a time: the header once it is whole, then every body byte as it comes",
          arguments: VectorFiles.valid.filter { $0.bytes.count < 100_000 })
    func byteByByte(_ vector: ValidVector) throws {
        var decoder = FrameDecoder()
        let bytes = vector.bytes
        #expect(try streamAll(bytes, chunks: Array(repeating: 1, count: bytes.count), decoder: &decoder) == [Self.expected(vector)])
        #expect(decoder.bufferedByteCount == 0)
    }

    @Test("at random split points, with the next frame's first bytes behind it", arguments: VectorFiles.valid)
    func randomSplits(_ vector: ValidVector) throws {
        var generator = SeededGenerator(seed: UInt64(vector.name.utf8.count))
        let next = VectorFiles.valid[0].bytes
        for _ in 0..<(vector.bytes.count > 50_000 ? 2 : 10) {
            var decoder = FrameDecoder()
            let bytes = vector.bytes + next.prefix(5)
            let frames = try streamAll(bytes, chunks: randomChunks(total: bytes.count, using: &generator), decoder: &decoder)
            #expect(frames == [Self.expected(vector)])
            #expect(decoder.bufferedByteCount == 5)
            #expect(!decoder.isAtFrameBoundary)
        }
    }

    @Test("errors are the same as for whole frames", arguments: VectorFiles.invalid.filter { $0.error == "bad_frame" })
    func errors(_ vector: InvalidVector) {
        var decoder = FrameDecoder()
        #expect(throws: ProtocolError.self) { try streamAll(vector.bytes, decoder: &decoder) }
    }
}
