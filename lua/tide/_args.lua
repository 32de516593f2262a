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

return M
