// The prompt's line editor, on the system's libedit (BSD-licensed).
//
// libedit is loaded with dlopen when the prompt starts, not linked: linking
// it makes the dynamic loader map it and its own libraries (libtinfo, libbsd,
// libmd) at every start of rsh, about 0.5 ms here, against ~2.4 ms for a
// whole `rsh HOST true` (BENCHMARKS.md); only the prompt needs it. Its
// header (libedit-dev) gives the types the symbols are looked up as.
//
// Keys come through our own read function (EL_GETCFN): it decodes UTF-8
// itself, so a line is UTF-8 whatever the locale, and it watches the
// signalfd rsh reads SIGINT from, so that Ctrl-C ends the line being edited
// (libedit leaves ISIG on while it edits, so the key is a signal, not a byte).
#define _GNU_SOURCE
#include "CLineEditor.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

struct crsh_line_editor {
    void *library;
    __typeof__(el_init_fd) *el_init_fd;
    __typeof__(el_end) *el_end;
    __typeof__(el_set) *el_set;
    __typeof__(el_wgets) *el_wgets;
    __typeof__(el_source) *el_source;
    __typeof__(history_init) *history_init;
    __typeof__(history_end) *history_end;
    __typeof__(history) *history;
    EditLine *editline;
    History *entries;
    FILE *input_file;
    FILE *output_file;
    int input;
    int interrupt_fd;
    int interrupted;
    char *history_path;
    const char *prompt;
    char *line;
    size_t line_capacity;
};

// The one editor of this process (rsh is single-threaded): libedit's
// callbacks reach it here.
static crsh_line_editor *current;

static char *prompt_text(EditLine *editline) {
    (void)editline;
    return (char *)(current && current->prompt ? current->prompt : "");
}

// One byte of input, or -1 when interrupted (`interrupted` set) or on an
// error, 0 at end of file.
static int next_byte(crsh_line_editor *editor, unsigned char *byte) {
    for (;;) {
        struct pollfd fds[2] = { { .fd = editor->input, .events = POLLIN },
                                 { .fd = editor->interrupt_fd, .events = POLLIN } };
        int count = poll(fds, editor->interrupt_fd >= 0 ? 2 : 1, -1);
        if (count < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (editor->interrupt_fd >= 0 && fds[1].revents) {
            editor->interrupted = 1;
            return -1;
        }
        if (!fds[0].revents) continue;
        ssize_t got = read(editor->input, byte, 1);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return got < 0 ? -1 : (int)got;
    }
}

// libedit's EL_GETCFN: one character. A byte that does not start a valid
// UTF-8 sequence (or a sequence cut short) is U+FFFD.
static int read_character(EditLine *editline, wchar_t *character) {
    (void)editline;
    unsigned char byte;
    int got = next_byte(current, &byte);
    if (got <= 0) return got;
    int more = byte < 0x80 ? 0 : (byte & 0xE0) == 0xC0 ? 1 : (byte & 0xF0) == 0xE0 ? 2 : (byte & 0xF8) == 0xF0 ? 3 : -1;
    if (more < 0) {
        *character = 0xFFFD;
        return 1;
    }
    wchar_t value = more == 0 ? byte : more == 1 ? (byte & 0x1F) : more == 2 ? (byte & 0x0F) : (byte & 0x07);
    for (int index = 0; index < more; index++) {
        got = next_byte(current, &byte);
        if (got <= 0) return got;
        if ((byte & 0xC0) != 0x80) {
            value = 0xFFFD;
            break;
        }
        value = (value << 6) | (byte & 0x3F);
    }
    *character = value;
    return 1;
}

// Makes the locale's character type UTF-8, so that libedit measures and
// draws characters beyond ASCII: the user's, when it is UTF-8 already.
static void use_utf8(void) {
    if (setlocale(LC_CTYPE, "") && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return;
    if (!setlocale(LC_CTYPE, "C.UTF-8")) setlocale(LC_CTYPE, "C.utf8");
}

static int load(crsh_line_editor *editor, char *error, size_t error_size) {
    const char *names[] = { "libedit.so.2", "libedit.so" };
    for (size_t index = 0; index < 2 && !editor->library; index++) {
        editor->library = dlopen(names[index], RTLD_NOW | RTLD_LOCAL);
    }
    if (!editor->library) {
        snprintf(error, error_size, "%s", dlerror());
        return -1;
    }
#define LOOK_UP(name)                                                           \
    if (!(editor->name = (__typeof__(name) *)dlsym(editor->library, #name))) { \
        snprintf(error, error_size, "libedit has no %s", #name);              \
        return -1;                                                              \
    }
    LOOK_UP(el_init_fd) LOOK_UP(el_end) LOOK_UP(el_set) LOOK_UP(el_wgets) LOOK_UP(el_source)
    LOOK_UP(history_init) LOOK_UP(history_end) LOOK_UP(history)
#undef LOOK_UP
    return 0;
}

crsh_line_editor *crsh_line_editor_open(const char *program, int input, int output, int interrupt_fd,
                                        const char *history_path, char *error, size_t error_size) {
    crsh_line_editor *editor = calloc(1, sizeof(*editor));
    if (!editor) {
        snprintf(error, error_size, "out of memory");
        return NULL;
    }
    editor->input = input;
    editor->interrupt_fd = interrupt_fd;
    if (load(editor, error, error_size) != 0) {
        crsh_line_editor_close(editor);
        return NULL;
    }
    use_utf8();
    // Streams of their own on copies of the descriptors: closing them closes
    // only the copies.
    int input_copy = fcntl(input, F_DUPFD_CLOEXEC, 3), output_copy = fcntl(output, F_DUPFD_CLOEXEC, 3);
    editor->input_file = input_copy >= 0 ? fdopen(input_copy, "r") : NULL;
    editor->output_file = output_copy >= 0 ? fdopen(output_copy, "w") : NULL;
    if (!editor->input_file || !editor->output_file) {
        if (!editor->input_file && input_copy >= 0) close(input_copy);
        if (!editor->output_file && output_copy >= 0) close(output_copy);
        snprintf(error, error_size, "%s", strerror(errno));
        crsh_line_editor_close(editor);
        return NULL;
    }
    editor->editline = editor->el_init_fd(program, editor->input_file, editor->output_file, editor->output_file,
                                          input, output, output);
    editor->entries = editor->history_init();
    if (!editor->editline || !editor->entries) {
        snprintf(error, error_size, "libedit could not start");
        crsh_line_editor_close(editor);
        return NULL;
    }
    current = editor;
    HistEvent event;
    editor->history(editor->entries, &event, H_SETSIZE, 1000);
    editor->history(editor->entries, &event, H_SETUNIQUE, 1);
    if (history_path) {
        editor->history_path = strdup(history_path);
        editor->history(editor->entries, &event, H_LOAD, history_path);
    }
    EditLine *line = editor->editline;
    editor->el_set(line, EL_EDITOR, "emacs");
    editor->el_set(line, EL_SIGNAL, 0);
    editor->el_set(line, EL_PROMPT, prompt_text);
    editor->el_set(line, EL_HIST, editor->history, editor->entries);
    editor->el_set(line, EL_GETCFN, read_character);
    // The keys of readline and most shells, where libedit's emacs map differs.
    editor->el_set(line, EL_BIND, "^W", "ed-delete-prev-word", NULL);
    editor->el_set(line, EL_BIND, "^U", "vi-kill-line-prev", NULL);
    editor->el_set(line, EL_BIND, "^R", "em-inc-search-prev", NULL);
    editor->el_set(line, EL_BIND, "^S", "em-inc-search-next", NULL);
    const char *home[] = { "\\e[H", "\\eOH", "\\e[1~", "\\e[7~" };
    const char *end[] = { "\\e[F", "\\eOF", "\\e[4~", "\\e[8~" };
    for (int index = 0; index < 4; index++) {
        editor->el_set(line, EL_BIND, home[index], "ed-move-to-beg", NULL);
        editor->el_set(line, EL_BIND, end[index], "ed-move-to-end", NULL);
    }
    editor->el_set(line, EL_BIND, "\\e[3~", "ed-delete-next-char", NULL);
    // The user's own bindings, as every libedit program reads them (~/.editrc).
    editor->el_source(line, NULL);
    return editor;
}

int crsh_line_editor_read(crsh_line_editor *editor, const char *prompt, const char **line, size_t *length) {
    current = editor;
    editor->prompt = prompt;
    editor->interrupted = 0;
    int count = 0;
    const wchar_t *text = editor->el_wgets(editor->editline, &count);
    if (editor->interrupted) return -1;
    if (!text || count <= 0) return 0;
    // Back to UTF-8, without the newline.
    size_t needed = (size_t)count * 4 + 1;
    if (needed > editor->line_capacity) {
        char *grown = realloc(editor->line, needed);
        if (!grown) return 0;
        editor->line = grown;
        editor->line_capacity = needed;
    }
    size_t out = 0;
    for (int index = 0; index < count; index++) {
        unsigned long value = (unsigned long)text[index];
        if (value == '\n' && index == count - 1) break;
        if (value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) value = 0xFFFD;
        if (value < 0x80) {
            editor->line[out++] = (char)value;
        } else if (value < 0x800) {
            editor->line[out++] = (char)(0xC0 | (value >> 6));
            editor->line[out++] = (char)(0x80 | (value & 0x3F));
        } else if (value < 0x10000) {
            editor->line[out++] = (char)(0xE0 | (value >> 12));
            editor->line[out++] = (char)(0x80 | ((value >> 6) & 0x3F));
            editor->line[out++] = (char)(0x80 | (value & 0x3F));
        } else {
            editor->line[out++] = (char)(0xF0 | (value >> 18));
            editor->line[out++] = (char)(0x80 | ((value >> 12) & 0x3F));
            editor->line[out++] = (char)(0x80 | ((value >> 6) & 0x3F));
            editor->line[out++] = (char)(0x80 | (value & 0x3F));
        }
    }
    editor->line[out] = 0;
    *line = editor->line;
    *length = out;
    return 1;
}

int crsh_line_editor_remember(crsh_line_editor *editor, const char *line) {
    HistEvent event;
    editor->history(editor->entries, &event, H_ENTER, line);
    if (!editor->history_path) return 0;
    size_t size = strlen(editor->history_path) + 32;
    char *temporary = malloc(size);
    if (!temporary) return ENOMEM;
    snprintf(temporary, size, "%s.%ld.tmp", editor->history_path, (long)getpid());
    int result = 0;
    if (editor->history(editor->entries, &event, H_SAVE, temporary) < 0) {
        result = errno ? errno : EIO;
        unlink(temporary);
    } else if (rename(temporary, editor->history_path) != 0) {
        result = errno;
        unlink(temporary);
    }
    free(temporary);
    return result;
}

void crsh_line_editor_close(crsh_line_editor *editor) {
    if (!editor) return;
    if (editor->editline) editor->el_end(editor->editline);
    if (editor->entries) editor->history_end(editor->entries);
    if (editor->input_file) fclose(editor->input_file);
    if (editor->output_file) fclose(editor->output_file);
    if (editor->library) dlclose(editor->library);
    if (current == editor) current = NULL;
    free(editor->history_path);
    free(editor->line);
    free(editor);
}
