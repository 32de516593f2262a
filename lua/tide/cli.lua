-- tide.cli: helpers for the `tide` command and for the recipes it runs.
--
-- Recipes. A recipe is one Lua file in the recipes directory, run as `tide run NAME [options]`
-- (or `tide run path/to/file.lua`). Its FIRST LINE is `-- <one-line description>`: that line
-- is what `tide recipes` lists. The options after the name reach the recipe as `...` and as
-- the global `arg` (arg[0] is the recipe's file, arg[1..] the options).
--
-- Options. cli.parse(args, spec) reads `--name value`, `--name=value`, `--flag`, `--no-flag`.
-- spec is a list of {name, default, help}; the default's type decides how a value is read
-- (number, string, boolean: a flag; nil: a string with no default). Dashes in names become
-- underscores in the result (--batch-size -> opts.batch_size). Other arguments come back in
-- order as positionals; `--` ends the options. cli.options() wraps it for scripts: usage on
-- --help (exit 0), a message and the usage on a bad option (exit 2).
--
--   local cli = require("tide.cli")
--   local opts = cli.options({...}, {
--     {"epochs", 10, "passes over the data"},
--     {"lr", 0.1, "learning rate"},
--     {"verbose", false, "print progress"},
--   }, "Train a small MLP")
local cli = {}

-- ---------------------------------------------------------------- options

local function key_of(name) return (name:gsub("-", "_")) end

local function find_option(spec, name)
  for _, o in ipairs(spec) do
    if o[1] == name or key_of(o[1]) == key_of(name) then return o end
  end
end

local function convert(o, value)
  local default = o[2]
  if type(default) == "number" or o.type == "number" then
    local n = tonumber(value)
    if not n then return nil, ("--%s expects a number, got '%s'"):format(o[1], value) end
    return n
  end
  if type(default) == "boolean" then
    if value == "true" or value == "1" or value == "yes" then return true end
    if value == "false" or value == "0" or value == "no" then return false end
    return nil, ("--%s is a flag: use --%s or --no-%s"):format(o[1], o[1], o[1])
  end
  return value
end

-- Returns opts, positionals; or nil, message. opts.help is true when --help or -h was given.
function cli.parse(args, spec)
  local opts, rest = {}, {}
  for _, o in ipairs(spec) do opts[key_of(o[1])] = o[2] end
  local i, n = 1, #args
  while i <= n do
    local a = args[i]
    if a == "--" then
      for j = i + 1, n do rest[#rest + 1] = args[j] end
      break
    elseif a == "--help" or a == "-h" then
      opts.help = true
    elseif a:sub(1, 2) == "--" then
      local name, value = a:match("^%-%-([^=]+)=(.*)$")
      name = name or a:sub(3)
      local o = find_option(spec, name)
      if not o and not value and name:sub(1, 3) == "no-" then
        o = find_option(spec, name:sub(4))
        if o and type(o[2]) == "boolean" then value = "false" else o = nil end
      end
      if not o then return nil, ("unknown option '%s'"):format(a) end
      if value == nil then
        if type(o[2]) == "boolean" then
          value = "true"
        else
          i = i + 1
          value = args[i]
          if value == nil then return nil, ("--%s needs a value"):format(o[1]) end
        end
      end
      local v, err = convert(o, value)
      if err then return nil, err end
      opts[key_of(o[1])] = v
    else
      rest[#rest + 1] = a
    end
    i = i + 1
  end
  return opts, rest
end

-- The program name for usage lines: "tide run NAME" for a recipe, else "tide FILE".
local function program_name()
  local a = rawget(_G, "arg")
  if type(a) ~= "table" or not a[0] then return "tide" end
  if a[-1] == "run" then return "tide run " .. (tostring(a[0]):match("([^/]+)%.lua$") or a[0]) end
  return "tide " .. tostring(a[0])
end

function cli.usage(spec, description, prog)
  local lines = {}
  if description then lines[#lines + 1] = description .. "\n" end
  lines[#lines + 1] = ("usage: %s [options]\n\noptions:"):format(prog or program_name())
  local entries = {}
  for _, o in ipairs(spec) do
    local d, left = o[2], "--" .. o[1]
    if type(d) ~= "boolean" then left = left .. (type(d) == "number" and " N" or " VALUE") end
    local default = type(d) == "boolean" and (d and " (default on)" or "")
      or d ~= nil and (" (default %s)"):format(tostring(d)) or ""
    entries[#entries + 1] = { left, (o[3] or "") .. default }
  end
  entries[#entries + 1] = { "-h, --help", "show this help" }
  local width = 0
  for _, e in ipairs(entries) do width = math.max(width, #e[1]) end
  for _, e in ipairs(entries) do lines[#lines + 1] = ("  %-" .. width .. "s  %s"):format(e[1], e[2]) end
  return table.concat(lines, "\n") .. "\n"
end

-- cli.parse for scripts: exits with the usage on --help or a bad option.
function cli.options(args, spec, description)
  local opts, rest = cli.parse(args or {}, spec)
  if not opts then
    io.stderr:write(program_name(), ": ", rest, "\n\n", cli.usage(spec, description))
    os.exit(2)
  end
  if opts.help then
    io.stdout:write(cli.usage(spec, description))
    os.exit(0)
  end
  return opts, rest
end

-- ---------------------------------------------------------------- recipes

local function readable(path)
  local f = io.open(path, "r")
  if f then f:close() return true end
  return false
end

local function shell_quote(s) return "'" .. s:gsub("'", [['\'']]) .. "'" end

-- Entry names of a directory: the launcher's list_dir when present, else `ls`.
function cli.list_dir(dir)
  local ok, launcher = pcall(require, "tide.launcher")
  if ok and type(launcher) == "table" and launcher.list_dir then return launcher.list_dir(dir) end
  local p = io.popen("ls -1A " .. shell_quote(dir) .. " 2>/dev/null")
  if not p then return nil, dir .. ": cannot list" end
  local names = {}
  for name in p:lines() do names[#names + 1] = name end
  p:close()
  return names
end

-- The description of a recipe file: its first line, `-- <description>` (after any #! line).
function cli.describe(path)
  local f = io.open(path, "r")
  if not f then return "" end
  local line = f:read("*l") or ""
  if line:sub(1, 2) == "#!" then line = f:read("*l") or "" end
  f:close()
  return line:match("^%-%-%s*(.-)%s*$") or ""
end

-- Sorted list of {name=, path=, description=} for the recipes in dir.
function cli.list_recipes(dir)
  local names = cli.list_dir(dir) or {}
  local list = {}
  for _, file in ipairs(names) do
    local name = file:match("^([^.][^/]*)%.lua$")
    if name then
      local path = dir .. "/" .. file
      list[#list + 1] = { name = name, path = path, description = cli.describe(path) }
    end
  end
  table.sort(list, function(a, b) return a.name < b.name end)
  return list
end

function cli.recipes_text(dir)
  local list = cli.list_recipes(dir)
  if #list == 0 then return ("no recipes in %s\n"):format(dir) end
  local width = 0
  for _, r in ipairs(list) do width = math.max(width, #r.name) end
  local lines = {}
  for _, r in ipairs(list) do
    lines[#lines + 1] = ("  %-" .. width .. "s  %s"):format(r.name, r.description)
  end
  return table.concat(lines, "\n") .. "\n"
end

local function distance(a, b)
  local prev = {}
  for j = 0, #b do prev[j] = j end
  for i = 1, #a do
    local cur = { [0] = i }
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      cur[j] = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
    end
    prev = cur
  end
  return prev[#b]
end

-- Path of a recipe given by name (dir/NAME.lua) or by path; or nil and a helpful message.
function cli.resolve_recipe(name, dir)
  if name:find("/", 1, true) or name:match("%.lua$") then
    if readable(name) then return name end
    if name:find("/", 1, true) then return nil, ("cannot read recipe file '%s'"):format(name) end
    name = name:sub(1, -5) -- "example.lua" not in the current directory: the recipe "example"
  end
  local path = dir .. "/" .. name .. ".lua"
  if readable(path) then return path end
  local msg = { ("unknown recipe '%s'"):format(name) }
  local best, best_d = nil, math.huge
  for _, r in ipairs(cli.list_recipes(dir)) do
    local d = distance(name:lower(), r.name:lower())
    if r.name:lower():find(name:lower(), 1, true) then d = math.min(d, 1) end
    if d < best_d then best, best_d = r.name, d end
  end
  if best and best_d <= math.max(2, #name / 3) then msg[#msg + 1] = ("; did you mean '%s'?"):format(best) end
  msg[#msg + 1] = ("\navailable recipes (in %s):\n"):format(dir)
  msg[#msg + 1] = cli.recipes_text(dir)
  return nil, (table.concat(msg):gsub("\n$", ""))
end

-- Shell lines that let plain luajit require("tide") from this tree: eval "$(tide --env)".
function cli.env_exports(paths)
  local lua, bindings = paths.lua, paths.bindings_dir or paths.bindings
  local path = ("%s/?.lua;%s/?/init.lua;%s/?.lua;"):format(lua, lua, bindings)
  return ("export LUA_PATH=%s\"${LUA_PATH:-;}\"\nexport TIDE_LIB=%s\n"):format(shell_quote(path),
    shell_quote(paths.lib))
end

return cli
