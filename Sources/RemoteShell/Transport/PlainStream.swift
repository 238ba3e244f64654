import RSHSystem

/// A socket as it is: the bytes read are the frames' bytes.
final class PlainStream: ByteStream {
    let descriptor: FileDescriptor

    init(_ socket: FileDescriptor) {
        descriptor = socket
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadOutcome {
        guard let count = try descriptor.tryRead(into: buffer) else { return .wouldBlock }
        return count == 0 ? .endOfFile : .bytes(count)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int? {
        try descriptor.trySend(bytes)
    }

    func shutdownWriting() {
        // ENOTCONN: the peer is already gone, which the next read reports.
        try? descriptor.shutdownWriting()
    }

    func close() {
        descriptor.closeAfterUse()
    }
}
