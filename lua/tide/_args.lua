-- tide._args: argument checks shared by the Lua modules that take options tables and Lua arrays
-- (tide.metrics, tide.plot). Errors name the operation and are raised at the user's line.
local core = require("tide._core")

local raise = core.raise
local format = string.format

local M = {}

local tide -- the library table, required lazily (these modules load after tide)
local function is_tensor(v)
  tide = tide or require("tide")
  return tide.is_tensor(v)
end

-- The options table checked against the allowed keys (a set); returns it, or {} for nil.
function M.options(op, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" or is_tensor(opts) then
    raise(format("%s: options must be a table, got %s", op, is_tensor(opts) and "a tensor" or type(opts)))
  end
  for k in pairs(opts) do
    if not allowed[k] then
      local names = {}
      for n in pairs(allowed) do names[#names + 1] = n end
      table.sort(names)
      raise(format("%s: unknown option '%s' (expected one of %s)", op, tostring(k), table.concat(names, ", ")))
    end
  end
  return opts
end

-- A set of the names in a list: set({"a", "b"}) -> {a = true, b = true}.
function M.set(list)
  local s = {}
  for _, k in ipairs(list) do s[k] = true end
  return s
end

-- A Lua array of numbers as a float64 1-d tensor; a non-number element is an error naming its
-- position ("accuracy: y_true[3] is a string, expected a number").
function M.numbers(op, what, v)
  local n = #v
  for i = 1, n do
    if type(v[i]) ~= "number" then
      raise(format("%s: %s[%d] is a %s, expected a number", op, what, i, type(v[i])))
    end
  end
  tide = tide or require("tide")
  if n == 0 then return tide.empty(0, "float64") end
  return tide.tensor(v, "float64")
end

-- A numeric argument as a tensor: a tensor as given (bool refused), a Lua array of numbers as
-- float64 [n], a Lua array of equal-length rows of numbers as float64 [n, m].
function M.numeric(op, what, v)
  tide = tide or require("tide")
  if type(v) == "table" and not is_tensor(v) then
    if type(v[1]) == "table" then
      local ok, t = pcall(tide.tensor, v, "float64")
      if not ok then raise(format("%s: %s as a Lua array of rows must hold numbers in rows of equal length", op, what)) end
      v = t
    else
      v = M.numbers(op, what, v)
    end
  elseif not is_tensor(v) then
    raise(format("%s: %s must be a tensor or a Lua array, got %s", op, what, type(v)))
  end
  if v.dtype == "bool" then raise(format("%s: %s must hold numbers, got a bool tensor", op, what)) end
  return v
end

-- est:set_params(params) of the estimators and transformers (tide.models, tide.preprocess,
-- tide.text): each key must be one of est._defaults (or est._optional); then est:_check().
function M.set_params(est, params)
  local name = est._name
  if type(params) ~= "table" then raise(name .. ": parameters must be a table, got " .. type(params)) end
  for k, v in pairs(params) do
    if est._defaults[k] == nil and not (est._optional and est._optional[k]) then
      local known = {}
      for p in pairs(est._defaults) do known[#known + 1] = p end
      table.sort(known)
      raise(format("%s: unknown parameter '%s' (parameters: %s)", name, tostring(k), table.concat(known, ", ")))
    end
    est.params[k] = v
  end
  if est._check then est:_check() end
  return est
end

return M
