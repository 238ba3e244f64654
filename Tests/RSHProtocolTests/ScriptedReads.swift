/// A socket as `FrameDecoder.fill` sees it: `bytes` come out in reads of
/// random sizes, each cut to the room it is given; every room is noted.
struct ScriptedReads {
    let bytes: [UInt8]
    var offset = 0
    var generator: SeededGenerator
    var rooms: [UnsafeMutableRawBufferPointer] = []
    let largestRead: Int

    init(_ bytes: [UInt8], seed: UInt64, largestRead: Int) {
        self.bytes = bytes
        generator = SeededGenerator(seed: seed)
        self.largestRead = largestRead
    }

    /// The rooms that were not in `scratch`: bytes read into a frame's body in place.
    func roomsOutside(_ scratch: UnsafeMutableRawBufferPointer) -> [UnsafeMutableRawBufferPointer] {
        let range = scratch.baseAddress!..<scratch.baseAddress! + scratch.count
        return rooms.filter { !range.contains($0.baseAddress!) }
    }

    var isDrained: Bool { offset == bytes.count }

    mutating func read(into room: UnsafeMutableRawBufferPointer) -> Int? {
        rooms.append(room)
        let count = min(room.count, bytes.count - offset, Int.random(in: 1...largestRead, using: &generator))
        guard count > 0 else { return nil }
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(rebasing: room[..<count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }
}
