// The few Linux interfaces that Swift's Glibc module does not expose: the
// headers below are not part of that module, and the GNU extensions
// (accept4, pipe2, posix_spawn *_np, struct ucred, ...) are hidden from it
// because it is built without _GNU_SOURCE. The wrappers are implemented in
// shim.c, which is compiled with _GNU_SOURCE. Only RSHSystem imports this.
#ifndef CRSH_SYSTEM_H
#define CRSH_SYSTEM_H

#include <spawn.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/ioctl.h>

/// posix_spawnattr flag: the child calls setsid() (glibc >= 2.26).
extern const short crsh_POSIX_SPAWN_SETSID;
/// open(2) flag: a descriptor that names a file without opening it for I/O.
extern const int crsh_O_PATH;
/// The SCHED_BATCH scheduling policy (sched(7)); Swift's Glibc hides it (_GNU_SOURCE).
extern const int crsh_SCHED_BATCH;
/// utimensat(2)'s "leave this time as it is"; a macro Swift cannot import.
extern const long crsh_UTIME_OMIT;

int crsh_accept4_cloexec_nonblock(int fd, struct sockaddr *addr, socklen_t *len);
int crsh_pipe2_cloexec(int fds[2]);
/// Starts the writeback of a file's dirty pages in a range, without waiting
/// (sync_file_range(2) with SYNC_FILE_RANGE_WRITE); returns 0 or -1 with errno set.
int crsh_start_writeback(int fd, off_t offset, off_t length);
int crsh_pidfd_open(pid_t pid);
/// Marks every descriptor from lowfd up close-on-exec; returns 0 or -1 with errno set.
int crsh_mark_close_on_exec_from(int lowfd);
/// dup3(fd, target, O_CLOEXEC): `target` now names what `fd` names, atomically.
int crsh_dup3_cloexec(int fd, int target);
int crsh_spawn_addfchdir(posix_spawn_file_actions_t *actions, int fd);
/// Sets or clears O_NONBLOCK in one call (ioctl FIONBIO; ioctl is variadic,
/// which Swift cannot call). Returns 0 or -1 with errno set.
int crsh_set_nonblocking(int fd, int on);
/// SO_PEERCRED of a Unix-domain socket; returns 0 or -1 with errno set.
int crsh_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/// The owner (uid) of the socket at the other end of an accepted TCP
/// connection on this machine: one NETLINK_SOCK_DIAG query (inet_diag_req_v2,
/// sock_diag(7)) for the connecting socket's exact 4-tuple, as `ss -e` shows
/// it. Returns 0, or -1 with errno set: ENOENT when the kernel has no such
/// socket open in any process (it is closed, or not on this machine).
int crsh_tcp_peer_owner(int fd, uid_t *uid);
ssize_t crsh_getrandom(void *buffer, size_t length);
/// A new pseudo-terminal (posix_openpt + grantpt + unlockpt): returns the
/// master descriptor, close-on-exec, and writes the slave's path to `name`.
int crsh_open_pseudo_terminal(char *name, size_t length);
/// ioctl TIOCGWINSZ / TIOCSWINSZ (ioctl is variadic, which Swift cannot
/// call). Return 0 or -1 with errno set.
int crsh_get_window_size(int fd, struct winsize *size);
int crsh_set_window_size(int fd, const struct winsize *size);

/// Removes `path` and everything under it, depth first, links removed and
/// not followed (nftw(3) with FTW_DEPTH | FTW_PHYS; ftw.h is not in Swift's
/// Glibc module). What cannot be removed is left; returns -1 only when the
/// walk itself fails (no such path).
int crsh_remove_tree(const char *path);
/// mallopt(3)'s M_TRIM_THRESHOLD and M_MMAP_THRESHOLD, both set to `bytes`
/// (malloc.h is not in Swift's Glibc module). Returns 1 on success.
int crsh_keep_freed_memory(int bytes);

/// posix_spawn with POSIX_SPAWN_SETSID, every signal at its default action and
/// none blocked, `stdio` as the child's 0, 1 and 2 (or, when `terminal` is not
/// NULL, that terminal opened after setsid, which makes it the child's
/// controlling terminal; `stdio` is then unused), an optional directory to
/// fchdir into (-1: none), and nothing else open; but the child copies only
/// the descriptors below `keep_below` from this process's table (spawn.c).
/// `stdio` and `directory` must be in 3..<keep_below. `policy` >= 0: the
/// child switches to that scheduling policy (priority 0) before it executes
/// the program; -1: it keeps this thread's. `stack` is the child's until this
/// returns. Returns 0 or an errno value (a failed execve's too); ENOSYS if
/// this kernel cannot unshare a descriptor table that way. With an error,
/// `*directory_failed` says whether it was the child's fchdir that failed.
int crsh_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
               const int stdio[3], const char *terminal, int directory, int keep_below, int policy, void *stack, size_t stack_size,
               int *directory_failed);

#endif
