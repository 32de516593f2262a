-- tide.data: data sets and the batch loader, with PyTorch's names.
--   Dataset{len =, get =}        a data set written in Lua
--   TensorDataset(x, y, ...)     rows of tensors (first dim = samples)
--   ImageFolder(root, opts)      one subfolder of PNGs per class (tide/data/image_folder.lua)
--   Subset(ds, indices), random_split(ds, lengths, {seed =})
--   DataLoader(ds, {batch_size = 64, shuffle, drop_last, seed, transform, prefetch = true})
--   read_idx(path)               an IDX file (MNIST's format, gzipped or not) as a tensor
--   transforms                   tide.data.transforms
-- Data sets and loaders answer `#ds` / `#loader` (they are userdata proxies: LuaJIT's `#` calls
-- __len only for userdata). Tensor and image-folder data sets are batched in C, with a worker
-- thread that prepares the next batch while the caller trains on this one.
local core = require("tide._core")
local A = require("tide._args")
local tensor = require("tide.tensor")
local transforms = require("tide.data.transforms")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap
local is_tensor = tensor.is_tensor

local data = { transforms = transforms }

-- ---------------------------------------------------------------- objects with a length
-- An object is a userdata proxy whose metatable holds its fields (state) and class.
local function object(class, state)
  local p = newproxy(true)
  local mt = getmetatable(p)
  setmetatable(state, { __index = class })
  mt.__index = state
  mt.__newindex = state
  mt.__len = class.__len
  mt.__tostring = class.__tostring
  mt.__class = class
  return p
end
data._object = object

local function class_of(x)
  if type(x) ~= "userdata" then return nil end
  local mt = getmetatable(x)
  return type(mt) == "table" and rawget(mt, "__class") or nil
end

local Dataset = { name = "Dataset" }
Dataset.__index = Dataset
data._Dataset = Dataset

local function is_dataset(x)
  local c = class_of(x)
  while c do
    if c == Dataset then return true end
    local mt = getmetatable(c)
    c = mt and mt.__index
    if type(c) ~= "table" then return false end
  end
  return false
end
data.is_dataset = is_dataset

-- A class deriving from Dataset: methods of its own, Dataset's otherwise.
local function dataset_class(name)
  local cls = setmetatable({ name = name }, { __index = Dataset })
  cls.__len = function(self) return self:len() end
  cls.__tostring = function(self) return string.format("%s(%d samples)", name, self:len()) end
  return cls
end
data._dataset_class = dataset_class

-- Every sample as a list of values (the generic, Lua-side path).
function Dataset:get(i) raise(self.name .. ": get is not implemented") end
function Dataset:len() raise(self.name .. ": len is not implemented") end
-- What the C loader needs to batch this data set without Lua, or nil (see DataLoader).
function Dataset:_source() return nil end

local function check_index(ds, i, op)
  if type(i) ~= "number" or i ~= math.floor(i) then raise(op .. ": index must be an integer, got " .. tostring(i)) end
  local n = ds:len()
  if i < 0 then i = n + i + 1 end
  if i < 1 or i > n then raise(string.format("%s: index %d out of range for %d samples", op, i, n)) end
  return i
end

-- Dataset{len = n or function(self), get = function(self, i) return ... end, ...}: a data set
-- defined in Lua; other fields of the table stay reachable as fields of the data set.
function data.Dataset(impl)
  if type(impl) ~= "table" then raise("Dataset: expected a table {len = ..., get = function(self, i) ... end}") end
  if type(impl.get) ~= "function" then raise("Dataset: the table needs a get(self, i) function") end
  local len = impl.len
  if type(len) ~= "number" and type(len) ~= "function" then
    raise("Dataset: the table needs len (a number, or a function(self) returning one)")
  end
  local cls = dataset_class(impl.name or "Dataset")
  local state = {}
  for k, v in pairs(impl) do if k ~= "get" and k ~= "len" then state[k] = v end end
  local user_get = impl.get
  cls.get = function(self, i) return user_get(self, check_index(self, i, cls.name)) end
  if type(len) == "number" then
    cls.len = function() return len end
  else
    cls.len = function(self) return len(self) end
  end
  return object(cls, state)
end

-- ---------------------------------------------------------------- TensorDataset
local TensorDataset = dataset_class("TensorDataset")

local INT_DTYPES = { int64 = true, int32 = true, uint8 = true }

-- How the loader batches tensor j (see TIDE_COLUMN_* in core/include/tide/data.h): the first
-- tensor is an image batch when it is uint8 [N, H, W] / [N, H, W, C] or float [N, C, H, W]; later
-- 1-d integer tensors are labels (int64 batches); everything else is copied row by row.
local function column_kind(t, j)
  local nd, dt = t:dim(), t.dtype
  if j == 1 and ((dt == "uint8" and (nd == 3 or nd == 4)) or ((dt == "float32" or dt == "float64") and nd == 4)) then
    return C.TIDE_COLUMN_IMAGE
  end
  if j > 1 and nd == 1 and INT_DTYPES[dt] then return C.TIDE_COLUMN_LABEL end
  return C.TIDE_COLUMN_ROWS
end

-- Raise unless the 1-d integer tensor y holds class ids 1..k.
local function check_labels(op, y, k, what)
  local pos = ffi.new("int64_t[1]")
  local st = C.tide_labels_check(y._c, 1, k, pos)
  if st < 0 then raise_c() end
  if st > 0 then
    local i = tonumber(pos[0]) + 1
    local v = y[i]
    raise(string.format("%s: %s %s at sample %d is out of range for %d classes (class ids are 1-based: 1..%d)%s",
      op, what, tostring(v), i, k, k, v == 0 and "; 0-based labels need + 1" or ""))
  end
end
data._check_labels = check_labels

-- TensorDataset(t1, t2, ..., [opts]): sample i is (t1[i], t2[i], ...). opts: {classes = {names}}
-- or {num_classes = k} declares the classes; 1-d integer tensors after the first are then checked
-- to hold class ids 1..k.
function data.TensorDataset(...)
  local args, n = { ... }, select("#", ...)
  local opts = {}
  if n > 0 and type(args[n]) == "table" and not is_tensor(args[n]) then
    opts = args[n]
    n = n - 1
  end
  if n == 0 then raise("TensorDataset: expected at least one tensor") end
  local ts, kinds = {}, {}
  for j = 1, n do
    local t = args[j]
    if not is_tensor(t) then raise(string.format("TensorDataset: argument %d is %s, expected a tensor", j, type(t))) end
    if t:dim() == 0 then raise(string.format("TensorDataset: tensor %d is 0-d; its first dim must index the samples", j)) end
    if j > 1 and t:size(1) ~= ts[1]:size(1) then
      raise(string.format("TensorDataset: tensor %d has %d samples, tensor 1 has %d (sizes of dim 1 must match)",
        j, t:size(1), ts[1]:size(1)))
    end
    ts[j], kinds[j] = t, column_kind(t, j)
  end
  if #ts > 16 then raise("TensorDataset: at most 16 tensors") end
  local classes, k = opts.classes, opts.num_classes
  if classes ~= nil then
    if type(classes) ~= "table" or #classes == 0 then raise("TensorDataset: classes must be a non-empty table of names") end
    if k ~= nil and k ~= #classes then raise(string.format("TensorDataset: num_classes %s but %d class names", tostring(k), #classes)) end
    k = #classes
  end
  if k ~= nil then
    if type(k) ~= "number" or k < 1 or k ~= math.floor(k) then raise("TensorDataset: num_classes must be a positive integer") end
    for j = 2, n do
      if kinds[j] == C.TIDE_COLUMN_LABEL then check_labels("TensorDataset", ts[j], k, "label") end
    end
  end
  return object(TensorDataset, { tensors = ts, _kinds = kinds, classes = classes, num_classes = k })
end

function TensorDataset:len() return self.tensors[1]:size(1) end
function TensorDataset:get(i)
  i = check_index(self, i, "TensorDataset")
  local out = {}
  for j, t in ipairs(self.tensors) do out[j] = t:select(1, i) end
  return unpack(out, 1, #self.tensors)
end
function TensorDataset:_source()
  local cols = {}
  for j, t in ipairs(self.tensors) do cols[j] = { tensor = t, kind = self._kinds[j] } end
  return { n = self:len(), columns = cols }
end

-- ---------------------------------------------------------------- Subset, random_split
local Subset = dataset_class("Subset")

-- Subset(ds, indices): the samples of ds at the given 1-based indices (a Lua table or an integer
-- tensor), in that order.
function data.Subset(ds, indices)
  if not is_dataset(ds) then raise("Subset: expected a data set as argument 1, got " .. type(ds)) end
  local idx = {}
  if is_tensor(indices) then
    if indices:dim() ~= 1 then raise("Subset: indices must be a 1-d tensor") end
    if not INT_DTYPES[indices.dtype] then raise("Subset: indices must be integers, got " .. indices.dtype) end
    local f = indices:to("int64"):contiguous()
    local p = f:data_ptr()
    for i = 1, f:numel() do idx[i] = tonumber(p[i - 1]) end
  elseif type(indices) == "table" then
    for i, v in ipairs(indices) do idx[i] = v end
  else
    raise("Subset: indices must be a table or a tensor, got " .. type(indices))
  end
  local n = ds:len()
  for i, v in ipairs(idx) do
    if type(v) ~= "number" or v ~= math.floor(v) or v < 1 or v > n then
      raise(string.format("Subset: index %s at position %d out of range for %d samples", tostring(v), i, n))
    end
  end
  return object(Subset, { dataset = ds, indices = idx, classes = ds.classes })
end

function Subset:len() return #self.indices end
function Subset:get(i)
  i = check_index(self, i, "Subset")
  return self.dataset:get(self.indices[i])
end
function Subset:_source()
  local src = self.dataset:_source()
  if not src then return nil end
  local index = {}
  for i, v in ipairs(self.indices) do
    index[i] = src.index and src.index[v] or v - 1 -- rows are 0-based in C
  end
  local out = {}
  for k, v in pairs(src) do out[k] = v end
  out.n, out.index = #index, index
  return out
end

-- A seeded permutation of 0..n-1 (the loader's shuffle) as a Lua table.
local function permutation(n, seed, epoch)
  local buf = ffi.new("int64_t[?]", math.max(n, 1))
  if C.tide_data_shuffle(n, seed, epoch, buf) ~= 0 then raise_c() end
  local out = {}
  for i = 1, n do out[i] = tonumber(buf[i - 1]) end
  return out
end

local function seed_arg(op, seed)
  if seed == nil then return transforms._draw_seed() end
  if type(seed) ~= "number" or seed < 0 or seed ~= math.floor(seed) then
    raise(op .. ": seed must be a non-negative integer, got " .. tostring(seed))
  end
  return seed
end

-- random_split(ds, lengths, {seed =}) -> {subset1, subset2, ...}: disjoint Subsets of the given
-- sizes, from a seeded permutation. lengths are counts summing to #ds, or fractions summing to 1 (the remainder of
-- the rounding goes to the first subsets one by one, as PyTorch does).
function data.random_split(ds, lengths, opts)
  if not is_dataset(ds) then raise("random_split: expected a data set as argument 1, got " .. type(ds)) end
  if type(lengths) ~= "table" or #lengths == 0 then raise("random_split: lengths must be a non-empty table") end
  opts = opts or {}
  local n = ds:len()
  local total = 0
  for i, v in ipairs(lengths) do
    if type(v) ~= "number" or v < 0 then raise(string.format("random_split: length %d must be a non-negative number", i)) end
    total = total + v
  end
  local counts = {}
  if math.abs(total - 1) < 1e-9 and total <= 1 then -- fractions
    local used = 0
    for i, f in ipairs(lengths) do
      counts[i] = math.floor(n * f)
      used = used + counts[i]
    end
    for i = 0, n - used - 1 do
      local k = i % #counts + 1
      counts[k] = counts[k] + 1
    end
  else
    for i, v in ipairs(lengths) do
      if v ~= math.floor(v) then
        raise(string.format("random_split: length %d is %s; give counts, or fractions summing to 1", i, tostring(v)))
      end
      counts[i] = v
    end
    if total ~= n then
      raise(string.format("random_split: lengths sum to %s, the data set has %d samples", tostring(total), n))
    end
  end
  local perm = permutation(n, seed_arg("random_split", opts.seed), 0)
  local parts, at = {}, 0
  for i, c in ipairs(counts) do
    local idx = {}
    for k = 1, c do idx[k] = perm[at + k] + 1 end
    at = at + c
    parts[i] = data.Subset(ds, idx)
  end
  return parts
end

-- ---------------------------------------------------------------- reading files
function data.read_idx(path)
  if type(path) ~= "string" then raise("read_idx: expected a file name, got " .. type(path)) end
  return wrap(core.retry(C.tide_idx_read, path))
end

-- ---------------------------------------------------------------- DataLoader
local Loader = { name = "DataLoader" }
Loader.__index = Loader
Loader.__len = function(self) return self.num_batches end
Loader.__tostring = function(self)
  return string.format("DataLoader(%d samples, batch_size=%d, %d batches%s%s)", self.dataset:len(), self.batch_size,
    self.num_batches, self.shuffle and ", shuffle" or "", self.prefetch and ", prefetch" or "")
end

local function bool_opt(opts, k, default)
  local v = opts[k]
  if v == nil then return default end
  if type(v) ~= "boolean" then raise(string.format("DataLoader: %s must be true or false, got %s", k, tostring(v))) end
  return v
end

local KNOWN = { batch_size = true, shuffle = true, drop_last = true, seed = true, transform = true, prefetch = true }

-- A transform for the image column: a C pipeline (the worker runs it) or a callable applied to
-- whole batches on the caller's thread.
local function split_transform(t)
  if t == nil then return nil, nil end
  if transforms.is_transform(t) then
    if t._tf then return t, nil end
    return nil, t
  end
  if type(t) == "function" then return nil, t end
  raise("DataLoader: transform must be a tide.data.transforms transform or a function, got " .. type(t))
end

-- DataLoader(dataset, {batch_size = 64, shuffle = false, drop_last = false, seed =, transform =,
-- prefetch = true}).
function data.DataLoader(ds, opts)
  if not is_dataset(ds) then raise("DataLoader: expected a data set as argument 1, got " .. type(ds)) end
  opts = A.options("DataLoader", opts, KNOWN)
  local bs = opts.batch_size == nil and 64 or opts.batch_size
  if type(bs) ~= "number" or bs ~= math.floor(bs) or bs < 1 then
    raise("DataLoader: batch_size must be a positive integer, got " .. tostring(bs))
  end
  local self = {
    dataset = ds, batch_size = bs,
    shuffle = bool_opt(opts, "shuffle", false), drop_last = bool_opt(opts, "drop_last", false),
    prefetch = bool_opt(opts, "prefetch", true), seed = seed_arg("DataLoader", opts.seed),
    transform = opts.transform, epoch = 0,
  }
  local n = ds:len()
  self.num_batches = self.drop_last and math.floor(n / bs) or math.ceil(n / bs)
  local native, lua_tf = split_transform(opts.transform)
  self._lua_transform = lua_tf

  local src = ds:_source()
  if src then
    -- the data set's own transform (ImageFolder) runs first, then the loader's
    local ds_native, ds_lua = split_transform(src.transform)
    if ds_lua then
      self._sample_transform = ds_lua -- a Lua transform of the data set: applied per batch
    end
    local index = nil
    if src.index then index = ffi.new("int64_t[?]", math.max(#src.index, 1), src.index) end
    local l = C.tide_loader_new(src.n, index, bs, self.shuffle and 1 or 0, self.drop_last and 1 or 0, self.seed,
      self.prefetch and 1 or 0)
    if l == nil then raise_c() end
    l = ffi.gc(l, C.tide_loader_free)
    for j, col in ipairs(src.columns) do
      local st
      if col.files then
        local paths = ffi.new("const char*[?]", #col.files)
        for i, p in ipairs(col.files) do paths[i - 1] = p end
        st = C.tide_loader_add_png_files(l, #col.files, paths, col.mode, col.height, col.width)
      else
        st = C.tide_loader_add_tensor(l, col.tensor._c, col.kind)
      end
      if st ~= 0 then raise_c() end
    end
    local pipeline = nil
    if ds_native and native then
      pipeline = transforms.Compose({ ds_native, native })
    else
      pipeline = ds_native or native
    end
    if pipeline then
      if src.columns[1].kind ~= C.TIDE_COLUMN_IMAGE and not src.columns[1].files then
        raise("DataLoader: transforms apply to images; the first tensor of this data set is not an image batch "
          .. "(uint8 [N, H, W] / [N, H, W, C] or float [N, C, H, W])")
      end
      if C.tide_loader_set_transforms(l, 0, pipeline._tf) ~= 0 then raise_c() end
    end
    self._c = l
    self._ncols = #src.columns
    self._kinds = {}
    for j, col in ipairs(src.columns) do self._kinds[j] = col.kind end
    self._out = ffi.new("tide_tensor*[16]")
  end
  return object(Loader, self)
end

-- Release the handles of the batch handed out last: its buffer is about to be refilled.
local function drop_batch(self)
  local prev = self._handed
  if prev then
    for i = 1, #prev do core.free(prev[i]) end
    self._handed = nil
  end
end

-- Default collation of Lua samples: tensors stacked, numbers into a tensor (int64 when all are
-- integers, else float64), anything else left as a Lua table.
local function collate(samples, ncols)
  local tide = require("tide")
  local out = {}
  for j = 1, ncols do
    local first = samples[1][j]
    local list = {}
    for k, s in ipairs(samples) do list[k] = s[j] end
    if is_tensor(first) then
      out[j] = tide.stack(list, 1)
    elseif type(first) == "number" then
      local int = true
      for _, v in ipairs(list) do if v ~= math.floor(v) then int = false break end end
      out[j] = tensor.tensor(list, int and "int64" or "float64")
    else
      out[j] = list
    end
  end
  return out
end

local function apply_lua_transforms(self, out)
  if self._sample_transform then out[1] = self._sample_transform(out[1]) end
  if self._lua_transform then out[1] = self._lua_transform(out[1]) end
end

-- The next iter() runs epoch e (the shuffle order is a function of seed and epoch number, so a
-- resumed run sees the same orders as an uninterrupted one).
function Loader:set_epoch(e)
  if type(e) ~= "number" or e < 1 or e ~= math.floor(e) then
    raise("DataLoader: set_epoch expects a positive integer, got " .. tostring(e))
  end
  self.epoch = e - 1
end

-- for x, y in loader:iter() do ... end — one pass over the data set (an epoch). Each call starts
-- a new epoch: with shuffle the order differs from epoch to epoch, and is the same for the same
-- seed on every run. Batches of tensor and image-folder data sets are assembled in buffers the
-- loader reuses: image and row tensors of a batch are freed when the next batch is requested
-- (clone() what you keep); labels are fresh tensors.
function Loader:iter()
  self.epoch = self.epoch + 1
  drop_batch(self)
  if self._c then
    local l, out, ncols, kinds, LABEL = self._c, self._out, self._ncols, self._kinds, C.TIDE_COLUMN_LABEL
    if C.tide_loader_start_epoch(l, self.epoch) ~= 0 then raise_c() end
    return function()
      drop_batch(self)
      local r = C.tide_loader_next(l, out)
      if r == 0 then return nil end
      if r < 0 then raise_c() end
      local batch, handed = {}, {}
      for j = 1, ncols do
        local t = wrap(out[j - 1])
        if kinds[j] == LABEL then -- labels are tiny and often kept (metrics): a fresh copy
          batch[j] = t:clone()
          core.free(t)
        else
          batch[j] = t
          handed[#handed + 1] = t
        end
      end
      self._handed = handed
      apply_lua_transforms(self, batch)
      return unpack(batch, 1, ncols)
    end
  end
  -- a data set written in Lua: samples gathered and collated on this thread
  local ds, n, bs = self.dataset, self.dataset:len(), self.batch_size
  local order = permutation(n, self.seed, self.shuffle and self.epoch or -1)
  local b, nb = 0, self.num_batches
  return function()
    if b >= nb then return nil end
    local first = b * bs
    local last = math.min(n, first + bs)
    b = b + 1
    local samples, ncols = {}, 0
    for k = first + 1, last do
      local s = { ds:get(order[k] + 1) }
      ncols = math.max(ncols, #s)
      samples[#samples + 1] = s
    end
    local batch = collate(samples, ncols)
    apply_lua_transforms(self, batch)
    return unpack(batch, 1, ncols)
  end
end

function Loader:len() return self.num_batches end

require("tide.data.image_folder")(data)

return data
