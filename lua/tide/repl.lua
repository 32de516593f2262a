-- tide.repl: the interactive prompt of the `tide` command.
--
-- The pieces are plain functions, testable without a terminal:
--   repl.compile(src)          -> fn | nil, message, incomplete
--   repl.eval(src, env)        -> {ok=true, n=, values=} | {ok=false, err=, incomplete=}
--   repl.format_value(v, opts) -> string (tables pretty-printed, __tostring honoured)
--   repl.format_results(res)   -> the values of an eval, tab-separated
--   repl.complete(word, env)   -> sorted completions of a (dotted) name
-- repl.run(opts) is the loop. Line editing and history come from the launcher's C module
-- "tide.readline"; without it (plain luajit) lines are read with io.read.
local repl = {}

local KEYWORDS = {}
for w in ([[and break do else elseif end false for function goto if in local nil not or
  repeat return then true until while]]):gmatch("%a+") do KEYWORDS[w] = true end

local function is_name(s) return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil and not KEYWORDS[s] end

-- ---------------------------------------------------------------- compiling and evaluating

-- A chunk is incomplete when the parser ran out of input: more lines may finish it (but no
-- line can finish a short string: a newline inside one is an error).
local function is_incomplete(err)
  return err ~= nil and err:sub(-7) == "'<eof>'" and not err:find("unfinished string", 1, true)
end

-- Compiles a line as an expression first (so `1+1` prints 2), then as a statement.
-- `=expr` is accepted too, as in Lua 5.1's interpreter. The expression is evaluated as the
-- arguments of a pass-through call rather than returned directly, so that `error("x")` is
-- no tail call and keeps its position ("stdin:1: x").
function repl.compile(src, chunkname)
  chunkname = chunkname or "=stdin"
  if src:sub(1, 1) == "=" then src = "return " .. src:sub(2) end
  local fn = loadstring("return (function(...) return ... end)(" .. src .. "\n)", chunkname)
  if fn then return fn end
  local err
  fn, err = loadstring(src, chunkname)
  if fn then return fn end
  local _, err_expr = loadstring("return " .. src, chunkname)
  return nil, err, is_incomplete(err) or is_incomplete(err_expr)
end

-- The REPL's own frames are noise in a traceback: cut from the first of them.
local function trim_traceback(tb)
  local out = {}
  for line in tb:gmatch("[^\n]+") do
    if line:find("in function 'xpcall'", 1, true) or line:find("tide/repl.lua", 1, true) then break end
    out[#out + 1] = line
  end
  if out[#out] == "stack traceback:" then out[#out] = nil end
  return table.concat(out, "\n")
end

local function error_message(e)
  if type(e) == "string" then return e end
  local mt = debug.getmetatable(e)
  if mt and mt.__tostring then
    local ok, s = pcall(tostring, e)
    if ok and type(s) == "string" then return s end
  end
  return ("(error object is a %s value)"):format(type(e))
end

local function handler(e) return trim_traceback(debug.traceback(error_message(e), 2)) end

local function pack(...) return { n = select("#", ...), ... } end

-- Evaluates src in env (default: the globals). On success `_` in env holds the first value.
function repl.eval(src, env)
  local fn, err, incomplete = repl.compile(src)
  if not fn then return { ok = false, err = err, incomplete = incomplete } end
  if env then setfenv(fn, env) end
  local r = pack(xpcall(fn, handler))
  if not r[1] then return { ok = false, err = r[2] } end
  local values = { unpack(r, 2, r.n) }
  local n = r.n - 1
  if n > 0 then rawset(env or _G, "_", values[1]) end
  return { ok = true, n = n, values = values }
end

-- ---------------------------------------------------------------- printing values

local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\r"] = "\\r", ["\t"] = "\\t" }

local function quote(s)
  return '"' .. s:gsub('[%c"\\]', function(c) return ESCAPES[c] or ("\\%03d"):format(c:byte()) end) .. '"'
end

local function safe_tostring(v)
  local ok, s = pcall(tostring, v)
  if ok and type(s) == "string" then return s end
  return ("<%s: __tostring failed: %s>"):format(type(v), tostring(s))
end

local function has_tostring(t)
  local mt = debug.getmetatable(t)
  return type(mt) == "table" and rawget(mt, "__tostring") ~= nil
end

local function raw_address(t)
  local mt = debug.getmetatable(t)
  if mt then debug.setmetatable(t, nil) end
  local s = tostring(t)
  if mt then debug.setmetatable(t, mt) end
  return s
end

local TYPE_RANK = { number = 1, string = 2, boolean = 3 }

local function key_less(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    local ra, rb = TYPE_RANK[ta] or 4, TYPE_RANK[tb] or 4
    if ra ~= rb then return ra < rb end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  if ta == "boolean" then return b and not a end
  return raw_address(a) < raw_address(b)
end

local DEFAULTS = { depth = 4, items = 40, width = 78 }

local function format(v, o, level, path, indent)
  local tv = type(v)
  if tv == "string" then return quote(v) end
  if tv ~= "table" or has_tostring(v) then return safe_tostring(v) end
  if path[v] then return "<cycle: " .. raw_address(v) .. ">" end
  if next(v) == nil then return "{}" end
  if level >= o.depth then return "{...}" end
  path[v] = true
  local inner, parts = indent .. "  ", {}
  local n = 0
  while rawget(v, n + 1) ~= nil do n = n + 1 end
  for i = 1, math.min(n, o.items) do parts[#parts + 1] = format(rawget(v, i), o, level + 1, path, inner) end
  if n > o.items then parts[#parts + 1] = ("... (%d more)"):format(n - o.items) end
  local keys = {}
  for k in next, v do
    if not (type(k) == "number" and k >= 1 and k <= n and k % 1 == 0) then keys[#keys + 1] = k end
  end
  pcall(table.sort, keys, key_less)
  for i = 1, math.min(#keys, o.items) do
    local k = keys[i]
    local ks = is_name(k) and k or "[" .. format(k, o, level + 1, path, inner) .. "]"
    parts[#parts + 1] = ks .. " = " .. format(rawget(v, k), o, level + 1, path, inner)
  end
  if #keys > o.items then parts[#parts + 1] = ("... (%d more keys)"):format(#keys - o.items) end
  path[v] = nil
  local line = "{" .. table.concat(parts, ", ") .. "}"
  if #line + #indent <= o.width and not line:find("\n", 1, true) then return line end
  return "{\n" .. inner .. table.concat(parts, ",\n" .. inner) .. "\n" .. indent .. "}"
end

-- Strings, numbers and booleans print plainly; values with __tostring (tensors) through it;
-- tables nested, keys sorted, cycle-safe, cut at opts.depth levels and opts.items entries.
function repl.format_value(v, opts)
  if type(v) == "string" then return v end
  local o = {}
  for k, d in pairs(DEFAULTS) do o[k] = opts and opts[k] or d end
  return format(v, o, 0, {}, "")
end

function repl.format_results(res, opts)
  local out = {}
  for i = 1, res.n do out[i] = repl.format_value(res.values[i], opts) end
  return table.concat(out, "\t")
end

-- ---------------------------------------------------------------- completion

-- Adds the name keys of t, of its metatable's __index tables and of a `methods` table
-- (Tide's tensors keep theirs there) to set.
local function collect_keys(t, set, depth)
  if depth > 4 then return end
  if type(t) == "table" then
    for k in next, t do if is_name(k) then set[k] = true end end
  end
  local mt = debug.getmetatable(t)
  if type(mt) == "table" then
    for _, f in ipairs({ "__index", "methods" }) do
      local idx = rawget(mt, f)
      if type(idx) == "table" then collect_keys(idx, set, depth + 1) end
    end
  end
end

local function field(obj, k)
  local ok, v = pcall(function() return obj[k] end)
  if ok then return v end
end

-- Completions of a word like `tid`, `tide.ze` or `t:re` against env (default the globals).
function repl.complete(word, env)
  env = env or _G
  local prefix, sep, partial = word:match("^(.-)([.:])([%w_]*)$")
  local scope, head = env, ""
  if prefix then
    if not prefix:match("^[%a_][%w_]*$") and not prefix:match("^[%a_][%w_.]*[%w_]$") then return {} end
    for part in prefix:gmatch("[^.]+") do
      scope = field(scope, part)
      if scope == nil then return {} end
    end
    head = prefix .. sep
  else
    partial = word
  end
  local set = {}
  collect_keys(scope, set, 0)
  if not prefix then for k in pairs(KEYWORDS) do set[k] = true end end
  local list = {}
  for k in pairs(set) do
    if k:sub(1, #partial) == partial and (sep ~= ":" or type(field(scope, k)) == "function") then
      list[#list + 1] = head .. k
    end
  end
  table.sort(list)
  return list
end

-- ---------------------------------------------------------------- the loop

local function line_reader(rl)
  if rl then return rl.readline end
  return function(prompt)
    io.stdout:write(prompt)
    io.stdout:flush()
    return io.read("*l")
  end
end

-- One complete input: evaluate, print the values (or the error).
local function run_input(src, out, err)
  local res = repl.eval(src)
  if res.incomplete then return res end
  if res.ok then
    if res.n > 0 then out:write(repl.format_results(res), "\n") end
    out:flush()
  else
    out:flush()
    err:write(res.err, "\n")
  end
  return res
end

function repl.run(opts)
  opts = opts or {}
  local out, err = opts.stdout or io.stdout, opts.stderr or io.stderr
  local has_rl, rl = pcall(require, "tide.readline")
  if not has_rl then rl = nil end
  local read = opts.readline or line_reader(rl)
  local home = os.getenv("HOME")
  if rl and rl.isatty() and home and opts.history ~= false then
    rl.history(opts.history or home .. "/.tide_history", 1000)
    rl.set_completer(function(word) return repl.complete(word) end)
  end

  out:write(("Tide %s (%s) -- Ctrl-D exits, Ctrl-C cancels the line\n"):format(
    opts.version or "", jit and jit.version or _VERSION))
  local ok, tide = pcall(require, "tide")
  if ok then
    rawset(_G, "tide", tide)
    out:write('`tide` = require("tide") is loaded\n')
  else
    out:flush()
    err:write("require(\"tide\") failed; continuing with plain Lua:\n", error_message(tide), "\n")
  end
  out:flush()

  local buffer, last_history
  while true do
    local line = read(buffer and ">> " or "> ")
    if line == nil then
      if rl and rl.isatty() then out:write("\n") end
      break
    end
    if line == false then
      buffer = nil -- Ctrl-C: drop the input so far
    elseif buffer or line:find("%S") then
      if rl and line:find("%S") and line ~= last_history then
        rl.add_history(line)
        last_history = line
      end
      local src = buffer and buffer .. "\n" .. line or line
      -- A Ctrl-C that lands outside the user's code surfaces here; keep the prompt alive.
      local done, res = xpcall(run_input, handler, src, out, err)
      if not done then err:write(tostring(res), "\n") end
      buffer = done and res.incomplete and src or nil
    end
  end
  out:flush()
end

return repl
