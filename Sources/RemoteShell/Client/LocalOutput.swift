import RSHProtocol
import RSHSystem

/// Writes the remote command's output to our stdout and stderr as raw bytes,
/// never decoded, so binary output and any encoding pass through unchanged.
struct LocalOutput {
    /// Whether the last byte shown ended a line, so the interactive prompt and
    /// notes can start on a fresh line after output without a final newline,
    /// or after the terminal echoed "^C". (rsh is single-threaded.)
    nonisolated(unsafe) static var atLineStart = true

    func write(_ kind: OutputKind, _ bytes: [UInt8]) throws(ClientError) {
        try write(kind == .stdout ? .standardOutput : .standardError, bytes)
    }

    /// Writes `text` for the person at the terminal, on a line of its own.
    func note(_ text: String) {
        message((Self.atLineStart ? "" : "\n") + text)
    }

    /// Writes the prompt at the start of a line.
    func prompt(_ text: String) throws(ClientError) {
        try write(.standardError, Array(((Self.atLineStart ? "" : "\n") + text).utf8))
        Self.atLineStart = true
    }

    func write(_ fd: FileDescriptor, _ bytes: [UInt8]) throws(ClientError) {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(Errno) in
                var offset = 0
                while offset < raw.count {
                    // Our stdout may be non-blocking (a shared terminal or pipe
                    // someone else set so): wait for room instead of failing.
                    if let written = try fd.tryWrite(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
                        offset += written
                    } else {
                        _ = try fd.poll(for: .writable, timeoutMilliseconds: -1)
                    }
                }
            }
        }
        if let last = bytes.last { Self.atLineStart = last == UInt8(ascii: "\n") }
        do {
            try result.get()
        } catch .brokenPipe {
            throw .localOutputClosed
        } catch {
            // EIO on a vanished terminal, ENOSPC on a full disk: the output has nowhere to go.
            throw .localOutputClosed
        }
    }

    func message(_ text: String) {
        try? write(.standardError, Array((text + "\n").utf8))
    }
}
