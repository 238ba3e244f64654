import Foundation
import RSHFiles
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

@Suite("FileSink: a file received into place atomically")
struct FileSinkTests {
    @Test("the file arrives whole, with its mode (whatever the umask) and time, and nothing else is left")
    func arrives() throws {
        let directory = try scratchDirectory()
        let content = randomBytes(count: 200_001)
        let sink = try FileSink(destination: directory + "/a b.bin")
        #expect(sink.temporaryPath.hasPrefix(directory + "/.a b.bin.rsh-"))
        #expect(try statField("%a", sink.temporaryPath) == "600", "nobody else reads it half-written")
        for start in stride(from: 0, to: content.count, by: 65_536) {
            try sink.write(Array(content[start..<min(content.count, start + 65_536)]))
        }
        try sink.commit(size: Int64(content.count), sha256: try sha256sum(of: content), permissions: 0o751,
                        modified: FileTime(seconds: 1_000_000_000, nanoseconds: 5))
        #expect(try readFile(directory + "/a b.bin") == content)
        #expect(try statField("%a %Y", directory + "/a b.bin") == "751 1000000000")
        #expect(try names(in: directory) == ["a b.bin"])
    }

    @Test("a wrong hash or size leaves the old file as it was, and no temporary file", arguments: [true, false])
    func mismatch(_ wrongHash: Bool) throws {
        let directory = try scratchDirectory()
        let destination = directory + "/kept.txt"
        try writeFile(destination, Array("old\n".utf8))
        let sink = try FileSink(destination: destination)
        try sink.write(Array("new content\n".utf8))
        let digest = try sha256sum(of: Array((wrongHash ? "new content?\n" : "new content\n").utf8))
        #expect {
            try sink.commit(size: wrongHash ? 12 : 13, sha256: digest, permissions: 0o644, modified: nil)
        } throws: { error in
            (error as? FileError)?.code == (wrongHash ? .hashMismatch : .sizeMismatch)
        }
        #expect(try readFile(destination) == Array("old\n".utf8))
        #expect(try names(in: directory) == ["kept.txt"])
    }

    @Test("a sink aborted, or dropped unfinished, removes its temporary file")
    func abandoned() throws {
        let directory = try scratchDirectory()
        let sink = try FileSink(destination: directory + "/x")
        try sink.write([1, 2, 3])
        sink.abort()
        sink.abort()
        do {
            let dropped = try FileSink(destination: directory + "/y")
            try dropped.write([4])
            #expect(try names(in: directory).count == 1)
        }
        #expect(try names(in: directory).isEmpty)
    }

    @Test("a destination that is a directory, or in one that does not exist, is refused before any byte moves")
    func refusedAtOnce() throws {
        let directory = try scratchDirectory()
        #expect { try FileSink(destination: directory) } throws: { ($0 as? FileError)?.code == .isDirectory }
        #expect { try FileSink(destination: directory + "/missing/x") } throws: { ($0 as? FileError)?.code == .noSuchFile }
        try writeFile(directory + "/file", [])
        #expect { try FileSink(destination: directory + "/file/x") } throws: { ($0 as? FileError)?.code == .notDirectory }
    }

    @Test("runs of zeros become holes; the file reads back the same")
    func sparse() throws {
        let directory = try scratchDirectory()
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        let middle = Array("data".utf8)
        let sink = try FileSink(destination: directory + "/image")
        for _ in 0..<8 { try sink.write(zeros) }
        try sink.write(middle)
        for _ in 0..<8 { try sink.write(zeros) }
        let content = Array(repeating: zeros, count: 8).flatMap { $0 } + middle + Array(repeating: zeros, count: 8).flatMap { $0 }
        try sink.commit(size: Int64(content.count), sha256: try sha256sum(of: content), permissions: 0o600, modified: nil)
        #expect(try statField("%s", directory + "/image") == "\(content.count)")
        #expect(try sha256sum(directory + "/image") == Hex.encode(try sha256sum(of: content)))
        let blocks = try #require(Int(try statField("%b", directory + "/image")))
        #expect(blocks * 512 < 1 << 20, "16 MiB of zeros take less than 1 MiB of disk")
    }

    @Test("two sinks for one destination: whichever commits last is the file, whole")
    func racing() throws {
        let directory = try scratchDirectory()
        let first = try FileSink(destination: directory + "/same")
        let second = try FileSink(destination: directory + "/same")
        #expect(first.temporaryPath != second.temporaryPath)
        try first.write([UInt8](repeating: 1, count: 1000))
        try second.write([UInt8](repeating: 2, count: 500))
        try second.commit(size: 500, sha256: try sha256sum(of: [UInt8](repeating: 2, count: 500)), permissions: 0o644, modified: nil)
        try first.commit(size: 1000, sha256: try sha256sum(of: [UInt8](repeating: 1, count: 1000)), permissions: 0o644, modified: nil)
        #expect(try readFile(directory + "/same") == [UInt8](repeating: 1, count: 1000))
        #expect(try names(in: directory) == ["same"])
    }

    @Test("a long name keeps its temporary file's name within NAME_MAX")
    func longName() throws {
        let directory = try scratchDirectory()
        let name = String(repeating: "é", count: 127)  // 254 bytes
        let sink = try FileSink(destination: directory + "/" + name)
        #expect(sink.temporaryPath.split(separator: "/").last!.utf8.count <= 255)
        try sink.write([9])
        try sink.commit(size: 1, sha256: try sha256sum(of: [9]), permissions: 0o644, modified: nil)
        #expect(try names(in: directory) == [name])
    }
}
