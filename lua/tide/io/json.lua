-- tide.io.json: JSON for the metadata Tide stores in files (checkpoints' optimizer / scheduler /
-- extra state, model descriptions). lua-cjson decodes; the encoder is ours, because cjson writes
-- at most 14 significant digits (0.1 + 0.2 would not come back equal) and rejects NaN.
--
-- encode(v) round-trips plain Lua values exactly through decode():
--   numbers: integers below 2^53 as integers, others in the fewest digits (15..17) that read
--            back as the same double; NaN and infinities as NaN / Infinity / -Infinity (what
--            Python's json writes and reads)
--   tables:  keys 1..n (n >= 1) are a JSON array; other tables an object with sorted keys.
--            Integer keys are written as strings and decoded back to integers, so a string key
--            that looks like an integer ("3") is refused: it would come back as a number.
--   errors:  functions, userdata, tensors, cycles and invalid UTF-8 strings, naming the place
--            ("extra.history[3]").
local cjson = require("cjson").new()
local core = require("tide._core")

local M = {}
local byte, format, concat = string.byte, string.format, table.concat
local floor, huge = math.floor, math.huge

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n", ["\r"] = "\\r",
  ["\t"] = "\\t" }
for i = 0, 31 do
  local c = string.char(i)
  if not ESC[c] then ESC[c] = format("\\u%04x", i) end
end

-- Position of the first byte of s that breaks UTF-8 (overlongs, surrogates and > U+10FFFF too), or nil.
function M.utf8_error(s)
  local i, n = 1, #s
  while true do
    i = s:find("[\128-\255]", i)
    if not i then return nil end
    local c = byte(s, i)
    local len, min
    if c >= 0xC2 and c <= 0xDF then len, min = 2, 0x80
    elseif c >= 0xE0 and c <= 0xEF then len, min = 3, 0x800
    elseif c >= 0xF0 and c <= 0xF4 then len, min = 4, 0x10000
    else return i end
    if i + len - 1 > n then return i end
    local cp = c % (2 ^ (7 - len))
    for k = 1, len - 1 do
      local b = byte(s, i + k)
      if b < 0x80 or b > 0xBF then return i end
      cp = cp * 64 + (b - 0x80)
    end
    if cp < min or cp > 0x10FFFF or (cp >= 0xD800 and cp <= 0xDFFF) then return i end
    i = i + len
  end
end

function M.quote(s)
  return '"' .. s:gsub('[%c"\\]', ESC) .. '"'
end

local function is_int(x) return x == floor(x) and x > -2 ^ 53 and x < 2 ^ 53 end

function M.number(x)
  if x ~= x then return "NaN" end
  if x == huge then return "Infinity" end
  if x == -huge then return "-Infinity" end
  if is_int(x) then return format("%d", x) end
  -- the shortest of 15..17 significant digits that reads back as the same double (0.1, not
  -- 0.10000000000000001), as Python's repr does
  for digits = 15, 16 do
    local s = format("%." .. digits .. "g", x)
    if tonumber(s) == x then return s end
  end
  return format("%.17g", x)
end

local function fail(op, where, msg) core.raise(format("%s: %s %s", op, where, msg)) end

local function encode_value(v, op, where, seen, out)
  local tv = type(v)
  if tv == "string" then
    if M.utf8_error(v) then fail(op, where, "is a string that is not valid UTF-8") end
    out[#out + 1] = M.quote(v)
  elseif tv == "number" then
    out[#out + 1] = M.number(v)
  elseif tv == "boolean" then
    out[#out + 1] = v and "true" or "false"
  elseif v == cjson.null then
    out[#out + 1] = "null"
  elseif tv == "table" then
    if getmetatable(v) == core.Tensor then
      fail(op, where, "is a tensor: tensors go into the file's tensors, not its JSON metadata")
    end
    if seen[v] then fail(op, where, "is a table that contains itself") end
    seen[v] = true
    local n, count = #v, 0
    for _ in pairs(v) do count = count + 1 end
    if n > 0 and count == n then
      out[#out + 1] = "["
      for i = 1, n do
        if i > 1 then out[#out + 1] = "," end
        encode_value(v[i], op, where .. "[" .. i .. "]", seen, out)
      end
      out[#out + 1] = "]"
    else
      local keys = {}
      for k in pairs(v) do
        if type(k) == "number" then
          if not is_int(k) then fail(op, where, "has a key " .. tostring(k) .. " that is not an integer or a string") end
        elseif type(k) == "string" then
          if k:match("^%-?%d+$") then
            fail(op, where, "has the string key '" .. k .. "', which would read back as the number " .. k)
          end
        else
          fail(op, where, "has a " .. type(k) .. " key (only strings and integers can be stored)")
        end
        keys[#keys + 1] = k
      end
      table.sort(keys, function(a, b)
        if type(a) ~= type(b) then return type(a) == "number" end
        return a < b
      end)
      out[#out + 1] = "{"
      for i, k in ipairs(keys) do
        if i > 1 then out[#out + 1] = "," end
        local ks = type(k) == "number" and format("%d", k) or k
        if type(k) == "string" and M.utf8_error(k) then fail(op, where, "has a key that is not valid UTF-8") end
        out[#out + 1] = M.quote(ks)
        out[#out + 1] = ":"
        local sub = type(k) == "string" and k:match("^[%a_][%w_]*$") and (where .. "." .. k) or
          (where .. "[" .. (type(k) == "string" and format("%q", k) or ks) .. "]")
        encode_value(v[k], op, sub, seen, out)
      end
      out[#out + 1] = "}"
    end
    seen[v] = nil
  else
    fail(op, where, "is a " .. tv .. ", which cannot be stored as JSON")
  end
end

-- encode(value, [op], [name]): the JSON text; errors say "op: name.field is ...".
function M.encode(v, op, name)
  local out = {}
  encode_value(v, op or "json", name or "value", {}, out)
  return concat(out)
end

-- Integer-looking object keys back to integers (JSON null stays json.null).
local function restore(v)
  if type(v) ~= "table" then return v end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  for _, k in ipairs(keys) do
    local x = v[k]
    if type(k) == "string" and k:match("^%-?%d+$") then
      local nk = tonumber(k)
      if is_int(nk) and format("%d", nk) == k then
        v[k] = nil
        k = nk
      end
    end
    v[k] = restore(x)
  end
  return v
end

-- decode(text, [op], [what]) -> value; invalid JSON raises "op: what is not valid JSON (...)".
function M.decode(text, op, what)
  if type(text) ~= "string" then core.raise(format("%s: %s is not a string", op or "json", what or "value")) end
  local ok, v = pcall(cjson.decode, text)
  if not ok then
    core.raise(format("%s: %s is not valid JSON (%s)", op or "json", what or "text", tostring(v):gsub("^.-: ", "")))
  end
  return restore(v)
end

M.null = cjson.null
M.raw_decode = cjson.decode

return M
