import CRSHSystem
import Glibc
import RSHProtocol

/// A terminal's window size and settings (tty_ioctl(4), termios(3)). On a
/// pseudo-terminal's master these are the slave's: the kernel answers for
/// the terminal the master drives.
extension FileDescriptor {
    /// `ioctl(TIOCGWINSZ)`.
    public func windowSize() throws(Errno) -> WindowSize {
        var size = winsize()
        _ = try retryingInterrupts { crsh_get_window_size(rawValue, &size) }
        return WindowSize(rows: size.ws_row, columns: size.ws_col, pixelWidth: size.ws_xpixel, pixelHeight: size.ws_ypixel)
    }

    /// `ioctl(TIOCSWINSZ)`: when the size changes, the kernel sends SIGWINCH
    /// to the terminal's foreground process group.
    public func setWindowSize(_ size: WindowSize) throws(Errno) {
        var value = winsize(ws_row: size.rows, ws_col: size.columns, ws_xpixel: size.pixelWidth, ws_ypixel: size.pixelHeight)
        _ = try retryingInterrupts { crsh_set_window_size(rawValue, &value) }
    }

    /// `tcgetattr(3)`.
    public func terminalAttributes() throws(Errno) -> TerminalAttributes {
        var settings = termios()
        _ = try retryingInterrupts { tcgetattr(rawValue, &settings) }
        return TerminalAttributes(settings: settings)
    }

    /// `tcsetattr(3)` with `TCSADRAIN`: output already written is sent with
    /// the old settings, and input typed so far is kept.
    public func setTerminalAttributes(_ attributes: TerminalAttributes) throws(Errno) {
        var settings = attributes.settings
        _ = try retryingInterrupts { tcsetattr(rawValue, TCSADRAIN, &settings) }
    }
}

/// A terminal's settings (`struct termios`), to be saved and restored whole.
public struct TerminalAttributes {
    var settings: termios

    /// The character that ends input when typed at the start of a line
    /// (`VEOF`, usually Ctrl-D); `nil` when it is disabled.
    public var endOfFileCharacter: UInt8? {
        let character = withUnsafeBytes(of: settings.c_cc) { $0[Int(VEOF)] }
        return character == 0 ? nil : character  // _POSIX_VDISABLE is 0 on Linux
    }

    /// These settings in raw mode (`cfmakeraw(3)`): every byte typed is
    /// passed on as it is, none is echoed or turned into a signal, and
    /// output is not post-processed.
    public var raw: TerminalAttributes {
        var copy = settings
        cfmakeraw(&copy)
        return TerminalAttributes(settings: copy)
    }
}
