// crsh_spawn: posix_spawn, minus the copy of the parent's descriptor table.
//
// A new process starts with a copy of its parent's descriptor table, and
// execve then closes the close-on-exec entries again: about 0.1 µs per open
// descriptor, in every child. A server holding 1,000 clients has ~4,000
// descriptors open, which adds ~0.4 ms of CPU to each command it runs
// (BENCHMARKS.md, the "1,000 concurrent sleep 1" target).
//
// Here the child is created sharing the parent's table (CLONE_FILES), and its
// first act is close_range(keep_below, ~0U, CLOSE_RANGE_UNSHARE): when the
// range reaches the end of the table, the kernel gives the child a private
// table holding only the descriptors below `keep_below`, without copying the
// rest. The caller puts the child's stdin, stdout, stderr (and directory)
// below `keep_below` first; RSHSystem's SpawnSlots keeps low numbers for
// that.
//
// Otherwise this is what glibc's posix_spawn does with POSIX_SPAWN_SETSID,
// SETSIGDEF (every signal), SETSIGMASK (empty) and, when a policy is given,
// SETSCHEDULER (priority 0): the child borrows the
// parent's memory (CLONE_VM) and the parent waits until it has executed the
// program or failed (CLONE_VFORK), so a failed execve is reported here.
#define _GNU_SOURCE
#include "CRSHSystem.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct job {
    const char *path;
    char *const *argv;
    char *const *envp;
    int fds[3];
    // When set, the child opens this terminal on 0, 1 and 2 instead of fds.
    const char *terminal;
    int directory;
    int keep_below;
    int policy;
    const sigset_t *mask;
    volatile int error;
    // Set with `error` when the step that failed was fchdir: the caller
    // reports a directory that cannot be entered, not a program that cannot
    // be executed, and both can be EACCES.
    volatile int directory_failed;
};

// The kernel's struct sigaction, for rt_sigaction(2) itself: glibc's wrapper
// refuses the two signals it keeps for its own threads (32, 33).
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

static int child_main(void *argument) {
    struct job *job = argument;
    // Only async-signal-safe system calls from here on: this child runs on
    // the parent's memory, while the parent's other threads go on.
    if (syscall(SYS_close_range, (unsigned)job->keep_below, ~0U, CLOSE_RANGE_UNSHARE) != 0) {
        // Before Linux 5.9 (no close_range, or no UNSHARE flag), or a
        // seccomp filter that refuses it (EPERM, as older container runtimes
        // answer unknown calls): say so distinctly, and the caller uses
        // posix_spawn from then on.
        job->error = errno == EINVAL || errno == ENOSYS || errno == EPERM ? ENOSYS : errno;
        _exit(127);
    }
    if (setsid() < 0) goto failed;
    if (job->terminal) {
        // A session leader with no controlling terminal acquires the first
        // terminal it opens without O_NOCTTY, and its process group becomes
        // the terminal's foreground group (credentials(7)). The descriptor
        // opened here, if above 2, goes with the close_range below.
        int terminal = open(job->terminal, O_RDWR);
        if (terminal < 0) goto failed;
        for (int target = 0; target < 3; target++) {
            if (terminal != target && dup2(terminal, target) < 0) goto failed;
        }
    } else {
        // The sources are all above 2 (the caller checks), so these do not
        // overwrite one another; dup2 clears close-on-exec on the copies.
        for (int target = 0; target < 3; target++) {
            if (dup2(job->fds[target], target) < 0) goto failed;
        }
    }
    // The directory was opened with O_PATH, which checks no permission on it:
    // entering it is where a directory without search permission fails.
    if (job->directory >= 0 && fchdir(job->directory) < 0) {
        job->directory_failed = 1;
        goto failed;
    }
    // What is left of the small private table, except 0-2.
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) goto failed;
    // Every signal at its default action (an ignored one would stay ignored
    // across execve), while all are still blocked: no handler of the parent
    // can run in this child. Then the mask the program starts with.
    struct kernel_sigaction fallback = { .handler = SIG_DFL };
    for (int signo = 1; signo < _NSIG; signo++) {
        if (signo != SIGKILL && signo != SIGSTOP) syscall(SYS_rt_sigaction, signo, &fallback, NULL, _NSIG / 8);
    }
    if (sigprocmask(SIG_SETMASK, job->mask, NULL) != 0) goto failed;
    // The program's own scheduling policy, when it is not to be this
    // thread's (rshd runs its threads SCHED_BATCH, its commands SCHED_OTHER).
    // A refusal is not worth failing the command for: it then runs under
    // this thread's policy, which only changes how eagerly it preempts.
    if (job->policy >= 0) {
        struct sched_param priority = { .sched_priority = 0 };
        syscall(SYS_sched_setscheduler, 0, job->policy, &priority);
    }
    execve(job->path, job->argv, job->envp);
failed:
    // The parent reads this once the child is gone (CLONE_VFORK).
    job->error = errno;
    _exit(127);
}

int crsh_spawn(pid_t *pid, const char *path, char *const argv[], char *const envp[],
               const int stdio[3], const char *terminal, int directory, int keep_below, int policy, void *stack, size_t stack_size,
               int *directory_failed) {
    *directory_failed = 0;
    for (int index = 0; index < 3; index++) {
        if (stdio[index] < 3 || stdio[index] >= keep_below) return EINVAL;
    }
    if (directory >= keep_below || keep_below < 3) return EINVAL;
    sigset_t empty;
    sigemptyset(&empty);
    struct job job = { .path = path, .argv = argv, .envp = envp, .fds = { stdio[0], stdio[1], stdio[2] },
                       .terminal = terminal, .directory = directory, .keep_below = keep_below, .policy = policy, .mask = &empty,
                       .error = 0, .directory_failed = 0 };
    // Blocked in this thread (the child inherits the mask) until the child
    // has reset every handler. The raw call blocks glibc's own two signals too.
    //
    // Except SIGCHLD while no handler is installed for it (as in rshd): then
    // no handler can run in the child, which has no children of its own yet.
    // Blocked, it would cost a wake-up: a short command often exits before
    // clone has returned here, and a SIGCHLD that finds this thread blocking
    // it is queued for the process instead of dropped, so the kernel wakes
    // one of its *other* threads (an idle event loop) only to discard it.
    // (The exit signal cannot simply be 0: execve resets it to SIGCHLD.)
    unsigned long every = ~0UL, previous = 0;
    struct kernel_sigaction child_action;
    if (syscall(SYS_rt_sigaction, SIGCHLD, NULL, &child_action, _NSIG / 8) == 0
        && (child_action.handler == SIG_DFL || child_action.handler == SIG_IGN)) {
        every &= ~(1UL << (SIGCHLD - 1));
    }
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &every, &previous, sizeof(every)) != 0) return errno;
    pid_t child = clone(child_main, (char *)stack + stack_size,
                        CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &job);
    int error = child < 0 ? errno : job.error;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, NULL, sizeof(previous));
    if (child > 0 && error != 0) {
        // It exited (127) without executing anything: reap it, as posix_spawn does.
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    }
    if (error == 0) *pid = child;
    else *directory_failed = child > 0 && job.directory_failed;
    return error;
}
