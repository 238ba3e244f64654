import RSHSystem

/// The seam between a connection's socket and its frames: the connection
/// reads the bytes its peer sent and writes the bytes it sends through this
/// one interface, whatever the socket carries underneath. Plain TCP and Unix
/// sockets pass bytes through (`PlainStream`); an encrypting stream would
/// decrypt what it reads and encrypt what it writes, with the drivers
/// waiting on the same descriptor in the same way.
///
/// Every call is non-blocking: the driver waits for `descriptor` (readable,
/// and writable while `write` could not take everything) before it calls again.
protocol ByteStream: AnyObject {
    /// What the driver waits on.
    var descriptor: FileDescriptor { get }

    /// Reads what the peer sent into `buffer`.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> ReadOutcome

    /// Takes bytes to send from the front of `bytes`; returns how many were
    /// taken, or `nil` when none could be (the socket is full).
    func write(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int?

    /// Shuts the sending side: the peer reads end of file after the last byte.
    func shutdownWriting()

    /// Closes the socket.
    func close()
}
