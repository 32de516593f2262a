-- Shared helpers for the busted specs: fixture loading and element-wise comparison.
local H = {}

local fixtures_dir = os.getenv("TIDE_FIXTURES") or "tests/fixtures"

function H.fixture(name)
  return dofile(fixtures_dir .. "/" .. name .. ".lua")
end

-- A fixture entry {data =, shape =, dtype =} as a tensor (of dtype when given); nil stays nil.
function H.tensor(a, dtype)
  if a == nil then return nil end
  return require("tide").tensor(a.data, dtype or a.dtype):reshape(a.shape)
end

-- Flatten a tensor (any dtype, any layout) into a Lua array of numbers.
function H.flat(t)
  local out = {}
  local n = t:numel()
  local flat = t:reshape(n):to("float64")
  for i = 1, n do out[i] = flat[i] end
  return out
end

-- tests/gen/fixture_writer.py's sketch of a [n, ...] output: W^T t, W^T |t| (NaN as 0) and the
-- NaN count per column, with W[i][k] = cos(i * k * c).
local SKETCH_K, SKETCH_C = 8, 0.7390851332151607
local function sketch_of(t)
  local tide = require("tide")
  local n = t.shape[1]
  local m = t:to("float64"):reshape(n, -1)
  local nan = m:isnan()
  local z = m:masked_fill(nan, 0)
  local w = tide.empty({ SKETCH_K, n }, "float64")
  for k = 1, SKETCH_K do for i = 1, n do w[{ k, i }] = math.cos(i * k * SKETCH_C) end end
  return tide.matmul(w, z), tide.matmul(w:abs(), z:abs()), nan:to("float64"):sum(1)
end

local function assert_sketch(t, ref, tol, what)
  assert(#t.shape == #ref.shape, what .. ": ndim " .. #t.shape .. " vs " .. #ref.shape)
  for i = 1, #ref.shape do assert(t.shape[i] == ref.shape[i], what .. ": shape mismatch at dim " .. i) end
  local proj, scale, nan = sketch_of(t)
  local np = H.flat(nan)
  for j = 1, #np do
    assert(np[j] == ref.nan.data[j], string.format("%s: column %d has %d NaN, expected %d", what, j, np[j], ref.nan.data[j]))
  end
  local p, sc = H.flat(proj), H.flat(scale)
  tol = math.max(tol or 0, 1e-13) -- (sums in another order)
  for i = 1, #p do
    local want = ref.proj.data[i]
    assert(math.abs(p[i] - want) <= tol * math.max(1, sc[i]),
      string.format("%s: projection %d is %.17g, expected %.17g (a cell differs)", what, i, p[i], want))
  end
end

-- Assert that tensor t matches a fixture entry {shape=, data=} within tol (exact if tol nil);
-- or its sketch, when the entry is one (outputs on rows of the shared data sets).
function H.assert_matches(t, ref, tol, what)
  what = what or "tensor"
  if ref.sketch then return assert_sketch(t, ref, tol, what) end
  local shape = t.shape
  assert(#shape == #ref.shape, what .. ": ndim " .. #shape .. " vs " .. #ref.shape)
  for i = 1, #shape do
    assert(shape[i] == ref.shape[i], what .. ": shape mismatch at dim " .. i)
  end
  local got = H.flat(t)
  assert(#got == #ref.data, what .. ": numel " .. #got .. " vs " .. #ref.data)
  for i = 1, #got do
    local a, b = got[i], ref.data[i]
    if type(b) == "boolean" then b = b and 1 or 0 end
    local ok
    if b ~= b then ok = a ~= a
    elseif tol then ok = math.abs(a - b) <= tol * math.max(1, math.abs(b))
    else ok = a == b end
    assert(ok, string.format("%s: element %d is %.17g, expected %.17g", what, i, a, b))
  end
end

-- Assert that calling fn raises an error whose message contains every given plain substring.
function H.assert_error(fn, ...)
  local ok, err = pcall(fn)
  assert(not ok, "expected an error, got success")
  err = tostring(err)
  for _, s in ipairs({ ... }) do
    assert(err:find(s, 1, true), "error message '" .. err .. "' lacks '" .. s .. "'")
  end
  return err
end

-- near = H.relative_near(tol): near(a, b, what) asserts that a is a number within tol of b,
-- relative to max(1, |b|) (exact equality, infinities included, always passes).
function H.relative_near(tol)
  return function(a, b, what)
    assert(type(a) == "number", what .. ": expected a number, got " .. type(a))
    assert(a == b or math.abs(a - b) <= tol * math.max(1, math.abs(b)),
      string.format("%s: got %.17g, expected %.17g", what, a, b))
  end
end

-- The keys of a table, sorted.
function H.sorted_keys(t)
  local names = {}
  for name in pairs(t) do names[#names + 1] = name end
  table.sort(names)
  return names
end

-- The message of the error fn raises, without its "file:line: " prefix (fails when fn succeeds).
function H.error_message(fn)
  local ok, e = pcall(fn)
  assert(not ok, "expected an error")
  return (tostring(e):gsub("^.-:%d+: ", ""))
end

-- est:save to a temporary safetensors file, tide.models.load it back, remove the file: the copy.
function H.save_and_load(est)
  local path = H.tmpname() .. ".safetensors"
  est:save(path)
  local ok, back = pcall(require("tide.models").load, path)
  os.remove(path)
  assert(ok, back)
  return back
end

-- ---------------------------------------------------------------- processes and files
function H.q(s) return "'" .. tostring(s):gsub("'", [['\'']]) .. "'" end

function H.read_file(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

function H.write_file(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

function H.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

function H.tmpname()
  local p = os.tmpname()
  os.remove(p)
  return p
end

local function exit_code(a, b, c)
  if type(a) == "number" then return a >= 256 and math.floor(a / 256) or a end -- Lua 5.1 style
  return c or (a and 0 or 1)
end

-- Runs a shell command line; returns stdout, stderr, exit status.
function H.sh(cmdline, stdin)
  local out, err, inp = H.tmpname(), H.tmpname(), H.tmpname()
  H.write_file(inp, stdin or "")
  local code = exit_code(os.execute(("(%s) <%s >%s 2>%s"):format(cmdline, H.q(inp), H.q(out), H.q(err))))
  local o, e = H.read_file(out), H.read_file(err)
  os.remove(out); os.remove(err); os.remove(inp)
  return o, e, code
end

-- The tide executable under test, and a runner: H.run_tide({args...}) -> stdout, stderr, status.
local SOURCE = os.getenv("TIDE_SOURCE_DIR") or "."
H.SOURCE = SOURCE
H.EXE = os.getenv("TIDE_EXE") or (os.getenv("TIDE_BUILD_DIR") or SOURCE .. "/build") .. "/tide"
if H.EXE:sub(1, 1) ~= "/" then H.EXE = SOURCE .. "/" .. H.EXE end

function H.run_tide(args, stdin)
  local parts = { H.q(H.EXE) }
  for _, a in ipairs(args or {}) do parts[#parts + 1] = H.q(a) end
  return H.sh(table.concat(parts, " "), stdin)
end

function H.mkdtemp()
  local o = H.sh("mktemp -d")
  return (o:gsub("%s+$", ""))
end

-- A folder of ../shared/data (through TIDE_DATA), or nil when it is not available.
function H.data_dir(name)
  local root = os.getenv("TIDE_DATA")
  if not root or root == "" then return nil end
  for dir in root:gmatch("[^:]+") do
    local path = dir .. "/" .. name
    if os.rename(path, path) then return path end
  end
  return nil
end

return H
