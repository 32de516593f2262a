-- Memory under churn: a loop creating 10,000 temporary 4 MB tensors (each filled, so its pages
-- are really touched) must stay under 1 GB resident. LuaJIT's collector cannot see C memory;
-- Tide's soft limit makes it collect. Run: tide bench/memory_temporaries.lua
local tide = require("tide")

local function rss_kb(field)
  for line in io.lines("/proc/self/status") do
    local v = line:match("^" .. field .. ":%s+(%d+)")
    if v then return tonumber(v) end
  end
end

local N = tonumber(arg and arg[1]) or 10000
local t0 = os.clock()
local acc = 0
for i = 1, N do
  local t = tide.full({ 1024, 1024 }, i % 7) -- 4 MB of float32, touched
  acc = acc + t[{ 1, 1 }]
end
local secs = os.clock() - t0
local peak_mb = rss_kb("VmHWM") / 1024
local mem = tide.memory()
print(string.format("%d temporaries of 4 MB: %.2f s, peak resident %.0f MB, tide peak live %.0f MB (checksum %d)",
  N, secs, peak_mb, mem.peak / 2 ^ 20, acc))
print(string.format("resident-memory target (< 1024 MB): %s", peak_mb < 1024 and "met" or "MISSED"))
