import RSHFiles
import RSHProtocol

/// What a connection holds for a file request in flight: the file an upload
/// is received into (with what its commit needs), the file a download
/// reads, or the directory a listing reads.
enum ServedTransfer {
    case upload(FileSink, size: Int64, permissions: UInt32, modified: FileTime?)
    case download(FileSource)
    case listing(DirectoryReader)

    /// Whether it has frames to produce, as the send queue has room for them.
    var isSource: Bool {
        switch self {
        case .download, .listing: return true
        case .upload: return false
        }
    }

    /// Drops it: an upload's temporary file is removed; a file or directory closed.
    func abort() {
        switch self {
        case .upload(let sink, _, _, _): sink.abort()
        case .download(let source): source.close()
        case .listing(let reader): reader.close()
        }
    }
}
