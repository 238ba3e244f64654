import CLibSSL
import CRSHTLS

/// The BIO a `TLSSession`'s OpenSSL connection reads and writes: its reads
/// take from the session's inbound queue (or say "retry" when it is empty),
/// and its writes append to the session's outbound queue. A memory BIO,
/// like OpenSSL's BIO_s_mem, over storage the session owns.
enum TLSMemoryBIO {
    /// Made once; OpenSSL keeps it for the life of the process.
    nonisolated(unsafe) static let method: OpaquePointer = {
        guard let method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rsh memory") else {
            preconditionFailure("BIO_meth_new failed: out of memory")
        }
        BIO_meth_set_write(method, write)
        BIO_meth_set_read(method, read)
        BIO_meth_set_ctrl(method, control)
        BIO_meth_set_create(method, { bio in
            BIO_set_init(bio, 1)
            return 1
        })
        BIO_meth_set_destroy(method, { _ in 1 })
        return method
    }()

    private static func session(_ bio: OpaquePointer?) -> TLSSession? {
        bio.flatMap { BIO_get_data($0) }.map { Unmanaged<TLSSession>.fromOpaque($0).takeUnretainedValue() }
    }

    private static let write: @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, Int32) -> Int32 = { bio, data, length in
        guard let session = session(bio), let data, length > 0 else { return 0 }
        crsh_tls_bio_clear_retry_flags(bio)
        session.outbound.append(UnsafeRawBufferPointer(start: data, count: Int(length)))
        return length
    }

    private static let read: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32 = { bio, data, length in
        guard let session = session(bio), let data, length > 0 else { return 0 }
        crsh_tls_bio_clear_retry_flags(bio)
        let taken = session.inbound.take(into: data, count: Int(length))
        guard taken > 0 else {
            // Nothing received yet: "try again", not end of file.
            crsh_tls_bio_set_retry_read(bio)
            return -1
        }
        return Int32(taken)
    }

    private static let control: @convention(c) (OpaquePointer?, Int32, Int, UnsafeMutableRawPointer?) -> Int = { bio, command, _, _ in
        guard let session = session(bio) else { return 0 }
        switch command {
        case BIO_CTRL_FLUSH: return 1
        case BIO_CTRL_PENDING: return session.inbound.count
        case BIO_CTRL_WPENDING: return session.outbound.count
        default: return 0
        }
    }
}
