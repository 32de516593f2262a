-- tide.frame against pandas 1.5 (fixtures from tests/gen/gen_frame.py): sort_values, group-by
-- aggregates, inner / left joins, value_counts, describe and column reductions on a mixed frame
-- with missing cells; construction, printing, conversions, CSV round trip and bad input.
local tide = require("tide")
local F = require("tide.frame")
local H = require("spec_helpers")
local ref = H.fixture("frame")
local NA = F.NA

local TOL = 1e-9

local function near(a, b, what)
  if b == nil or b ~= b then
    assert(a == nil or a ~= a, string.format("%s: got %s, expected missing", what, tostring(a)))
    return
  end
  assert(type(a) == "number", string.format("%s: got %s, expected %.17g", what, tostring(a), b))
  assert(a == b or math.abs(a - b) <= TOL * math.max(1, math.abs(b)), string.format("%s: got %.17g, expected %.17g", what, a, b))
end

-- A fixture column (nil holes for missing) with its length.
local function vals(t, n)
  local out = { n = n }
  for i = 1, n do out[i] = t[i] end
  return out
end

local function input_frame()
  local I = ref.input
  local n = ref.n
  return F.new({ { "id", vals(I.id, n) }, { "grp", vals(I.grp, n) }, { "k2", vals(I.k2, n) }, { "x", vals(I.x, n) },
    { "y", vals(I.y, n) }, { "flag", vals(I.flag, n) }, { "name", vals(I.name, n) } })
end

local function right_frame()
  local R = ref.right
  local m = #R.rid
  return F.new({ { "rid", vals(R.rid, m) }, { "grp", vals(R.grp, m) }, { "k2", vals(R.k2, m) }, { "y", vals(R.y, m) } })
end

local function column_equals(c, expected, n, what, tol)
  assert(c:size() == n, string.format("%s: %d rows, expected %d", what, c:size(), n))
  for i = 1, n do
    local a, b = c:get(i), expected[i]
    if type(b) == "number" and tol then near(a, b, what .. "[" .. i .. "]")
    else assert(a == b, string.format("%s[%d]: got %s, expected %s", what, i, tostring(a), tostring(b))) end
  end
end

describe("frame construction", function()
  it("infers column types and tracks missing cells", function()
    local f = input_frame()
    assert.are.equal(ref.n, f:nrows())
    assert.are.equal(7, f:ncols())
    local d = f:dtypes()
    assert.are.same({ "int64", "string", "int64", "float64", "int64", "bool", "string" }, { d[1], d[2], d[3], d[4], d[5], d[6], d[7] })
    assert.are.equal("float64", d.x)
    local nmiss = 0
    for i = 1, ref.n do if ref.input.x[i] == nil then nmiss = nmiss + 1 end end
    assert.are.equal(nmiss, f.x:isna():sum())
    assert.are.equal(ref.n - nmiss, f.x:count())
    assert.is_nil(f:col("x"):get(1) == nil and ref.input.x[1] ~= nil or nil)
  end)

  it("keeps the order of pairs or of a names list, and takes tensors", function()
    local f = F.new({ b = { 1, 2 }, a = tide.tensor({ 0.5, 1.5 }, "float64") }, { "b", "a" })
    assert.are.same({ "b", "a" }, f.names)
    assert.are.equal("int64", f:dtypes().b)
    assert.are.equal("float64", f:dtypes().a)
    local g = F.from_tensor(tide.tensor({ { 1, 2 }, { 3, 4 } }, "float64"), { "p", "q" })
    assert.are.equal(4, g.q:get(2))
    assert.is_true(g:to_tensor():equal(tide.tensor({ { 1, 2 }, { 3, 4 } }, "float64")))
  end)

  it("to_tensor gives float64 with NaN for missing cells", function()
    local f = F.new({ { "a", { 1, NA, 3 } }, { "b", { true, false, NA } } })
    local t = f:to_tensor()
    assert.are.same({ 3, 2 }, t.shape)
    assert.are.equal("float64", t.dtype)
    assert.is_true(t[{ 2, 1 }] ~= t[{ 2, 1 }])
    assert.are.equal(1, t[{ 1, 2 }])
    assert.is_true(t[{ 3, 2 }] ~= t[{ 3, 2 }])
  end)

  it("prints an aligned table with NA", function()
    local f = F.new({ { "name", { "ann", NA, "bo" } }, { "age", { 22, 38.5, NA } }, { "ok", { true, false, true } } })
    local s = tostring(f)
    local expected = table.concat({
      "   name   age     ok",
      "1   ann  22.0   True",
      "2    NA  38.5  False",
      "3    bo    NA   True" }, "\n")
    assert.are.equal(expected, s)
    local long = F.new({ { "v", tide.arange(100, "int64") } })
    local ls = tostring(long)
    assert.truthy(ls:find("...", 1, true))
    assert.truthy(ls:find("[100 rows x 1 columns]", 1, true))
    assert.are.equal(2, long:head(2):nrows())
    assert.are.equal(99, long:tail(1).v:get(1))
  end)
end)

describe("frame vs pandas", function()
  local f = input_frame()

  local function check_order(got, expected, what)
    column_equals(got.id, expected, #expected, what)
  end

  it("sort_values: one key, both directions, missing last, stable", function()
    check_order(f:sort_values("x"), ref.sort_x, "sort x")
    check_order(f:sort_values("x", false), ref.sort_x_desc, "sort x desc")
  end)

  it("sort_values: several keys with per-key directions", function()
    check_order(f:sort_values({ "grp", "x" }, { true, false }), ref.sort_grp_x, "sort grp, x")
    check_order(f:sort_values({ "k2", "flag", "name" }, { false, true, true }), ref.sort_k2_flag_name, "sort k2, flag, name")
  end)

  it("group_by(...):agg with every aggregate", function()
    local G = ref.group
    local ng = #G.k2
    local spec = {}
    local ops = { "sum", "mean", "count", "min", "max", "std", "median", "first", "nunique", "var", "last" }
    for _, op in ipairs(ops) do
      spec[#spec + 1] = { "x", op, "x_" .. op }
      spec[#spec + 1] = { "y", op, "y_" .. op }
    end
    for _, op in ipairs({ "count", "nunique", "first", "last", "min", "max" }) do
      spec[#spec + 1] = { "name", op, "name_" .. op }
    end
    local r = f:group_by({ "grp", "k2" }):agg(spec)
    assert.are.equal(ng, r:nrows())
    column_equals(r.grp, G.grp, ng, "grp")
    column_equals(r.k2, G.k2, ng, "k2")
    for _, it in ipairs(spec) do
      column_equals(r[it[3]], vals(G[it[3]], ng), ng, it[3], true)
    end
    assert.are.equal("int64", r.y_sum.type)
    assert.are.equal("int64", r.y_min.type)
    assert.are.equal("float64", r.y_mean.type)
    column_equals(f:group_by({ "grp", "k2" }):size().size, G.size, ng, "size")
  end)

  for _, how in ipairs({ "inner", "left", "right", "outer" }) do
    for _, nk in ipairs({ 1, 2 }) do
      it(string.format("%s join on %d key(s), duplicate and missing keys", how, nk), function()
        local on = nk == 1 and { "grp" } or { "grp", "k2" }
        local r = f:join(right_frame(), { on = on, how = how })
        local E = ref[string.format("merge_%s_%d", how, nk)]
        local m = E.n
        assert.are.equal(m, r:nrows())
        column_equals(r.id, vals(E.id, m), m, "id")
        column_equals(r.rid, vals(E.rid, m), m, "rid")
        column_equals(r.y_x, vals(E.y_x, m), m, "y_x")
        column_equals(r.y_y, vals(E.y_y, m), m, "y_y")
        column_equals(r.grp, vals(E.grp, m), m, "key column")
      end)
    end
  end

  it("value_counts: most frequent first, missing dropped", function()
    local vc = f.grp:value_counts()
    column_equals(vc.grp, ref.vc_grp.keys, #ref.vc_grp.keys, "keys")
    column_equals(vc.count, ref.vc_grp.counts, #ref.vc_grp.counts, "counts")
    local vk = f:value_counts("k2")
    column_equals(vk.k2, ref.vc_k2.keys, #ref.vc_k2.keys, "k2 keys")
    column_equals(vk.count, ref.vc_k2.counts, #ref.vc_k2.counts, "k2 counts")
  end)

  it("describe: numeric and string columns", function()
    local d = f:select({ "x", "y" }):describe()
    column_equals(d.stat, ref.describe_stats, 8, "stat")
    column_equals(d.x, ref.describe.x, 8, "x", true)
    column_equals(d.y, ref.describe.y, 8, "y", true)
    local o = f:select({ "grp", "name" }):describe()
    column_equals(o.stat, { "count", "unique", "top", "freq" }, 4, "stat")
    column_equals(o.grp, ref.describe_obj.grp, 4, "grp")
    column_equals(o.name, ref.describe_obj.name, 4, "name")
  end)

  it("column reductions skip missing cells", function()
    local S = ref.x_stats
    for _, op in ipairs({ "mean", "std", "var", "median", "min", "max", "sum" }) do near(f.x[op](f.x), S[op], op) end
    assert.are.equal(S.count, f.x:count())
    assert.are.equal(S.nunique, f.x:nunique())
    near(f.x:quantile(0.25), S.q25, "q25")
    near(f.x:quantile(0.9), S.q90, "q90")
    assert.are.equal(ref.grp_nunique, f.grp:nunique())
    local u = f.grp:unique()
    assert.are.equal(#ref.grp_unique + 0, #u - (function() local k = 0 for _, v in ipairs(u) do if v == NA then k = k + 1 end end return k end)())
    local j = 0
    for _, v in ipairs(u) do
      if v ~= NA then
        j = j + 1
        while ref.grp_unique[j] == nil and j <= ref.n do j = j + 1 end
        assert.are.equal(ref.grp_unique[j], v)
      end
    end
  end)
end)

describe("frame from a CSV file vs pandas.read_csv", function()
  it("reads types, groups, sorts and describes like pandas", function()
    local P = ref.people
    local dir = os.getenv("TIDE_SOURCE_DIR") or "."
    local f = F.read_csv(dir .. "/tests/fixtures/frame_people.csv")
    local d = f:dtypes()
    assert.are.same({ "string", "float64", "float64", "datetime", "bool" }, { d[1], d[2], d[3], d[4], d[5] })
    local r = f:group_by("city"):agg({ { "age", "mean" }, { "income", "sum" }, { "member", "sum" }, { "joined", "max" } })
    local k = #P.cities
    column_equals(r.city, P.cities, k, "cities")
    column_equals(r.age, vals(P.age_mean, k), k, "age mean", true)
    column_equals(r.income, vals(P.income_sum, k), k, "income sum", true)
    column_equals(r.member, P.member_sum, k, "member sum")
    for i = 1, k do assert.are.equal(P.joined_max[i], r.joined:get(i)) end
    local s = f:sort_values({ "city", "age" }, { false, true })
    column_equals(s.income, vals(P.sorted_income, f:nrows()), f:nrows(), "sorted income", true)
    column_equals(f:describe().age, P.describe_age, 8, "describe age", true)
  end)
end)

describe("frame operations", function()
  local f = F.new({ { "name", { "ann", "bo", NA, "cy" } }, { "age", { 22, NA, 35, 41 } }, { "n", { 1, 2, 3, 4 } } })

  it("filter by a bool tensor or a condition", function()
    local g = f:filter(f.age:gt(30))
    column_equals(g.name, { nil, "cy" }, 2, "name")
    local h = f:filter(function(fr) return fr.name:eq("bo"):logical_or(fr.n:ge(4)) end)
    column_equals(h.n, { 2, 4 }, 2, "n")
    assert.are.equal(0, f:filter(tide.zeros({ 4 }, "bool")):nrows())
  end)

  it("assigning f[name] adds or replaces a column in place", function()
    local g = F.new({ { "a", { 1, 2 } } })
    g.b = { "x", "y" }
    g["a"] = tide.tensor({ 0.5, 0.25 }, "float64")
    assert.are.same({ "a", "b" }, g.names)
    assert.are.equal(0.75, g.a:sum())
    H.assert_error(function() g.c = { 1, 2, 3 } end, "frame: column 'c' has 3 rows, the frame 2")
    assert.are.equal("string", g.columns[2].type)
    g.b = nil
    assert.are.same({ "a" }, g.names)
    assert.are.equal(1, #g.columns)
  end)

  it("select, drop, rename, with_column", function()
    assert.are.same({ "n", "name" }, f:select({ "n", "name" }).names)
    assert.are.same({ "name", "n" }, f:drop("age").names)
    assert.are.same({ "who", "age", "n" }, f:rename({ name = "who" }).names)
    local g = f:with_column("n2", f.n:to_tensor() * 2)
    assert.are.equal(8, g.n2:get(4))
    local r = f:with_column("n", { 9, 9, 9, 9 })
    assert.are.equal(36, r.n:sum())
    assert.are.same({ "name", "age", "n" }, r.names)
  end)

  it("fillna, drop_na, astype", function()
    local g = f:fillna({ age = 0, name = "?" })
    column_equals(g.age, { 22, 0, 35, 41 }, 4, "age")
    column_equals(g.name, { "ann", "bo", "?", "cy" }, 4, "name")
    assert.are.equal(2, f:drop_na():nrows())
    assert.are.equal(3, f:drop_na("age"):nrows())
    local s = F.new({ { "v", { "1.5", " 2", NA } } })
    local v = s.v:astype("float64")
    column_equals(v, { 1.5, 2, nil }, 3, "astype float")
    assert.are.equal("int64", f.n:astype("float64"):astype("int64").type)
    local c = f.name:astype("categorical")
    assert.are.same({ "ann", "bo", "cy" }, c.categories)
    column_equals(c:astype("string"), { "ann", "bo", nil, "cy" }, 4, "categorical back")
    column_equals(f.n:astype("string"), { "1", "2", "3", "4" }, 4, "to string")
    -- floats as pandas' astype(str) (Python repr), missing stays missing
    local fl = F.new({ { "v", { 0.1, 2, 1e16, 1.5e-5, 1 / 3, NA } }, { "b", { true, false, true, true, true, true } } })
    column_equals(fl.v:astype("string"), { "0.1", "2.0", "1e+16", "1.5e-05", "0.3333333333333333", nil }, 6, "floats")
    column_equals(fl.b:astype("string"), { "True", "False", "True", "True", "True", "True" }, 6, "bools")
  end)

  it("datetime columns: parse, sort, aggregate, print", function()
    local g = F.new({ { "d", { "2024-01-05", "2023-03-01 10:30:00", NA, "2023-03-01" } }, { "k", { 1, 2, 1, 2 } } })
    g = g:with_column("d", g.d:astype("datetime"))
    assert.are.equal("datetime", g.d.type)
    local DAY = 86400e9
    assert.are.equal(19727 * DAY, g.d:get(1)) -- 2024-01-05
    local s = g:sort_values("d")
    column_equals(s.k, { 2, 2, 1, 1 }, 4, "sorted k")
    assert.is_nil(s.d:get(4))
    local r = g:group_by("k"):agg({ d = "max" })
    assert.are.equal("datetime", r.d.type)
    assert.are.equal(19727 * DAY, r.d:get(1))
    assert.truthy(tostring(g):find("2023-03-01 10:30:00", 1, true))
    H.assert_error(function() return F.new({ { "d", { "2024-13-01" } } }).d:astype("datetime") end,
      "astype: cannot convert '2024-13-01' (row 1) to a datetime")
  end)

  it("concat rows promotes types", function()
    local a = F.new({ { "k", { "x", "y" } }, { "v", { 1, 2 } } })
    local b = F.new({ { "k", { "z", NA } }, { "v", { 0.5, NA } } })
    local c = F.concat({ a, b })
    assert.are.equal(4, c:nrows())
    assert.are.equal("float64", c.v.type)
    column_equals(c.k, { "x", "y", "z", nil }, 4, "k")
  end)

  it("group_by on a categorical key and shorthands", function()
    local g = F.new({ { "c", { "b", "a", "b", "a", "b" } }, { "v", { 1, 2, 3, 4, NA } } })
    g = g:with_column("c", g.c:astype("categorical"))
    local r = g:group_by("c"):mean()
    column_equals(r.c, { "a", "b" }, 2, "keys")
    column_equals(r.v, { 3, 2 }, 2, "mean")
    local s = g:group_by("c"):agg({ v = { "sum", "count" } })
    column_equals(s.v_sum, { 6, 4 }, 2, "sum")
    column_equals(s.v_count, { 2, 2 }, 2, "count")
  end)

  it("is a { names =, columns = } table of contract columns", function()
    local g = f:with_column("c", f.name:astype("categorical"))
    assert.are.equal(#g.names, #g.columns)
    assert.are.equal("age", g.columns[2].name)
    assert.is_true(tide.is_tensor(g.columns[2].data) and tide.is_tensor(g.columns[2].missing))
    assert.is_true(tide.is_tensor(g.columns[1].offsets) and tide.is_tensor(g.columns[1].bytes))
    local t = g:to_table()
    assert.are.equal("string", t.columns[4].type)
    assert.are.equal(4, t.nrows)
    assert.are.equal("bo", require("tide.csv").string(t.columns[4], 2))
  end)

  it("round-trips through CSV", function()
    local path = H.tmpname() .. ".csv"
    f:to_csv(path)
    local g = F.read_csv(path)
    os.remove(path)
    assert.are.same(f.names, g.names)
    column_equals(g.name, { "ann", "bo", nil, "cy" }, 4, "name")
    column_equals(g.age, { 22, nil, 35, 41 }, 4, "age", true)
  end)

  it("groups and sorts a million rows quickly", function()
    tide.manual_seed(0)
    local n = 1000000
    local big = F.new({ { "k", tide.randint(0, 1000, n) }, { "x", tide.randn(n):to("float64") } })
    big = big:with_column("s", big.k:astype("string"))
    local t0 = os.clock()
    local r = big:group_by("s"):agg({ x = "mean" })
    local s = big:sort_values({ "s", "x" })
    local dt = os.clock() - t0
    assert.are.equal(1000, r:nrows())
    assert.is_true(s.s:get(1) <= s.s:get(n))
    assert.is_true(dt < 4, "group + sort took " .. dt .. " s of CPU") -- CPU time of all threads
  end)
end)

describe("frame bad input", function()
  local f = F.new({ { "Age", { 1, 2 } }, { "Name", { "a", "b" } } })

  it("names a missing column with a suggestion", function()
    H.assert_error(function() return f.Agee end, "frame: no column 'Agee' (did you mean 'Age'?)")
    H.assert_error(function() return f:select({ "Nmae" }) end, "select: no column 'Nmae'", "did you mean 'Name'")
    H.assert_error(function() return f:sort_values("zzz") end, "sort_values: no column 'zzz'")
    H.assert_error(function() return f:group_by("x"):agg({ Age = "mean" }) end, "group_by: no column 'x'")
  end)

  it("rejects columns of different lengths", function()
    H.assert_error(function() return F.new({ { "a", { 1, 2 } }, { "b", { 1 } } }) end, "different lengths", "'b' has 1")
  end)

  it("joining on a key one side lacks", function()
    local g = F.new({ { "Age", { 1 } } })
    H.assert_error(function() return f:join(g, { on = "Name" }) end, "join (right frame): no column 'Name'")
    H.assert_error(function() return f:join(F.new({ { "Name", { 1 } } }), { on = "Name" }) end, "join: key 'Name' is string on the left and int64 on the right")
  end)

  it("astype errors", function()
    H.assert_error(function() return f.Name:astype("float64") end, "astype: cannot convert 'a' (row 1) to a number", "column 'Name'")
    H.assert_error(function() return f.Age:astype("decimal") end, "astype: unknown type decimal")
    H.assert_error(function() return F.new({ { "v", { 1.5 } } }).v:astype("int64") end, "non-integer")
  end)

  it("aggregates that do not fit the column type", function()
    H.assert_error(function() return f:group_by("Age"):agg({ Name = "mean" }) end, "agg: cannot take the mean of string column 'Name'")
    H.assert_error(function() return f:group_by("Age"):agg({ Name = "mode" }) end, "agg: unknown aggregate 'mode'")
  end)

  it("mixed value types and bad masks", function()
    H.assert_error(function() return F.new({ { "a", { 1, "x" } } }) end, "mixes numbers and strings")
    H.assert_error(function() return f:filter(tide.ones({ 3 }, "bool")) end, "filter: mask has 3 values for 2 rows")
  end)
end)
