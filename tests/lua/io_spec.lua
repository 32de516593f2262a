-- tide.io, part 1: PNG (every colour type, bit depth, palette, tRNS, interlacing; modes and
-- depths; writes checked by the independent Python decoder in tests/gen/gen_io.py), NumPy .npy /
-- .npz (every dtype, byte order, Fortran order, header version; np.save's bytes exactly), atomic
-- writes (a save that fails half-way leaves the old file and no temp file), IDX, JSON, and bad
-- input: missing files, unwritable paths, hundreds of truncated and corrupted files, each a clear
-- error naming the operation and the file. Safetensors and checkpoints: io_safetensors_spec.lua.
local tide = require("tide")
local H = require("spec_helpers")
local ffi = require("ffi")
local ref = H.fixture("io")
local FIX = (os.getenv("TIDE_FIXTURES") or "tests/fixtures") .. "/io/"
local SOURCE = os.getenv("TIDE_SOURCE_DIR") or "."
local PY = "/usr/bin/python3"

local function have_python()
  local _, _, code = H.sh(PY .. " -c 'import numpy' 2>/dev/null")
  return code == 0
end
local PYTHON = have_python()

local function flat(t) return H.flat(t) end

local function assert_tensor(t, arr, dtype, what)
  assert.equals(dtype, t.dtype, what .. ": dtype")
  H.assert_matches(t, arr, nil, what)
end

local function files_in(dir)
  local o = H.sh("ls -A " .. H.q(dir))
  local out = {}
  for name in o:gmatch("[^\n]+") do out[#out + 1] = name end
  table.sort(out)
  return out
end

local tmp = H.mkdtemp()
local function path(name) return tmp .. "/" .. name end

-- Every cut of a file's bytes (and every `step`-th for long files) must raise an error that names
-- the operation and the file; returns how many cuts were tried.
local function each_truncation(bytes, fn, step)
  local n = 0
  for len = 0, #bytes - 1, step or 1 do
    local p = path("cut.bin")
    H.write_file(p, bytes:sub(1, len))
    fn(p, len)
    n = n + 1
  end
  return n
end

-- ---------------------------------------------------------------- PNG
describe("read_png", function()
  local names = {}
  for name in pairs(ref.png) do names[#names + 1] = name end
  table.sort(names)

  it("reads every colour type, bit depth, palette, tRNS and interlaced file (" .. #names .. " files)", function()
    assert.is_true(#names >= 25)
    for _, name in ipairs(names) do
      local e = ref.png[name]
      local t = tide.io.read_png(FIX .. e.file)
      assert_tensor(t, e.pixels, e.dtype, name)
    end
  end)

  it("converts to gray / gray_alpha / rgb / rgba and to 8 or 16 bits on request", function()
    local n = 0
    for name, conv in pairs(ref.png_modes) do
      local e = ref.png[name]
      for mode, arr in pairs(conv) do
        local opts
        if mode == "depth8" then opts = { depth = 8 }
        elseif mode == "depth16" then opts = { depth = 16 }
        elseif mode == "rgb_depth8" then opts = { mode = "rgb", depth = 8 }
        else opts = { mode = mode } end
        local want = (mode == "depth16" or (e.dtype == "int32" and not mode:match("depth8"))) and "int32" or "uint8"
        assert_tensor(tide.io.read_png(FIX .. e.file, opts), arr, want, name .. " " .. mode)
        n = n + 1
      end
    end
    assert.is_true(n >= 40)
    -- PIL's names and a bare string work too
    local a = tide.io.read_png(FIX .. "rgb8.png", "L")
    assert_tensor(a, ref.png_modes.rgb8.gray, "uint8", "mode L")
    assert_tensor(tide.io.read_png(FIX .. "rgb8.png", { mode = "RGBA" }), ref.png_modes.rgb8.rgba, "uint8", "RGBA")
  end)

  it("decodes into a given out tensor, and from bytes in memory", function()
    local e = ref.png.rgba8
    local out = tide.zeros(e.pixels.shape, "uint8")
    assert.equals(out, tide.io.read_png(FIX .. e.file, { out = out }))
    assert_tensor(out, e.pixels, "uint8", "out")
    local bytes = H.read_file(FIX .. e.file)
    assert_tensor(tide.io.decode_png(bytes), e.pixels, "uint8", "decode_png(string)")
    local u8 = tide.tensor({ bytes:byte(1, -1) }, "uint8")
    assert_tensor(tide.io.decode_png(u8, { mode = "rgba" }), e.pixels, "uint8", "decode_png(tensor)")
    H.assert_error(function() tide.io.read_png(FIX .. e.file, { out = tide.zeros(2, 2, 4, "uint8") }) end,
      "read_png: out has shape [2, 2, 4], expected [5, 7, 4]")
  end)

  it("reports header facts without decoding", function()
    local i = tide.io.png_info(FIX .. "pal4_trns.png")
    assert.same({ height = 5, width = 7, channels = 4, bit_depth = 4, color_type = "palette", interlaced = false,
      transparency = true }, i)
    local j = tide.io.png_info(FIX .. "rgb16_adam7.png")
    assert.same({ 11, 9, 3, 16, "rgb", true, false },
      { j.height, j.width, j.channels, j.bit_depth, j.color_type, j.interlaced, j.transparency })
  end)
end)

describe("write_png", function()
  it("round-trips uint8 [H, W] and [H, W, C] for C = 1..4, int32 as 16-bit, and strided views", function()
    tide.manual_seed(5)
    for c = 0, 4 do
      local shape = c == 0 and { 6, 9 } or { 6, 9, c }
      local img = tide.randint(0, 256, shape, "uint8")
      tide.io.write_png(path("a.png"), img)
      local back = tide.io.read_png(path("a.png"))
      assert.same({ 6, 9, c == 0 and 1 or c }, back.shape)
      assert.same(flat(img), flat(back))
      local deep = tide.randint(0, 65536, shape, "int32")
      tide.io.write_png(path("b.png"), deep, { level = 9 })
      assert.equals(16, tide.io.png_info(path("b.png")).bit_depth)
      assert.same(flat(deep), flat(tide.io.read_png(path("b.png"))))
    end
    local img = tide.randint(0, 256, { 9, 6, 3 }, "uint8")
    local view = img:transpose(1, 2) -- [6, 9, 3], not contiguous
    tide.io.write_png(path("t.png"), view, { level = 0 })
    assert.same(flat(view), flat(tide.io.read_png(path("t.png"))))
  end)

  it("writes float images in [0, 1] as round(v * 255), clamped", function()
    local f = tide.tensor({ { 0, 0.5, 1, -0.2, 1.7, 0.25 } }, "float64")
    tide.io.write_png(path("f.png"), f)
    assert.same({ 0, 128, 255, 0, 255, 64 }, flat(tide.io.read_png(path("f.png"))))
    tide.io.write_png(path("f32.png"), f:to("float32"):reshape(1, 2, 3))
    assert.same({ 0, 128, 255, 0, 255, 64 }, flat(tide.io.read_png(path("f32.png"))))
  end)

  if PYTHON then
    it("writes files an independent decoder reads identically (tests/gen/gen_io.py)", function()
      tide.manual_seed(9)
      local cases = {
        { "g8.png", tide.randint(0, 256, { 7, 5 }, "uint8") },
        { "ga8.png", tide.randint(0, 256, { 3, 4, 2 }, "uint8") },
        { "rgb8.png", tide.randint(0, 256, { 4, 3, 3 }, "uint8") },
        { "rgba16.png", tide.randint(0, 65536, { 2, 5, 4 }, "int32") },
      }
      for _, c in ipairs(cases) do
        tide.io.write_png(path(c[1]), c[2])
        local out, err, code = H.sh(PY .. " " .. H.q(SOURCE .. "/tests/gen/gen_io.py") .. " decode-png " ..
          H.q(path(c[1])))
        assert.equals(0, code, err)
        local got = require("cjson").decode(out)
        local shape = c[2].shape
        if #shape == 2 then shape[3] = 1 end
        assert.same(shape, got.shape, c[1])
        assert.same(flat(c[2]), got.data, c[1])
      end
    end)
  else
    pending("writes files an independent decoder reads identically (skipped: /usr/bin/python3 with NumPy not found)")
  end

  it("refuses what a PNG cannot hold", function()
    H.assert_error(function() tide.io.write_png(path("x.png"), tide.zeros(2, 2, 5, "uint8")) end,
      "write_png: an image [H, W, C] needs C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA), got 5")
    H.assert_error(function() tide.io.write_png(path("x.png"), tide.zeros(2, 2, 2, 2, "uint8")) end,
      "write_png: expected an image [H, W] or [H, W, C], got shape [2, 2, 2, 2]")
    H.assert_error(function() tide.io.write_png(path("x.png"), tide.zeros(0, 3, "uint8")) end, "not storable")
    H.assert_error(function() tide.io.write_png(path("x.png"), tide.full({ 1, 2 }, -1, "int32")) end,
      "write_png: a 16-bit image needs values in 0..65535, element 0 is -1")
    H.assert_error(function() tide.io.write_png(path("x.png"), tide.zeros(2, 2, "bool")) end, "got bool")
    H.assert_error(function() tide.io.write_png(path("x.png"), {}) end, "write_png: expected an image tensor")
    H.assert_error(function() tide.io.write_png(path("x.png"), tide.zeros(2, 2, "uint8"), { level = 11 }) end,
      "write_png: level must be an integer 0..9")
    H.assert_error(function() tide.io.write_png(42, tide.zeros(2, 2, "uint8")) end, "write_png: expected a file path")
    H.assert_error(function() tide.io.write_png(path("no/dir/x.png"), tide.zeros(2, 2, "uint8")) end,
      "write_png: " .. path("no/dir/x.png") .. ": cannot create a file in folder")
    assert.is_nil(io.open(path("x.png")))
  end)
end)

describe("read_png on bad input", function()
  it("names the file and the problem: missing, not a PNG, truncated, corrupt, bad options", function()
    H.assert_error(function() tide.io.read_png(path("missing.png")) end,
      "read_png: " .. path("missing.png") .. ": no such file")
    H.assert_error(function() tide.io.read_png(FIX .. "f4.npy") end, "read_png: " .. FIX .. "f4.npy: not a PNG file")
    H.assert_error(function() tide.io.read_png(tmp) end, "is a folder, not a file")
    local bytes = H.read_file(FIX .. "rgb8.png")
    H.write_file(path("cut.png"), bytes:sub(1, #bytes - 30))
    H.assert_error(function() tide.io.read_png(path("cut.png")) end,
      "read_png: " .. path("cut.png") .. ": truncated (the file ends in the image data)")
    H.write_file(path("cut.png"), bytes:sub(1, 20))
    H.assert_error(function() tide.io.read_png(path("cut.png")) end, "truncated (the file ends in the header)")
    local function flip(pos)
      H.write_file(path("bad.png"), bytes:sub(1, pos - 1) .. string.char((bytes:byte(pos) + 1) % 256) ..
        bytes:sub(pos + 1))
    end
    flip(#bytes - 20) -- compressed data of the last IDAT chunk
    H.assert_error(function() tide.io.read_png(path("bad.png")) end, "read_png: " .. path("bad.png") .. ": corrupt PNG (")
    flip(#bytes - 13) -- the last IDAT chunk's CRC
    H.assert_error(function() tide.io.read_png(path("bad.png")) end, "read_png: " .. path("bad.png") ..
      ": corrupt PNG (IDAT: CRC error)")
    H.assert_error(function() tide.io.read_png(FIX .. "rgb8.png", { mode = "cmyk" }) end, "read_png: unknown mode cmyk")
    H.assert_error(function() tide.io.read_png(FIX .. "rgb8.png", { depth = 12 }) end, "read_png: depth must be 8 or 16")
    H.assert_error(function() tide.io.decode_png(42) end, "read_png: expected the PNG's bytes")
  end)

  it("fails cleanly on every truncation and on hundreds of corrupted files", function()
    local bytes = H.read_file(FIX .. "pal4_trns.png")
    local n = each_truncation(bytes, function(p)
      H.assert_error(function() tide.io.read_png(p) end, "read_png: " .. p .. ": ")
    end)
    assert.equals(#bytes, n)
    -- random corruptions: an error naming the file, or (an ancillary chunk hit) a decoded image
    local rng, errors, decoded = 12345, 0, 0
    local src = H.read_file(FIX .. "rgba8_adam7.png")
    for _ = 1, 300 do
      rng = (rng * 1103515245 + 12345) % 2147483648
      local pos = 1 + rng % #src
      local b = string.char((src:byte(pos) + 1 + rng % 254) % 256)
      H.write_file(path("bad.png"), src:sub(1, pos - 1) .. b .. src:sub(pos + 1))
      local ok, err = pcall(tide.io.read_png, path("bad.png"))
      if ok then decoded = decoded + 1 else
        assert.truthy(tostring(err):find("read_png: " .. path("bad.png") .. ": ", 1, true), err)
        errors = errors + 1
      end
    end
    assert.is_true(errors > 250)
  end)
end)

-- ---------------------------------------------------------------- NumPy
local NPY_DTYPE = { f4 = "float32", f8 = "float64", i4 = "int32", i8 = "int64", u1 = "uint8", b1 = "bool",
  i2 = "int32", u2 = "int32", f2 = "float32", i1 = "int32", u4 = "int64", be_f4 = "float32", be_f8 = "float64",
  be_i4 = "int32", be_i8 = "int64", be_i2 = "int32", be_u2 = "int32", be_f2 = "float32", fortran_f8 = "float64",
  fortran_i4 = "int32", scalar = "float64", empty = "float32", one_d = "int64", v2 = "float32", v3 = "float32" }

describe("load_npy", function()
  it("reads every dtype, byte order, C / Fortran order and header version NumPy writes", function()
    local n = 0
    for name, e in pairs(ref.npy) do
      local t = tide.io.load_npy(FIX .. e.file)
      assert_tensor(t, e.values, NPY_DTYPE[name], name)
      assert.is_true(t:is_contiguous())
      n = n + 1
    end
    assert.equals(25, n)
    -- int64 values beyond 2^53 arrive exactly
    local i8 = tide.io.load_npy(FIX .. "i8.npy")
    assert.is_true(i8:data_ptr()[0] == -4611686018427387904LL and i8:data_ptr()[1] == 9007199254740993LL)
    local be = tide.io.load_npy(FIX .. "be_i8.npy")
    assert.is_true(be:data_ptr()[0] == -1099511627776LL)
  end)

  it("refuses pickled objects, structured, complex and 64-bit unsigned arrays by name", function()
    H.assert_error(function() tide.io.load_npy(FIX .. "bad_object.npy") end,
      "load_npy: " .. FIX .. "bad_object.npy: dtype '|O' (object (pickled Python objects)) is not supported")
    H.assert_error(function() tide.io.load_npy(FIX .. "bad_struct.npy") end, "structured dtypes")
    H.assert_error(function() tide.io.load_npy(FIX .. "bad_complex.npy") end, "dtype '<c8' (complex) is not supported")
    H.assert_error(function() tide.io.load_npy(FIX .. "bad_u8.npy") end, "dtype '<u8' (unsigned integer)")
  end)

  it("names the file and the problem on bad input", function()
    H.assert_error(function() tide.io.load_npy(path("none.npy")) end, "load_npy: " .. path("none.npy") .. ": no such file")
    H.assert_error(function() tide.io.load_npy(FIX .. "stored.npz") end, "a zip archive: use load_npz")
    H.assert_error(function() tide.io.load_npy(FIX .. "rgb8.png") end, "not a .npy file")
    local good = H.read_file(FIX .. "f4.npy")
    H.write_file(path("v9.npy"), good:sub(1, 6) .. "\9\0" .. good:sub(9))
    H.assert_error(function() tide.io.load_npy(path("v9.npy")) end, "unsupported .npy format version 9.0")
    H.write_file(path("extra.npy"), good .. "xx")
    H.assert_error(function() tide.io.load_npy(path("extra.npy")) end, "2 unexpected bytes after the array's data")
    H.write_file(path("hdr.npy"), (good:gsub("'shape': %(2, 3%)", "'shape': [2, 3)")))
    H.assert_error(function() tide.io.load_npy(path("hdr.npy")) end, "corrupt header")
    H.write_file(path("key.npy"), (good:gsub("'fortran_order'", "'fortran_ordex'")))
    H.assert_error(function() tide.io.load_npy(path("key.npy")) end, "unexpected key 'fortran_ordex'")
    H.write_file(path("big.npy"), (good:gsub("%(2, 3%)", "(2, 4)")))
    H.assert_error(function() tide.io.load_npy(path("big.npy")) end,
      "truncated: the array (2, 4) of <f4 needs 32 bytes of data but the file has 24 after the header")
    local nine = good:gsub("%(2, 3%), }", "(1,1,1,1,1,1,1,1,6), }")
    H.write_file(path("nine.npy"), nine)
    H.assert_error(function() tide.io.load_npy(path("nine.npy")) end, "9 dims; Tide tensors have at most 8")
  end)

  it("fails cleanly on every truncation and on corrupted headers", function()
    for _, f in ipairs({ "f8.npy", "v2.npy", "fortran_i4.npy" }) do
      local bytes = H.read_file(FIX .. f)
      each_truncation(bytes, function(p)
        H.assert_error(function() tide.io.load_npy(p) end, "load_npy: " .. p .. ": ")
      end)
    end
    local src = H.read_file(FIX .. "f4.npy")
    local rng, errs = 99, 0
    for _ = 1, 200 do
      rng = (rng * 1103515245 + 12345) % 2147483648
      local pos = 1 + rng % 128 -- the header
      local b = string.char(rng % 256)
      H.write_file(path("bad.npy"), src:sub(1, pos - 1) .. b .. src:sub(pos + 1))
      local ok, err = pcall(tide.io.load_npy, path("bad.npy"))
      if not ok then
        errs = errs + 1
        assert.truthy(tostring(err):find("load_npy: " .. path("bad.npy") .. ": ", 1, true), err)
      end
    end
    assert.is_true(errs > 20)
  end)
end)

describe("save_npy", function()
  it("writes exactly the bytes np.save writes", function()
    for name, e in pairs(ref.npy_save) do
      local v = e.values
      local t = tide.tensor(v.data, v.dtype == "bool" and "bool" or (v.dtype:gsub("^u?int8$", "uint8")))
      t = t:reshape(v.shape)
      tide.io.save_npy(path(name .. ".npy"), t)
      assert.equals(H.read_file(FIX .. e.file), H.read_file(path(name .. ".npy")), name)
    end
  end)

  it("round-trips every dtype, 0-d, empty and strided tensors", function()
    tide.manual_seed(1)
    local cases = { tide.randn(3, 4), tide.randn(2, 3, "float64"), tide.randint(-9, 9, { 5 }, "int32"),
      tide.randint(-9, 9, { 2, 2 }, "int64"), tide.randint(0, 255, { 4 }, "uint8"), tide.tensor({ true, false }),
      tide.tensor(2.5), tide.zeros(0, 3), tide.randn(4, 5):transpose(1, 2) }
    for i, t in ipairs(cases) do
      tide.io.save_npy(path("rt.npy"), t)
      local back = tide.io.load_npy(path("rt.npy"))
      assert.equals(t.dtype, back.dtype)
      assert.same(t.shape, back.shape)
      assert.same(flat(t), flat(back), "case " .. i)
    end
    H.assert_error(function() tide.io.save_npy(path("x.npy"), { 1, 2 }) end, "save_npy: expected a tensor, got table")
  end)
end)

describe("load_npz", function()
  it("reads stored, deflated and zip64 archives written by NumPy", function()
    for _, f in ipairs({ "stored.npz", "deflated.npz", "zip64.npz" }) do
      local z = tide.io.load_npz(FIX .. f)
      local keys = {}
      for k in pairs(z) do keys[#keys + 1] = k end
      table.sort(keys)
      assert.same({ "big_endian", "fortran", "labels", "mask", "weights" }, keys)
      assert_tensor(z.weights, ref.npz.weights, "float32", f .. " weights")
      assert_tensor(z.labels, ref.npz.labels, "int64", f .. " labels")
      assert_tensor(z.mask, ref.npz.mask, "bool", f .. " mask")
      assert_tensor(z.big_endian, ref.npz.big_endian, "int32", f .. " big_endian")
      assert_tensor(z.fortran, ref.npz.fortran, "float64", f .. " fortran")
    end
  end)

  it("fails cleanly on every truncation and names a corrupt member", function()
    local bytes = H.read_file(FIX .. "deflated.npz")
    local n = each_truncation(bytes, function(p)
      H.assert_error(function() tide.io.load_npz(p) end, "load_npz: " .. p .. ": ")
    end, 3)
    assert.is_true(n > 300)
    -- flip a byte of the first member's compressed data: zlib or the CRC catches it
    local z = bytes:find("weights.npy", 1, true) + #"weights.npy" + 20 + 10
    H.write_file(path("bad.npz"), bytes:sub(1, z - 1) .. string.char((bytes:byte(z) + 77) % 256) .. bytes:sub(z + 1))
    H.assert_error(function() tide.io.load_npz(path("bad.npz")) end, "load_npz: " .. path("bad.npz") ..
      ": member weights.npy: ")
    H.assert_error(function() tide.io.load_npz(FIX .. "f4.npy") end, "load_npz: " .. FIX .. "f4.npy: not a zip file")
    H.assert_error(function() tide.io.load_npz(path("none.npz")) end, "no such file")
  end)
end)

-- ---------------------------------------------------------------- atomic writes
ffi.cdef [[
struct tide_test_rlimit { unsigned long cur, max; };
int getrlimit(int resource, struct tide_test_rlimit *r);
int setrlimit(int resource, const struct tide_test_rlimit *r);
void *signal(int sig, void *handler);
]]
local RLIMIT_FSIZE, SIGXFSZ = 1, 25

-- Run fn with the file size limit at `bytes`: writes past it fail (EFBIG) as on a full disk.
local function with_size_limit(bytes, fn)
  local old = ffi.new("struct tide_test_rlimit")
  assert(ffi.C.getrlimit(RLIMIT_FSIZE, old) == 0)
  local lim = ffi.new("struct tide_test_rlimit", bytes, old.max)
  local prev = ffi.C.signal(SIGXFSZ, ffi.cast("void *", 1)) -- SIG_IGN
  assert(ffi.C.setrlimit(RLIMIT_FSIZE, lim) == 0)
  local ok, err = pcall(fn)
  ffi.C.setrlimit(RLIMIT_FSIZE, old)
  ffi.C.signal(SIGXFSZ, prev)
  return ok, err
end

describe("atomic writes", function()
  it("leave the previous file intact and no temp file when a save fails half-way", function()
    local dir = H.mkdtemp()
    local old = { w = tide.arange(10):reshape(2, 5) }
    tide.io.save_safetensors(dir .. "/model.safetensors", old)
    tide.io.save_npy(dir .. "/x.npy", tide.ones(3))
    tide.io.write_png(dir .. "/x.png", tide.zeros(4, 4, "uint8"))
    local before = files_in(dir)
    local big = tide.randn(100, 100)
    local saves = {
      function() tide.io.save_safetensors(dir .. "/model.safetensors", { w = big }) end,
      function() tide.io.save_npy(dir .. "/x.npy", big) end,
      function() tide.io.write_png(dir .. "/x.png", tide.randint(0, 255, { 200, 200, 3 }, "uint8"), { level = 0 }) end,
    }
    for _, save in ipairs(saves) do
      local ok, err = with_size_limit(4096, save)
      assert.is_false(ok)
      assert.truthy(tostring(err):find("write failed after", 1, true), err)
      assert.truthy(tostring(err):find("the previous file, if any, is unchanged", 1, true), err)
    end
    assert.same(before, files_in(dir)) -- no temp file left behind
    local back = tide.io.load_safetensors(dir .. "/model.safetensors")
    assert.same(flat(old.w), flat(back.w))
    assert.same({ 1, 1, 1 }, flat(tide.io.load_npy(dir .. "/x.npy")))
    assert.same({ 4, 4, 1 }, tide.io.read_png(dir .. "/x.png").shape)
    H.sh("rm -rf " .. H.q(dir))
  end)

  it("report unwritable paths: a missing folder, a path through a file, a folder", function()
    local t = tide.ones(2)
    H.assert_error(function() tide.io.save_npy(path("nope/x.npy"), t) end,
      "save_npy: " .. path("nope/x.npy") .. ": cannot create a file in folder " .. path("nope") .. " (No such file")
    H.write_file(path("plain"), "x")
    H.assert_error(function() tide.io.save_safetensors(path("plain/x.safetensors"), { t = t }) end,
      "save_safetensors: " .. path("plain/x.safetensors") .. ": cannot create a file", "Not a directory")
    os.execute("mkdir -p " .. H.q(path("folder")))
    H.assert_error(function() tide.io.save_npy(path("folder"), t) end, "save_npy: " .. path("folder") ..
      ": cannot replace the file")
    H.assert_error(function() tide.io.save_npy("", t) end, "save_npy: expected a file path (string), got an empty string")
    for _, name in ipairs(files_in(tmp)) do assert.falsy(name:find(".tmp-", 1, true), name) end
  end)
end)

-- ---------------------------------------------------------------- IDX, JSON
describe("read_idx", function()
  it("reads IDX files, plain and gzipped", function()
    local bytes = "\0\0\8\2\0\0\0\2\0\0\0\3" .. string.char(1, 2, 3, 4, 5, 255)
    H.write_file(path("x.idx"), bytes)
    local t = tide.io.read_idx(path("x.idx"))
    assert.equals("uint8", t.dtype)
    assert.same({ 2, 3 }, t.shape)
    assert.same({ 1, 2, 3, 4, 5, 255 }, flat(t))
    local C = tide._core.C
    local z = C.tide_deflate(bytes, #bytes, 2, 9)
    local gz = tide._core.wrap(z)
    H.write_file(path("x.idx.gz"), ffi.string(gz:data_ptr(), gz:numel()))
    assert.same({ 1, 2, 3, 4, 5, 255 }, flat(tide.io.read_idx(path("x.idx.gz"))))
    H.assert_error(function() tide.io.read_idx(path("none.idx")) end, "read_idx: ")
  end)
end)

describe("tide.io.json", function()
  local json = tide.io.json
  it("round-trips plain Lua values exactly, NaN and infinities included", function()
    local v = { a = 0.1 + 0.2, b = { 1, 2, { x = true } }, c = "é\n\"q\"", d = -2 ^ 60, e = 1e-300,
      sparse = { [1] = "one", [3] = "three" }, [7] = false, empty = {} }
    local back = json.decode(json.encode(v))
    assert.same(v, back)
    local s = json.decode(json.encode({ 0 / 0, 1 / 0, -1 / 0 }))
    assert.is_true(s[1] ~= s[1] and s[2] == math.huge and s[3] == -math.huge)
    assert.equals('{"a":[1,2.5],"b":"x"}', json.encode({ b = "x", a = { 1, 2.5 } }))
  end)

  it("names what cannot be stored", function()
    H.assert_error(function() json.encode({ f = print }, "save_checkpoint", "extra") end,
      "save_checkpoint: extra.f is a function, which cannot be stored as JSON")
    H.assert_error(function() json.encode({ h = { tide.ones(1) } }, "x", "extra") end, "extra.h[1] is a tensor")
    local cyc = {}
    cyc.self = cyc
    H.assert_error(function() json.encode(cyc, "x", "extra") end, "extra.self is a table that contains itself")
    H.assert_error(function() json.encode({ ["3"] = 1 }, "x", "extra") end, "would read back as the number 3")
    H.assert_error(function() json.encode({ "\255" }, "x", "extra") end, "not valid UTF-8")
    H.assert_error(function() json.decode("{oops", "load_checkpoint", "extra") end,
      "load_checkpoint: extra is not valid JSON")
  end)
end)

describe("io cleanup", function()
  it("removes its temp folder", function()
    H.sh("rm -rf " .. H.q(tmp))
    assert.is_nil(io.open(tmp .. "/cut.bin"))
  end)
end)
