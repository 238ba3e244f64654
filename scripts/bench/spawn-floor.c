// spawn-floor: the least a server that runs its clients' commands costs on
// this machine, for rsh-bench to hold rshd against on the echo workloads,
// measured in the same rounds and driven by the same load generator. rsh-bench
// builds it with the system's C compiler (cc -O2 spawn-floor.c -lpthread).
//
// It speaks the classic protocol of the course's servers and does what rshd
// must do for each command, and nothing else: the command is run by
// `/bin/sh -c` with posix_spawn (glibc's is vfork-like), in a process group
// of its own, under SCHED_OTHER while the server runs SCHED_BATCH (rshd's
// default, which keeps its wake-ups from preempting the commands), stdin
// from /dev/null, stdout and stderr on pipes of their own; both pipes are
// read to their end (poll), the child is reaped, and the reply goes out in
// one send: a 4-byte little-endian header length, a JSON header with
// `total_size` and `exit_code`, then stderr and stdout. One thread per
// connection. It takes every shortcut rshd may not: no limits, no
// timeouts, no signals forwarded, no flow control, no v1 protocol, and one
// read is one command whatever its size.
//
//   spawn-floor     listens on 127.0.0.1 (a free port), prints
//                   "listening on 127.0.0.1:PORT", and serves until killed
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static _Noreturn void fail(const char *what) {
    fprintf(stderr, "spawn-floor: %s: %s\n", what, strerror(errno));
    exit(2);
}

// A growing buffer: one command's output, or its reply.
struct bytes {
    char *data;
    size_t count, capacity;
};

static void append(struct bytes *buffer, const void *data, size_t count) {
    if (buffer->count + count > buffer->capacity) {
        size_t capacity = buffer->capacity ? buffer->capacity : 4096;
        while (capacity < buffer->count + count) capacity *= 2;
        buffer->data = realloc(buffer->data, capacity);
        if (buffer->data == NULL) fail("realloc");
        buffer->capacity = capacity;
    }
    memcpy(buffer->data + buffer->count, data, count);
    buffer->count += count;
}

// Runs `command` and reads its stdout and stderr to their end; returns its
// exit code (128 + the signal for a command killed by one), or 127, the
// shell's, if it could not be started.
static int run(const char *command, int devnull, struct bytes *out, struct bytes *err) {
    int stdout_pipe[2], stderr_pipe[2];
    if (pipe2(stdout_pipe, O_CLOEXEC) != 0) fail("pipe2");
    if (pipe2(stderr_pipe, O_CLOEXEC) != 0) fail("pipe2");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, devnull, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, stderr_pipe[1], 2);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSCHEDULER);
    posix_spawnattr_setpgroup(&attributes, 0);
    struct sched_param priority = {0};
    posix_spawnattr_setschedpolicy(&attributes, SCHED_OTHER);
    posix_spawnattr_setschedparam(&attributes, &priority);
    char *argv[] = {"sh", "-c", (char *)command, NULL};
    pid_t child;
    int spawned = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(stdout_pipe[1]);
    close(stderr_pipe[1]);
    struct pollfd pipes[2] = {{.fd = stdout_pipe[0], .events = POLLIN}, {.fd = stderr_pipe[0], .events = POLLIN}};
    struct bytes *sinks[2] = {out, err};
    int open_pipes = 2;
    char chunk[65536];
    while (spawned == 0 && open_pipes > 0) {
        if (poll(pipes, 2, -1) < 0) {
            if (errno == EINTR) continue;
            fail("poll");
        }
        for (int index = 0; index < 2; index++) {
            if (pipes[index].fd < 0 || pipes[index].revents == 0) continue;
            ssize_t count = read(pipes[index].fd, chunk, sizeof chunk);
            if (count > 0) {
                append(sinks[index], chunk, (size_t)count);
            } else if (count == 0 || errno != EINTR) {
                close(pipes[index].fd);
                pipes[index].fd = -1;
                open_pipes--;
            }
        }
    }
    for (int index = 0; index < 2; index++)
        if (pipes[index].fd >= 0) close(pipes[index].fd);
    if (spawned != 0) return 127;
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR) fail("waitpid");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *serve(void *argument) {
    int connection = (int)(intptr_t)argument;
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) fail("/dev/null");
    char command[65537];
    struct bytes out = {0}, err = {0}, reply = {0};
    for (;;) {
        ssize_t count = recv(connection, command, sizeof command - 1, 0);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        command[count] = '\0';
        out.count = err.count = reply.count = 0;
        int code = run(command, devnull, &out, &err);
        char header[128];
        int header_length = snprintf(header, sizeof header, "{\"total_size\": %zu, \"exit_code\": %d}", out.count + err.count, code);
        uint32_t length = (uint32_t)header_length;
        unsigned char prefix[4] = {length & 0xff, (length >> 8) & 0xff, (length >> 16) & 0xff, length >> 24};
        append(&reply, prefix, 4);
        append(&reply, header, (size_t)header_length);
        append(&reply, err.data ? err.data : "", err.count);
        append(&reply, out.data ? out.data : "", out.count);
        size_t sent = 0;
        while (sent < reply.count) {
            ssize_t written = send(connection, reply.data + sent, reply.count - sent, MSG_NOSIGNAL);
            if (written < 0 && errno == EINTR) continue;
            if (written < 0) goto done;
            sent += (size_t)written;
        }
    }
done:
    close(devnull);
    close(connection);
    free(out.data);
    free(err.data);
    free(reply.data);
    return NULL;
}

int main(void) {
    // As rshd: the server's threads run SCHED_BATCH, so that their wake-ups
    // do not preempt the commands, which run SCHED_OTHER.
    struct sched_param priority = {0};
    if (sched_setscheduler(0, SCHED_BATCH, &priority) != 0) fail("sched_setscheduler");
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 128) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        fail("listen");
    printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
    fflush(stdout);
    for (;;) {
        int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (connection < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            fail("accept");
        }
        int one = 1;
        setsockopt(connection, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, serve, (void *)(intptr_t)connection) != 0) fail("pthread_create");
        pthread_attr_destroy(&attributes);
    }
}
