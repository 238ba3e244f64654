import Foundation
import Glibc
import RSHFiles
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// Reads a source to its end, `chunk` bytes at a time.
private func readAll(_ source: FileSource, chunk: Int = 65_536) throws -> [UInt8] {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var bytes: [UInt8] = []
    while true {
        let count = try source.read(into: buffer)
        if count == 0 { return bytes }
        bytes += buffer[..<count]
    }
}

@Suite("FileSource: a regular file read for sending")
struct FileSourceTests {
    @Test("reads the file whole, through a symbolic link, with its status and its SHA-256")
    func reads() throws {
        let directory = try scratchDirectory()
        let content = randomBytes(count: 300_000)
        try writeFile(directory + "/data", content)
        #expect(chmod(directory + "/data", 0o640) == 0)
        #expect(symlink("data", directory + "/link") == 0)
        let source = try FileSource(directory + "/link")
        #expect(source.info.kind == .regular)
        #expect(source.info.size == 300_000)
        #expect(source.info.permissions == 0o640)
        #expect(try readAll(source, chunk: 7_000) == content)
        #expect(Hex.encode(source.finish()) == (try sha256sum(directory + "/data")))
    }

    @Test("a FIFO is refused at once, never opened (no writer: an open would wait for ever)")
    func fifo() throws {
        let directory = try scratchDirectory()
        #expect(mkfifo(directory + "/pipe", 0o644) == 0)
        let started = ContinuousClock.now
        #expect { try FileSource(directory + "/pipe") } throws: { error in
            let error = error as? FileError
            return error?.code == .notRegularFile && error?.reason == "is a FIFO"
        }
        #expect(started.duration(to: .now) < .seconds(5))
    }

    @Test("a directory, a device and a missing file are refused with their own codes")
    func refused() throws {
        let directory = try scratchDirectory()
        #expect { try FileSource(directory) } throws: { ($0 as? FileError)?.code == .isDirectory }
        #expect { try FileSource("/dev/null") } throws: { ($0 as? FileError)?.reason == "is a device" }
        #expect { try FileSource(directory + "/none") } throws: { ($0 as? FileError)?.code == .noSuchFile }
    }

    @Test("a file that shrinks while it is read is a size_mismatch; one that grows is cut at the size announced")
    func changing() throws {
        let directory = try scratchDirectory()
        try writeFile(directory + "/shrinks", [UInt8](repeating: 1, count: 100_000))
        let shrinking = try FileSource(directory + "/shrinks")
        #expect(truncate(directory + "/shrinks", 10) == 0)
        #expect { try readAll(shrinking) } throws: { ($0 as? FileError)?.code == .sizeMismatch }

        try writeFile(directory + "/grows", [UInt8](repeating: 2, count: 1000))
        let growing = try FileSource(directory + "/grows")
        try writeFile(directory + "/grows", [UInt8](repeating: 2, count: 5000))
        #expect(try readAll(growing) == [UInt8](repeating: 2, count: 1000))
        #expect(growing.isAtEnd)
    }
}
