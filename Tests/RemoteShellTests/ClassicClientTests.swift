import Foundation
import RemoteShell
import RSHProtocol
import RSHSystem
import RSHTestSupport
import Testing

/// `rsh --classic` against fake classic servers: it never holds a reply
/// whole, and `--timeout` bounds the wait.
@Suite("rsh --classic against fake servers")
struct ClassicClientTests {
    /// Not a power of two, so blocks straddle every read and write.
    static let blockSize = 1_048_573

    /// Block `index` of a reply body: a fixed pattern that starts with the block's number.
    static func block(_ index: Int, count: Int = blockSize) -> [UInt8] {
        var bytes = pattern
        withUnsafeBytes(of: UInt64(index).littleEndian) { for offset in 0..<8 { bytes[offset] = $0[offset] } }
        return Array(bytes.prefix(count))
    }

    static let pattern: [UInt8] = (0..<blockSize).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ $0 >> 9) }

    @Test("a 300 MiB reply reaches stdout intact while rsh stays under 64 MiB")
    func largeReply() throws {
        let size = 300 * 1_048_576
        let server = try FakeServer { connection in
            _ = try connection.readChunk()
            try connection.send(FakeConnection.frame(#"{"exit_code":0,"total_size":\#(size)}"#))
            var sent = 0
            var index = 0
            while sent < size {
                let block = Self.block(index, count: min(Self.blockSize, size - sent))
                try connection.send(block)
                sent += block.count
                index += 1
            }
            connection.drainUntilClosed()
        }
        let rsh = try TestProcess([Binaries.rsh, "--classic", server.address, "cat big"])
        // VmHWM only grows; the last reading before the exit is the peak.
        var peak = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while rsh.isRunning, ContinuousClock.now < deadline {
            if let bytes = ProcessStatistics(processID: rsh.processID).peakResidentBytes { peak = max(peak, bytes) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(rsh.wait(timeout: .seconds(5)) == .exited(0), "\(rsh.stderr)")
        #expect(peak > 0 && peak < 64 * 1_048_576, "peak resident set \(peak / 1_048_576) MiB")

        let output = try #require(FileHandle(forReadingAtPath: rsh.stdoutPath))
        defer { try? output.close() }
        var received = 0
        var index = 0
        while received < size {
            let expected = Self.block(index, count: min(Self.blockSize, size - received))
            let chunk = try output.read(upToCount: expected.count) ?? Data()
            guard chunk.count == expected.count, chunk.elementsEqualFast(expected) else {
                Issue.record("block \(index) differs (\(chunk.count) bytes read)")
                return
            }
            received += chunk.count
            index += 1
        }
        #expect(try output.read(upToCount: 1)?.isEmpty ?? true, "bytes after the reply")
    }

    @Test("--timeout ends the wait for a server that does not finish its reply: 124 and one line",
          arguments: [false, true])
    func timeout(sendsPartOfTheReply: Bool) throws {
        let server = try FakeServer { connection in
            _ = try connection.readChunk()
            if sendsPartOfTheReply {
                try connection.send(FakeConnection.frame(#"{"exit_code":0,"total_size":100}"#, body: Array("partial\n".utf8)))
            }
            connection.drainUntilClosed()
        }
        let start = ContinuousClock.now
        let rsh = try TestProcess.run([Binaries.rsh, "--classic", "--timeout", "0.5", server.address, "sleep 100"],
                                      timeout: .seconds(10))
        let elapsed = start.duration(to: .now)
        #expect(rsh.shellStatus == 124)
        #expect(elapsed >= .milliseconds(500) && elapsed < .seconds(10))
        #expect(rsh.stderr.hasPrefix("rsh: ") && rsh.stderr.count { $0 == "\n" } == 1, "\(rsh.stderr)")
        #expect(rsh.stdout == (sendsPartOfTheReply ? "partial\n" : ""))
    }
}

extension Data {
    /// `memcmp`, where the generic `==` of a debug build would take seconds per 100 MiB.
    func elementsEqualFast(_ bytes: [UInt8]) -> Bool {
        count == bytes.count && withUnsafeBytes { data in
            bytes.withUnsafeBytes { memcmp(data.baseAddress!, $0.baseAddress!, bytes.count) == 0 }
        }
    }
}
