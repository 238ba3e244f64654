import RSHProtocol
import RSHSystem

/// The local side of `rsh -t`: the terminal the user types at, in raw mode
/// while the remote command runs on its own terminal, so that every key
/// (Ctrl-C, Ctrl-Z, Ctrl-D, arrows) reaches the remote line discipline as
/// bytes; its window size, followed through SIGWINCH; and ssh's escapes.
///
/// Its settings are restored on every way out: the remote command's exit,
/// a lost connection, an error, `~.`, SIGTERM, SIGHUP and SIGINT. The
/// signals are blocked and read from a signalfd, so they end the session
/// through the same path as everything else (`ClientError.killed`), never
/// in the middle of a write with the terminal left raw.
final class LocalTerminal {
    /// The signals the session handles itself.
    static let signalsHandled: [Signal] = [.windowChanged, .terminate, .hangup, .interrupt]

    let input: FileDescriptor
    let signals: SignalReader
    /// The settings to restore; `nil` when stdin is not a terminal (`-tt`).
    private var saved: TerminalAttributes?
    private var escapes: EscapeScanner?

    /// Blocks `signalsHandled` and starts reading them.
    init(input: FileDescriptor = .standardInput) throws(ClientError) {
        self.input = input
        do {
            try SignalDisposition.block(Self.signalsHandled)
            signals = try SignalReader(Self.signalsHandled)
        } catch {
            throw .unusable("cannot watch signals: \(error)")
        }
    }

    deinit {
        restore()
        signals.close()
    }

    /// What the remote terminal is to be: the local `TERM` and window size.
    var request: TerminalRequest {
        TerminalRequest(term: ProcessIdentity.environmentValue("TERM") ?? "", size: windowSize)
    }

    /// The size of the window stdin is in, else stdout's; 0 x 0 (unknown) without either.
    var windowSize: WindowSize {
        (try? input.windowSize()) ?? (try? FileDescriptor.standardOutput.windowSize()) ?? WindowSize(rows: 0, columns: 0)
    }

    /// Puts the local terminal in raw mode, when stdin is one. The escapes
    /// work only then: a script piped into `rsh -tt` is data, not keys.
    func enterRawMode() throws(ClientError) {
        guard input.isTerminal, saved == nil else { return }
        do {
            let attributes = try input.terminalAttributes()
            try input.setTerminalAttributes(attributes.raw)
            saved = attributes
            escapes = EscapeScanner()
        } catch {
            throw .unusable("cannot put the terminal in raw mode: \(error)")
        }
    }

    /// Puts the terminal's settings back as they were.
    func restore() {
        guard let saved else { return }
        try? input.setTerminalAttributes(saved)
        self.saved = nil
    }

    /// What to send for bytes typed (at most one more than typed: a `~`
    /// held from the last read); throws `disconnected` for `~.`.
    func typed(_ bytes: UnsafeRawBufferPointer) throws(ClientError) -> [UInt8] {
        guard escapes != nil else { return Array(bytes) }
        switch escapes!.scan(bytes) {
        case .send(let output): return output
        case .disconnect: throw .disconnected
        }
    }

    /// Acts on a signal: the new window size for SIGWINCH; the others end the session.
    func received(_ signal: Signal) throws(ClientError) -> WindowSize {
        guard signal == .windowChanged else { throw .killed(signal) }
        return windowSize
    }
}
