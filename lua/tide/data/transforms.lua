-- tide.data.transforms: image transforms in C, torchvision's names and defaults.
--   Normalize(mean, std), RandomCrop(size, {padding =}), CenterCrop(size), Resize(size),
--   RandomHorizontalFlip(p), RandomVerticalFlip(p), Compose{...}, ToTensor(), to_tensor(img).
-- A transform works on one float image [C, H, W] or a batch [N, C, H, W] (float32 result):
-- `t(x)` or `t:apply(x, {seed =})`. Random transforms draw per image from a generator keyed by a
-- seed (from tide.manual_seed's generator unless given), so results are reproducible on any
-- thread count. Given to a DataLoader, the same C pipeline runs in the loader's worker thread.
-- Lua functions may be mixed into Compose; such a Compose runs on the caller's thread.
local core = require("tide._core")
local tensor = require("tide.tensor")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap

local M = {}

-- ---------------------------------------------------------------- the transform class
-- A transform: { _tf = tide_transforms* (C pipeline) } or { _fns = {callables...} } (Lua Compose),
-- plus `name` and `repr` for printing.
local Transform = {}
Transform.__index = Transform
M.Transform = Transform

local function is_transform(x) return getmetatable(x) == Transform end
M.is_transform = is_transform

local function new_pipeline()
  local p = C.tide_transforms_new()
  if p == nil then raise_c() end
  return ffi.gc(p, C.tide_transforms_free)
end

-- A 64-bit-ish seed from Tide's global generator (tide.manual_seed makes it reproducible).
local seed_buf = nil
local function draw_seed()
  seed_buf = seed_buf or tensor.empty(1, "int64")
  if C.tide_randint_(seed_buf._c, 0, 2 ^ 53) ~= 0 then raise_c() end
  return tonumber(seed_buf:data_ptr()[0])
end
M._draw_seed = draw_seed

local function check_seed(seed, op)
  if seed == nil then return draw_seed() end
  if type(seed) ~= "number" or seed < 0 or seed ~= math.floor(seed) then
    raise(op .. ": seed must be a non-negative integer, got " .. tostring(seed))
  end
  return seed
end

-- Apply to an image [C, H, W] or batch [N, C, H, W]; uint8 [H, W] / [H, W, C] images are converted
-- first (as ToTensor), so read_png's result can be passed straight in.
function Transform:apply(x, opts)
  if not tensor.is_tensor(x) then raise(self.name .. ": expected a tensor, got " .. type(x)) end
  local seed = check_seed(type(opts) == "table" and opts.seed or nil, self.name)
  if self._fns then
    for _, f in ipairs(self._fns) do
      if is_transform(f) then x = f:apply(x, { seed = seed }) else x = f(x) end
      seed = seed + 1
    end
    return x
  end
  if x.dtype == "uint8" then x = M.to_tensor(x) end
  return wrap(core.retry(C.tide_transforms_apply, self._tf, x._c, nil, seed))
end
Transform.__call = function(self, x, opts) return self:apply(x, opts) end
Transform.__tostring = function(self) return self.repr end

-- Output shape {C, H, W} for an input of c x h x w (errors when the pipeline cannot take it).
function Transform:output_shape(c, h, w)
  if not self._tf then raise(self.name .. ": output_shape needs a pipeline of C transforms") end
  local o = ffi.new("int64_t[3]")
  if C.tide_transforms_output_shape(self._tf, c, h, w, o) ~= 0 then raise_c() end
  return { tonumber(o[0]), tonumber(o[1]), tonumber(o[2]) }
end

-- True when every step runs in C (and so can run in the loader's worker thread).
function Transform:is_native() return self._tf ~= nil end

local function make(name, repr, add)
  local tf = new_pipeline()
  if add(tf) ~= 0 then raise_c() end
  return setmetatable({ _tf = tf, name = name, repr = repr }, Transform)
end

-- ---------------------------------------------------------------- size arguments
local function int_arg(op, what, v)
  if type(v) ~= "number" or v ~= math.floor(v) or v < 1 then
    raise(string.format("%s: %s must be a positive integer, got %s", op, what, tostring(v)))
  end
  return v
end

-- size: n (square) or {h, w}
local function size_arg(op, size)
  if type(size) == "number" then return int_arg(op, "size", size), size end
  if type(size) == "table" and #size == 2 then
    return int_arg(op, "height", size[1]), int_arg(op, "width", size[2])
  end
  raise(op .. ": size must be a number or a {height, width} table, got " .. tostring(size))
end

local function values_arg(op, what, v)
  if type(v) == "number" then return { v } end
  if tensor.is_tensor(v) then v = v:totable() end
  if type(v) ~= "table" or #v == 0 then raise(op .. ": " .. what .. " must be a number or a table of numbers") end
  for i, x in ipairs(v) do
    if type(x) ~= "number" then raise(string.format("%s: %s[%d] is %s, expected a number", op, what, i, type(x))) end
  end
  return v
end

local function list_str(v)
  local parts = {}
  for i, x in ipairs(v) do parts[i] = tostring(x) end
  return "{" .. table.concat(parts, ", ") .. "}"
end

-- ---------------------------------------------------------------- the transforms

-- Normalize(mean, std): (x - mean[c]) / std[c], one value per channel or one for all.
function M.Normalize(mean, std)
  mean, std = values_arg("Normalize", "mean", mean), values_arg("Normalize", "std", std)
  if #mean ~= #std then
    raise(string.format("Normalize: %d mean values but %d std values", #mean, #std))
  end
  local n = #mean
  local m, s = ffi.new("double[?]", n, mean), ffi.new("double[?]", n, std)
  return make("Normalize", "Normalize(mean=" .. list_str(mean) .. ", std=" .. list_str(std) .. ")",
    function(tf) return C.tide_transforms_add_normalize(tf, n, m, s) end)
end

-- RandomCrop(size, {padding = 0}): zero padding then a random crop. padding: n (all sides),
-- {left/right, top/bottom} or {left, top, right, bottom}, as torchvision. size nil crops back to
-- the input's size (a random shift within the padding).
function M.RandomCrop(size, opts)
  local h, w = 0, 0
  if size ~= nil then h, w = size_arg("RandomCrop", size) end
  opts = opts or {}
  if type(opts) ~= "table" then raise("RandomCrop: options must be a table like {padding = 4}") end
  local p = opts.padding or 0
  local l, t, r, b
  if type(p) == "number" then
    l, t, r, b = p, p, p, p
  elseif type(p) == "table" and #p == 2 then
    l, t, r, b = p[1], p[2], p[1], p[2]
  elseif type(p) == "table" and #p == 4 then
    l, t, r, b = p[1], p[2], p[3], p[4]
  else
    raise("RandomCrop: padding must be a number or a table of 2 or 4 numbers")
  end
  for _, v in ipairs({ l, t, r, b }) do
    if type(v) ~= "number" or v < 0 or v ~= math.floor(v) then
      raise("RandomCrop: padding must be non-negative integers, got " .. tostring(v))
    end
  end
  local pad = ffi.new("int64_t[4]", t, l, b, r) -- C order: top, left, bottom, right
  local shown = size == nil and "nil" or string.format("{%d, %d}", h, w)
  return make("RandomCrop", string.format("RandomCrop(size=%s, padding={%d, %d, %d, %d})", shown, l, t, r, b),
    function(tf) return C.tide_transforms_add_random_crop(tf, h, w, pad) end)
end

function M.CenterCrop(size)
  local h, w = size_arg("CenterCrop", size)
  return make("CenterCrop", string.format("CenterCrop(size={%d, %d})", h, w),
    function(tf) return C.tide_transforms_add_center_crop(tf, h, w) end)
end

-- Resize(size): bilinear to {h, w} (a number means square), align_corners = false, as
-- F.interpolate(mode = "bilinear"). (torchvision's Resize(n) keeps the aspect ratio; give {h, w}.)
function M.Resize(size)
  local h, w = size_arg("Resize", size)
  return make("Resize", string.format("Resize(size={%d, %d})", h, w),
    function(tf) return C.tide_transforms_add_resize(tf, h, w) end)
end

local function prob(op, p)
  if p == nil then return 0.5 end
  if type(p) ~= "number" or p < 0 or p > 1 then raise(op .. ": p must be a number in [0, 1], got " .. tostring(p)) end
  return p
end

function M.RandomHorizontalFlip(p)
  p = prob("RandomHorizontalFlip", p)
  return make("RandomHorizontalFlip", "RandomHorizontalFlip(p=" .. p .. ")",
    function(tf) return C.tide_transforms_add_hflip(tf, p) end)
end

function M.RandomVerticalFlip(p)
  p = prob("RandomVerticalFlip", p)
  return make("RandomVerticalFlip", "RandomVerticalFlip(p=" .. p .. ")",
    function(tf) return C.tide_transforms_add_vflip(tf, p) end)
end

-- to_tensor(img): uint8 [H, W] or [H, W, C] -> float32 [C, H, W] in [0, 1] (a float image is cast
-- to float32 and returned as is).
function M.to_tensor(img)
  if not tensor.is_tensor(img) then raise("to_tensor: expected a tensor, got " .. type(img)) end
  return wrap(core.retry(C.tide_image_to_float, img._c, nil, 0))
end

-- ToTensor(): the conversion as a transform. DataLoader batches are converted already, so inside
-- a loader's Compose it does nothing.
function M.ToTensor()
  local tf = new_pipeline()
  return setmetatable({ _tf = tf, name = "ToTensor", repr = "ToTensor()", _to_tensor = true }, Transform)
end

-- Compose{t1, t2, ...}: in order. C transforms merge into one pipeline; any Lua function in the
-- list makes it a Lua composition (run on the caller's thread).
function M.Compose(list)
  if type(list) ~= "table" or is_transform(list) then raise("Compose: expected a table of transforms") end
  local native, reprs = true, {}
  for i, t in ipairs(list) do
    if is_transform(t) then
      native = native and t._tf ~= nil
      reprs[i] = t.repr
    elseif type(t) == "function" or (type(t) == "table" and getmetatable(t) and getmetatable(t).__call) then
      native = false
      reprs[i] = "<function>"
    else
      raise(string.format("Compose: item %d is %s, expected a transform or a function", i, type(t)))
    end
  end
  local repr = "Compose{" .. table.concat(reprs, ", ") .. "}"
  if native then
    local tf = new_pipeline()
    for _, t in ipairs(list) do
      if C.tide_transforms_append(tf, t._tf) ~= 0 then raise_c() end
    end
    return setmetatable({ _tf = tf, name = "Compose", repr = repr }, Transform)
  end
  local fns = {}
  for i, t in ipairs(list) do fns[i] = t end
  return setmetatable({ _fns = fns, name = "Compose", repr = repr }, Transform)
end

return M
