#define _GNU_SOURCE
#include "CRSHSystem.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <malloc.h>
#include <stdlib.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

const short crsh_POSIX_SPAWN_SETSID = POSIX_SPAWN_SETSID;
const int crsh_O_PATH = O_PATH;
const long crsh_UTIME_OMIT = UTIME_OMIT;
const int crsh_SCHED_BATCH = SCHED_BATCH;

int crsh_accept4_cloexec_nonblock(int fd, struct sockaddr *addr, socklen_t *len) {
    return accept4(fd, addr, len, SOCK_CLOEXEC | SOCK_NONBLOCK);
}

int crsh_pipe2_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int crsh_pidfd_open(pid_t pid) {
    // glibc 2.36 has pidfd_open(), but calling the syscall keeps this file
    // buildable against older headers; the result is the same descriptor,
    // close-on-exec by definition (pidfd_open(2)).
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

int crsh_mark_close_on_exec_from(int lowfd) {
    // close_range(2) with CLOSE_RANGE_CLOEXEC (Linux 5.11) sets the flag on a
    // whole range at once: a bitmap operation, however many descriptors are open.
    return (int)syscall(SYS_close_range, (unsigned)lowfd, ~0U, CLOSE_RANGE_CLOEXEC);
}

int crsh_dup3_cloexec(int fd, int target) {
    return dup3(fd, target, O_CLOEXEC);
}

int crsh_set_nonblocking(int fd, int on) {
    return ioctl(fd, FIONBIO, &on);
}

int crsh_spawn_addfchdir(posix_spawn_file_actions_t *actions, int fd) {
    return posix_spawn_file_actions_addfchdir_np(actions, fd);
}

int crsh_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return -1;
    *pid = credentials.pid;
    *uid = credentials.uid;
    *gid = credentials.gid;
    return 0;
}

ssize_t crsh_getrandom(void *buffer, size_t length) {
    return getrandom(buffer, length, 0);
}

int crsh_open_pseudo_terminal(char *name, size_t length) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, name, length) != 0) {
        close(master);
        return -1;
    }
    return master;
}

int crsh_get_window_size(int fd, struct winsize *size) {
    return ioctl(fd, TIOCGWINSZ, size);
}

int crsh_set_window_size(int fd, const struct winsize *size) {
    return ioctl(fd, TIOCSWINSZ, size);
}

int crsh_keep_freed_memory(int bytes) {
    return mallopt(M_TRIM_THRESHOLD, bytes) && mallopt(M_MMAP_THRESHOLD, bytes);
}
