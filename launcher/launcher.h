/* launcher.h — what the parts of the `tide` command share.
 *
 * The launcher is a LuaJIT host, not libtide: calling back into Lua from C is allowed here.
 * Every function that runs Lua reports its errors itself (on stderr, "tide: message") and
 * returns the Lua status, 0 for success.
 */
#ifndef TIDE_LAUNCHER_H
#define TIDE_LAUNCHER_H

#include <lua.h>

#define TIDE_PROG "tide"

/* run.c: running chunks with a traceback handler; Ctrl-C raises "interrupted!" in Lua code.
 * tide_interrupt_arm installs that SIGINT handler, tide_interrupt_disarm the default one;
 * line input (lineedit.c) takes SIGINT over while it waits and re-arms before returning. */
void tide_interrupt_arm(void);
void tide_interrupt_disarm(void);
void tide_report(lua_State *L, int status);
int tide_docall(lua_State *L, int narg, int nres);
int tide_dostring(lua_State *L, const char *code, const char *name);
int tide_doscript(lua_State *L, const char *fname, char **argv, int argc, int first);
void tide_set_arg_table(lua_State *L, char **argv, int argc, int script);
int tide_call_cli(lua_State *L, const char *fn, int narg, int nres);

/* tree.c: find the build or installed tree, run its tide/paths.lua, set package.path. */
int tide_setup_paths(lua_State *L);
void tide_push_path(lua_State *L, const char *field); /* a field of the paths table */
void tide_push_paths(lua_State *L);                   /* the paths table itself */
int tide_open_launcher(lua_State *L);                 /* package.preload["tide.launcher"] */

/* lineedit.c: package.preload["tide.readline"], line editing and history for the REPL. */
int tide_open_readline(lua_State *L);

#endif
