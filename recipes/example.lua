-- Example: tensors, broadcasting and a matrix product with Tide
--
-- Recipe convention: a recipe is one file in recipes/, run as `tide run NAME [options]`.
-- Its first line is `-- <one-line description>`, which `tide recipes` lists. Its options
-- reach it as `...` (and the global `arg`); tide.cli.options parses them and answers --help.
--
--   tide run example --rows 3 --cols 4 --seed 7
local tide = require("tide")
local cli = require("tide.cli")

local opts = cli.options({ ... }, {
  { "rows", 2, "rows of the random matrix x" },
  { "cols", 3, "columns of x (and rows of w)" },
  { "seed", 42, "random seed" },
}, "Example: tensors, broadcasting and a matrix product with Tide")

tide.manual_seed(opts.seed)

local a = tide.tensor({ { 1, 2, 3 }, { 4, 5, 6 } })
print("a from a nested table:")
print(a)

local row = tide.arange(1, 4) -- {1, 2, 3}, broadcast over each row of a
print("a + row (broadcasting):")
print(a + row)
print("a * 2:")
print(a * 2)

local x = tide.rand(opts.rows, opts.cols)
local w = tide.randn(opts.cols, 2)
if tide.matmul then
  print(("x (%dx%d, uniform) @ w (%dx2, normal):"):format(opts.rows, opts.cols, opts.cols))
  print(tide.matmul(x, w))
else
  print("(this build has no tide.matmul yet)")
end

local mem = tide.memory()
print(("tensor memory: %d bytes live, %d bytes peak"):format(mem.live, mem.peak))
