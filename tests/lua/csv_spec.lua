-- tide.csv: reading (quoting, CRLF, BOM, delimiters, missing markers, type inference, options,
-- bad input) against what pandas.read_csv parsed (tests/fixtures/csv.lua from
-- tests/gen/gen_csv.py), parity with pandas on the shared data sets (TIDE_DATA), writing and
-- write -> read round trips.
require("tide")
local csv = require("tide.csv")
local ffi = require("ffi")
local H = require("spec_helpers")
local C = require("tide._core").C
local F = dofile(os.getenv("TIDE_FIXTURES") .. "/csv.lua")
local FIXDIR = os.getenv("TIDE_FIXTURES") .. "/csv/"

local tmpname, write_file, read_file = H.tmpname, H.write_file, H.read_file

-- read CSV text through a temp file
local function read_text(s, opts)
  local p = tmpname()
  write_file(p, s)
  local ok, r = pcall(csv.read, p, opts)
  os.remove(p)
  if not ok then error(r, 0) end
  return r
end

local function ptr(t, ct) return ffi.cast(ct, C.tide_tensor_data_ptr(t._c)) end

local function is_missing(col, i)
  return col.missing ~= nil and ptr(col.missing, "const uint8_t*")[i - 1] ~= 0
end

-- value i (1-based) of a column as a Lua value, nil when missing
local function value(col, i)
  if is_missing(col, i) then return nil end
  if col.type == "string" then return csv.string(col, i) end
  if col.type == "bool" then return ptr(col.data, "const uint8_t*")[i - 1] ~= 0 end
  if col.type == "float64" then return ptr(col.data, "const double*")[i - 1] end
  return tonumber(ptr(col.data, "const int64_t*")[i - 1])
end

local function nrows_of(col)
  if col.type == "string" then return tonumber(col.offsets._c.numel) - 1 end
  return tonumber(col.data._c.numel)
end

local function same_number(a, b)
  if a ~= a then return b ~= b end
  return a == b
end

local KIND = { int64 = "number", float64 = "number", bool = "bool", string = "string", datetime = "datetime" }

local function check_case(name, opts)
  local want = F.cases[name]
  local got = csv.read(FIXDIR .. name .. ".csv", opts)
  if not (opts and opts.header == false) then assert.are.same(want.names, got.names) end
  assert.are.equal(want.nrows, got.nrows)
  for c, wc in ipairs(want.columns) do
    local col = got.columns[c]
    assert.are.equal(wc.kind, KIND[col.type], name .. " column " .. col.name)
    for i = 1, want.nrows do
      assert.are.equal(wc.missing[i], is_missing(col, i), name .. " " .. col.name .. " row " .. i)
      if not wc.missing[i] then
        local v = value(col, i)
        if wc.kind == "number" then
          assert.is_true(same_number(wc.values[i], v), string.format("%s %s row %d: %s vs %s", name, col.name, i,
            tostring(wc.values[i]), tostring(v)))
        else
          assert.are.equal(wc.values[i], v, name .. " " .. col.name .. " row " .. i)
        end
      end
    end
  end
  return got
end

describe("csv.read parses as pandas.read_csv", function()
  for _, name in ipairs({ "basic", "quoted", "crlf", "bom", "missing", "numbers", "blank_lines", "trailing_delim",
    "dup_names", "utf8", "no_final_newline" }) do
    it(name, function() check_case(name) end)
  end
  it("semicolon, tab and pipe delimiters, detected", function()
    local r = check_case("semicolon")
    assert.are.equal(";", r.delimiter)
    assert.are.equal("\t", check_case("tab").delimiter)
    assert.are.equal("|", check_case("pipe").delimiter)
  end)
  it("delimiters given explicitly", function()
    check_case("semicolon", { delimiter = ";" })
    check_case("tab", { sep = "\t" })
    check_case("pipe", { delimiter = "|" })
  end)
  it("no header: columns col1, col2, ...", function()
    assert.are.same({ "col1", "col2" }, check_case("noheader", { header = false }).names)
  end)
  it("comment character", function() check_case("comment", { comment = "#" }) end)
  it("skip_rows", function() check_case("skip", { skip_rows = 2 }) end)
end)

describe("csv.read types", function()
  it("infers bool, int64, float64, datetime and string", function()
    local r = csv.read(FIXDIR .. "basic.csv")
    assert.are.same({ "int64", "string", "float64", "bool" },
      { r.columns[1].type, r.columns[2].type, r.columns[3].type, r.columns[4].type })
    local d = csv.read(FIXDIR .. "dates.csv")
    for c = 1, 3 do assert.are.equal("datetime", d.columns[c].type) end
    local ns = function(c, i) return ptr(d.columns[c].data, "const int64_t*")[i - 1] end
    assert.are.equal(1487203200000000000LL, ns(1, 1))         -- 2017-02-16
    assert.are.equal(1487252700000000000LL, ns(2, 1))         -- 2017-02-16 13:45:00
    assert.are.equal(1487252700000000000LL, ns(3, 1))         -- ...Z
    assert.are.equal(1582934401500000000LL, ns(2, 2))         -- 2020-02-29 00:00:01.5
    assert.are.equal(1583020799000000000LL - 3600000000000LL, ns(3, 2)) -- +01:00
    assert.is_true(is_missing(d.columns[1], 3))
    assert.are.equal(0LL, ns(2, 3))
  end)
  it("int64 keeps 64-bit values exactly and missing ints stay int64 with a mask", function()
    local r = csv.read(FIXDIR .. "numbers.csv")
    assert.are.equal("int64", r.columns[2].type)
    local p = ptr(r.columns[2].data, "const int64_t*")
    assert.are.equal(9007199254740993LL, p[0])
    assert.are.equal(-9223372036854775807LL - 1, p[2])
    local m = csv.read(FIXDIR .. "missing.csv")
    assert.are.equal("int64", m.columns[1].type)
    assert.are.same({ 1, nil, nil, 4 }, { value(m.columns[1], 1), value(m.columns[1], 2), value(m.columns[1], 3),
      value(m.columns[1], 4) })
  end)
  it("floats are read exactly as strtod: fast path and fallback, inf, subnormals", function()
    local r = read_text("x\n0.1\n0.3\n1e23\n2.2250738585072011e-308\n1.00000000000000011102230246251565404236316680908203125\n"
      .. "123456789012345678901234567890\n-Infinity\n.5\n5.\n+1.5E+3\n")
    local want = { 0.1, 0.3, 1e23, 2.2250738585072011e-308, 1, 1.2345678901234568e29, -math.huge, 0.5,
      5, 1500 }
    for i, w in ipairs(want) do assert.are.equal(w, value(r.columns[1], i)) end
    assert.are.equal("float64", r.columns[1].type)
  end)
  it("numeric columns: int64 until a float, float64 until text, missing cells anywhere", function()
    local r = read_text("a,b,c,d,e\nNA,1,1,1,NA\n1,NA,2,2,NA\n2,2.5,3.5,x,NA\n3,4,NA,4,NA\n")
    assert.are.same({ "int64", "float64", "float64", "string", "float64" },
      { r.columns[1].type, r.columns[2].type, r.columns[3].type, r.columns[4].type, r.columns[5].type })
    assert.are.same({ 1, 2.5, 4 }, { value(r.columns[2], 1), value(r.columns[2], 3), value(r.columns[2], 4) })
    assert.is_true(is_missing(r.columns[2], 2) and is_missing(r.columns[1], 1) and is_missing(r.columns[3], 4))
    assert.are.same({ "1", "x" }, { value(r.columns[4], 1), value(r.columns[4], 3) })
    local p = ptr(r.columns[2].data, "const double*")
    assert.is_true(p[1] ~= p[1]) -- a missing float64 cell holds NaN
    assert.are.equal(0, ptr(r.columns[1].data, "const int64_t*")[0]) -- a missing int64 cell holds 0
  end)
  it("per-column overrides", function()
    local r = csv.read(FIXDIR .. "basic.csv", { types = { id = "float64", score = "string", ok = "string" } })
    assert.are.equal("float64", r.columns[1].type)
    assert.are.equal("string", r.columns[3].type)
    assert.are.equal("-3e2", csv.string(r.columns[3], 2))
    assert.are.equal("TRUE", csv.string(r.columns[4], 3))
  end)
  it("a cell that cannot be read as a forced type names its line and column", function()
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { types = { name = "int64" } }) end,
      "csv read: " .. FIXDIR .. "basic.csv line 2, column name: cannot read 'Ann' as int64")
  end)
  it("usecols by name and index, nrows, custom na_values", function()
    local r = csv.read(FIXDIR .. "basic.csv", { usecols = { "score", "id" }, nrows = 2 })
    assert.are.same({ "id", "score" }, r.names)
    assert.are.equal(2, r.nrows)
    assert.are.equal(2, nrows_of(r.columns[1]))
    r = csv.read(FIXDIR .. "basic.csv", { usecols = { 4 } })
    assert.are.same({ "ok" }, r.names)
    r = csv.read(FIXDIR .. "missing.csv", { na_values = { "NA" } })
    assert.are.equal("string", r.columns[2].type) -- "N/A", "None", "nan" are text now
    assert.is_true(is_missing(r.columns[1], 2))
    assert.is_false(is_missing(r.columns[1], 3)) -- "" is not a marker here
  end)
end)

describe("csv.read bad input", function()
  it("ragged rows name their line; skip counts them", function()
    local s = "a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n"
    local p = tmpname()
    write_file(p, s)
    assert.has_error(function() csv.read(p) end, "csv read: " .. p .. " line 3: expected 3 fields, got 2")
    local r = csv.read(p, { on_bad_row = "skip" })
    assert.are.equal(2, r.nrows)
    assert.are.equal(2, r.skipped)
    assert.are.equal(6, value(r.columns[1], 2))
    os.remove(p)
  end)
  it("line numbers count line breaks inside quoted fields", function()
    local ok, err = pcall(read_text, 'a,b\n1,"x\ny"\n2\n')
    assert.is_false(ok)
    assert.matches("line 4: expected 2 fields, got 1", err, 1, true)
  end)
  it("an unterminated quote", function()
    local ok, err = pcall(read_text, 'a,b\n1,"open\n2,3\n')
    assert.is_false(ok)
    assert.matches("line 2: unterminated quoted field", err, 1, true)
    local r = read_text('a,b\n1,2\n3,"open\n', { on_bad_row = "skip" })
    assert.are.equal(1, r.nrows)
    assert.are.equal(1, r.skipped)
  end)
  it("invalid UTF-8 names the line and column, or is replaced", function()
    local ok, err = pcall(read_text, "a,b\n1,ok\n2,bad\255x\n")
    assert.is_false(ok)
    assert.matches("line 3, column b: invalid UTF-8 at byte 4", err, 1, true)
    local r = read_text("a,b\n1,ok\n2,bad\255x\n", { invalid_utf8 = "replace" })
    assert.are.equal("bad\239\191\189x", csv.string(r.columns[2], 2))
    ok, err = pcall(read_text, "a,b\192\n1,2\n")
    assert.is_false(ok)
    assert.matches("line 1: invalid UTF-8 in the name of column 2", err, 1, true)
    assert.are.same({ "a", "b\239\191\189" }, read_text("a,b\192\n1,2\n", { invalid_utf8 = "replace" }).names)
  end)
  it("an empty file", function()
    local ok, err = pcall(read_text, "")
    assert.is_false(ok)
    assert.matches("is empty", err, 1, true)
    local r = read_text("\n\n", { allow_empty = true })
    assert.are.equal(0, #r.columns)
    assert.are.equal(0, r.nrows)
    r = read_text("a,b\n")
    assert.are.same({ "a", "b" }, r.names)
    assert.are.equal(0, r.nrows)
  end)
  it("unknown columns in types / usecols, bad options, a missing file", function()
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { types = { Nope = "int64" } }) end,
      "csv read: " .. FIXDIR .. "basic.csv has no column \"Nope\" (types)")
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { usecols = { "Nope" } }) end,
      "csv read: " .. FIXDIR .. "basic.csv has no column \"Nope\" (usecols)")
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { types = { id = "int32" } }) end)
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { bogus = 1 }) end)
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { delimiter = ",," }) end)
    assert.has_error(function() csv.read(FIXDIR .. "basic.csv", { on_bad_row = "ignore" }) end)
    local ok, err = pcall(csv.read, "/nonexistent/x.csv")
    assert.is_false(ok)
    assert.matches("csv read", err, 1, true)
  end)
  it("truncations of a quoted file never crash", function()
    local s = read_file(FIXDIR .. "quoted.csv") .. read_file(FIXDIR .. "crlf.csv")
    for n = 0, #s do
      pcall(read_text, s:sub(1, n), { on_bad_row = (n % 2 == 0) and "skip" or "error" })
    end
  end)
end)

describe("csv.write", function()
  it("round trips every type, quoting and missing cells", function()
    local src = csv.read(FIXDIR .. "quoted.csv")
    local d = csv.read(FIXDIR .. "dates.csv")
    local n = csv.read(FIXDIR .. "numbers.csv")
    local m = csv.read(FIXDIR .. "missing.csv")
    for _, r in ipairs({ src, d, n, m }) do
      local p = tmpname()
      csv.write(p, r)
      local back = csv.read(p)
      os.remove(p)
      assert.are.same(r.names, back.names)
      for c, col in ipairs(r.columns) do
        local bc = back.columns[c]
        assert.are.equal(col.type, bc.type, col.name)
        for i = 1, r.nrows do
          local a, b = value(col, i), value(bc, i)
          if type(a) == "number" then assert.is_true(same_number(a, b), col.name .. " " .. i)
          else assert.are.equal(a, b, col.name .. " " .. i) end
        end
      end
    end
  end)
  it("writes RFC 4180 text", function()
    local r = csv.read(FIXDIR .. "quoted.csv")
    local p = tmpname()
    csv.write(p, r, { line_end = "\r\n" })
    assert.are.equal('a,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line1\nline2",plain\r\n3,,\r\n4,"""",q\r\n', read_file(p))
    csv.write(p, { { name = "x", type = "float64", data = require("tide").tensor({ 0.1, 1 / 3, 1e300, 0 / 0 }, "float64") } },
      { delimiter = ";", na_rep = "NA" })
    assert.are.equal("x\n0.1\n0.3333333333333333\n1e+300\nNA\n", read_file(p))
    os.remove(p)
  end)
  it("rejects bad columns", function()
    local tide = require("tide")
    assert.has_error(function() csv.write(tmpname(), {}) end, "csv write: no columns to write")
    assert.has_error(function()
      csv.write(os.tmpname(), { { name = "a", type = "int64", data = tide.zeros(3, "float64") } })
    end)
    assert.has_error(function()
      csv.write(os.tmpname(), { { name = "a", type = "int64", data = tide.zeros(3, "int64") },
        { name = "b", type = "int64", data = tide.zeros(2, "int64") } })
    end)
  end)
end)

describe("csv.read parity with pandas on the shared data (TIDE_DATA)", function()
  for key, want in pairs(F.shared) do
    it(key, function()
      local dir = H.data_dir(want.path:match("^[^/]+"))
      if not dir then return pending("TIDE_DATA with " .. want.path .. " is not set") end
      local r = csv.read(dir .. "/" .. want.path:match("/(.*)$"))
      assert.are.same(want.names, r.names)
      assert.are.equal(want.nrows, r.nrows)
      for c, name in ipairs(r.names) do
        local col, w = r.columns[c], want.columns[name]
        local nmiss = 0
        for i = 1, r.nrows do if is_missing(col, i) then nmiss = nmiss + 1 end end
        assert.are.equal(w.missing, nmiss, key .. " " .. name .. " missing")
        assert.are.equal(w.kind, KIND[col.type], key .. " " .. name .. " kind")
        if w.kind == "number" then
          local s, s2, cnt = 0, 0, 0
          for i = 1, r.nrows do
            local v = value(col, i)
            if v ~= nil then s, s2, cnt = s + v, s2 + v * v, cnt + 1 end
          end
          assert.are.equal(w.count, cnt)
          assert.is_true(math.abs(s - w.sum) <= 1e-9 * math.max(1, math.abs(w.sum)), key .. " " .. name .. " sum")
          assert.is_true(math.abs(s2 - w.sumsq) <= 1e-9 * math.max(1, math.abs(w.sumsq)), key .. " " .. name)
          for i = 1, #w.first do
            local v = value(col, i)
            if v == nil then v = 0 / 0 end
            assert.is_true(same_number(w.first[i], v), key .. " " .. name .. " row " .. i)
          end
        elseif w.kind == "bool" then
          local t = 0
          for i = 1, r.nrows do if value(col, i) == true then t = t + 1 end end
          assert.are.equal(w["true"], t)
        else
          local nb = tonumber(col.bytes._c.numel)
          assert.are.equal(w.bytes, nb, key .. " " .. name .. " bytes")
          assert.are.equal(w.crc32, tonumber(C.tide_crc32(0, C.tide_tensor_data_ptr(col.bytes._c), nb)),
            key .. " " .. name .. " crc32")
        end
      end
    end)
  end
end)
