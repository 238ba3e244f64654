// tls-floor: the least a TLS 1.3 connection costs with this machine's libssl,
// for rsh-bench to hold `rsh` over TLS against, measured in the same rounds.
// rsh-bench builds it with the system's C compiler, as any C program that
// uses libssl is built (cc -O2 tls-floor.c -lssl -lcrypto): a C target of
// the Swift package would be linked by swiftc, with the Swift runtime and
// libstdc++, whose loading is no part of TLS's cost.
//
// It does what `rsh` and the bench's `rshd` (which authenticates no client)
// must do over TLS and nothing else: TLS 1.3 only, no session tickets,
// OpenSSL's default cipher suites, as rsh; the server presents an Ed25519
// certificate and asks for none (the client loads one all the same, as rsh
// makes its own whenever it has a key); and then either one byte each way (a
// one-shot's handshake and round trip) or a child's stdout relayed to the
// client (the stream). It takes every shortcut rsh may not: OpenSSL reads and
// writes the socket itself, the client loads a certificate made beforehand
// instead of making one, and the server's key is checked against nothing.
//
//   tls-floor serve DIR      listens on 127.0.0.1 (a free port), writes the
//                            client's certificate and key into DIR, prints
//                            "listening on 127.0.0.1:PORT", and serves one
//                            connection at a time until killed
//   tls-floor ping IPV4:PORT DIR
//                            one handshake, one byte each way; exits 0
//   tls-floor stream IPV4:PORT DIR BYTES
//                            the server runs `head -c BYTES /dev/zero` and
//                            relays its stdout; the client writes it to its
//                            stdout; exits 0 once BYTES arrived
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
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

// A failed system call: its errno says why.
static _Noreturn void fail(const char *what) {
    fprintf(stderr, "tls-floor: %s: %s\n", what, strerror(errno));
    exit(2);
}

// A failed OpenSSL call: its error queue says why (errno may be left over
// from anything OpenSSL tried on the way).
static _Noreturn void fail_tls(const char *what) {
    fprintf(stderr, "tls-floor: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static int accept_any(int ok, X509_STORE_CTX *store) {
    (void)ok;
    (void)store;
    return 1;
}

static SSL_CTX *context(int server, X509 *certificate, EVP_PKEY *key) {
    SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) || !SSL_CTX_set_num_tickets(ctx, 0)
        || SSL_CTX_use_certificate(ctx, certificate) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        fail_tls("context");
    // The client checks the server's certificate (any will do); the server asks for none.
    if (!server) SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
    return ctx;
}

// An Ed25519 key and a self-signed certificate carrying it.
static X509 *self_signed(EVP_PKEY **key) {
    *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    X509 *certificate = X509_new();
    if (!*key || !certificate || !X509_set_version(certificate, X509_VERSION_3)
        || !ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1)
        || !X509_gmtime_adj(X509_getm_notBefore(certificate), -3600)
        || !X509_gmtime_adj(X509_getm_notAfter(certificate), 86400)
        || !X509_NAME_add_entry_by_txt(X509_get_subject_name(certificate), "CN", MBSTRING_ASC,
                                       (const unsigned char *)"tls-floor", -1, -1, 0)
        || !X509_set_issuer_name(certificate, X509_get_subject_name(certificate))
        || !X509_set_pubkey(certificate, *key) || !X509_sign(certificate, *key, NULL))
        fail_tls("certificate");
    return certificate;
}

static void write_file(const char *dir, const char *name, const unsigned char *bytes, size_t count) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, bytes, count) != (ssize_t)count || close(fd) != 0) fail(path);
}

static size_t read_file(const char *dir, const char *name, unsigned char *bytes, size_t capacity) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t count = fd < 0 ? -1 : read(fd, bytes, capacity);
    if (count <= 0) fail(path);
    close(fd);
    return (size_t)count;
}

static int connected(const char *address) {
    char host[64];
    const char *colon = strrchr(address, ':');
    struct sockaddr_in peer = {.sin_family = AF_INET};
    if (colon && (size_t)(colon - address) < sizeof host) {
        memcpy(host, address, (size_t)(colon - address));
        host[colon - address] = 0;
        peer.sin_port = htons((uint16_t)atoi(colon + 1));
    }
    if (!colon || (size_t)(colon - address) >= sizeof host || inet_pton(AF_INET, host, &peer.sin_addr) != 1) {
        fprintf(stderr, "tls-floor: %s: expected IPV4:PORT\n", address);
        exit(2);
    }
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof peer) != 0) fail("connect");
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int write_all(SSL *ssl, const unsigned char *bytes, size_t count) {
    while (count > 0) {
        size_t written;
        if (!SSL_write_ex(ssl, bytes, count, &written)) return 0;
        bytes += written;
        count -= written;
    }
    return 1;
}

// Runs `head -c BYTES /dev/zero` and relays its stdout to the client.
static void relay(SSL *ssl, uint64_t bytes) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) fail("pipe");
    char count[32];
    snprintf(count, sizeof count, "%llu", (unsigned long long)bytes);
    char *argv[] = {"head", "-c", count, "/dev/zero", NULL};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    pid_t child;
    int error = posix_spawnp(&child, "head", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (error != 0) {
        errno = error;
        fail("spawn head");
    }
    static unsigned char buffer[1 << 17];
    ssize_t count_read;
    while ((count_read = read(pipe_fds[0], buffer, sizeof buffer)) > 0)
        if (!write_all(ssl, buffer, (size_t)count_read)) break;
    close(pipe_fds[0]);
    waitpid(child, NULL, 0);
}

static int serve(const char *dir) {
    EVP_PKEY *key, *client_key;
    X509 *certificate = self_signed(&key), *client_certificate = self_signed(&client_key);
    unsigned char *der = NULL, raw[32];
    int der_count = i2d_X509(client_certificate, &der);
    size_t raw_count = sizeof raw;
    if (der_count <= 0 || !EVP_PKEY_get_raw_private_key(client_key, raw, &raw_count)) fail_tls("client key");
    write_file(dir, "client.der", der, (size_t)der_count);
    write_file(dir, "client.key", raw, raw_count);
    SSL_CTX *ctx = context(1, certificate, key);

    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof address;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 128) != 0
        || getsockname(listener, (struct sockaddr *)&address, &length) != 0)
        fail("listen");
    printf("listening on 127.0.0.1:%d\n", ntohs(address.sin_port));
    fflush(stdout);
    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC), one = 1;
        if (fd < 0) {
            usleep(10000);  // EMFILE and the like: do not spin
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        SSL *ssl = SSL_new(ctx);
        unsigned char request[9];
        size_t count;
        if (ssl && SSL_set_fd(ssl, fd) && SSL_accept(ssl) == 1 && SSL_read_ex(ssl, request, 1, &count)) {
            if (request[0] == 's' && SSL_read_ex(ssl, request + 1, 8, &count) && count == 8) {
                uint64_t bytes;
                memcpy(&bytes, request + 1, 8);
                relay(ssl, bytes);
            } else {
                write_all(ssl, request, 1);
            }
            SSL_shutdown(ssl);
        }
        ERR_clear_error();
        SSL_free(ssl);
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "serve") == 0) return serve(argv[2]);
    int stream = argc == 5 && strcmp(argv[1], "stream") == 0;
    if (!stream && !(argc == 4 && strcmp(argv[1], "ping") == 0)) {
        fprintf(stderr, "usage: tls-floor serve DIR | ping IPV4:PORT DIR | stream IPV4:PORT DIR BYTES\n");
        return 2;
    }
    // As rsh starts OpenSSL: without its table of legacy cipher and digest names.
    OPENSSL_init_ssl(OPENSSL_INIT_NO_ADD_ALL_CIPHERS | OPENSSL_INIT_NO_ADD_ALL_DIGESTS, NULL);
    unsigned char der[4096], raw[64];
    size_t der_count = read_file(argv[3], "client.der", der, sizeof der);
    size_t raw_count = read_file(argv[3], "client.key", raw, sizeof raw);
    const unsigned char *cursor = der;
    X509 *certificate = d2i_X509(NULL, &cursor, (long)der_count);
    EVP_PKEY *key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, raw_count);
    if (!certificate || !key) fail_tls("client certificate");
    SSL_CTX *ctx = context(0, certificate, key);
    SSL *ssl = SSL_new(ctx);
    if (!ssl || !SSL_set_fd(ssl, connected(argv[2])) || SSL_connect(ssl) != 1) fail_tls("handshake");
    if (!stream) {
        unsigned char byte = 'p';
        size_t count;
        if (!write_all(ssl, &byte, 1) || !SSL_read_ex(ssl, &byte, 1, &count)) fail_tls("ping");
        return 0;
    }
    uint64_t bytes = strtoull(argv[4], NULL, 10), received = 0;
    unsigned char request[9] = {'s'};
    memcpy(request + 1, &bytes, 8);
    if (!write_all(ssl, request, sizeof request)) fail_tls("request");
    static unsigned char buffer[1 << 17];
    size_t count;
    while (received < bytes && SSL_read_ex(ssl, buffer, sizeof buffer, &count)) {
        for (size_t done = 0; done < count;) {
            ssize_t written = write(1, buffer + done, count - done);
            if (written <= 0) fail("stdout");
            done += (size_t)written;
        }
        received += count;
    }
    if (received != bytes) fail_tls("the stream (it ended early)");
    return 0;
}
