/* tree.c — finding Tide's files from the executable, and the "tide.launcher" module.
 *
 * Build tree: EXEDIR/bindings/tide/paths.lua. Installed: EXEDIR/../share/tide/bindings/tide/
 * paths.lua. $TIDE_HOME, a bindings directory, overrides both. paths.lua returns {lib=, lua=,
 * recipes=, bindings=, version=, layout=}; the launcher keeps that table in the registry.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "launcher.h"

#define PATHS_KEY "tide.launcher.paths" /* registry: the table tide/paths.lua returned */

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
int tide_setup_paths(lua_State *L)
{
    char bindings[PATH_MAX], file[PATH_MAX + 32];
    if (find_bindings(L, bindings, sizeof bindings) != 0) { tide_report(L, 1); return 1; }
    snprintf(file, sizeof file, "%s/tide/paths.lua", bindings);
    int status = luaL_loadfile(L, file);
    if (status) { tide_report(L, status); return status; }
    if ((status = tide_docall(L, 0, 1))) return status;
    if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        fprintf(stderr, "%s: %s did not return a table\n", TIDE_PROG, file);
        return 1;
    }
    lua_getfield(L, -1, "lua");
    const char *lua_dir = lua_tostring(L, -1);
    if (!lua_dir) {
        lua_pop(L, 2);
        fprintf(stderr, "%s: %s has no 'lua' directory\n", TIDE_PROG, file);
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

void tide_push_paths(lua_State *L) { lua_getfield(L, LUA_REGISTRYINDEX, PATHS_KEY); }

void tide_push_path(lua_State *L, const char *field)
{
    lua_getfield(L, LUA_REGISTRYINDEX, PATHS_KEY);
    lua_getfield(L, -1, field);
    lua_remove(L, -2);
}

/* tide.launcher.list_dir(dir) -> the entry names, unsorted, without . and .. | nil, message */
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

int tide_open_launcher(lua_State *L)
{
    lua_newtable(L);
    lua_pushcfunction(L, l_list_dir);
    lua_setfield(L, -2, "list_dir");
    lua_pushstring(L, TIDE_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
