import RSHProtocol
import Testing

/// Frames with bodies of every kind of length: empty, within one read,
/// exactly one read, and longer than one read up to the largest allowed.
private let bodySizes = [0, 10, Limits.readChunkSize, Limits.readChunkSize + 1, 300_000, Limits.maxBodySize, 3]

private func sampleFrames() -> [Frame] {
    bodySizes.enumerated().map { index, size in
        let body = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        return Frame(type: "file_data", header: ["type": .string("file_data"), "id": .integer(Int64(index)),
                                                 "total_size": .integer(Int64(size))], body: body)
    }
}

private func encoded(_ frames: [Frame]) -> [UInt8] {
    frames.flatMap { FrameEncoder.encode(type: $0.type, [("id", $0.header["id"]!)], body: $0.body) }
}

@Suite("Frame decoder: reads lent to it")
struct FilledDecoderTests {
    @Test("reads of random sizes give the frames that were sent, and long bodies are read in place",
          arguments: [1, 2, 3, 4, 5] as [UInt64])
    func randomReads(seed: UInt64) throws {
        let frames = sampleFrames()
        var reads = ScriptedReads(encoded(frames), seed: seed, largestRead: 200_000)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Limits.readChunkSize, alignment: 16)
        defer { scratch.deallocate() }
        var decoder = FrameDecoder()
        var decoded: [Frame] = []
        while !reads.isDrained {
            _ = decoder.fill(scratch: scratch) { reads.read(into: $0) }
            while let frame = try decoder.next() { decoded.append(frame) }
        }
        #expect(decoded == frames)
        #expect(decoder.isAtFrameBoundary)
        // Rooms other than the scratch buffer: the long bodies' own, a read
        // at most as large as the scratch buffer.
        #expect(!reads.roomsOutside(scratch).isEmpty)
        #expect(reads.rooms.allSatisfy { $0.count <= scratch.count })
    }

    @Test("a long body is mid-frame until its last byte, and bytes fed meanwhile go into it")
    func feedWhileFilling() throws {
        let frame = sampleFrames()[5]
        let bytes = encoded([frame, sampleFrames()[1]])
        var reads = ScriptedReads(Array(bytes[..<500_000]), seed: 7, largestRead: 100_000)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Limits.readChunkSize, alignment: 16)
        defer { scratch.deallocate() }
        var decoder = FrameDecoder()
        while !reads.isDrained {
            _ = decoder.fill(scratch: scratch) { reads.read(into: $0) }
            #expect(try decoder.next() == nil)
            #expect(!decoder.isAtFrameBoundary)
        }
        #expect(!reads.roomsOutside(scratch).isEmpty)
        // The rest comes through `feed`, past the body's end and into the next frame.
        decoder.feed(bytes[500_000...])
        #expect(try decoder.next() == frame)
        #expect(try decoder.next() == sampleFrames()[1])
        #expect(decoder.isAtFrameBoundary)
    }

    @Test("a header that breaks the rules is an error whether its bytes were fed or read in place")
    func badHeaderAfterLongBody() {
        let frame = sampleFrames()[4]
        // A header length of zero after the long frame.
        let bytes = encoded([frame]) + [0, 0, 0, 0]
        var reads = ScriptedReads(bytes, seed: 11, largestRead: 70_000)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Limits.readChunkSize, alignment: 16)
        defer { scratch.deallocate() }
        var decoder = FrameDecoder()
        var decoded: [Frame] = []
        var failure: ProtocolError?
        reading: while !reads.isDrained {
            _ = decoder.fill(scratch: scratch) { reads.read(into: $0) }
            do {
                while let next = try decoder.next() { decoded.append(next) }
            } catch {
                failure = error
                break reading
            }
        }
        #expect(decoded == [frame])
        #expect(failure?.code == .badFrame)
    }

    @Test("a read that brings nothing leaves the decoder as it was")
    func emptyRead() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 16)
        defer { scratch.deallocate() }
        var decoder = FrameDecoder()
        #expect(decoder.fill(scratch: scratch) { _ in nil } == nil)
        #expect(decoder.fill(scratch: scratch) { _ in 0 } == 0)
        #expect(decoder.isAtFrameBoundary)
        #expect(try decoder.next() == nil)
    }
}
