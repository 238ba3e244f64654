// The prompt's line editor: the system's libedit, loaded with dlopen only
// when the prompt starts (line_editor.c says why), behind a few calls Swift
// can make (libedit's el_set and history are variadic).
#ifndef CLINE_EDITOR_H
#define CLINE_EDITOR_H

#include <stddef.h>

typedef struct crsh_line_editor crsh_line_editor;

/// Loads libedit and sets up an editor reading `input` and drawing on
/// `output` (both the terminal), with emacs keys and the history in
/// `history_path` (loaded now, if it exists). A readable `interrupt_fd`
/// (-1: none) ends the line being edited. NULL, with why in `error`, when
/// libedit cannot be loaded.
crsh_line_editor *crsh_line_editor_open(const char *program, int input, int output, int interrupt_fd,
                                        const char *history_path, char *error, size_t error_size);

/// Reads one line, showing `prompt`. Returns 1 with the line (UTF-8, without
/// its newline, valid until the next call) in `line` and `length`; 0 at the
/// end of input (Ctrl-D on an empty line); -1 when `interrupt_fd` became
/// readable (it is not read here).
int crsh_line_editor_read(crsh_line_editor *editor, const char *prompt, const char **line, size_t *length);

/// Adds a line to the history, and saves the history (to a new file renamed
/// over the old one, so that it is never left half-written). Returns 0 or an
/// errno value from the save.
int crsh_line_editor_remember(crsh_line_editor *editor, const char *line);

void crsh_line_editor_close(crsh_line_editor *editor);

#endif
