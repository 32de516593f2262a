/* lineedit.c — the "tide.readline" module: GNU readline for the REPL (lua/tide/repl.lua).
 *
 *   rl.readline(prompt)      -> line | nil (end of input) | false (Ctrl-C: the line is dropped)
 *   rl.add_history(line)
 *   rl.history(path, max)    load history from path and save it there at exit (failures ignored)
 *   rl.set_completer(fn)     fn(word, line) -> list of completions for the word before the cursor
 *   rl.isatty()              is standard input a terminal
 *
 * Readline runs in its callback mode under our own select() loop, as CPython does, so that
 * Ctrl-C can abandon the line cleanly instead of killing the process. When standard input is
 * not a terminal, lines are read plainly and no prompt is written.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <readline/history.h>
#include <readline/readline.h>

#include "launcher.h"

static volatile sig_atomic_t got_sigint, got_sigwinch;
static char *line_result;
static int line_done;

static lua_State *completion_L; /* the state running rl.readline, while it waits */
static int completer_ref = LUA_NOREF;
static const char **completions;
static size_t n_completions, next_completion;

static char *history_path;

static void on_sigint(int sig) { (void)sig; got_sigint = 1; }
static void on_sigwinch(int sig) { (void)sig; got_sigwinch = 1; }

static void on_line(char *line)
{
    line_result = line;
    line_done = 1;
    rl_callback_handler_remove();
}

/* ---------------------------------------------------------------- completion */

static char *next_match(const char *text, int state)
{
    (void)text; /* the Lua completer already filtered by it */
    if (state == 0) next_completion = 0;
    if (next_completion < n_completions) return strdup(completions[next_completion++]);
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)start; (void)end;
    rl_attempted_completion_over = 1; /* never fall back to file names */
    rl_completion_append_character = '\0';
    lua_State *L = completion_L;
    if (!L || completer_ref == LUA_NOREF) return NULL;
    int top = lua_gettop(L);
    char **matches = NULL;
    lua_rawgeti(L, LUA_REGISTRYINDEX, completer_ref);
    lua_pushstring(L, text);
    lua_pushstring(L, rl_line_buffer ? rl_line_buffer : "");
    if (lua_pcall(L, 2, 1, 0) == 0 && lua_istable(L, -1)) {
        size_t n = lua_objlen(L, -1);
        completions = n ? malloc(n * sizeof *completions) : NULL;
        if (completions) {
            n_completions = 0;
            for (size_t i = 1; i <= n; i++) {
                lua_rawgeti(L, -1, (int)i);
                const char *s = lua_tostring(L, -1);
                lua_pop(L, 1); /* still referenced by the table on the stack */
                if (s) completions[n_completions++] = s;
            }
            if (n_completions) matches = rl_completion_matches(text, next_match);
            free(completions);
            completions = NULL;
            n_completions = 0;
        }
    }
    lua_settop(L, top);
    return matches;
}

/* ---------------------------------------------------------------- reading a line */

/* No terminal: read up to a newline, without prompt or editing. */
static int read_plain(lua_State *L)
{
    luaL_Buffer b;
    int c, any = 0;
    luaL_buffinit(L, &b);
    while ((c = getchar()) != EOF && c != '\n') {
        luaL_addchar(&b, (char)c);
        any = 1;
    }
    luaL_pushresult(&b);
    if (c == EOF) {
        int failed = ferror(stdin);
        clearerr(stdin);
        if (failed && !any) return luaL_error(L, "readline: cannot read standard input: %s", strerror(errno));
        if (!any) {
            lua_pop(L, 1);
            lua_pushnil(L);
        }
    }
    return 1;
}

static int l_readline(lua_State *L)
{
    const char *prompt = luaL_optstring(L, 1, "> ");
    if (!isatty(STDIN_FILENO)) return read_plain(L);

    struct sigaction sa, old_int, old_winch;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: select() must return EINTR */
    sa.sa_handler = on_sigint;
    if (sigaction(SIGINT, &sa, &old_int) != 0) return luaL_error(L, "readline: sigaction: %s", strerror(errno));
    sa.sa_handler = on_sigwinch;
    int have_winch = sigaction(SIGWINCH, &sa, &old_winch) == 0;

    got_sigint = got_sigwinch = 0;
    line_done = 0;
    line_result = NULL;
    completion_L = L;
    rl_callback_handler_install(prompt, on_line);

    int interrupted = 0, err = 0;
    while (!line_done) {
        int fd = fileno(rl_instream ? rl_instream : stdin);
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        int r = select(fd + 1, &fds, NULL, NULL, NULL);
        if (r < 0) {
            if (errno != EINTR) { err = errno; break; }
            if (got_sigint) { interrupted = 1; break; }
            if (got_sigwinch) { got_sigwinch = 0; rl_resize_terminal(); }
            continue;
        }
        rl_callback_read_char();
    }
    if (!line_done) { /* abandon the line being edited */
        rl_free_line_state();
#if RL_READLINE_VERSION >= 0x0700
        rl_callback_sigcleanup();
#endif
        rl_cleanup_after_signal();
        rl_callback_handler_remove();
        fputc('\n', stdout);
        fflush(stdout);
    }
    completion_L = NULL;
    sigaction(SIGINT, &old_int, NULL);
    if (have_winch) sigaction(SIGWINCH, &old_winch, NULL);
    tide_interrupt_arm();

    if (err) return luaL_error(L, "readline: %s", strerror(err));
    if (interrupted) {
        lua_pushboolean(L, 0);
    } else if (line_result) {
        lua_pushstring(L, line_result);
        free(line_result);
        line_result = NULL;
    } else {
        lua_pushnil(L);
    }
    return 1;
}

/* ---------------------------------------------------------------- history */

static void save_history(void)
{
    if (history_path) (void)write_history(history_path); /* e.g. read-only home: not an error */
    free(history_path);
    history_path = NULL;
}

static int l_history(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int max = (int)luaL_optinteger(L, 2, 1000);
    static int registered;
    char *copy = strdup(path);
    if (!copy) return luaL_error(L, "readline: out of memory");
    free(history_path);
    history_path = copy;
    if (max > 0) stifle_history(max);
    (void)read_history(path); /* a missing file just means no history yet */
    if (!registered) registered = atexit(save_history) == 0;
    lua_pushboolean(L, registered);
    return 1;
}

static int l_add_history(lua_State *L)
{
    add_history(luaL_checkstring(L, 1));
    return 0;
}

static int l_set_completer(lua_State *L)
{
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TFUNCTION);
    luaL_unref(L, LUA_REGISTRYINDEX, completer_ref);
    completer_ref = LUA_NOREF;
    if (!lua_isnoneornil(L, 1)) {
        lua_pushvalue(L, 1);
        completer_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 0;
}

static int l_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty(STDIN_FILENO));
    return 1;
}

int tide_open_readline(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"readline", l_readline},     {"add_history", l_add_history}, {"history", l_history},
        {"set_completer", l_set_completer}, {"isatty", l_isatty},     {NULL, NULL}};
    rl_readline_name = "tide"; /* for $if tide in ~/.inputrc */
    rl_catch_signals = 0;      /* SIGINT is ours (see l_readline) */
    rl_attempted_completion_function = complete;
    rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{}()[]+-*/%^~#,";
    lua_newtable(L);
    luaL_register(L, NULL, fns);
    return 1;
}
