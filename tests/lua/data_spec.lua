-- tide.data from Lua: IDX files (the Debian Fashion-MNIST files and broken copies), data sets,
-- the DataLoader (rows in the shuffled order, seeds, drop_last, prefetch on/off identical, flat
-- memory, speed), transforms against PyTorch references (tests/gen/gen_data.py) and exact
-- crop/flip checks, ImageFolder over PNGs written here, and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local bit = require("bit")
local ref = H.fixture("data")
local data, T = tide.data, tide.data.transforms

local FASHION = "/usr/share/datasets/fashion-mnist"
local exists = H.exists
local function sh(cmd) assert(os.execute(cmd) == 0, "command failed: " .. cmd) end

local tmp = H.mkdtemp()
teardown(function() os.execute("rm -rf '" .. tmp .. "'") end)

local write = H.write_file

-- ---------------------------------------------------------------- a PNG writer (stored deflate)
local crc_table = {}
for n = 0, 255 do
  local c = n
  for _ = 1, 8 do
    if bit.band(c, 1) ~= 0 then c = bit.bxor(0xEDB88320, bit.rshift(c, 1)) else c = bit.rshift(c, 1) end
  end
  crc_table[n] = c
end
local function crc32(s)
  local c = 0xFFFFFFFF
  for i = 1, #s do c = bit.bxor(crc_table[bit.band(bit.bxor(c, s:byte(i)), 0xFF)], bit.rshift(c, 8)) end
  return bit.bxor(c, 0xFFFFFFFF)
end
local function be32(v)
  return string.char(bit.band(bit.rshift(v, 24), 255), bit.band(bit.rshift(v, 16), 255), bit.band(bit.rshift(v, 8), 255),
    bit.band(v, 255))
end
local function chunk(kind, body) return be32(#body) .. kind .. body .. be32(crc32(kind .. body)) end

-- An 8-bit gray (c = 1) or RGB (c = 3) PNG whose pixel (i, j, k) (0-based) is pix(i, j, k).
local function png_bytes(h, w, c, pix)
  local rows = {}
  for i = 0, h - 1 do
    local r = { "\0" }
    for j = 0, w - 1 do for k = 0, c - 1 do r[#r + 1] = string.char(pix(i, j, k)) end end
    rows[#rows + 1] = table.concat(r)
  end
  local raw = table.concat(rows)
  local a, b = 1, 0
  for i = 1, #raw do
    a = (a + raw:byte(i)) % 65521
    b = (b + a) % 65521
  end
  local n = #raw
  local z = "\120\1" .. string.char(1, n % 256, math.floor(n / 256), 255 - n % 256, 255 - math.floor(n / 256))
    .. raw .. be32(b * 65536 + a)
  local ihdr = be32(w) .. be32(h) .. string.char(8, c == 1 and 0 or 2, 0, 0, 0)
  return "\137PNG\r\n\26\n" .. chunk("IHDR", ihdr) .. chunk("IDAT", z) .. chunk("IEND", "")
end

-- ---------------------------------------------------------------- IDX
describe("read_idx", function()
  it("reads the Debian Fashion-MNIST files (gzipped)", function()
    if not exists(FASHION .. "/train-labels-idx1-ubyte.gz") then
      pending("dataset-fashion-mnist is not installed")
      return
    end
    local x = data.read_idx(FASHION .. "/train-images-idx3-ubyte.gz")
    assert.same({ 60000, 28, 28 }, x.shape)
    assert.equals("uint8", x.dtype)
    local y = data.read_idx(FASHION .. "/train-labels-idx1-ubyte.gz")
    assert.same({ 60000 }, y.shape)
    assert.same({ 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, y:narrow(1, 1, 10):totable())
    assert.equals(0, y:min())
    assert.equals(9, y:max())
    local yt = data.read_idx(FASHION .. "/t10k-labels-idx1-ubyte.gz")
    assert.same({ 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, yt:narrow(1, 1, 10):totable())
    -- the first training image: an ankle boot, 0 at the corners, some bright pixels
    assert.equals(0, x[{ 1, 1, 1 }])
    assert.is_true(x[1]:max() == 255)
    -- the same values from a decompressed copy, and tide.io's alias when it is there
    sh(string.format("gzip -dc %s/t10k-labels-idx1-ubyte.gz > %s/labels.idx", FASHION, tmp))
    local plain = data.read_idx(tmp .. "/labels.idx")
    assert.is_true(plain:eq(yt):all())
  end)

  it("rejects truncated and corrupt copies with the file's name", function()
    if not exists(FASHION .. "/t10k-labels-idx1-ubyte.gz") then
      pending("dataset-fashion-mnist is not installed")
      return
    end
    local gz = FASHION .. "/t10k-labels-idx1-ubyte.gz"
    sh(string.format("head -c 3000 %s > %s/cut.gz", gz, tmp))
    H.assert_error(function() return data.read_idx(tmp .. "/cut.gz") end, "read_idx", tmp .. "/cut.gz", "truncated")
    sh(string.format("gzip -dc %s | head -c 5000 > %s/cut.idx", gz, tmp))
    H.assert_error(function() return data.read_idx(tmp .. "/cut.idx") end, "read_idx", "cut.idx", "need 10000 bytes")
    -- flip bytes inside the compressed stream
    local f = assert(io.open(gz, "rb"))
    local bytes = f:read("*a")
    f:close()
    write(tmp .. "/bad.gz", bytes:sub(1, 2000) .. string.rep("\255", 64) .. bytes:sub(2065))
    H.assert_error(function() return data.read_idx(tmp .. "/bad.gz") end, "read_idx", "bad.gz")
    -- a data file followed by more bytes than the dims say
    sh(string.format("(gzip -dc %s; printf 'xyz') > %s/long.idx", gz, tmp))
    H.assert_error(function() return data.read_idx(tmp .. "/long.idx") end, "long.idx", "need 10000 bytes", "has 10003")
  end)

  it("reads every IDX type and rejects bad headers", function()
    -- float64 [2]: 1.5, -2.25 big-endian
    local ffi = require("ffi")
    local function be_double(v)
      local u = ffi.new("double[1]", v)
      local b = ffi.cast("uint8_t*", u)
      local s = {}
      for i = 7, 0, -1 do s[#s + 1] = string.char(b[i]) end
      return table.concat(s)
    end
    write(tmp .. "/d.idx", "\0\0\14\1" .. be32(2) .. be_double(1.5) .. be_double(-2.25))
    local t = data.read_idx(tmp .. "/d.idx")
    assert.equals("float64", t.dtype)
    assert.same({ 1.5, -2.25 }, t:totable())
    write(tmp .. "/s.idx", "\0\0\11\2" .. be32(1) .. be32(2) .. "\255\254\1\0") -- int16: -2, 256
    assert.same({ { -2, 256 } }, data.read_idx(tmp .. "/s.idx"):totable())
    sh(string.format("gzip -c %s/s.idx > %s/s.idx.gz", tmp, tmp))
    assert.same({ { -2, 256 } }, data.read_idx(tmp .. "/s.idx.gz"):totable())
    write(tmp .. "/m.idx", "PK\3\4 not idx")
    H.assert_error(function() return data.read_idx(tmp .. "/m.idx") end, "read_idx", "m.idx", "not an IDX file")
    write(tmp .. "/x.idx", "\0\0\8\1" .. be32(4) .. "abc")
    H.assert_error(function() return data.read_idx(tmp .. "/x.idx") end, "x.idx", "dims [4]", "need 4 bytes", "has 3")
    H.assert_error(function() return data.read_idx(tmp .. "/none.idx") end, "cannot open", "none.idx")
    H.assert_error(function() return data.read_idx(42) end, "read_idx", "file name")
  end)
end)

-- ---------------------------------------------------------------- data sets
describe("TensorDataset, Subset, random_split", function()
  local x = tide.arange(0, 30):reshape(10, 3)
  local y = tide.arange(1, 11, "int64")

  it("indexes samples and answers #", function()
    local ds = data.TensorDataset(x, y)
    assert.equals(10, #ds)
    local xi, yi = ds:get(4)
    assert.same({ 9, 10, 11 }, xi:totable())
    assert.equals(4, yi:item())
    local _, ylast = ds:get(-1)
    assert.equals(10, ylast:item())
    H.assert_error(function() return ds:get(11) end, "TensorDataset", "index 11 out of range for 10")
  end)

  it("rejects mismatched lengths, 0-d tensors and out-of-range labels", function()
    H.assert_error(function() return data.TensorDataset(x, tide.arange(1, 10, "int64")) end,
      "TensorDataset", "tensor 2 has 9 samples, tensor 1 has 10")
    H.assert_error(function() return data.TensorDataset(tide.tensor(3)) end, "TensorDataset", "0-d")
    H.assert_error(function() return data.TensorDataset(x, "y") end, "argument 2 is string")
    local bad = y:clone()
    bad[7] = 11
    H.assert_error(function() return data.TensorDataset(x, bad, { num_classes = 10 }) end,
      "TensorDataset", "label 11 at sample 7", "10 classes")
    H.assert_error(function() return data.TensorDataset(x, y - 1, { num_classes = 10 }) end,
      "label 0 at sample 1", "1-based", "+ 1")
    local names = {}
    for i = 1, 9 do names[i] = "c" .. i end
    H.assert_error(function() return data.TensorDataset(x, y, { classes = names }) end, "label 10", "9 classes")
    assert.equals(10, #data.TensorDataset(x, y, { num_classes = 10 }))
  end)

  it("takes Subsets by table or tensor, and splits reproducibly", function()
    local ds = data.TensorDataset(x, y)
    local s = data.Subset(ds, { 3, 1, 10 })
    assert.equals(3, #s)
    local _, yy = s:get(3)
    assert.equals(10, yy:item())
    assert.equals(2, #data.Subset(ds, tide.tensor({ 2, 5 }, "int64")))
    H.assert_error(function() return data.Subset(ds, { 0 }) end, "Subset", "index 0", "10 samples")
    local parts = data.random_split(ds, { 7, 3 }, { seed = 5 })
    assert.equals(2, #parts)
    assert.equals(7, #parts[1])
    assert.equals(3, #parts[2])
    local seen = {}
    for _, p in ipairs(parts) do for _, i in ipairs(p.indices) do seen[#seen + 1] = i end end
    table.sort(seen)
    assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, seen)
    assert.same(parts[2].indices, data.random_split(ds, { 7, 3 }, { seed = 5 })[2].indices)
    assert.are_not.same(parts[2].indices, data.random_split(ds, { 7, 3 }, { seed = 6 })[2].indices)
    local f = data.random_split(ds, { 0.75, 0.25 }, { seed = 1 }) -- 7.5 / 2.5: the first gets the extra one
    assert.equals(8, #f[1])
    assert.equals(2, #f[2])
    H.assert_error(function() return data.random_split(ds, { 5, 4 }) end, "random_split", "sum to 9", "10 samples")
  end)
end)

-- ---------------------------------------------------------------- DataLoader
-- every batch of an epoch: x rows (as tables) and labels
local function epoch(loader)
  local xs, ys = {}, {}
  for xb, yb in loader:iter() do
    xs[#xs + 1] = xb:clone()
    ys[#ys + 1] = yb
  end
  return xs, ys
end

local function same_batches(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if not (a[i]:size(1) == b[i]:size(1) and a[i]:eq(b[i]):all()) then return false end
  end
  return true
end

describe("DataLoader over tensors", function()
  local N = 103
  -- x row i = {i, 10 i, 100 i}: a batch's rows show which samples it holds
  local x = tide.arange(1, N + 1):unsqueeze(2) * tide.tensor({ { 1, 10, 100 } })
  local y = tide.arange(1, N + 1, "int64")
  local ds = data.TensorDataset(x, y)

  it("yields the source rows in the shuffled order, each once per epoch", function()
    local loader = data.DataLoader(ds, { batch_size = 16, shuffle = true, seed = 7 })
    assert.equals(7, #loader)
    local seen, order = {}, {}
    local nb = 0
    for xb, yb in loader:iter() do
      nb = nb + 1
      assert.equals("float32", xb.dtype)
      assert.equals("int64", yb.dtype)
      assert.same(nb < 7 and { 16, 3 } or { 7, 3 }, xb.shape)
      for i = 1, yb:size(1) do
        local id = yb[i]
        assert.same(x[id]:totable(), xb[i]:totable()) -- the row of sample id, gathered right
        assert.is_nil(seen[id])
        seen[id] = true
        order[#order + 1] = id
      end
    end
    assert.equals(7, nb)
    assert.equals(N, #order)
    local sorted = true
    for i = 2, N do sorted = sorted and order[i] > order[i - 1] end
    assert.is_false(sorted)
  end)

  it("gives the same batches for the same seed, another order each epoch", function()
    local a = data.DataLoader(ds, { batch_size = 10, shuffle = true, seed = 3 })
    local b = data.DataLoader(ds, { batch_size = 10, shuffle = true, seed = 3 })
    local a1, b1 = epoch(a), epoch(b)
    assert.is_true(same_batches(a1, b1))
    local a2 = epoch(a)
    assert.is_false(same_batches(a1, a2))
    assert.is_true(same_batches(a2, epoch(b)))
    local c = data.DataLoader(ds, { batch_size = 10, shuffle = true, seed = 4 })
    assert.is_false(same_batches(a1, epoch(c)))
    -- set_epoch replays an epoch's order (resuming a run)
    a:set_epoch(1)
    assert.is_true(same_batches(a1, epoch(a)))
    -- without a seed, tide.manual_seed decides
    tide.manual_seed(11)
    local d1 = epoch(data.DataLoader(ds, { batch_size = 10, shuffle = true }))
    tide.manual_seed(11)
    assert.is_true(same_batches(d1, epoch(data.DataLoader(ds, { batch_size = 10, shuffle = true }))))
    -- no shuffle: in order
    local xs = epoch(data.DataLoader(ds, { batch_size = 50 }))
    assert.same(x:narrow(1, 1, 50):totable(), xs[1]:totable())
  end)

  it("drops the last partial batch with drop_last", function()
    local loader = data.DataLoader(ds, { batch_size = 10, drop_last = true, shuffle = true, seed = 1 })
    assert.equals(10, #loader)
    local n = 0
    for xb in loader:iter() do
      assert.equals(10, xb:size(1))
      n = n + 1
    end
    assert.equals(10, n)
    assert.equals(0, #data.DataLoader(ds, { batch_size = 200, drop_last = true }))
    assert.equals(1, #data.DataLoader(ds, { batch_size = 200 }))
  end)

  it("converts uint8 images to float [B, C, H, W] in [0, 1]", function()
    tide.manual_seed(2)
    local g = tide.randint(0, 256, { 20, 4, 5 }, "uint8")
    local c = tide.randint(0, 256, { 20, 4, 5, 3 }, "uint8")
    local lab = tide.randint(1, 4, { 20 }, "int64")
    local xb, yb = data.DataLoader(data.TensorDataset(g, lab), { batch_size = 8 }):iter()()
    assert.same({ 8, 1, 4, 5 }, xb.shape)
    H.assert_matches(xb:squeeze(2), { shape = { 8, 4, 5 }, data = H.flat(g:narrow(1, 1, 8):to("float32") / 255) }, 1e-7)
    assert.same(lab:narrow(1, 1, 8):totable(), yb:totable())
    xb = data.DataLoader(data.TensorDataset(c, lab), { batch_size = 8 }):iter()()
    assert.same({ 8, 3, 4, 5 }, xb.shape)
    local want = c:narrow(1, 1, 8):permute(1, 4, 2, 3):to("float32") / 255
    assert.is_true((xb - want):abs():max() < 1e-7)
    -- uint8 labels (as read_idx gives them) come out as int64
    local _, y8 = data.DataLoader(data.TensorDataset(g, lab:to("uint8")), { batch_size = 4 }):iter()()
    assert.equals("int64", y8.dtype)
  end)

  it("gives identical batches with prefetch on and off, on any thread count", function()
    tide.manual_seed(3)
    local imgs = tide.randint(0, 256, { 50, 12, 12 }, "uint8")
    local lab = tide.randint(1, 10, { 50 }, "int64")
    local tf = T.Compose({ T.RandomCrop(10, { padding = 2 }), T.RandomHorizontalFlip(), T.Normalize(0.5, 0.25) })
    local function run(prefetch, threads)
      local saved = tide.threads()
      tide.threads(threads)
      local l = data.DataLoader(data.TensorDataset(imgs, lab), { batch_size = 8, shuffle = true, seed = 9,
        transform = tf, prefetch = prefetch })
      local a, b = epoch(l), epoch(l)
      tide.threads(saved)
      return a, b
    end
    local p1, p2 = run(true, 2)
    local s1, s2 = run(false, 1)
    assert.same({ 8, 1, 10, 10 }, p1[1].shape)
    assert.is_true(same_batches(p1, s1))
    assert.is_true(same_batches(p2, s2))
    assert.is_false(same_batches(p1, p2)) -- other epoch, other crops
  end)

  it("frees a batch's buffers at the next batch; labels stay valid", function()
    local loader = data.DataLoader(ds, { batch_size = 10 })
    local it = loader:iter()
    local x1, y1 = it()
    local x2 = it()
    assert.equals(10, y1:size(1)) -- labels are fresh tensors
    assert.equals(11, x2[{ 1, 1 }])
    H.assert_error(function() return x1:sum() end, "free")
    local keep = x2:clone()
    it()
    assert.equals(11, keep[{ 1, 1 }])
  end)

  it("keeps memory flat over many epochs", function()
    tide.manual_seed(4)
    local imgs = tide.randint(0, 256, { 512, 28, 28 }, "uint8")
    local lab = tide.randint(1, 11, { 512 }, "int64")
    local loader = data.DataLoader(data.TensorDataset(imgs, lab), { batch_size = 64, shuffle = true, seed = 1,
      transform = T.RandomCrop(28, { padding = 4 }) })
    local live
    for e = 1, 40 do
      for xb, yb in loader:iter() do assert.equals(64, xb:size(1) + 0 * yb:size(1)) end
      if e == 5 then
        tide.collect()
        live = tide.memory().live
      end
    end
    tide.collect()
    assert.is_true(tide.memory().live <= live + 65536, "live bytes grew from " .. live .. " to " .. tide.memory().live)
  end)

  it("costs little per 64-image batch of a uint8 tensor", function()
    local ffi = require("ffi")
    pcall(ffi.cdef, "typedef struct { long tv_sec; long tv_nsec; } tide_spec_ts; int clock_gettime(int, tide_spec_ts *);")
    local ts = ffi.new("tide_spec_ts")
    local function clock(id) -- 1: monotonic wall time; 3: this thread's CPU time
      ffi.C.clock_gettime(id, ts)
      return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
    end
    local imgs = tide.zeros({ 6400, 28, 28 }, "uint8")
    local lab = tide.ones({ 6400 }, "int64")
    -- CPU time the training thread spends in the loader per batch (waiting excluded: on a busy
    -- machine the worker may be scheduled late, which says nothing about the loader's cost)
    local function cost(prefetch)
      local loader = data.DataLoader(data.TensorDataset(imgs, lab), { batch_size = 64, shuffle = true, seed = 1,
        prefetch = prefetch })
      local spent = {}
      local it = loader:iter()
      while true do
        local t0 = clock(3)
        local xb = it()
        spent[#spent + 1] = clock(3) - t0
        if not xb then break end
        local t1 = clock(1)
        while clock(1) - t1 < 0.001 do end -- a (short) training step
      end
      table.sort(spent)
      return spent[math.floor(#spent / 2)]
    end
    -- a training step of the flagship CNN takes ~10 ms per 64 images: 1% of it is 100 us
    local p, s = cost(true), cost(false)
    assert.is_true(p < 100e-6, string.format("prefetch: %.1f us of the caller's CPU per batch", p * 1e6))
    assert.is_true(s < 500e-6, string.format("no prefetch: %.1f us per batch", s * 1e6))
  end)

  it("rejects bad options", function()
    H.assert_error(function() return data.DataLoader(ds, { batch_size = 0 }) end, "DataLoader", "batch_size", "got 0")
    H.assert_error(function() return data.DataLoader(ds, { batch_size = 2.5 }) end, "batch_size")
    H.assert_error(function() return data.DataLoader(ds, { shufle = true }) end, "unknown option 'shufle'")
    H.assert_error(function() return data.DataLoader(ds, { shuffle = 1 }) end, "shuffle must be true or false")
    H.assert_error(function() return data.DataLoader(x) end, "DataLoader", "expected a data set")
    H.assert_error(function() return data.DataLoader(ds, { transform = T.RandomHorizontalFlip() }) end,
      "DataLoader", "transforms apply to images")
    local imgs = tide.zeros({ 4, 8, 8 }, "uint8")
    H.assert_error(function()
      return data.DataLoader(data.TensorDataset(imgs), { transform = T.Normalize({ 0.5, 0.5, 0.5 }, { 1, 1, 1 }) })
    end, "Normalize", "3 mean/std values", "1 channels")
    H.assert_error(function() return data.DataLoader(data.TensorDataset(imgs), { transform = T.RandomCrop(9) }) end,
      "RandomCrop", "larger")
  end)
end)

describe("DataLoader over Lua data sets", function()
  it("collates samples and follows the same order as the C path", function()
    local x = tide.arange(0, 40):reshape(20, 2)
    local lua_ds = data.Dataset({ len = 20, get = function(_, i) return x[i], i end })
    assert.equals(20, #lua_ds)
    local a = epoch(data.DataLoader(lua_ds, { batch_size = 6, shuffle = true, seed = 5 }))
    local b = epoch(data.DataLoader(data.TensorDataset(x, tide.arange(1, 21, "int64")), { batch_size = 6, shuffle = true, seed = 5 }))
    assert.is_true(same_batches(a, b))
    local _, yb = data.DataLoader(lua_ds, { batch_size = 4 }):iter()()
    assert.equals("int64", yb.dtype)
    assert.same({ 1, 2, 3, 4 }, yb:totable())
    H.assert_error(function() return lua_ds:get(21) end, "index 21 out of range")
    H.assert_error(function() return data.Dataset({ len = 3 }) end, "Dataset", "get")
  end)

  it("loads Subsets of tensor data sets in C", function()
    local x = tide.arange(0, 20):reshape(10, 2)
    local ds = data.TensorDataset(x, tide.arange(1, 11, "int64"))
    local parts = data.random_split(ds, { 6, 4 }, { seed = 2 })
    local sub = data.Subset(parts[2], { 4, 1 })
    local xb, yb = data.DataLoader(sub, { batch_size = 8 }):iter()()
    local ids = { parts[2].indices[4], parts[2].indices[1] }
    assert.same(ids, yb:totable())
    assert.same({ x[ids[1]]:totable(), x[ids[2]]:totable() }, xb:totable())
  end)
end)

-- ---------------------------------------------------------------- transforms
local function from_fixture(a) return tide.tensor(a.data):reshape(a.shape) end

describe("transforms", function()
  it("Resize matches F.interpolate (bilinear, align_corners = false)", function()
    for _, name in ipairs({ "resize_down", "resize_up", "resize_mixed", "resize_same", "resize_to_one", "resize_28_to_32" }) do
      local c = ref[name]
      local out = T.Resize(c.size)(from_fixture(c.input))
      H.assert_matches(out, c.expected, 1e-6, name)
      -- one image at a time gives the same
      H.assert_matches(T.Resize(c.size)(from_fixture(c.input)[1]), {
        shape = { c.expected.shape[2], c.expected.shape[3], c.expected.shape[4] },
        data = H.flat(from_fixture(c.expected)[1]) }, 1e-6, name .. " (one image)")
    end
  end)

  it("Normalize matches torchvision", function()
    local c = ref.normalize
    H.assert_matches(T.Normalize(c.mean, c.std)(from_fixture(c.input)), c.expected, 0, "normalize")
    H.assert_error(function() return T.Normalize({ 0.5, 0.5 }, { 0.2, 0.2 })(from_fixture(c.input)) end,
      "Normalize", "2 mean/std values", "3 channels")
    H.assert_error(function() return T.Normalize({ 0.5 }, { 0 }) end, "Normalize", "std")
    H.assert_error(function() return T.Normalize({ 0.5, 1 }, { 1 }) end, "2 mean values but 1 std")
  end)

  it("RandomCrop and flips are exact, seeded, and cover every choice", function()
    local img = tide.arange(1, 2 * 4 * 5 + 1):reshape(2, 4, 5)
    local crop = T.RandomCrop({ 4, 5 }, { padding = { 1, 2 } }) -- left/right 1, top/bottom 2
    local offsets = {}
    for seed = 1, 150 do
      local out = crop:apply(img, { seed = seed })
      local hit
      for top = 0, 4 do
        for left = 0, 2 do
          local ok = true
          for k = 1, 2 do for i = 1, 4 do for j = 1, 5 do
            local si, sj = i + top - 2, j + left - 1
            local want = (si >= 1 and si <= 4 and sj >= 1 and sj <= 5) and img[{ k, si, sj }] or 0
            if out[{ k, i, j }] ~= want then ok = false end
          end end end
          if ok then hit = top * 10 + left end
        end
      end
      assert.is_not_nil(hit, "crop " .. seed .. " is no crop of the padded image")
      offsets[hit] = true
      assert.is_true(out:eq(crop:apply(img, { seed = seed })):all()) -- seeded
    end
    local n = 0
    for _ in pairs(offsets) do n = n + 1 end
    assert.equals(15, n)
    local mirrored = img:index_select(3, tide.tensor({ 5, 4, 3, 2, 1 }, "int64"))
    assert.is_true(T.RandomHorizontalFlip(1)(img):eq(mirrored):all())
    assert.is_true(T.RandomHorizontalFlip(0)(img):eq(img):all())
    local flips = 0
    local batch = img:unsqueeze(1):expand(200, 2, 4, 5):contiguous()
    local out = T.RandomHorizontalFlip(0.5)(batch)
    for i = 1, 200 do
      if out[i]:eq(mirrored):all() then flips = flips + 1 else assert.is_true(out[i]:eq(img):all()) end
    end
    assert.is_true(flips > 70 and flips < 130, flips .. " of 200 flipped")
    local v = T.RandomVerticalFlip(1)(img)
    assert.is_true(v:eq(img:index_select(2, tide.tensor({ 4, 3, 2, 1 }, "int64"))):all())
    -- RandomCrop(nil, padding): crops back to the input size
    assert.same({ 2, 4, 5 }, T.RandomCrop(nil, { padding = 2 })(img).shape)
    assert.same({ 2, 2, 3 }, T.CenterCrop({ 2, 3 })(img).shape)
  end)

  it("composes, converts uint8 images, and is reproducible with tide.manual_seed", function()
    local tf = T.Compose({ T.RandomCrop(6, { padding = 1 }), T.RandomHorizontalFlip(), T.Normalize(0.5, 0.5) })
    assert.matches("Compose{RandomCrop", tostring(tf))
    assert.is_true(tf:is_native())
    local img = tide.randint(0, 256, { 6, 6 }, "uint8")
    tide.manual_seed(1)
    local a = tf(img)
    tide.manual_seed(1)
    local b = tf(img)
    assert.same({ 1, 6, 6 }, a.shape)
    assert.is_true(a:eq(b):all())
    assert.same({ 3, 4, 5 }, T.to_tensor(tide.zeros({ 4, 5, 3 }, "uint8")).shape)
    local mixed = T.Compose({ T.Resize(3), function(x) return x * 2 end })
    assert.is_false(mixed:is_native())
    assert.same({ 1, 3, 3 }, mixed(tide.ones(1, 6, 6)).shape)
    assert.equals(2, mixed(tide.ones(1, 6, 6)):max())
    H.assert_error(function() return T.Resize(0) end, "Resize", "positive")
    H.assert_error(function() return T.RandomCrop(4, { padding = -1 }) end, "RandomCrop", "padding")
    H.assert_error(function() return T.RandomHorizontalFlip(2) end, "RandomHorizontalFlip", "p must")
    H.assert_error(function() return T.Compose({ 3 }) end, "Compose", "item 1")
    H.assert_error(function() return T.Resize(4)(tide.zeros(2, 3)) end, "transforms", "[C, H, W]")
  end)

  it("runs Lua transforms of a loader on the batch", function()
    local imgs = tide.zeros({ 8, 4, 4 }, "uint8")
    local l = data.DataLoader(data.TensorDataset(imgs), { batch_size = 4, transform = function(x) return x + 1 end })
    assert.equals(1, l:iter()():min())
  end)
end)

-- ---------------------------------------------------------------- ImageFolder
describe("ImageFolder", function()
  local root = tmp .. "/folder"
  local function pattern(i, j, k) return (i * 16 + j * 5 + k * 40) % 256 end
  local function make(classes)
    sh("rm -rf " .. root)
    for c, files in pairs(classes) do
      sh("mkdir -p " .. root .. "/" .. c)
      for _, f in ipairs(files) do write(root .. "/" .. c .. "/" .. f[1], png_bytes(f[2], f[3], f[4] or 1, pattern)) end
    end
  end

  it("finds classes in sorted order and loads batches", function()
    make({ bird = { { "b1.png", 6, 5 }, { "b2.PNG", 6, 5 } }, ant = { { "a1.png", 6, 5, 3 }, { "notes.txt", 1, 1 } },
      cat = { { "c1.png", 6, 5 }, { "c2.png", 6, 5 }, { "c3.png", 6, 5 } } })
    write(root .. "/ant/notes.txt", "ignored")
    local ds = data.ImageFolder(root, { mode = "gray" })
    assert.same({ "ant", "bird", "cat" }, ds.classes)
    assert.equals(6, #ds)
    assert.same({ 1, 2, 2, 3, 3, 3 }, ds.targets)
    local img, label = ds:get(3)
    assert.same({ 1, 6, 5 }, img.shape)
    assert.equals(2, label)
    assert.near(pattern(2, 3, 0) / 255, img[{ 1, 3, 4 }], 1e-7)
    for _, prefetch in ipairs({ true, false }) do
      local n = 0
      for xb, yb in data.DataLoader(ds, { batch_size = 4, prefetch = prefetch }):iter() do
        assert.same({ 4, 1, 6, 5 }, { 4, xb.shape[2], xb.shape[3], xb.shape[4] })
        n = n + xb:size(1)
        assert.equals("int64", yb.dtype)
      end
      assert.equals(6, n)
    end
    -- rgb: gray images get three equal channels
    local rgb = data.ImageFolder(root, { mode = "rgb", transform = T.Resize({ 3, 3 }) })
    local xb = data.DataLoader(rgb, { batch_size = 6 }):iter()()
    assert.same({ 6, 3, 3, 3 }, xb.shape)
    assert.is_true(xb[3][1]:eq(xb[3][2]):all())
  end)

  it("names the file and both sizes for a wrong-size image; Resize makes them fit", function()
    make({ a = { { "1.png", 6, 5 }, { "2.png", 6, 5 } }, b = { { "3.png", 7, 5 } } })
    local ds = data.ImageFolder(root)
    H.assert_error(function()
      for _ in data.DataLoader(ds, { batch_size = 3 }):iter() do end
    end, "b/3.png is 7x5, expected 6x5")
    local fit = data.ImageFolder(root, { transform = T.Compose({ T.Resize({ 8, 8 }), T.Normalize(0.5, 0.5) }) })
    local xb = data.DataLoader(fit, { batch_size = 3 }):iter()()
    assert.same({ 3, 1, 8, 8 }, xb.shape)
  end)

  it("reports a corrupt PNG at the batch that needs it", function()
    make({ a = { { "1.png", 4, 4 }, { "2.png", 4, 4 } }, b = { { "3.png", 4, 4 }, { "4.png", 4, 4 } } })
    local good = png_bytes(4, 4, 1, pattern)
    write(root .. "/b/4.png", good:sub(1, 40) .. string.rep("\0", 8) .. good:sub(49))
    local ds = data.ImageFolder(root)
    local it = data.DataLoader(ds, { batch_size = 2 }):iter()
    assert.is_not_nil(it()) -- batch 1 is fine
    H.assert_error(function() return it() end, "4.png")
    H.assert_error(function() return data.ImageFolder(tmp .. "/nowhere") end, "nowhere")
    sh("mkdir -p " .. tmp .. "/empty/x")
    H.assert_error(function() return data.ImageFolder(tmp .. "/empty") end, "ImageFolder", "no .png")
    H.assert_error(function() return data.ImageFolder(root, { mode = "cmyk" }) end, "mode")
  end)

  it("loads the MNIST PNG subset (TIDE_DATA)", function()
    local dir = os.getenv("TIDE_DATA")
    if not dir or not exists(dir .. "/mnist-png-subset/SHA256SUMS") then
      pending("TIDE_DATA with mnist-png-subset is not set")
      return
    end
    local ds = data.ImageFolder(dir .. "/mnist-png-subset/train", { mode = "gray" })
    assert.equals(2000, #ds)
    assert.same({ "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, ds.classes)
    local counts = {}
    local loader = data.DataLoader(ds, { batch_size = 64, shuffle = true, seed = 1 })
    for xb, yb in loader:iter() do
      assert.equals(28, xb:size(3))
      for i = 1, yb:size(1) do counts[yb[i]] = (counts[yb[i]] or 0) + 1 end
    end
    for c = 1, 10 do assert.equals(200, counts[c]) end
  end)
end)
