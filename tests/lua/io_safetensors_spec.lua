-- tide.io, part 2: safetensors (files written by tests/gen/safetensors_ref.py, which follows the
-- published spec; the reference implementation's own byte-exact test vectors; its sort order;
-- every validation rule; Tide's files read back identically by the Python reader) and training
-- checkpoints (a stand-in module / optimizer / scheduler, then the real tide.nn and tide.optim).
local tide = require("tide")
local H = require("spec_helpers")
local ref = H.fixture("io")
local FIX = (os.getenv("TIDE_FIXTURES") or "tests/fixtures") .. "/io/"
local SOURCE = os.getenv("TIDE_SOURCE_DIR") or "."
local PY = "/usr/bin/python3"
local REF = SOURCE .. "/tests/gen/safetensors_ref.py"

local PYTHON = select(3, H.sh(PY .. " -c 'import numpy' 2>/dev/null")) == 0

local tmp = H.mkdtemp()
local function path(name) return tmp .. "/" .. name end
local flat = H.flat

local function le64(n)
  local b = {}
  for i = 1, 8 do
    b[i] = string.char(n % 256)
    n = math.floor(n / 256)
  end
  return table.concat(b)
end

-- A safetensors file from a header text and data bytes.
local function st_file(name, header, data)
  H.write_file(path(name), le64(#header) .. header .. (data or ""))
  return path(name)
end

local function bytes_of(s)
  local out = {}
  for i = 1, #s do out[i] = s:byte(i) end
  return out
end

describe("load_safetensors", function()
  it("reads a file written by the spec's reference reader/writer: every dtype, 0-d, empty, metadata", function()
    local t, meta = tide.io.load_safetensors(FIX .. "ref.safetensors")
    local n = 0
    for _, e in ipairs(ref.safetensors) do
      local x = t[e.name]
      assert.is_not_nil(x, e.name)
      assert.equals(e.dtype, x.dtype, e.name)
      H.assert_matches(x, e.values, nil, e.name)
      n = n + 1
    end
    assert.equals(14, n)
    assert.same({ format = "pt", note = "written by safetensors_ref.py é\"\\" }, meta)
    assert.is_true(t.ids:data_ptr()[0] == -1125899906842624LL)
  end)

  it("reads tensors whose header order differs from the data order", function()
    local t, meta = tide.io.load_safetensors(FIX .. "unordered.safetensors")
    assert.same({ 0, 1, 2 }, flat(t.a))
    assert.same({ 0, 1, 2, 3 }, flat(t.b))
    assert.equals("int32", t.b.dtype)
    assert.same({}, meta)
  end)

  it("describes a file without reading its data", function()
    local info, meta = tide.io.safetensors_info(FIX .. "ref.safetensors")
    assert.same({ dtype = "BF16", shape = { 6 }, data_offsets = { info.brain.data_offsets[1],
      info.brain.data_offsets[1] + 12 } }, info.brain)
    assert.equals("pt", meta.format)
  end)
end)

describe("save_safetensors", function()
  it("writes the reference implementation's test vectors byte for byte", function()
    -- safetensors/src/tensor.rs: test_serialization, test_empty
    local x = tide.tensor({ { { 0, 1, 2 }, { 3, 4, 5 } } }, "float32")
    tide.io.save_safetensors(path("v1.safetensors"), { ["attn.0"] = x })
    assert.same({ 64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
      116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
      58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
      101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
      0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64 }, bytes_of(H.read_file(path("v1.safetensors"))))
    tide.io.save_safetensors(path("v2.safetensors"), {})
    assert.same({ 8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32 }, bytes_of(H.read_file(path("v2.safetensors"))))
    tide.io.save_safetensors(path("v3.safetensors"), {}, { framework = "pt" })
    assert.same({ 40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
      95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
      116, 34, 125, 125, 32, 32, 32, 32, 32 }, bytes_of(H.read_file(path("v3.safetensors"))))
    -- test_serialization_forced_alignement: 7 spaces of padding
    tide.io.save_safetensors(path("v4.safetensors"), { attn0 = x:reshape(1, 1, 2, 3) })
    local s = H.read_file(path("v4.safetensors"))
    assert.equals(72, s:byte(1))
    assert.equals('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ', s:sub(9, 80))
  end)

  it("sorts tensors as the reference does (descending dtype alignment, then name), or keeps a given order", function()
    local t = { b_f32 = tide.ones(2), a_f32 = tide.ones(1), i64 = tide.ones(1, "int64"), f64 = tide.ones(1, "float64"),
      i32 = tide.ones(1, "int32"), u8 = tide.ones(1, "uint8"), flag = tide.ones(1, "bool") }
    tide.io.save_safetensors(path("sorted.safetensors"), t)
    local info = tide.io.safetensors_info(path("sorted.safetensors"))
    local order = {}
    for name, e in pairs(info) do order[#order + 1] = { e.data_offsets[1], name } end
    table.sort(order, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
    local names = {}
    for i, o in ipairs(order) do names[i] = o[2] end
    assert.same({ "i64", "f64", "a_f32", "b_f32", "i32", "u8", "flag" }, names)
    tide.io.save_safetensors(path("pairs.safetensors"), { { "z", tide.ones(1) }, { "a", tide.ones(1, "int64") } })
    local s = H.read_file(path("pairs.safetensors"))
    assert.truthy(s:find('{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":', 9, true))
  end)

  it("round-trips every dtype, 0-d, empty, 8-dim and strided tensors with metadata", function()
    tide.manual_seed(3)
    local t = {
      f = tide.randn(3, 4), d = tide.randn(2, "float64"), i = tide.randint(-5, 5, { 4 }, "int32"),
      l = tide.tensor({ -2 ^ 62, 2 ^ 53 }, "int64"), u = tide.randint(0, 255, { 3, 1 }, "uint8"),
      b = tide.tensor({ true, false, true }), s = tide.tensor(1.25), e = tide.zeros(0, 7, "int64"),
      deep = tide.ones(1, 2, 1, 2, 1, 2, 1, 2), view = tide.randn(4, 6):transpose(1, 2):narrow(1, 2, 3),
      ["unicode é ✓"] = tide.ones(1),
    }
    local meta = { epoch = "3", ["key with \"quotes\""] = "line\nbreak \\ tab\t" }
    tide.io.save_safetensors(path("all.safetensors"), t, meta)
    local back, m = tide.io.load_safetensors(path("all.safetensors"))
    assert.same(meta, m)
    for name, x in pairs(t) do
      local y = back[name]
      assert.equals(x.dtype, y.dtype, name)
      assert.same(x.shape, y.shape, name)
      assert.same(flat(x), flat(y), name)
      assert.is_true(y:is_contiguous())
    end
    assert.is_true(back.l:data_ptr()[0] == -4611686018427387904LL)
  end)

  if PYTHON then
    it("writes files the spec's reference reader reads identically and re-serializes to the same bytes", function()
      tide.manual_seed(4)
      local t = { w = tide.randn(3, 2), ["layer.0.b"] = tide.randn(4, "float64"), n = tide.tensor({ 1, -2 }, "int64"),
        k = tide.tensor({ 7 }, "int32"), p = tide.tensor({ 0, 200 }, "uint8"), m = tide.tensor({ false, true }),
        s = tide.tensor(3), z = tide.zeros(0, 2) }
      local p = path("py.safetensors")
      tide.io.save_safetensors(p, t, { source = "tide", ["ü"] = "ok" })
      local out, err, code = H.sh(PY .. " " .. H.q(REF) .. " dump " .. H.q(p))
      assert.equals(0, code, err)
      local got = require("cjson").decode(out)
      assert.same({ source = "tide", ["ü"] = "ok" }, got.metadata)
      local WRITE = { float32 = "F32", float64 = "F64", int64 = "I64", int32 = "I32", uint8 = "U8", bool = "BOOL" }
      for name, x in pairs(t) do
        local g = got.tensors[name]
        assert.equals(WRITE[x.dtype], g.dtype, name)
        assert.same(x.shape, g.shape, name)
        local want = flat(x)
        if x.dtype == "bool" then for i, v in ipairs(want) do want[i] = v == 1 end end
        assert.same(want, g.data, name)
      end
      assert.same({ "n", "layer.0.b", "s", "w", "z", "k", "p", "m" }, got.order)
      local _, err2, code2 = H.sh(PY .. " " .. H.q(REF) .. " roundtrip " .. H.q(p))
      assert.equals(0, code2, err2)
    end)
  else
    pending("Tide's files read back by the spec's reference reader (skipped: /usr/bin/python3 with NumPy not found)")
  end

  it("refuses what the format cannot hold", function()
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), { w = 3 }) end,
      "save_safetensors: 'w' is a number, not a tensor")
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), { [1] = tide.ones(1), [2] = tide.ones(1) }) end,
      "tensor names must be strings")
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), { __metadata__ = tide.ones(1) }) end, "reserved")
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), { w = tide.ones(1) }, { n = 3 }) end,
      "save_safetensors: metadata must map strings to strings; n = 3 (a number)")
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), { { "a", tide.ones(1) }, { "a", tide.ones(1) } }) end,
      "the name 'a' appears twice")
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), "w") end, "expected a table of name = tensor")
    H.assert_error(function() tide.io.save_safetensors(path("x.st"), { ["\255"] = tide.ones(1) }) end, "not valid UTF-8")
    H.assert_error(function() tide.io.save_safetensors(nil, {}) end, "save_safetensors: expected a file path")
    assert.is_nil(io.open(path("x.st")))
  end)
end)

describe("load_safetensors on bad input", function()
  local good = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
  local data8 = string.rep("\0", 8)
  local function fails(p, ...)
    return H.assert_error(function() tide.io.load_safetensors(p) end, "load_safetensors: " .. p .. ": ", ...)
  end

  it("checks the header: length, UTF-8, JSON, dtypes, shapes, offsets", function()
    fails(path("none.safetensors"), "no such file")
    H.write_file(path("short.st"), "abc")
    fails(path("short.st"), "not a safetensors file (3 bytes")
    H.write_file(path("huge.st"), le64(2 ^ 40) .. "{}")
    fails(path("huge.st"), "header length 1099511627776 is larger than the limit of 100000000 bytes")
    H.write_file(path("long.st"), le64(100) .. good)
    fails(path("long.st"), "truncated: the header length says 100 bytes but only 54 follow it")
    fails(st_file("notobj.st", "[1,2]"), "does not start with '{'")
    fails(st_file("json.st", '{"a":{"dtype":"F32",'), "the header is not valid JSON")
    fails(st_file("utf8.st", '{"\255":1}'), "the header is not valid UTF-8 (byte 10)")
    fails(st_file("dt.st", '{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}', data8), "tensor 'a': unknown dtype 'F33'")
    fails(st_file("u64.st", '{"a":{"dtype":"U64","shape":[1],"data_offsets":[0,8]}}', data8),
      "tensor 'a': dtype U64 is not supported by Tide")
    fails(st_file("shape.st", '{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}', data8),
      "tensor 'a': shape entry 1 is not a non-negative integer")
    fails(st_file("noshape.st", '{"a":{"dtype":"F32","data_offsets":[0,8]}}', data8), "tensor 'a': missing shape")
    fails(st_file("size.st", '{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', data8),
      "tensor 'a': shape [3] of F32 needs 12 bytes, but data_offsets [0, 8] span 8")
    fails(st_file("rev.st", '{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', data8), "end before they begin")
    fails(st_file("off.st", '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}', data8), "data_offsets must be [begin, end]")
    fails(st_file("gap.st", '{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8),
      "bytes 0..4 of the data belong to no tensor (before tensor 'a')")
    fails(st_file("overlap.st", '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' ..
      '"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', data8), "tensor 'b' (data_offsets [4, 8]) overlaps")
    fails(st_file("trail.st", good, data8 .. "xx"), "2 bytes after the last tensor's data")
    fails(st_file("trunc.st", good, "\0\0\0"), "truncated: the tensors need 8 bytes of data but the file has 3")
    fails(st_file("meta.st", '{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', data8),
      "__metadata__ value of 'k' must be a string, got number")
    fails(st_file("dims.st", '{"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}}', "x"),
      "has 9 dims; Tide tensors have at most 8")
    -- and a valid one of the same shape reads
    local t = tide.io.load_safetensors(st_file("ok.st", good, data8))
    assert.same({ 0, 0 }, flat(t.a))
  end)

  it("fails cleanly on every truncation and on hundreds of corruptions", function()
    tide.io.save_safetensors(path("fuzz.st"), { w = tide.randn(3, 3), i = tide.ones(4, "int64"), m = tide.ones(2, "bool") },
      { note = "fuzz" })
    local src = H.read_file(path("fuzz.st"))
    for len = 0, #src - 1 do
      H.write_file(path("cut.st"), src:sub(1, len))
      fails(path("cut.st"))
    end
    local rng, errors, loaded = 2024, 0, 0
    for _ = 1, 400 do
      rng = (rng * 1103515245 + 12345) % 2147483648
      local pos = 1 + rng % #src
      local b = string.char((src:byte(pos) + 1 + rng % 255) % 256)
      H.write_file(path("bad.st"), src:sub(1, pos - 1) .. b .. src:sub(pos + 1))
      local ok, err = pcall(tide.io.load_safetensors, path("bad.st"))
      if ok then loaded = loaded + 1 else
        errors = errors + 1
        assert.truthy(tostring(err):find("load_safetensors: " .. path("bad.st") .. ": ", 1, true), err)
      end
    end
    -- flips in the tensor bytes (and in some header characters) still give a valid file
    assert.is_true(errors > 100 and loaded > 50, errors .. " errors, " .. loaded .. " loaded")
  end)
end)

-- ---------------------------------------------------------------- checkpoints

-- Stand-ins with the contracts of tide.nn modules, tide.optim optimizers and schedulers.
local function stand_in_model(seed)
  tide.manual_seed(seed)
  local m = { w = tide.randn(3, 2), b = tide.randn(3), steps = tide.tensor({ 0 }, "int64") }
  function m:state_dict() return { ["fc.weight"] = self.w, ["fc.bias"] = self.b, ["bn.num_batches_tracked"] = self.steps } end
  function m:load_state_dict(sd)
    local n = 0
    for k in pairs(sd) do n = n + 1 assert(self:state_dict()[k], "unexpected key " .. k) end
    assert(n == 3, "missing keys")
    self.w:copy_(sd["fc.weight"])
    self.b:copy_(sd["fc.bias"])
    self.steps:copy_(sd["bn.num_batches_tracked"])
  end
  return m
end

local function stand_in_optimizer(seed)
  tide.manual_seed(seed)
  local o = { m1 = tide.randn(3, 2), m2 = tide.randn(3),
    meta = { param_groups = { { lr = 0.001, betas = { 0.9, 0.999 }, eps = 1e-8, params = { 1, 2 } } },
      state = { [1] = { step = seed }, [2] = { step = seed } } } }
  function o:state_dict() return { tensors = { ["1.exp_avg"] = self.m1, ["2.exp_avg"] = self.m2 }, meta = self.meta } end
  function o:load_state_dict(sd)
    self.m1:copy_(sd.tensors["1.exp_avg"])
    self.m2:copy_(sd.tensors["2.exp_avg"])
    self.meta = sd.meta
  end
  return o
end

local function stand_in_scheduler(epoch)
  local s = { last_epoch = epoch, base_lrs = { 0.1 }, gamma = 0.5 }
  function s:state_dict() return { last_epoch = self.last_epoch, base_lrs = self.base_lrs, gamma = self.gamma } end
  function s:load_state_dict(sd) self.last_epoch, self.base_lrs, self.gamma = sd.last_epoch, sd.base_lrs, sd.gamma end
  return s
end

describe("save_checkpoint / load_checkpoint", function()
  it("restore model, optimizer, scheduler and extra exactly (stand-in objects)", function()
    local model, opt, sched = stand_in_model(1), stand_in_optimizer(2), stand_in_scheduler(7)
    model.steps:fill_(42)
    local extra = { epoch = 7, history = { 0.5, 0.25, 0.1 + 0.2 }, name = "run é", best = { acc = 0.9125 } }
    local p = path("ckpt.safetensors")
    tide.io.save_checkpoint(p, { model = model, optimizer = opt, scheduler = sched, extra = extra })

    local m2, o2, s2 = stand_in_model(10), stand_in_optimizer(20), stand_in_scheduler(0)
    local got = tide.io.load_checkpoint(p, { model = m2, optimizer = o2, scheduler = s2 })
    assert.same(extra, got)
    assert.same(flat(model.w), flat(m2.w))
    assert.same(flat(model.b), flat(m2.b))
    assert.same({ 42 }, flat(m2.steps))
    assert.same(flat(opt.m1), flat(o2.m1))
    assert.same(opt.meta, o2.meta)
    assert.same({ last_epoch = 7, base_lrs = { 0.1 }, gamma = 0.5 }, s2:state_dict())
    -- a plain safetensors file: PyTorch-style names under "model.", JSON metadata
    local t, meta = tide.io.load_safetensors(p)
    assert.is_not_nil(t["model.fc.weight"])
    assert.is_not_nil(t["optimizer.1.exp_avg"])
    assert.equals("1", meta["tide.checkpoint"])
    assert.same(opt.meta, tide.io.json.decode(meta["tide.optimizer"]))
    -- parts may be loaded alone; nothing asked for, only extra comes back
    assert.same(extra, tide.io.load_checkpoint(p))
  end)

  it("restores the random generator on request", function()
    local model = stand_in_model(1)
    tide.manual_seed(77)
    tide.randn(5)
    tide.io.save_checkpoint(path("rng.safetensors"), { model = model })
    local want = flat(tide.randn(4))
    tide.manual_seed(1)
    tide.io.load_checkpoint(path("rng.safetensors"), { restore_rng = true })
    assert.same(want, flat(tide.randn(4)))
  end)

  it("name what is wrong", function()
    local model = stand_in_model(1)
    local p = path("weights_only.safetensors")
    tide.io.save_checkpoint(p, { model = model })
    H.assert_error(function() tide.io.load_checkpoint(p, { optimizer = stand_in_optimizer(1) }) end,
      "load_checkpoint: " .. p .. " holds no optimizer state (it was saved without one)")
    H.assert_error(function() tide.io.load_checkpoint(p, { scheduler = stand_in_scheduler(1) }) end,
      "holds no scheduler state")
    H.assert_error(function() tide.io.save_checkpoint(p, { model = {} }) end,
      "save_checkpoint: model has no state_dict() method")
    H.assert_error(function() tide.io.save_checkpoint(p, { modle = model }) end, "unknown part 'modle'")
    H.assert_error(function() tide.io.save_checkpoint(p, { model = model, extra = { f = print } }) end,
      "save_checkpoint: extra.f is a function")
    H.assert_error(function() tide.io.save_checkpoint(p, { model = model, extra = { t = tide.ones(1) } }) end,
      "extra.t is a tensor")
    H.assert_error(function() tide.io.load_checkpoint(path("none.safetensors"), { model = model }) end,
      "load_checkpoint: " .. path("none.safetensors") .. ": no such file")
    tide.io.save_safetensors(path("other.safetensors"), { x = tide.ones(1) })
    H.assert_error(function() tide.io.load_checkpoint(path("other.safetensors"), { model = model }) end,
      "holds no model.* tensors (not a Tide checkpoint?)")
    -- the file from before the failed saves is intact
    assert.is_not_nil(tide.io.load_safetensors(p)["model.fc.weight"])
  end)

  it("resume training identically with tide.nn and tide.optim", function()
    local ok_nn, nn = pcall(function() return tide.nn end)
    local ok_optim, optim = pcall(function() return tide.optim end)
    if not (ok_nn and ok_optim and nn and optim and nn.Linear and optim.Adam and optim.lr_scheduler) then
      print("tide.nn / tide.optim not available: skipped")
      return
    end
    local function setup()
      tide.manual_seed(0)
      local model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
      local opt = optim.Adam(model:parameters(), { lr = 0.01 })
      local sched = optim.lr_scheduler.StepLR(opt, { step_size = 2, gamma = 0.5 })
      return model, opt, sched
    end
    tide.manual_seed(123)
    local x, y = tide.randn(16, 4), tide.randn(16, 2)
    local function step(model, opt, sched)
      opt:zero_grad()
      local loss = ((model(x) - y) ^ 2):mean()
      loss:backward()
      opt:step()
      sched:step()
      return loss:item()
    end
    local m1, o1, s1 = setup()
    for _ = 1, 3 do step(m1, o1, s1) end
    tide.io.save_checkpoint(path("train.safetensors"), { model = m1, optimizer = o1, scheduler = s1, extra = { epoch = 3 } })
    local after1 = {}
    for i = 1, 3 do after1[i] = step(m1, o1, s1) end

    local m2, o2, s2 = setup()
    tide.manual_seed(999) -- different weights before loading
    local extra = tide.io.load_checkpoint(path("train.safetensors"), { model = m2, optimizer = o2, scheduler = s2 })
    assert.same({ epoch = 3 }, extra)
    local after2 = {}
    for i = 1, 3 do after2[i] = step(m2, o2, s2) end
    assert.same(after1, after2)
    assert.same(flat(m1(x):detach()), flat(m2(x):detach()))
  end)
end)

describe("io_safetensors cleanup", function()
  it("removes its temp folder", function()
    H.sh("rm -rf " .. H.q(tmp))
    assert.is_nil(io.open(tmp .. "/fuzz.st"))
  end)
end)
