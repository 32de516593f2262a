/* tide.c — the `tide` command: LuaJIT with the Tide library on its path.
 *
 *   tide [options] [script [args]]   like lua(1): -e CODE, -l MOD, -i, -v, -, --
 *   tide run RECIPE [options]        run recipes/RECIPE.lua (or a path to a .lua file)
 *   tide recipes                     list the recipes with their one-line descriptions
 *   tide --env                       shell exports so that plain luajit can require("tide")
 *
 * The launcher finds its tree from its own executable: EXEDIR/bindings/tide/paths.lua in a
 * build tree, EXEDIR/../share/tide/bindings/tide/paths.lua when installed (or $TIDE_HOME, a
 * bindings directory). It puts Tide's Lua directories first on package.path and leaves the
 * rest to Lua: tide.cli (recipes, --env) and tide.repl (the interactive prompt).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>

#include "launcher.h"

#define PATHS_KEY "tide.launcher.paths" /* registry: the table tide/paths.lua returned */

static const char *progname = "tide";
static lua_State *globalL;

static const char usage_text[] =
    "usage: tide [options] [script [args]]\n"
    "       tide run RECIPE [recipe options]\n"
    "       tide recipes\n"
    "\n"
    "Runs Lua (LuaJIT) with the Tide library on its path. With no arguments, starts the\n"
    "interactive prompt, or runs standard input when it is not a terminal.\n"
    "\n"
    "Commands:\n"
    "  run RECIPE      run a recipe: a name listed by `tide recipes`, or a path to a .lua\n"
    "                  file; the options after it reach the recipe as `arg` and `...`\n"
    "  recipes         list the available recipes with their descriptions\n"
    "\n"
    "Options:\n"
    "  -e CODE         execute the Lua string CODE (may be repeated)\n"
    "  -l MOD          require module MOD (stored in global MOD when it is a plain name)\n"
    "  -i              enter the interactive prompt after the script or -e\n"
    "  -v, --version   print the version\n"
    "  -h, --help      print this help\n"
    "  --env           print shell exports so plain luajit can require(\"tide\"):\n"
    "                    eval \"$(tide --env)\"\n"
    "  --              stop handling options\n"
    "  -               run standard input\n"
    "\n"
    "Environment:\n"
    "  TIDE_HOME       a bindings directory (holding tide/paths.lua) to use instead of the\n"
    "                  one found next to this executable\n";

/* ---------------------------------------------------------------- Ctrl-C */

static void lstop(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* A second Ctrl-C before Lua notices the first one kills the process (handler reset). */
static void laction(int sig)
{
    signal(sig, SIG_DFL);
    if (globalL) lua_sethook(globalL, lstop, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

void tide_interrupt_arm(void) { signal(SIGINT, laction); }
void tide_interrupt_disarm(void) { signal(SIGINT, SIG_DFL); }

/* ---------------------------------------------------------------- running Lua */

static void report(lua_State *L, int status)
{
    if (status && !lua_isnil(L, -1)) {
        const char *msg = lua_tostring(L, -1);
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", progname, msg ? msg : "(error object is not a string)");
        fflush(stderr);
        lua_pop(L, 1);
    }
}

static int traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

/* Calls the function below its narg arguments with a traceback handler; reports errors. */
static int docall(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    tide_interrupt_arm();
    int status = lua_pcall(L, narg, nres, base);
    tide_interrupt_disarm();
    lua_remove(L, base);
    if (status) lua_gc(L, LUA_GCCOLLECT, 0); /* an error may leave large temporaries */
    report(L, status);
    return status;
}

static int dostring(lua_State *L, const char *code, const char *name)
{
    int status = luaL_loadbuffer(L, code, strlen(code), name);
    if (status) { report(L, status); return status; }
    return docall(L, 0, 0);
}

/* Loads the chunk (NULL: standard input) and calls it with argv[first..argc-1] as `...`. */
static int doscript(lua_State *L, const char *fname, char **argv, int argc, int first)
{
    int status = luaL_loadfile(L, fname);
    if (status) { report(L, status); return status; }
    luaL_checkstack(L, argc - first + 3, "too many arguments to script");
    for (int i = first; i < argc; i++) lua_pushstring(L, argv[i]);
    return docall(L, argc - first, 0);
}

/* The global `arg` as lua.c makes it: arg[0] is the script, the options before it negative. */
static void set_arg_table(lua_State *L, char **argv, int argc, int script)
{
    lua_createtable(L, argc - script > 0 ? argc - script : 0, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

/* Calls require("tide.cli")[fn] with the narg values on the stack; leaves nres results. */
static int call_cli(lua_State *L, const char *fn, int narg, int nres)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, "tide.cli");
    int status = docall(L, 1, 1);
    if (status) { lua_pop(L, narg); return status; }
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_insert(L, -narg - 1);
    return docall(L, narg, nres);
}

/* ---------------------------------------------------------------- finding the tree */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Puts the real path of the bindings directory in out, or pushes an error message. */
static int find_bindings(lua_State *L, char *out, size_t n)
{
    char exe[PATH_MAX], dir[PATH_MAX + 32], probe[PATH_MAX + 64];
    const char *home = getenv("TIDE_HOME");
    if (home && *home) {
        snprintf(probe, sizeof probe, "%s/tide/paths.lua", home);
        if (!is_file(probe)) {
            lua_pushfstring(L, "TIDE_HOME=%s is not a bindings directory (no tide/paths.lua in it)", home);
            return -1;
        }
        snprintf(dir, sizeof dir, "%s", home);
    } else {
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (k < 0 || (size_t)k >= sizeof exe - 1) {
            lua_pushfstring(L, "cannot locate the tide executable (/proc/self/exe): %s",
                            k < 0 ? strerror(errno) : "path too long");
            return -1;
        }
        exe[k] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) *slash = '\0';
        snprintf(dir, sizeof dir, "%s/bindings", exe);
        snprintf(probe, sizeof probe, "%s/tide/paths.lua", dir);
        if (!is_file(probe)) {
            snprintf(dir, sizeof dir, "%s/../share/tide/bindings", exe);
            snprintf(probe, sizeof probe, "%s/tide/paths.lua", dir);
        }
        if (!is_file(probe)) {
            lua_pushfstring(L,
                "cannot find Tide's files next to %s: neither bindings/tide/paths.lua (build tree) "
                "nor ../share/tide/bindings/tide/paths.lua (installed tree) exists there; "
                "set TIDE_HOME to a bindings directory", exe);
            return -1;
        }
    }
    char *real = realpath(dir, NULL);
    if (!real) { lua_pushfstring(L, "%s: %s", dir, strerror(errno)); return -1; }
    int fits = strlen(real) < n;
    if (fits) strcpy(out, real);
    else lua_pushfstring(L, "%s: path too long", real);
    free(real);
    return fits ? 0 : -1;
}

/* Runs tide/paths.lua, keeps its table in the registry and puts Tide first on package.path. */
static int setup_paths(lua_State *L)
{
    char bindings[PATH_MAX], file[PATH_MAX + 32];
    if (find_bindings(L, bindings, sizeof bindings) != 0) { report(L, 1); return 1; }
    snprintf(file, sizeof file, "%s/tide/paths.lua", bindings);
    int status = luaL_loadfile(L, file);
    if (status) { report(L, status); return status; }
    if ((status = docall(L, 0, 1))) return status;
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        fprintf(stderr, "%s: %s did not return a table\n", progname, file);
        return 1;
    }
    lua_getfield(L, -1, "lua");
    const char *lua_dir = lua_tostring(L, -1);
    if (!lua_dir) {
        lua_pop(L, 2);
        fprintf(stderr, "%s: %s has no 'lua' directory\n", progname, file);
        return 1;
    }
    lua_pushstring(L, bindings);
    lua_setfield(L, -3, "bindings_dir"); /* where the launcher found them (for --env) */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s/?.lua;%s", lua_dir, lua_dir, bindings,
                    lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
    lua_setfield(L, -3, "path");
    lua_pop(L, 3); /* path, package, lua_dir */
    lua_setfield(L, LUA_REGISTRYINDEX, PATHS_KEY);
    return 0;
}

static void push_path(lua_State *L, const char *field)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PATHS_KEY);
    lua_getfield(L, -1, field);
    lua_remove(L, -2);
}

/* tide.launcher.list_dir(dir) -> sorted-by-nobody list of entry names | nil, message */
static int l_list_dir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    if (!d) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, strerror(errno));
        return 2;
    }
    lua_newtable(L);
    int i = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++i);
    }
    closedir(d);
    return 1;
}

static int open_launcher(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, l_list_dir);
    lua_setfield(L, -2, "list_dir");
    lua_pushstring(L, TIDE_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}

/* ---------------------------------------------------------------- commands */

static int cmd_recipes(lua_State *L, FILE *out)
{
    push_path(L, "recipes");
    int status = call_cli(L, "recipes_text", 1, 1);
    if (status) return status;
    fflush(stdout);
    fputs(lua_tostring(L, -1) ? lua_tostring(L, -1) : "", out);
    lua_pop(L, 1);
    return 0;
}

static int cmd_run(lua_State *L, char **argv, int argc)
{
    if (argc < 3 || strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0) {
        FILE *f = argc < 3 ? stderr : stdout;
        fprintf(f, "usage: tide run RECIPE [recipe options]\n\n");
        int status = cmd_recipes(L, f);
        return argc < 3 ? 1 : status;
    }
    lua_pushstring(L, argv[2]);
    push_path(L, "recipes");
    int status = call_cli(L, "resolve_recipe", 2, 2);
    if (status) return status;
    if (lua_isnil(L, -2)) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1) ? lua_tostring(L, -1) : "no such recipe");
        lua_pop(L, 2);
        return 1;
    }
    lua_pop(L, 1);
    const char *path = lua_tostring(L, -1); /* stays on the stack while used */
    set_arg_table(L, argv, argc, 2);
    lua_getglobal(L, "arg");
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, 0); /* arg[0] is the recipe's file, as for a script */
    lua_pop(L, 1);
    status = doscript(L, path, argv, argc, 3);
    lua_pop(L, 1);
    return status;
}

static int run_repl(lua_State *L)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, "tide.repl");
    int status = docall(L, 1, 1);
    if (status) return status;
    lua_getfield(L, -1, "run");
    lua_remove(L, -2);
    lua_newtable(L);
    lua_pushstring(L, TIDE_VERSION);
    lua_setfield(L, -2, "version");
    return docall(L, 1, 0);
}

static int is_identifier(const char *s)
{
    if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))) return 0;
    for (; *s; s++)
        if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))) return 0;
    return 1;
}

static int dolibrary(lua_State *L, const char *name)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, name);
    int status = docall(L, 1, 1);
    if (status) return status;
    if (is_identifier(name)) lua_setglobal(L, name);
    else lua_pop(L, 1);
    return 0;
}

enum { HAS_E = 1, HAS_I = 2, HAS_V = 4, HAS_HELP = 8, HAS_ENV = 16 };

/* Scans the options like lua.c. Returns the script's index (argc: none), or -1 (bad option
 * at *bad). */
static int scan_args(int argc, char **argv, int *flags, int *bad)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0) return i;
        if (strcmp(a, "--") == 0) return i + 1;
        if (strcmp(a, "-i") == 0) *flags |= HAS_I;
        else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) *flags |= HAS_V;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) *flags |= HAS_HELP;
        else if (strcmp(a, "--env") == 0) *flags |= HAS_ENV;
        else if (a[1] == 'e' || a[1] == 'l') {
            if (a[1] == 'e') *flags |= HAS_E;
            if (a[2] == '\0' && ++i >= argc) { *bad = i - 1; return -1; }
        } else { *bad = i; return -1; }
    }
    return argc;
}

/* Runs the -e and -l options in order. */
static int run_options(lua_State *L, char **argv, int script)
{
    for (int i = 1; i < script; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (a[0] != '-' || (a[1] != 'e' && a[1] != 'l')) continue;
        const char *val = a[2] ? a + 2 : argv[++i];
        int status = a[1] == 'e' ? dostring(L, val, "=(command line)") : dolibrary(L, val);
        if (status) return status;
    }
    return 0;
}

static void print_version(void) { printf("tide %s (%s)\n", TIDE_VERSION, LUAJIT_VERSION); }

struct smain {
    int argc;
    char **argv;
    int status;
};

static int pmain(lua_State *L)
{
    struct smain *s = lua_touserdata(L, 1);
    int argc = s->argc;
    char **argv = s->argv;
    globalL = L;

    lua_gc(L, LUA_GCSTOP, 0);
    luaL_openlibs(L);
    lua_gc(L, LUA_GCRESTART, -1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, tide_open_readline);
    lua_setfield(L, -2, "tide.readline");
    lua_pushcfunction(L, open_launcher);
    lua_setfield(L, -2, "tide.launcher");
    lua_pop(L, 2);

    if (argc > 1 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "recipes") == 0)) {
        if ((s->status = setup_paths(L))) return 0;
        s->status = argv[1][0] == 'r' && argv[1][1] == 'u' ? cmd_run(L, argv, argc) : cmd_recipes(L, stdout);
        return 0;
    }

    int flags = 0, bad = 0;
    int script = scan_args(argc, argv, &flags, &bad);
    if (script < 0) {
        const char *a = argv[bad];
        if ((a[1] == 'e' || a[1] == 'l') && a[2] == '\0')
            fprintf(stderr, "%s: '%s' needs an argument\n", progname, a);
        else
            fprintf(stderr, "%s: unrecognized option '%s'\n", progname, a);
        fputs(usage_text, stderr);
        s->status = 1;
        return 0;
    }
    if (flags & HAS_HELP) { fputs(usage_text, stdout); return 0; }
    if (flags & HAS_V) {
        print_version();
        if (script == argc && !(flags & (HAS_E | HAS_I | HAS_ENV))) return 0;
    }
    if ((s->status = setup_paths(L))) return 0;
    if (flags & HAS_ENV) {
        lua_getfield(L, LUA_REGISTRYINDEX, PATHS_KEY);
        if (!(s->status = call_cli(L, "env_exports", 1, 1))) {
            fputs(lua_tostring(L, -1) ? lua_tostring(L, -1) : "", stdout);
            lua_pop(L, 1);
        }
        return 0;
    }
    set_arg_table(L, argv, argc, script < argc ? script : 0);
    if ((s->status = run_options(L, argv, script))) return 0;
    if (script < argc) {
        const char *fname = strcmp(argv[script], "-") == 0 ? NULL : argv[script];
        if ((s->status = doscript(L, fname, argv, argc, script + 1))) return 0;
    }
    if (flags & HAS_I) {
        s->status = run_repl(L);
    } else if (script == argc && !(flags & (HAS_E | HAS_V))) {
        s->status = isatty(STDIN_FILENO) ? run_repl(L) : doscript(L, NULL, argv, argc, argc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct smain s = {argc, argv, 0};
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create the Lua state: not enough memory\n", progname);
        return EXIT_FAILURE;
    }
    int status = lua_cpcall(L, pmain, &s);
    report(L, status);
    lua_close(L);
    fflush(stdout);
    return (status || s.status) ? EXIT_FAILURE : EXIT_SUCCESS;
}
