import RSHSystem

/// A socket as it is: the bytes read are the frames' bytes.
final class PlainStream: ByteStream {
    let descriptor: FileDescriptor

    init(_ socket: FileDescriptor) {
        descriptor = socket
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> ReadOutcome {
        let count: Int?
        do {
            count = try descriptor.tryRead(into: buffer)
        } catch {
            throw .system(error)
        }
        guard let count else { return .wouldBlock }
        return count == 0 ? .endOfFile : .bytes(count)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int? {
        do {
            return try descriptor.trySend(bytes)
        } catch {
            throw .system(error)
        }
    }

    var hasBufferedInput: Bool { false }

    var hasPendingWrites: Bool { false }

    func flushPending() {}

    func shutdownWriting() {
        // ENOTCONN: the peer is already gone, which the next read reports.
        try? descriptor.shutdownWriting()
    }

    func close() {
        descriptor.closeAfterUse()
    }
}
