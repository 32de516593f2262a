-- bench/tiny_ops.lua — per-op overhead of tiny tensors from Lua: a 16-element float32 add
-- (c = a + b, including the Lua wrapper, the C call, allocation and the handle), a few more
-- tiny ops, and a 4x4 matmul when tide.matmul exists. Prints "RESULT <name> <ns/op>" lines
-- that bench/run_ops.sh pairs with bench/tiny_ops_peer.py.
-- Run: luajit bench/tiny_ops.lua [iterations]   (LUA_PATH as in the README / run_ops.sh)
local tide = require("tide")

package.path = (arg and arg[0] and arg[0]:match("^(.*)/[^/]*$") or "bench") .. "/?.lua;" .. package.path
local now = require("clock")

local N = tonumber(arg and arg[1]) or 1000000
tide.threads(1)

-- best of 5 runs of n iterations of f, in ns per iteration
local function bench(name, f, n)
  n = n or N
  f(math.floor(n / 10)) -- warm up (JIT traces, allocator)
  local best = math.huge
  for _ = 1, 5 do
    collectgarbage()
    local t0 = now()
    f(n)
    local dt = (now() - t0) / n * 1e9
    if dt < best then best = dt end
  end
  print(string.format("RESULT %-18s %9.1f ns/op", name, best))
end

local a, b = tide.rand(16), tide.rand(16)
local out = tide.empty(16)
local m1, m2 = tide.rand(4, 4), tide.rand(4, 4)

bench("add16", function(n)
  local c
  for _ = 1, n do c = a + b end
  return c
end)
bench("add16_out", function(n)
  for _ = 1, n do tide.add(a, b, out) end
end)
bench("add16_inplace", function(n)
  for _ = 1, n do out:add_(b) end
end)
bench("mul16_scalar", function(n)
  local c
  for _ = 1, n do c = a * 2 end
  return c
end)
bench("exp16", function(n)
  local c
  for _ = 1, n do c = a:exp() end
  return c
end)
bench("relu16", function(n)
  local c
  for _ = 1, n do c = a:relu() end
  return c
end)
if tide.matmul then
  bench("matmul4x4", function(n)
    local c
    for _ = 1, n do c = tide.matmul(m1, m2) end
    return c
  end)
else
  print("# tide.matmul not available: matmul4x4 skipped")
end
