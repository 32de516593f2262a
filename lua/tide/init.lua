-- tide: the library users require. Tensors and their ops live in C (libtide); this module
-- gathers the Lua API: tide.tensor, tide.zeros, tide.add, tide.matmul, tide.memory, ...
local core = require("tide._core")
local tensor = require("tide.tensor")
local C = core.C

local tide = {
  _VERSION = core.paths.version,
  version = core.paths.version,
  Tensor = tensor.Tensor,
  is_tensor = tensor.is_tensor,
  dtypes = tensor.dtypes,
  _core = core,
}

for _, name in ipairs({ "empty", "zeros", "ones", "full", "zeros_like", "ones_like", "empty_like",
  "full_like", "arange", "linspace", "eye", "tensor", "from_ptr", "manual_seed", "initial_seed",
  "get_rng_state", "set_rng_state",
  "rand", "randn", "randint" }) do
  tide[name] = tensor[name]
end
for _, name in ipairs(tensor.dtypes) do tide[name] = name end

-- Function forms of the view methods: tide.reshape(t, 2, 3) == t:reshape(2, 3)
for _, name in ipairs({ "view", "reshape", "expand", "permute", "transpose", "narrow", "slice", "select",
  "squeeze", "unsqueeze", "flatten", "contiguous", "clone", "totable" }) do
  local m = tensor.Tensor.methods[name]
  tide[name] = function(t, ...)
    if not tensor.is_tensor(t) then core.raise(name .. ": expected a tensor as first argument, got " .. type(t)) end
    return m(t, ...)
  end
end

-- Live and peak bytes of tensor storage owned by Tide.
function tide.memory() return core.memory() end
function tide.reset_peak_memory() C.tide_memory_reset_peak() end
-- Return the blocks Tide keeps for reuse to the system.
function tide.memory_trim() C.tide_memory_trim() end
-- Collect unreachable tensors now.
function tide.collect() core.collect() end
-- Soft memory limit (bytes) past which Tide runs the Lua collector.
function tide.set_memory_soft_limit(bytes) core.set_soft_limit(bytes) end

-- tide.threads(n) sets every parallel part (Tide's kernels and OpenBLAS); tide.threads() reads.
function tide.threads(n)
  if n ~= nil then
    if type(n) ~= "number" or n ~= math.floor(n) or n < 0 then
      core.raise("threads: expected a non-negative integer (0 = all cores), got " .. tostring(n))
    end
    C.tide_set_num_threads(n)
  end
  return C.tide_get_num_threads()
end

-- Op families extend Tensor methods and the tide table. Each module returns function(tide).
for _, name in ipairs({ "tide.ops.elementwise", "tide.ops.reduce", "tide.ops.linalg", "tide.ops.index" }) do
  require(name)(tide)
end

-- Autograd wraps the ops above so they record on the tape when an argument requires grad.
tide.autograd = require("tide.autograd")._install(tide)

-- The larger parts load on first use (tide.nn, tide.optim, ...): start-up stays fast and a
-- script pays only for what it uses. A part that fails to load raises its error on access.
local PARTS = { nn = "tide.nn", optim = "tide.optim", io = "tide.io", data = "tide.data",
  datasets = "tide.datasets", metrics = "tide.metrics", plot = "tide.plot", progress = "tide.progress",
  csv = "tide.csv", frame = "tide.frame", preprocess = "tide.preprocess", stats = "tide.stats",
  eda = "tide.eda", models = "tide.models", sparse = "tide.sparse",
  feature_selection = "tide.feature_selection", distributions = "tide.distributions", evaluate = "tide.evaluate",
  text = "tide.text" }
tide._parts = PARTS
setmetatable(tide, { __index = function(t, k)
  local m = PARTS[k]
  if m == nil then return nil end
  local v = require(m)
  rawset(t, k, v)
  return v
end })

C.tide_set_num_threads(0)
return tide
