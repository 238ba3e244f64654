import RSHSystem

/// The seam between a connection's socket and its frames: the connection
/// reads the bytes its peer sent and writes the bytes it sends through this
/// one interface, whatever the socket carries underneath. Plain TCP and Unix
/// sockets pass bytes through (`PlainStream`); TLS decrypts what it reads
/// and encrypts what it writes (`TLSStream`), with the drivers waiting on
/// the same descriptor in the same way.
///
/// Every call is non-blocking: the driver waits for `descriptor` (readable,
/// and writable while `write` could not take everything or the stream has
/// pending bytes of its own) before it calls again.
protocol ByteStream: AnyObject {
    /// What the driver waits on.
    var descriptor: FileDescriptor { get }

    /// Reads what the peer sent into `buffer`. As with a socket, a read that
    /// does not fill the buffer has taken all there was, unless
    /// `hasBufferedInput`: otherwise the next bytes come with the next readiness.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> ReadOutcome

    /// Whether another read may return bytes without the socket becoming
    /// readable again (TLS: records received and not yet decrypted).
    var hasBufferedInput: Bool { get }

    /// Takes bytes to send from the front of `bytes`; returns how many were
    /// taken, or `nil` when none could be (the socket is full).
    func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> Int?

    /// Bytes the stream itself has to send and the socket did not take yet
    /// (TLS: handshake messages, alerts, the end of an encrypted write).
    /// While there are any, the driver waits for the socket to be writable
    /// and calls `flushPending`.
    var hasPendingWrites: Bool { get }

    func flushPending() throws(TransportError)

    /// Shuts the sending side: the peer reads end of file after the last byte.
    func shutdownWriting()

    /// Closes the socket.
    func close()
}
