/// What the driver must do for a file request (`ServerSession.Action.transfer`).
public enum TransferAction: Hashable, Sendable {
    /// Carry the request out. A `stat`, `mkdir`, `symlink` or
    /// `set_attributes` is answered at once (`transferReplied` with `info` or
    /// `done`, or `transferFailed`); a `list` opens the directory and a
    /// `download` the file (its `info` first), whose entries or bytes are
    /// then passed on as the send queue has room; an `upload` opens a
    /// temporary file beside its path for the bytes to come.
    case perform(id: Int64, FileRequest)
    /// Write the next bytes of an upload, then report them with `uploadWritten`.
    case write(id: Int64, [UInt8])
    /// Every byte of the upload is in: check them against `sha256`, put the
    /// file in place, and answer with `done` (or `transferFailed`).
    case commit(id: Int64, sha256: [UInt8])
    /// Drop what the driver holds for the request: an upload's temporary
    /// file is removed, a listing or a download closed. Nothing is reported back.
    case abort(id: Int64)
    /// A file request ended; one log line.
    case finished(TransferRecord)
}
