/* run.c — running Lua chunks for the launcher: tracebacks, error reports, Ctrl-C. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "launcher.h"

static lua_State *globalL; /* the state a Ctrl-C interrupts */

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

void tide_report(lua_State *L, int status)
{
    if (status) {
        const char *msg = lua_tostring(L, -1);
        fflush(stdout);
        fprintf(stderr, "%s: %s\n", TIDE_PROG, msg ? msg : "(error object is not a string)");
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
int tide_docall(lua_State *L, int narg, int nres)
{
    int base = lua_gettop(L) - narg;
    globalL = L;
    lua_pushcfunction(L, traceback);
    lua_insert(L, base);
    tide_interrupt_arm();
    int status = lua_pcall(L, narg, nres, base);
    tide_interrupt_disarm();
    lua_remove(L, base);
    if (status) lua_gc(L, LUA_GCCOLLECT, 0); /* an error may leave large temporaries */
    tide_report(L, status);
    return status;
}

int tide_dostring(lua_State *L, const char *code, const char *name)
{
    int status = luaL_loadbuffer(L, code, strlen(code), name);
    if (status) { tide_report(L, status); return status; }
    return tide_docall(L, 0, 0);
}

/* Loads the chunk (NULL: standard input) and calls it with argv[first..argc-1] as `...`. */
int tide_doscript(lua_State *L, const char *fname, char **argv, int argc, int first)
{
    int status = luaL_loadfile(L, fname);
    if (status) { tide_report(L, status); return status; }
    luaL_checkstack(L, argc - first + 3, "too many arguments to script");
    for (int i = first; i < argc; i++) lua_pushstring(L, argv[i]);
    return tide_docall(L, argc - first, 0);
}

/* The global `arg` as lua.c makes it: arg[0] is the script, the options before it negative. */
void tide_set_arg_table(lua_State *L, char **argv, int argc, int script)
{
    lua_createtable(L, argc - script > 0 ? argc - script : 0, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

/* Calls require("tide.cli")[fn] with the narg values on the stack; leaves nres results. */
int tide_call_cli(lua_State *L, const char *fn, int narg, int nres)
{
    lua_getglobal(L, "require");
    lua_pushstring(L, "tide.cli");
    int status = tide_docall(L, 1, 1);
    if (status) { lua_pop(L, narg); return status; }
    lua_getfield(L, -1, fn);
    lua_remove(L, -2);
    lua_insert(L, -narg - 1);
    return tide_docall(L, narg, nres);
}
