-- tide.frame row operations: sort_values, group_by / agg, join, value_counts, unique, describe.
-- Every key column is factorized into int64 codes (column.lua: C hashing for strings, tensor
-- unique for numbers); several keys combine into one int64 code per row, so sorting is one
-- stable tensor argsort and grouping one tensor unique, aggregation one C pass per column.
local core = require("tide._core")
local raise = core.raise
local format = string.format

return function(M, Frame, colmod)
  local Column = colmod.Column
  local tide
  local function T()
    if not tide then tide = require("tide") end
    return tide
  end
  local check_names = M._check_names
  local group_agg = colmod.group_agg

  -- Re-number int64 keys densely (0-based, sorted order) -> ids, count.
  local function densify(k)
    local vals, inv = k:unique(true, true)
    return inv - 1, vals:numel()
  end

  -- Combined int64 code per row of several key columns.
  --   mode "sort": missing sorts last in every key; desc[i] reverses key i.
  --   mode "join": missing is a value of its own (pandas matches missing keys with each other).
  --   mode "group": rows with a missing key get -1.
  -- Returns key int64 [n] whose order is the lexicographic order of the keys.
  local function combine(cols, n, mode, desc)
    local acc, bound, bad
    for i, c in ipairs(cols) do
      local codes, u = c:codes()
      local k, width
      if mode == "group" then
        k, width = codes, math.max(u, 1)
        if c.missing then
          bad = bad and bad:logical_or(c.missing) or c.missing
          k = k:masked_fill(c.missing, 0)
        end
      else
        k, width = codes, u + 1
        if desc and desc[i] then k = (u - 1) - codes end
        if c.missing then k = k:masked_fill(c.missing, u) end
      end
      if acc == nil then
        acc, bound = k, width
      else
        if bound * width >= 2 ^ 53 then acc, bound = densify(acc) end
        acc, bound = acc * width + k, bound * width
      end
    end
    if acc == nil then acc = T().zeros({ n }, "int64") end
    if bad then acc = acc:masked_fill(bad, -1) end
    return acc, bad
  end

  -- group ids (0-based, in sorted key order; -1: a missing key) and their count.
  local function group_ids(cols, n)
    local acc, bad = combine(cols, n, "group")
    local ids, g = densify(acc)
    if bad and bad:sum() > 0 then
      ids = ids - 1
      g = g - 1
    end
    return ids, g
  end
  M._group_ids = group_ids

  -- ---------------------------------------------------------------- sort
  -- sort_values(by, [ascending = true | {per key}]) or sort_values(by, {ascending = ...}):
  -- stable, missing last (pandas' na_position = "last").
  function Frame:sort_values(by, ascending)
    by = check_names("sort_values", self, by)
    if type(ascending) == "table" and ascending.ascending ~= nil then ascending = ascending.ascending end
    if ascending == nil then ascending = true end
    local desc = {}
    for i = 1, #by do
      local a = ascending
      if type(ascending) == "table" then
        a = ascending[i]
        if a == nil then raise(format("sort_values: ascending has %d values for %d keys", #ascending, #by)) end
      end
      if type(a) ~= "boolean" then raise("sort_values: ascending must be a boolean or a list of booleans") end
      desc[i] = not a
    end
    local cols = {}
    for i, nm in ipairs(by) do cols[i] = self._cols[nm] end
    local key = combine(cols, self._n, "sort", desc)
    if self._n == 0 then return self end
    local order = key:argsort(1, { stable = true }) - 1
    return self:take0(order)
  end
  Frame.sort = Frame.sort_values

  -- ---------------------------------------------------------------- group by
  local GroupBy = {}
  GroupBy.__index = GroupBy

  -- group_by(keys) -> a GroupBy; groups are in sorted key order, rows with a missing key are
  -- left out (pandas' dropna = true).
  function Frame:group_by(keys)
    keys = check_names("group_by", self, keys)
    if #keys == 0 then raise("group_by: expected at least one key") end
    local cols = {}
    for i, nm in ipairs(keys) do cols[i] = self._cols[nm] end
    local ids, g = group_ids(cols, self._n)
    return setmetatable({ frame = self, keys = keys, ids = ids, ngroups = g }, GroupBy)
  end
  Frame.groupby = Frame.group_by

  -- First row (0-based) of every group.
  function GroupBy:first_rows()
    if not self._first then
      self._first = group_agg(T().arange(self.frame._n, "float64"), nil, self.ids, self.ngroups, "first"):to("int64")
    end
    return self._first
  end

  local function nan_rows(r)
    local nan = r:isnan()
    return r:masked_fill(nan, -1):to("int64"), nan
  end

  local NUMERIC_OPS = { sum = true, mean = true, std = true, var = true, median = true }

  -- One aggregated column: c [n] by ids -> [g].
  local function agg_column(c, ids, g, op, name)
    local t = T()
    local n = c.n
    if colmod.AGG[op] == nil then
      raise(format("agg: unknown aggregate '%s' for column '%s' (use sum, mean, count, min, max, std, var, median, first, last, nunique, size)", tostring(op), c.name))
    end
    if op == "size" then
      local r = group_agg(t.zeros({ n }, "float64"), nil, ids, g, "size")
      return colmod.make(name, "int64", g, { data = r:to("int64") })
    end
    if op == "count" or op == "nunique" then
      local r = group_agg(c:codes():to("float64"), c.missing, ids, g, op)
      return colmod.make(name, "int64", g, { data = r:to("int64") })
    end
    if NUMERIC_OPS[op] then
      if not colmod.is_numeric(c.type) then
        raise(format("agg: cannot take the %s of %s column '%s'", op, c.type, c.name))
      end
      local r = group_agg(colmod.float_data(c, "agg"), c.missing, ids, g, op)
      if op == "sum" and c.type ~= "float64" then return colmod.make(name, "int64", g, { data = r:to("int64") }) end
      return colmod.make(name, "float64", g, { data = r, missing = r:isnan() })
    end
    -- min, max, first, last
    if c.type == "float64" then
      local r = group_agg(c.data, c.missing, ids, g, op)
      return colmod.make(name, "float64", g, { data = r, missing = r:isnan() })
    end
    local rows
    if op == "first" or op == "last" then
      rows = nan_rows(group_agg(t.arange(n, "float64"), c.missing, ids, g, op))
    else
      local code, nan = nan_rows(group_agg(c:codes():to("float64"), c.missing, ids, g, op))
      local cr = c:code_rows()
      if cr:numel() == 0 then
        rows = code
      else
        rows = cr:index_select(1, code:masked_fill(nan, 0) + 1):masked_fill(nan, -1)
      end
    end
    return c:take0(rows):renamed(name)
  end

  -- agg{ Age = "mean", Fare = {"sum", "max"} } (columns in name order; several aggregates name
  -- their columns "Fare_sum", ...) or agg{ {"Age", "mean"}, {"Fare", "sum", "total_fare"} }
  -- (order kept, optional output name). -> a frame: the key columns, then the aggregates.
  function GroupBy:agg(spec)
    if type(spec) ~= "table" then raise("agg: expected a table column -> aggregate") end
    local f = self.frame
    local items = {}
    if #spec > 0 then
      for i, it in ipairs(spec) do
        if type(it) ~= "table" or type(it[1]) ~= "string" or type(it[2]) ~= "string" then
          raise(format("agg: item %d must be { column, aggregate [, name] }", i))
        end
        items[#items + 1] = { it[1], it[2], it[3] or it[1] }
      end
    else
      local cols = {}
      for k in pairs(spec) do cols[#cols + 1] = k end
      table.sort(cols)
      for _, k in ipairs(cols) do
        local v = spec[k]
        if type(v) == "string" then
          items[#items + 1] = { k, v, k }
        elseif type(v) == "table" then
          for _, op in ipairs(v) do items[#items + 1] = { k, op, #v > 1 and (k .. "_" .. op) or k } end
        else
          raise(format("agg: the aggregate for '%s' must be a name or a list of names", k))
        end
      end
    end
    local names, cs = {}, {}
    local first = self:first_rows()
    for i, k in ipairs(self.keys) do
      names[i] = k
      cs[i] = f._cols[k]:take0(first)
    end
    for _, it in ipairs(items) do
      local c = f._cols[it[1]]
      if c == nil then
        check_names("agg", f, { it[1] })
      end
      names[#names + 1] = it[3]
      cs[#cs + 1] = agg_column(c, self.ids, self.ngroups, it[2], it[3])
    end
    return M.new((function()
      local pairs_ = {}
      for i, nm in ipairs(names) do pairs_[i] = { nm, cs[i] } end
      return pairs_
    end)())
  end

  -- size() -> frame of the keys and "size" (rows per group).
  function GroupBy:size()
    local f = self.frame
    local names, cs = {}, {}
    for i, k in ipairs(self.keys) do
      names[i] = k
      cs[i] = { k, f._cols[k]:take0(self:first_rows()) }
    end
    cs[#cs + 1] = { "size", agg_column(f._cols[self.keys[1]], self.ids, self.ngroups, "size", "size") }
    return M.new(cs)
  end

  -- Shorthands: gb:mean("Age") == gb:agg{ Age = "mean" }; with no column, every non-key
  -- column the aggregate applies to.
  for op in pairs(colmod.AGG) do
    if op ~= "size" then
      GroupBy[op] = function(self, cols)
        if cols == nil then
          cols = {}
          local keyset = {}
          for _, k in ipairs(self.keys) do keyset[k] = true end
          for _, nm in ipairs(self.frame.names) do
            local c = self.frame._cols[nm]
            if not keyset[nm] and (not NUMERIC_OPS[op] or colmod.is_numeric(c.type)) then cols[#cols + 1] = nm end
          end
        elseif type(cols) == "string" then
          cols = { cols }
        end
        local spec = {}
        for i, nm in ipairs(cols) do spec[i] = { nm, op } end
        if #spec == 0 then return self:size():drop("size") end
        return self:agg(spec)
      end
    end
  end

  M.GroupBy = GroupBy

  -- ---------------------------------------------------------------- join
  -- join(right, { on = "key" | {keys}, how = "inner" | "left" | "right" | "outer", suffixes =
  -- {"_x", "_y"} }): rows of self in order, each with every matching right row in right order
  -- (an unmatched left row keeps missing right cells when how = "left"); "right" the same
  -- from the right frame's side (right rows in order); "outer": the left join's rows, then the
  -- right rows nothing matched, in right order. Missing keys match each other, as in
  -- pandas.merge. Columns: self's, then right's non-key columns (clashing names get suffixes).
  function Frame:join(right, opts)
    if getmetatable(right) ~= Frame then raise("join: the right side must be a frame") end
    if type(opts) == "string" or (type(opts) == "table" and opts[1] ~= nil) then opts = { on = opts } end
    opts = opts or {}
    local how = opts.how or "inner"
    if how ~= "inner" and how ~= "left" and how ~= "right" and how ~= "outer" then
      raise(format("join: how must be \"inner\", \"left\", \"right\" or \"outer\", got %s", tostring(how)))
    end
    local on = opts.on
    if on == nil then
      on = {}
      for _, nm in ipairs(self.names) do if right._cols[nm] then on[#on + 1] = nm end end
      if #on == 0 then raise("join: the frames share no column; give on = {...}") end
    end
    on = check_names("join (left frame)", self, on)
    check_names("join (right frame)", right, on)
    local suffixes = opts.suffixes or { "_x", "_y" }
    local nl, nr = self._n, right._n
    local lk, rk = {}, {}
    for i, k in ipairs(on) do
      local a, b = self._cols[k], right._cols[k]
      local ta, tb = a.type, b.type
      local sa, sb = ta == "string" or ta == "categorical", tb == "string" or tb == "categorical"
      if sa ~= sb or (ta == "datetime") ~= (tb == "datetime") then
        raise(format("join: key '%s' is %s on the left and %s on the right", k, ta, tb))
      end
      if sa then
        if ta == "categorical" then a = a:astype("string") end
        if tb == "categorical" then b = b:astype("string") end
      elseif ta ~= tb then
        a, b = a:astype("float64"), b:astype("float64")
      end
      local both = colmod.concat({ a, b })
      lk[i] = both
    end
    local key = combine(lk, nl + nr, "join")
    local lkey = key:narrow(1, 1, nl):contiguous()
    local rkey = key:narrow(1, nl + 1, nr):contiguous()
    local ffi, C = core.ffi, core.C
    local function pairs_of(a, b, left)
      local pa, pb = ffi.new("tide_tensor*[1]"), ffi.new("tide_tensor*[1]")
      if C.tide_frame_join(a._c, b._c, left and 1 or 0, pa, pb) ~= 0 then core.raise_c() end
      return core.wrap(pa[0]), core.wrap(pb[0])
    end
    local lidx, ridx
    if how == "right" then
      ridx, lidx = pairs_of(rkey, lkey, true)
    else
      lidx, ridx = pairs_of(lkey, rkey, how ~= "inner")
    end
    if how == "outer" then
      -- the left join's rows, then the right rows no left row matched, in right order
      local r2, l2 = pairs_of(rkey, lkey, true)
      local lone = l2:lt(0)
      if lone:sum() > 0 then
        local extra = r2:masked_select(lone)
        lidx = T().cat({ lidx, T().full({ extra:numel() }, -1, "int64") })
        ridx = T().cat({ ridx, extra })
      end
    end
    -- key cells from whichever side has the row (right / outer joins)
    local coalesced = {}
    if how == "right" or how == "outer" then
      local pick = T().where(lidx:ge(0), lidx, ridx + nl)
      for i, k in ipairs(on) do coalesced[k] = lk[i]:take0(pick) end
    end
    local keyset = {}
    for _, k in ipairs(on) do keyset[k] = true end
    local lnames, rnames = {}, {}
    for _, nm in ipairs(self.names) do lnames[nm] = true end
    for _, nm in ipairs(right.names) do if not keyset[nm] then rnames[nm] = true end end
    local out = {}
    for _, nm in ipairs(self.names) do
      local c = coalesced[nm] or self._cols[nm]:take0(lidx)
      local outname = (rnames[nm] and not keyset[nm]) and (nm .. suffixes[1]) or nm
      out[#out + 1] = { outname, c }
    end
    for _, nm in ipairs(right.names) do
      if not keyset[nm] then
        local c = right._cols[nm]:take0(ridx)
        out[#out + 1] = { lnames[nm] and (nm .. suffixes[2]) or nm, c }
      end
    end
    return M.new(out)
  end
  Frame.merge = Frame.join

  -- ---------------------------------------------------------------- value_counts / unique
  -- value_counts([cols]) -> frame of the distinct (non-missing) key rows and "count", most
  -- frequent first, ties in order of first appearance.
  function Frame:value_counts(cols)
    cols = cols and check_names("value_counts", self, cols) or self.names
    local gb = self:group_by(cols)
    local sz = gb:size()
    if sz:nrows() == 0 then return sz:rename({ size = "count" }) end
    local first = gb:first_rows()
    local by_first = first:argsort(1, { stable = true })
    local counts = sz._cols.size.data:index_select(1, by_first)
    local order = counts:argsort(1, { descending = true, stable = true })
    return sz:take0(by_first:index_select(1, order) - 1):rename({ size = "count" })
  end

  function Column:value_counts()
    local f = M.new({ { self.name, self } })
    return f:value_counts()
  end

  -- unique() -> Lua array of the distinct values in order of first appearance (NA included
  -- when a cell is missing), as pandas' Series.unique.
  function Column:unique()
    local rows = self:code_rows()
    if self.missing then
      local firstmiss = self.missing:to("int64"):argmax()
      rows = T().cat({ rows, T().tensor({ (type(firstmiss) == "number" and firstmiss or firstmiss:item()) - 1 }, "int64") })
    end
    rows = rows:sort()
    local out = {}
    for i = 1, rows:numel() do
      local v = self:get(rows[i] + 1)
      if v == nil then v = M.NA end
      out[i] = v
    end
    return out
  end

  function Column:nunique_values() return select(2, self:codes()) end

  -- ---------------------------------------------------------------- describe
  local NUM_STATS = { "count", "mean", "std", "min", "25%", "50%", "75%", "max" }
  local OBJ_STATS = { "count", "unique", "top", "freq" }

  local function num_stats(c)
    local q = c:quantile({ 0.25, 0.5, 0.75 })
    return { count = c:count(), mean = c:mean(), std = c:std(), min = c:min(), max = c:max(),
      ["25%"] = q[1], ["50%"] = q[2], ["75%"] = q[3] }
  end

  local function obj_stats(c)
    local vc = c:value_counts()
    local top, freq = M.NA, M.NA
    if vc:nrows() > 0 then
      top = vc._cols[c.name]:get(1)
      if type(top) == "boolean" then top = top and "True" or "False"
      elseif type(top) ~= "string" then top = tostring(top) end
      freq = vc._cols.count:get(1)
    end
    return { count = c:count(), unique = select(2, c:codes()), top = top, freq = freq }
  end

  -- describe([{include = "all"}]): numeric columns (float64, int64) get count, mean, std, min,
  -- 25%, 50%, 75%, max; string / categorical / bool columns count, unique, top, freq. By default
  -- only numeric columns (others when there is none). -> frame with a "stat" column first.
  function Frame:describe(opts)
    opts = opts or {}
    local num, obj = {}, {}
    for _, nm in ipairs(self.names) do
      local c = self._cols[nm]
      if c.type == "float64" or c.type == "int64" then num[#num + 1] = nm
      elseif c.type ~= "datetime" then obj[#obj + 1] = nm end
    end
    local use_num, use_obj = #num > 0, #num == 0
    if opts.include == "all" then use_num, use_obj = true, true end
    if not use_num then num = {} end
    if not use_obj then obj = {} end
    if #num == 0 and #obj == 0 then raise("describe: the frame has no column to describe") end
    local stats = {}
    if #obj > 0 then for _, s in ipairs(OBJ_STATS) do stats[#stats + 1] = s end end
    if #num > 0 then
      for _, s in ipairs(NUM_STATS) do
        if not (#obj > 0 and s == "count") then stats[#stats + 1] = s end
      end
    end
    local out = { { "stat", stats } }
    local described = {}
    for _, nm in ipairs(num) do described[nm] = num_stats(self._cols[nm]) end
    for _, nm in ipairs(obj) do described[nm] = obj_stats(self._cols[nm]) end
    for _, nm in ipairs(self.names) do
      local st = described[nm]
      if st then
        local vals = {}
        local is_obj = self._cols[nm].type ~= "float64" and self._cols[nm].type ~= "int64"
        for i, s in ipairs(stats) do
          local v = st[s]
          if v == nil then v = M.NA end
          if is_obj and #num > 0 and v ~= M.NA then v = tostring(v) end
          vals[i] = v
        end
        local typ = (is_obj and #num > 0) and "string" or nil
        if is_obj and #num == 0 then
          for i, v in ipairs(vals) do if v ~= M.NA then vals[i] = tostring(v) end end
          typ = "string"
        end
        out[#out + 1] = { nm, colmod.from_lua(nm, vals, #stats, typ or "float64") }
      end
    end
    return M.new(out)
  end
end
