-- Shared helpers for the busted specs: fixture loading and element-wise comparison.
local H = {}

local fixtures_dir = os.getenv("TIDE_FIXTURES") or "tests/fixtures"

function H.fixture(name)
  return dofile(fixtures_dir .. "/" .. name .. ".lua")
end

-- Flatten a tensor (any dtype, any layout) into a Lua array of numbers.
function H.flat(t)
  local out = {}
  local n = t:numel()
  local flat = t:reshape(n):to("float64")
  for i = 1, n do out[i] = flat[i] end
  return out
end

-- Assert that tensor t matches a fixture entry {shape=, data=} within tol (exact if tol nil).
function H.assert_matches(t, ref, tol, what)
  what = what or "tensor"
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

return H
