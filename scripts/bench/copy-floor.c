// copy-floor: the least a verified, atomic copy of a file costs on this
// machine, for rsh-bench to hold `rsh cp` against, measured in the same
// rounds. rsh-bench builds it with the system's C compiler, as it builds
// tls-floor.c (cc -O2 copy-floor.c -lcrypto).
//
// It does what any copy that `rsh cp` could be must do, and nothing else:
// two processes joined by a loopback TCP connection; the sender reads the
// file and hashes it (libcrypto's SHA-256, as rsh) while sending it, then
// sends the digest; the receiver hashes what arrives while writing it into
// a temporary file beside the destination (O_CREAT | O_EXCL | O_NOFOLLOW,
// mode 0600), checks the size and the digest, sets the mode, calls fsync
// and renames the file over the destination. It takes every shortcut rsh
// may not: no framing, no protocol, no flow control but TCP's, no
// progress, and reads of up to 1 MiB.
//
//   copy-floor SOURCE DESTINATION
//                    copies SOURCE to DESTINATION; exits 0 when the copy
//                    arrived whole and verified, 1 otherwise
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHUNK = 1 << 20, DIGEST = 32 };

// The receiver's temporary file, removed by any failure.
static const char *temporary_path;

static _Noreturn void fail(const char *what) {
    fprintf(stderr, "copy-floor: %s: %s\n", what, strerror(errno));
    if (temporary_path != NULL) unlink(temporary_path);
    exit(1);
}

// Writes all of `bytes` to a file or a socket (SIGPIPE is ignored: a
// receiver gone is an EPIPE here).
static void write_all(int fd, const unsigned char *bytes, size_t count) {
    while (count > 0) {
        ssize_t written = write(fd, bytes, count);
        if (written < 0) {
            if (errno == EINTR) continue;
            fail("write");
        }
        bytes += written;
        count -= (size_t)written;
    }
}

// Reads at most `count` bytes, at least one: an early end is a failure.
static size_t read_some(int fd, unsigned char *bytes, size_t count) {
    for (;;) {
        ssize_t got = read(fd, bytes, count);
        if (got > 0) return (size_t)got;
        if (got < 0 && errno == EINTR) continue;
        if (got == 0) errno = ENODATA;
        fail("read");
    }
}

// Reads exactly `count` bytes, or fails.
static void read_all(int fd, unsigned char *bytes, size_t count) {
    while (count > 0) {
        size_t got = read_some(fd, bytes, count);
        bytes += got;
        count -= got;
    }
}

static EVP_MD_CTX *new_hash(void) {
    EVP_MD_CTX *hash = EVP_MD_CTX_new();
    if (hash == NULL || EVP_DigestInit_ex2(hash, EVP_sha256(), NULL) != 1) {
        fprintf(stderr, "copy-floor: SHA-256 unavailable\n");
        exit(1);
    }
    return hash;
}

// Moves `size` bytes from `from` to `to`, up to a CHUNK at a time, hashing
// them on the way: the sender's loop (file to socket) and the receiver's
// (socket to file) alike.
static void relay_hashed(int from, int to, uint64_t size, EVP_MD_CTX *hash) {
    unsigned char *buffer = malloc(CHUNK);
    if (buffer == NULL) fail("malloc");
    for (uint64_t done = 0; done < size;) {
        size_t got = read_some(from, buffer, size - done < CHUNK ? (size_t)(size - done) : CHUNK);
        EVP_DigestUpdate(hash, buffer, got);
        write_all(to, buffer, got);
        done += got;
    }
    free(buffer);
}

// The sender: the size, the bytes, the digest.
static void send_file(const char *path, int socket) {
    int fd = open(path, O_RDONLY | O_NOCTTY);
    if (fd < 0) fail(path);
    struct stat status;
    if (fstat(fd, &status) != 0) fail("fstat");
    uint64_t size = (uint64_t)status.st_size;
    uint32_t mode = status.st_mode & 07777;
    unsigned char head[12];
    memcpy(head, &size, 8);
    memcpy(head + 8, &mode, 4);
    write_all(socket, head, sizeof head);
    EVP_MD_CTX *hash = new_hash();
    relay_hashed(fd, socket, size, hash);
    unsigned char digest[DIGEST];
    EVP_DigestFinal_ex(hash, digest, NULL);
    write_all(socket, digest, DIGEST);
    // The receiver's one byte says the copy is in place.
    unsigned char verdict = 0;
    read_all(socket, &verdict, 1);
    if (verdict != 1) {
        fprintf(stderr, "copy-floor: the receiver refused the copy\n");
        exit(1);
    }
}

// The receiver: into a temporary file beside `destination`, renamed over it
// once the size and the digest check out.
static void receive_file(const char *destination, int socket) {
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.copy-floor-%d", destination, getpid()) >= (int)sizeof temporary) {
        errno = ENAMETOOLONG;
        fail(destination);
    }
    unsigned char head[12];
    read_all(socket, head, sizeof head);
    uint64_t size;
    uint32_t mode;
    memcpy(&size, head, 8);
    memcpy(&mode, head + 8, 4);
    int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0) fail(temporary);
    temporary_path = temporary;
    EVP_MD_CTX *hash = new_hash();
    relay_hashed(socket, fd, size, hash);
    unsigned char sent[DIGEST], digest[DIGEST];
    read_all(socket, sent, DIGEST);
    EVP_DigestFinal_ex(hash, digest, NULL);
    unsigned char verdict = memcmp(sent, digest, DIGEST) == 0;
    if (!verdict || fchmod(fd, mode) != 0 || fsync(fd) != 0 || rename(temporary, destination) != 0) {
        unlink(temporary);
        verdict = 0;
    }
    temporary_path = NULL;
    close(fd);
    write_all(socket, &verdict, 1);
    if (!verdict) exit(1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: copy-floor SOURCE DESTINATION\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        fail("listen");
    pid_t receiver = fork();
    if (receiver < 0) fail("fork");
    if (receiver == 0) {
        int connection = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (connection < 0) fail("accept");
        close(listener);
        receive_file(argv[2], connection);
        _exit(0);
    }
    close(listener);
    int connection = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connection < 0 || connect(connection, (struct sockaddr *)&address, sizeof address) != 0) fail("connect");
    send_file(argv[1], connection);
    int status;
    while (waitpid(receiver, &status, 0) < 0)
        if (errno != EINTR) fail("waitpid");
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
