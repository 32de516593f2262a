-- tide.eda: exploratory data analysis of a tide.frame.
--   report(frame, {target =, out =, plots = true, top = 5, max_categories = 50, max_classes = 20,
--                  title =, quiet = true}) -> result
-- result: { nrows, ncols, columns = {per-column statistics}, by_name = {name -> statistics},
--   numeric = {names}, categorical = {names}, pearson, spearman ([d, d] float64 or nil),
--   cramers_names, cramers_v ([k, k] or nil), target = {target, kind, rows = {{column, measure,
--   value}}} or nil, plots = {{path, caption, kind, column}}, html = path or nil, summary = text }
-- With `out`, the folder gets one PNG per plot and report.html (images embedded as base64 data
-- URIs); every file is written atomically. summary is the aligned terminal table (printed too
-- with print = true).
local core = require("tide._core")
local summary = require("tide.eda.summary")
local html = require("tide.eda.html")
local raise = core.raise
local format = string.format

local M = {}
M.escape, M.base64, M.base64_decode = html.escape, html.base64, html.base64_decode

local tide
local function T()
  if not tide then tide = require("tide") end
  return tide
end

local function mkdir_p(path)
  if not require("tide.io.files").mkdir_p(path) then raise(format("eda.report: cannot create the folder %s", path)) end
end

-- A file-name-safe form of a column name (the index keeps names that differ only in symbols apart).
local function safe(i, name)
  local s = tostring(name):gsub("[^%w_%-]", "_"):sub(1, 40)
  return format("%02d_%s", i, s)
end

-- ---------------------------------------------------------------- terminal summary
local function aligned(header, rows, left)
  local w = {}
  for j, h in ipairs(header) do w[j] = #h end
  for _, r in ipairs(rows) do
    for j, v in ipairs(r) do w[j] = math.max(w[j], #v) end
  end
  local lines = {}
  local function line(r)
    local cells = {}
    for j, v in ipairs(r) do
      local pad = string.rep(" ", w[j] - #v)
      cells[j] = left[j] and (v .. pad) or (pad .. v)
    end
    lines[#lines + 1] = (table.concat(cells, "  "):gsub("%s+$", ""))
  end
  line(header)
  for _, r in ipairs(rows) do line(r) end
  return table.concat(lines, "\n")
end

local function clip(s, n)
  s = tostring(s):gsub("[\r\n\t]", " ")
  if #s > n then return s:sub(1, n - 3) .. "..." end
  return s
end

function M.format_summary(r)
  local fmt = html.fmt
  local out = { format("%d rows x %d columns%s", r.nrows, r.ncols,
    r.target and format(", target %s (%s)", r.target.target, r.target.kind) or "") }
  local rows = {}
  for _, s in ipairs(r.columns) do
    local top = ""
    if s.top and s.top[1] then top = format("%s (%d)", clip(s.top[1].value, 16), s.top[1].count) end
    rows[#rows + 1] = { clip(s.name, 24), s.type, fmt(s.count), fmt(s.missing), fmt(s.unique), fmt(s.mean), fmt(s.std),
      fmt(s.min), fmt(s.median), fmt(s.max), fmt(s.skew), s.outliers and fmt(s.outliers.count) or "", top }
  end
  out[#out + 1] = aligned({ "column", "type", "count", "missing", "unique", "mean", "std", "min", "median", "max", "skew",
    "outliers", "top" }, rows, { true, true, [13] = true })
  if r.target then
    out[#out + 1] = format("\nassociation with %s:", r.target.target)
    local arows = {}
    for _, row in ipairs(r.target.rows) do
      arows[#arows + 1] = { clip(row.column, 24), row.measure, row.value and format("%.4f", row.value) or row.note or "" }
    end
    out[#out + 1] = aligned({ "column", "measure", "value" }, arows, { true, true })
  end
  return table.concat(out, "\n")
end

-- ---------------------------------------------------------------- plots
local function plots(frame, r, out, opts)
  local P = T().plot
  local files = {}
  local function save(fig, name, caption, kind, column)
    local path = out .. "/" .. name
    fig:save(path)
    files[#files + 1] = { path = path, caption = caption, kind = kind, column = column }
  end
  local target = r.target
  local groups, glabels
  if target and target.kind == "categorical" then
    local tcol = frame:col(target.target)
    local codes, k = tcol:codes()
    if k <= 10 then
      local rows = tcol:code_rows()
      groups, glabels = {}, {}
      for g = 1, k do
        groups[g] = codes:eq(g - 1)
        local v = tcol:get(rows[g] + 1)
        if type(v) == "boolean" then v = v and "True" or "False" end
        glabels[g] = format("%s = %s", target.target, tostring(v))
      end
    end
  end
  for i, s in ipairs(r.columns) do
    local col = frame.columns[i]
    if s.kind == "numeric" and s.count > 0 then
      local x = summary.float(col)
      local fig = P.figure({ width = 640, height = 420 })
      local ax = fig:axes({ title = "Histogram of " .. s.name, xlabel = s.name, ylabel = "count" })
      local present = x:masked_select(x:eq(x))
      ax:hist(present, { bins = math.max(1, math.min(30, s.unique)) })
      save(fig, "hist_" .. safe(i, s.name) .. ".png", "Histogram of " .. s.name, "hist", s.name)

      fig = P.figure({ width = 640, height = 420 })
      if target and target.kind == "categorical" and s.name == target.target then
        fig = nil -- a box plot of the class labels says nothing
      elseif groups then
        local gs = {}
        for g = 1, #groups do gs[g] = x:masked_select(groups[g]) end
        fig:axes({ title = s.name .. " by " .. target.target, ylabel = s.name }):box(gs, { labels = glabels })
      else
        fig:axes({ title = "Box plot of " .. s.name, ylabel = s.name }):box({ present }, { labels = { s.name } })
      end
      if fig then save(fig, "box_" .. safe(i, s.name) .. ".png", "Box plot of " .. s.name, "box", s.name) end
    elseif s.kind == "categorical" and s.top and #s.top > 0 then
      local names, counts = {}, {}
      for j, t in ipairs(s.top) do
        names[j], counts[j] = clip(t.value, 18), t.count
      end
      local fig = P.figure({ width = 640, height = 420 })
      fig:axes({ title = format("Most frequent values of %s", s.name), ylabel = "count" }):bar(names, counts)
      save(fig, "bar_" .. safe(i, s.name) .. ".png", "Most frequent values of " .. s.name, "bar", s.name)
    end
  end
  local function nonan(m) return m:masked_fill(m:eq(m):logical_not(), 0) end
  local function heat(m, names, title, file, vmin)
    local k = #names
    local size = math.max(420, math.min(1000, 120 + 60 * k))
    local fig = P.figure({ width = size + 120, height = size })
    fig:axes({ title = title }):heatmap(m, { cmap = vmin < 0 and "rdbu" or "viridis", vmin = vmin, vmax = 1,
      annotate = k <= 15, fmt = "%.2f", xlabels = names, ylabels = names, xrotation = 45 })
    save(fig, file, title, "heatmap")
  end
  if r.pearson then
    heat(nonan(r.pearson), r.numeric, "Pearson correlation", "corr_pearson.png", -1)
    heat(nonan(r.spearman), r.numeric, "Spearman correlation", "corr_spearman.png", -1)
  end
  if r.cramers_v then heat(nonan(r.cramers_v), r.cramers_names, "Cramér's V", "cramers_v.png", 0) end
  return files
end

-- ---------------------------------------------------------------- the report
function M.report(frame, opts)
  opts = opts or {}
  if type(frame) ~= "table" or type(frame.names) ~= "table" or type(frame.columns) ~= "table" or not frame.col then
    raise("eda.report: expected a tide.frame (use tide.frame.new / tide.frame.read_csv)")
  end
  if #frame.names == 0 then raise("eda.report: the frame has no columns") end
  if frame:nrows() == 0 then raise("eda.report: the frame has no rows") end
  local target = opts.target
  if target ~= nil then
    local found = false
    for _, n in ipairs(frame.names) do found = found or n == target end
    if not found then
      raise(format("eda.report: no target column '%s' (columns: %s)", tostring(target), table.concat(frame.names, ", ")))
    end
  end

  local r = { nrows = frame:nrows(), ncols = #frame.names, title = opts.title or "Exploratory data analysis",
    plots = {} }
  r.columns = summary.columns(frame, opts)
  r.by_name, r.numeric, r.categorical = {}, {}, {}
  local maxcat = opts.max_categories or 50
  r.cramers_names = {}
  for _, s in ipairs(r.columns) do
    r.by_name[s.name] = s
    if s.kind == "numeric" and s.count > 0 then r.numeric[#r.numeric + 1] = s.name end
    if s.kind == "categorical" then
      r.categorical[#r.categorical + 1] = s.name
      if s.unique >= 2 and s.unique <= maxcat then r.cramers_names[#r.cramers_names + 1] = s.name end
    end
  end
  r.pearson, r.spearman = summary.correlations(frame, r.numeric)
  r.cramers_v = summary.cramers(frame, r.cramers_names)
  if target ~= nil then r.target = summary.target_association(frame, target, r.columns, opts) end

  if opts.out then
    mkdir_p(opts.out)
    if opts.plots ~= false then r.plots = plots(frame, r, opts.out, opts) end
    r.html = html.write_atomic(opts.out .. "/report.html", html.page(r))
  end
  r.summary = M.format_summary(r)
  if opts.print then print(r.summary) end
  return r
end

return M
