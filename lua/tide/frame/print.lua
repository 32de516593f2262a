-- tide.frame printing: tostring(frame) / frame:print() as an aligned table, pandas-like: every
-- column right-aligned, floats of a column with a common number of decimals, missing cells NA,
-- long frames shown as their first and last rows with "..." between.
local format = string.format

return function(M, Frame, colmod)
  -- Decimals needed to show v with 6 significant digits at most (pandas' display precision).
  local function decimals(v)
    if v ~= v or v == math.huge or v == -math.huge then return 0 end
    for d = 1, 6 do
      local s = format("%." .. d .. "f", v)
      if math.abs(tonumber(s) - v) <= 1e-9 * math.max(1, math.abs(v)) then return d end
    end
    return 6
  end

  local datetime_text = colmod.datetime_text

  -- Text of rows (Lua array of 1-based row numbers) of column c.
  local function cell_texts(c, rows)
    local out = {}
    local vals = {}
    for i, r in ipairs(rows) do vals[i] = c:get(r) end
    if c.type == "float64" then
      local d, big = 1, false
      for i = 1, #rows do
        local v = vals[i]
        if v ~= nil then
          d = math.max(d, decimals(v))
          if math.abs(v) >= 1e16 or (v ~= 0 and math.abs(v) < 1e-6) then big = true end
        end
      end
      for i = 1, #rows do
        local v = vals[i]
        if v == nil then out[i] = "NA"
        elseif v ~= v then out[i] = "NaN"
        elseif big then out[i] = format("%.6g", v)
        else out[i] = format("%." .. d .. "f", v) end
      end
    elseif c.type == "datetime" then
      local date_only = true
      for i = 1, #rows do
        if vals[i] ~= nil and vals[i] % 86400e9 ~= 0 then date_only = false end
      end
      for i = 1, #rows do out[i] = vals[i] == nil and "NA" or datetime_text(vals[i], date_only) end
    else
      for i = 1, #rows do
        local v = vals[i]
        if v == nil then out[i] = "NA"
        elseif c.type == "bool" then out[i] = v and "True" or "False"
        elseif c.type == "int64" then out[i] = format("%d", v)
        else
          v = v:gsub("[\r\n\t]", " ")
          if #v > 40 then v = v:sub(1, 37) .. "..." end
          out[i] = v
        end
      end
    end
    return out
  end

  -- format(opts): max_rows = 60 (longer frames: the first and last 5 rows).
  function Frame:format(opts)
    opts = opts or {}
    local n = self._n
    local max_rows = opts.max_rows or 60
    local rows, cut = {}, nil
    if n <= max_rows then
      for i = 1, n do rows[i] = i end
    else
      local k = opts.min_rows or 5
      for i = 1, k do rows[#rows + 1] = i end
      cut = #rows
      for i = n - k + 1, n do rows[#rows + 1] = i end
    end
    local cols = { {} }
    local idx = cols[1]
    idx[1] = ""
    for i, r in ipairs(rows) do idx[i + 1] = tostring(r) end
    for _, nm in ipairs(self.names) do
      local t = cell_texts(self._cols[nm], rows)
      local col = { nm }
      for i = 1, #t do col[i + 1] = t[i] end
      cols[#cols + 1] = col
    end
    local widths = {}
    for j, col in ipairs(cols) do
      local w = 0
      for _, s in ipairs(col) do w = math.max(w, #s) end
      if cut then w = math.max(w, 3) end
      widths[j] = w
    end
    local lines = {}
    for i = 1, #rows + 1 do
      local parts = {}
      for j, col in ipairs(cols) do
        local s = col[i]
        parts[j] = j == 1 and (s .. string.rep(" ", widths[j] - #s)) or (string.rep(" ", widths[j] - #s) .. s)
      end
      lines[#lines + 1] = table.concat(parts, "  ")
      if cut and i - 1 == cut then
        local dots = {}
        for j = 1, #cols do
          dots[j] = j == 1 and ("..." .. string.rep(" ", widths[j] - 3)) or (string.rep(" ", widths[j] - 3) .. "...")
        end
        lines[#lines + 1] = table.concat(dots, "  ")
      end
    end
    if cut or #self.names == 0 then lines[#lines + 1] = format("\n[%d rows x %d columns]", n, #self.names) end
    return table.concat(lines, "\n")
  end

  Frame.__tostring = function(self) return self:format() end

  function Frame:print(opts) print(self:format(opts)) end

  colmod.Column.__tostring = function(self)
    local f = M.new({ { self.name, self } })
    return f:format() .. format("\nName: %s, type: %s, length: %d", self.name, self.type, self.n)
  end
end
