import RSHSpawn
import RSHSystem
import RSHTestSupport

/// What the server is compared with, measured in this process in the same
/// run: the cost of the work without the server in the way. (The spawn
/// workloads' limits are `RawSpawn`'s two paths, measured in the rounds.)
enum RawLimits {
    /// The faster of the two ways to run `command` (`RawSpawn`) on one
    /// thread per core; commands per second in all.
    static func cheapestParallelRate(_ command: String, countPerWorker: Int) throws -> Double {
        try RawSpawn.Path.allCases.compactMap { RawSpawn(command, $0) }.map { try $0.parallelRate(countPerWorker: countPerWorker) }.max() ?? 0
    }

    /// A child's stdout copied pipe -> loopback socket -> reader, no
    /// protocol; bytes per second.
    static func relayRate(bytes: Int) throws -> Double {
        let listener = try FileDescriptor.listeningSocket(at: .ipv4(host: "127.0.0.1", port: 0))
        defer { listener.closeAfterUse() }
        let address = try listener.localAddress()
        let received = Tally()
        let reader = try SystemThread.start {
            guard let client = try? FileDescriptor.connectedSocket(to: address) else { return }
            defer { client.closeAfterUse() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
            defer { buffer.deallocate() }
            while let count = try? client.read(into: buffer), count > 0 { received.add(count) }
        }
        _ = try listener.poll(for: .readable, timeoutMilliseconds: 5000)
        guard let (connection, _) = try listener.acceptConnection() else { throw RelayFailed() }
        defer { connection.closeAfterUse() }
        try connection.setNonBlocking(false)
        let start = ContinuousClock.now
        let child = try ChildProcess(CommandSpec(.shell("head -c \(bytes) /dev/zero")))
        child.drain { _, chunk in try? connection.sendAll(chunk) }
        _ = child.finish()
        try connection.shutdownWriting()
        reader.join()
        let elapsed = start.duration(to: .now)
        guard received.value == bytes else { throw RelayFailed() }
        return Double(bytes) / elapsed.seconds
    }

    struct RelayFailed: Error {}
}
