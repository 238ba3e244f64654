import RSHSpawn
import RSHSystem

/// Serves one connection on the calling thread, waiting in `poll(2)` on
/// everything the connection waits for (its socket, every command's pipes
/// and process descriptor) and the shutdown notice together, so no
/// command's output can deadlock the connection. The blocking driver runs
/// one of these at a time; the threaded driver runs one per thread.
struct SyncConnection {
    let connection: Connection
    let shutdown: ShutdownController

    /// Runs until the connection is finished, then closes it.
    func run(buffer: UnsafeMutableRawBufferPointer) {
        var watchingShutdown = true
        let shutdownDescriptors = shutdown.descriptors
        var requests: [PollRequest] = []
        while !connection.isFinished {
            if watchingShutdown, shutdown.isShuttingDown {
                watchingShutdown = false
                connection.beginShutdown()
                continue
            }
            requests.removeAll(keepingCapacity: true)
            connection.appendInterests(to: &requests)
            if watchingShutdown { for fd in shutdownDescriptors { requests.append(PollRequest(fd, .readable)) } }
            let timeout = connection.hasReadyWork ? 0 : pollTimeout(until: connection.nextDeadline)
            do {
                try poll(&requests, timeoutMilliseconds: timeout)
            } catch {
                // EINVAL (too many descriptors) or ENOMEM: nothing to wait on
                // can be trusted; drop the client and clean up its commands.
                connection.abandon("poll failed: \(error)")
            }
            // A handful of entries: a linear search beats building a dictionary.
            let ready = { (fd: FileDescriptor) -> PollEvents in
                var events: PollEvents = []
                for request in requests where request.descriptor == fd { events.formUnion(request.returned) }
                return events
            }
            if watchingShutdown, shutdownDescriptors.contains(where: { !ready($0).isEmpty }) { shutdown.service() }
            connection.service(ready, buffer: buffer, now: .now)
            // Try the write now rather than after the next poll: most of the time it all fits.
            connection.flush()
        }
        connection.close()
    }
}
