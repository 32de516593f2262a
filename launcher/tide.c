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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>

#include "launcher.h"

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

/* ---------------------------------------------------------------- commands */

static int cmd_recipes(lua_State *L, FILE *out)
{
    tide_push_path(L, "recipes");
    int status = tide_call_cli(L, "recipes_text", 1, 1);
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
    tide_push_path(L, "recipes");
    int status = tide_call_cli(L, "resolve_recipe", 2, 2);
    if (status) return status;
    if (lua_isnil(L, -2)) {
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", TIDE_PROG, lua_tostring(L, -1) ? lua_tostring(L, -1) : "no such recipe");
        lua_pop(L, 2);
        return 1;
    }
    lua_pop(L, 1);
    const char *path = lua_tostring(L, -1); /* stays on the stack while used */
    tide_set_arg_table(L, argv, argc, 2);
    lua_getglobal(L, "arg");
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, 0); /* arg[0] is the recipe's file, as for a script */
    lua_pop(L, 1);
    status = tide_doscript(L, path, argv, argc, 3);
    lua_pop(L, 1);
    return status;
}

static int run_repl(lua_State *L)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, "tide.repl");
    int status = tide_docall(L, 1, 1);
    if (status) return status;
    lua_getfield(L, -1, "run");
    lua_remove(L, -2);
    lua_newtable(L);
    lua_pushstring(L, TIDE_VERSION);
    lua_setfield(L, -2, "version");
    return tide_docall(L, 1, 0);
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
    int status = tide_docall(L, 1, 1);
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
        int status = a[1] == 'e' ? tide_dostring(L, val, "=(command line)") : dolibrary(L, val);
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

    lua_gc(L, LUA_GCSTOP, 0);
    luaL_openlibs(L);
    lua_gc(L, LUA_GCRESTART, -1);
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, tide_open_readline);
    lua_setfield(L, -2, "tide.readline");
    lua_pushcfunction(L, tide_open_launcher);
    lua_setfield(L, -2, "tide.launcher");
    lua_pop(L, 2);

    if (argc > 1 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "recipes") == 0)) {
        if ((s->status = tide_setup_paths(L))) return 0;
        s->status = strcmp(argv[1], "run") == 0 ? cmd_run(L, argv, argc) : cmd_recipes(L, stdout);
        return 0;
    }

    int flags = 0, bad = 0;
    int script = scan_args(argc, argv, &flags, &bad);
    if (script < 0) {
        const char *a = argv[bad];
        if ((a[1] == 'e' || a[1] == 'l') && a[2] == '\0')
            fprintf(stderr, "%s: '%s' needs an argument\n", TIDE_PROG, a);
        else
            fprintf(stderr, "%s: unrecognized option '%s'\n", TIDE_PROG, a);
        fputs(usage_text, stderr);
        s->status = 1;
        return 0;
    }
    if (flags & HAS_HELP) { fputs(usage_text, stdout); return 0; }
    if (flags & HAS_V) {
        print_version();
        if (script == argc && !(flags & (HAS_E | HAS_I | HAS_ENV))) return 0;
    }
    if ((s->status = tide_setup_paths(L))) return 0;
    if (flags & HAS_ENV) {
        tide_push_paths(L);
        if (!(s->status = tide_call_cli(L, "env_exports", 1, 1))) {
            fputs(lua_tostring(L, -1) ? lua_tostring(L, -1) : "", stdout);
            lua_pop(L, 1);
        }
        return 0;
    }
    tide_set_arg_table(L, argv, argc, script < argc ? script : 0);
    if ((s->status = run_options(L, argv, script))) return 0;
    if (script < argc) {
        const char *fname = strcmp(argv[script], "-") == 0 ? NULL : argv[script];
        if ((s->status = tide_doscript(L, fname, argv, argc, script + 1))) return 0;
    }
    if (flags & HAS_I) {
        s->status = run_repl(L);
    } else if (script == argc && !(flags & (HAS_E | HAS_V))) {
        s->status = isatty(STDIN_FILENO) ? run_repl(L) : tide_doscript(L, NULL, argv, argc, argc);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct smain s = {argc, argv, 0};
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create the Lua state: not enough memory\n", TIDE_PROG);
        return EXIT_FAILURE;
    }
    int status = lua_cpcall(L, pmain, &s);
    tide_report(L, status);
    lua_close(L);
    fflush(stdout);
    return (status || s.status) ? EXIT_FAILURE : EXIT_SUCCESS;
}
