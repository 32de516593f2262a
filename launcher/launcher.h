/* launcher.h — what the parts of the `tide` command share.
 *
 * The launcher is a LuaJIT host, not libtide: calling back into Lua from C is allowed here.
 */
#ifndef TIDE_LAUNCHER_H
#define TIDE_LAUNCHER_H

#include <lua.h>

/* Lua code run by the launcher is interruptible: Ctrl-C raises "interrupted!" in it.
 * tide_interrupt_arm installs that SIGINT handler, tide_interrupt_disarm restores the default.
 * Line input (lineedit.c) takes SIGINT over while it waits and re-arms before returning. */
void tide_interrupt_arm(void);
void tide_interrupt_disarm(void);

/* package.preload["tide.readline"]: line editing and history for the REPL (lineedit.c). */
int tide_open_readline(lua_State *L);

#endif
