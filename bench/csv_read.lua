-- bench/csv_read.lua PATH [ROUNDS]: tide.csv.read of PATH, best of ROUNDS wall times, printed as
-- "tide <seconds> <rows> <cols>". Run by bench/run_csv_vs_pandas.sh.
package.path = "bench/?.lua;" .. package.path
local clock = require("clock")
local csv = require("tide.csv")
local path, rounds = arg[1], tonumber(arg[2] or "3")
local best, rows, cols = math.huge, 0, 0
for _ = 1, rounds do
  local t0 = clock()
  local t = csv.read(path)
  local dt = clock() - t0
  if dt < best then best = dt end
  rows, cols = t.nrows, #t.columns
  t = nil
  collectgarbage("collect")
end
print(string.format("tide %.4f %d %d", best, rows, cols))
