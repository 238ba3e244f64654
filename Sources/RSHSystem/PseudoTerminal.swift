import CRSHSystem
import RSHProtocol

/// A pseudo-terminal pair (pty(7)): the master end, and the path of the
/// slave end, which a child opens as its terminal.
public enum PseudoTerminal {
    /// `posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)`, `grantpt`, `unlockpt`
    /// and `ptsname_r`; then the window size, when given, set on the master
    /// before anyone opens the slave, so the first program to look sees it.
    public static func open(size: WindowSize? = nil) throws(Errno) -> (master: FileDescriptor, slavePath: String) {
        var name = [CChar](repeating: 0, count: 256)
        let master = FileDescriptor(rawValue: try retryingInterrupts { crsh_open_pseudo_terminal(&name, name.count) })
        if let size {
            do {
                try master.setWindowSize(size)
            } catch {
                master.closeAfterUse()
                throw error
            }
        }
        return (master, String(decoding: name.prefix { $0 != 0 }.map(UInt8.init), as: UTF8.self))
    }
}
