-- tide.plot.axes: one plot area of a figure. It collects series (line, scatter, bar, hist,
-- heatmap, image, reference lines, text) as float64 tensors; tide.plot.axes_draw renders them
-- when the figure is drawn.
local core = require("tide._core")
local tide = require("tide")
local colors = require("tide.plot.colors")
local util = require("tide.plot.util")
local canvas_mod = require("tide.plot.canvas")

local raise = core.raise
local format, floor = string.format, math.floor

local M = {}
local Axes = {}
Axes.__index = Axes
M.Axes = Axes

local FONT_ANNOTATE, TEXT_COLOR = 12, "#222222"

local AXES_OPTIONS = util.set({ "title", "xlabel", "ylabel", "xlim", "ylim", "xscale", "yscale", "xlog", "ylog",
  "grid", "legend", "xticks", "yticks", "xticklabels", "yticklabels", "xrotation", "yinvert", "aspect", "axis",
  "row", "col", "background", "font" })

function M.new(fig, opts)
  local self = setmetatable({ fig = fig, series = {}, ncolor = 0 }, Axes)
  self.o = { grid = true, legend = "best", xscale = "linear", yscale = "linear", aspect = "auto", axis = true }
  self:set(opts)
  return self
end

local function check_limits(op, name, v)
  if v == nil then return nil end
  if type(v) ~= "table" or (v[1] ~= nil and type(v[1]) ~= "number") or (v[2] ~= nil and type(v[2]) ~= "number") then
    raise(format("%s: %s must be {lo, hi} (either may be nil), got %s", op, name, tostring(v)))
  end
  if v[1] and v[2] and not (v[2] > v[1]) then
    raise(format("%s: %s must have lo < hi, got {%g, %g}", op, name, v[1], v[2]))
  end
  return { v[1], v[2] }
end

-- set{title =, xlabel =, ylabel =, xlim = {lo, hi}, ylim =, xscale = "linear" | "log", yscale =,
-- xlog = bool, ylog = bool, grid = true, legend = "best" | "upper right" | ... | false,
-- xticks = {...}, xticklabels = {...}, yticks =, yticklabels =, xrotation = degrees,
-- yinvert = bool, aspect = "auto" | "equal", axis = true (false hides frame, ticks and grid)}
function Axes:set(opts)
  opts = util.options("axes", opts, AXES_OPTIONS)
  local o = self.o
  for k, v in pairs(opts) do
    if k == "xlim" or k == "ylim" then
      o[k] = check_limits("axes", k, v)
    elseif k == "xlog" or k == "ylog" then
      o[k:sub(1, 1) .. "scale"] = v and "log" or "linear"
    elseif k == "xscale" or k == "yscale" then
      if v ~= "linear" and v ~= "log" then raise(format("axes: %s must be 'linear' or 'log', got %s", k, tostring(v))) end
      o[k] = v
    elseif k == "legend" then
      local ok = v == false or v == "best" or v == "upper right" or v == "upper left" or v == "lower left"
        or v == "lower right"
      if not ok then
        raise("axes: legend must be false, 'best', 'upper right', 'upper left', 'lower left' or 'lower right', got "
          .. tostring(v))
      end
      o.legend = v
    elseif k == "aspect" then
      if v ~= "auto" and v ~= "equal" then raise("axes: aspect must be 'auto' or 'equal', got " .. tostring(v)) end
      o.aspect = v
    elseif k == "xticks" or k == "yticks" then
      o[k] = util.series("axes", k, v):totable()
    elseif k == "xticklabels" or k == "yticklabels" then
      o[k] = util.strings("axes", k, v)
    elseif k == "title" or k == "xlabel" or k == "ylabel" then
      o[k] = v ~= nil and tostring(v) or nil
    elseif k == "xrotation" then
      if type(v) ~= "number" then raise("axes: xrotation must be a number of degrees") end
      o[k] = v
    elseif k ~= "row" and k ~= "col" then
      o[k] = v
    end
  end
  return self
end

-- ---------------------------------------------------------------- adding series

local function next_color(self, c, alpha)
  if c == nil then
    self.ncolor = self.ncolor + 1
    c = colors.nth(self.ncolor)
  end
  return colors.parse(c, alpha)
end

local function check_marker(op, m)
  if m == nil or m == false or m == "none" or m == "" then return nil end
  if canvas_mod.MARKERS[m] == nil then
    raise(format("%s: unknown marker '%s' (use o, s, ^, D, + or x)", op, tostring(m)))
  end
  return m
end

local function check_style(op, s)
  if s == nil then return "-" end
  if canvas_mod.STYLES[s] == nil then raise(format("%s: unknown line style '%s' (use '-', '--', ':' or '-.')", op, s)) end
  return s
end

local function positive(op, name, v, default)
  if v == nil then return default end
  if type(v) ~= "number" or not (v > 0) or v == math.huge then
    raise(format("%s: %s must be a positive number, got %s", op, name, tostring(v)))
  end
  return v
end

-- (xs, ys, opts) or (ys, opts): x defaults to 1..n
local function xy_args(op, a, b, c)
  if b == nil or (type(b) == "table" and not tide.is_tensor(b) and b[1] == nil) then
    local y = util.series(op, "y", a)
    return tide.arange(1, y:numel() + 1, 1, "float64"), y, b
  end
  local x, y = util.series(op, "x", a), util.series(op, "y", b)
  if x:numel() ~= y:numel() then raise(format("%s: x has %d values and y %d", op, x:numel(), y:numel())) end
  return x, y, c
end

local LINE_OPTS = util.set({ "label", "color", "width", "style", "dash", "marker", "marker_size", "alpha" })

-- line(xs, ys, {label =, color =, width = 2, style = "-" | "--" | ":" | "-.", marker = nil | "o" |
-- "s" | "^" | "D" | "+" | "x", marker_size = 6, alpha = 1}) or line(ys, opts) with xs = 1..n
function Axes:line(a, b, c)
  local x, y, opts = xy_args("line", a, b, c)
  opts = util.options("line", opts, LINE_OPTS)
  self.series[#self.series + 1] = {
    kind = "line", x = x, y = y, label = opts.label and tostring(opts.label),
    color = next_color(self, opts.color, opts.alpha), width = positive("line", "width", opts.width, 2),
    style = check_style("line", opts.style), dash = opts.dash, marker = check_marker("line", opts.marker),
    marker_size = positive("line", "marker_size", opts.marker_size, 6),
  }
  return self
end
Axes.plot = Axes.line

local SCATTER_OPTS = util.set({ "label", "color", "size", "marker", "alpha", "c", "cmap", "vmin", "vmax", "colorbar" })

-- scatter(xs, ys, {label =, color =, size = 6, marker = "o", alpha = 1, c = values (coloured by
-- cmap, "viridis"), vmin =, vmax =, colorbar = false})
function Axes:scatter(a, b, c)
  local x, y, opts = xy_args("scatter", a, b, c)
  opts = util.options("scatter", opts, SCATTER_OPTS)
  local s = {
    kind = "scatter", x = x, y = y, label = opts.label and tostring(opts.label),
    size = positive("scatter", "size", opts.size, 6), marker = check_marker("scatter", opts.marker or "o"),
  }
  if opts.c ~= nil then
    local v = util.series("scatter", "c", opts.c)
    if v:numel() ~= x:numel() then raise(format("scatter: c has %d values for %d points", v:numel(), x:numel())) end
    local lo, hi = util.finite_range(v)
    lo, hi = opts.vmin or lo or 0, opts.vmax or hi or 1
    local cmap = opts.cmap or "viridis"
    local rgb = colors.apply(cmap, v, lo, hi)
    if opts.alpha ~= nil and opts.alpha < 1 then
      rgb = tide.cat({ rgb, tide.full({ x:numel(), 1 }, floor(opts.alpha * 255 + 0.5), "uint8") }, 2)
    end
    s.colors = rgb
    s.color = colors.sample(cmap, 0.5)
    if opts.colorbar then self.colorbar = { cmap = cmap, vmin = lo, vmax = hi } end
  else
    s.color = next_color(self, opts.color, opts.alpha)
  end
  self.series[#self.series + 1] = s
  return self
end

local BAR_OPTS = util.set({ "label", "color", "width", "bottom", "alpha", "edgecolor", "offset" })

-- bar(xs | names, heights, {label =, color =, width = 0.8, bottom = 0, offset = 0, alpha =,
-- edgecolor =}): names (strings) put the bars at 1..n and label the x ticks with them
function Axes:bar(xs, heights, opts)
  opts = util.options("bar", opts, BAR_OPTS)
  local names
  if type(xs) == "table" and not tide.is_tensor(xs) and type(xs[1]) == "string" then
    names = util.strings("bar", "names", xs)
    xs = tide.arange(1, #names + 1, 1, "float64")
  end
  local x, h = util.series("bar", "x", xs), util.series("bar", "heights", heights)
  if x:numel() ~= h:numel() then raise(format("bar: %d positions and %d heights", x:numel(), h:numel())) end
  local width = positive("bar", "width", opts.width, 0.8)
  local bottom = opts.bottom or 0
  if type(bottom) ~= "number" then bottom = util.series("bar", "bottom", bottom) end
  if opts.offset ~= nil then x = x + opts.offset end
  self.series[#self.series + 1] = {
    kind = "bar", x = x, h = h, width = width, bottom = bottom, label = opts.label and tostring(opts.label),
    color = next_color(self, opts.color, opts.alpha), edge = opts.edgecolor and colors.parse(opts.edgecolor),
  }
  if names and not self.o.xticks then
    self.o.xticks = x:totable()
    self.o.xticklabels = names
  end
  return self
end

local HIST_OPTS = util.set({ "label", "color", "bins", "range", "density", "alpha", "edgecolor" })

-- hist(values, {bins = 10 | {edges...}, range = {lo, hi}, density = false, label =, color =,
-- alpha = 0.85, edgecolor = "white"}) -> counts (float64 [bins]), edges (float64 [bins + 1])
-- as numpy.histogram: bins are [e_i, e_i+1) except the last, which includes its right edge;
-- values outside the range and NaN are left out.
function Axes:hist(values, opts)
  opts = util.options("hist", opts, HIST_OPTS)
  local v = util.series("hist", "values", values)
  local counts, edges = M.histogram(v, opts.bins, opts.range, opts.density)
  local e = edges:totable()
  local n = #e - 1
  local centers, widths = {}, {}
  for i = 1, n do centers[i], widths[i] = (e[i] + e[i + 1]) / 2, e[i + 1] - e[i] end
  self.series[#self.series + 1] = {
    kind = "bar", x = tide.tensor(centers, "float64"), h = counts, width = tide.tensor(widths, "float64"),
    bottom = 0, label = opts.label and tostring(opts.label), color = next_color(self, opts.color, opts.alpha or 0.85),
    edge = colors.parse(opts.edgecolor or "white"),
  }
  return counts, edges
end

local BOX_OPTS = util.set({ "labels", "whis", "show_outliers", "horizontal", "color", "median_color", "width",
  "positions", "alpha", "marker", "marker_size" })

-- The five numbers of one box as matplotlib's boxplot: quartiles (numpy linear), whiskers at the
-- furthest values within whis * IQR of the box, outliers beyond the whiskers. v: finite values.
function M.box_stats(v, whis)
  local stats = require("tide.stats")
  local q = stats.quantile(v, { 0.25, 0.5, 0.75 })
  local q1, med, q3 = q[1], q[2], q[3]
  local iqr = q3 - q1
  local inside_lo = v:masked_select(v:ge(q1 - whis * iqr))
  local inside_hi = v:masked_select(v:le(q3 + whis * iqr))
  local wlo = inside_lo:numel() > 0 and math.min(inside_lo:amin(), q1) or q1
  local whi = inside_hi:numel() > 0 and math.max(inside_hi:amax(), q3) or q3
  local fliers = v:masked_select(tide.logical_or(v:lt(wlo), v:gt(whi)))
  return { q1 = q1, median = med, q3 = q3, whislo = wlo, whishi = whi, fliers = fliers, n = v:numel() }
end

-- box(groups, {labels =, whis = 1.5, show_outliers = true, horizontal = false, color = next colour
-- (box fill), median_color = "#222222", width = 0.5, positions = 1..n, alpha = 0.8, marker = "o",
-- marker_size = 5}) -> list of per-box statistics {q1, median, q3, whislo, whishi, fliers, n}.
-- groups: a list of 1-d tensors / Lua arrays, or one of them; NaN and infinities are skipped.
function Axes:box(groups, opts)
  opts = util.options("box", opts, BOX_OPTS)
  if tide.is_tensor(groups) or (type(groups) == "table" and type(groups[1]) == "number") then groups = { groups } end
  if type(groups) ~= "table" or #groups == 0 then raise("box: groups must be a non-empty list of 1-d tensors or arrays") end
  local n = #groups
  local whis = opts.whis or 1.5
  if type(whis) ~= "number" or not (whis >= 0) then raise("box: whis must be a number >= 0, got " .. tostring(whis)) end
  local labels = opts.labels and util.strings("box", "labels", opts.labels)
  if labels and #labels ~= n then raise(format("box: %d labels for %d groups", #labels, n)) end
  local pos = opts.positions and util.series("box", "positions", opts.positions):totable()
  if pos and #pos ~= n then raise(format("box: %d positions for %d groups", #pos, n)) end
  if not pos then
    pos = {}
    for i = 1, n do pos[i] = i end
  end
  local boxes = {}
  for i = 1, n do
    local v = util.series("box", format("groups[%d]", i), groups[i])
    v = v:masked_select(v:isfinite())
    if v:numel() == 0 then raise(format("box: group %d has no values (empty or all missing)", i)) end
    boxes[i] = M.box_stats(v, whis)
  end
  local horizontal = opts.horizontal and true or false
  self.series[#self.series + 1] = {
    kind = "box", boxes = boxes, pos = pos, horizontal = horizontal, width = positive("box", "width", opts.width, 0.5),
    color = next_color(self, opts.color, opts.alpha or 0.8),
    median_color = colors.parse(opts.median_color or "#222222"),
    show_outliers = opts.show_outliers ~= false, marker = check_marker("box", opts.marker or "o"),
    marker_size = positive("box", "marker_size", opts.marker_size, 5),
  }
  if labels then
    local axis = horizontal and "y" or "x"
    if not self.o[axis .. "ticks"] then
      self.o[axis .. "ticks"] = pos
      self.o[axis .. "ticklabels"] = labels
    end
  end
  return boxes
end

-- numpy.histogram: counts and edges of v (float64 1-d) over `bins` equal bins of range (default
-- the finite min..max) or over explicit increasing edges.
function M.histogram(v, bins, range, density)
  bins = bins or 10
  local edges
  local finite = v:masked_select(v:isfinite())
  if type(bins) == "number" then
    if bins < 1 or bins ~= floor(bins) then raise("hist: bins must be a positive integer or an array of edges") end
    local lo, hi
    if range ~= nil then
      if type(range) ~= "table" or type(range[1]) ~= "number" or type(range[2]) ~= "number" or not (range[2] > range[1]) then
        raise("hist: range must be {lo, hi} with lo < hi")
      end
      lo, hi = range[1], range[2]
    elseif finite:numel() > 0 then
      lo, hi = finite:amin(), finite:amax()
    else
      lo, hi = 0, 1
    end
    if hi <= lo then lo, hi = lo - 0.5, hi + 0.5 end
    edges = tide.linspace(lo, hi, bins + 1, "float64")
    -- equal bins: one kernel pass for the bin index, one for the counts
    local inside = tide.logical_and(finite:ge(lo), finite:le(hi))
    local x = finite:masked_select(inside)
    local idx = ((x - lo) * (bins / (hi - lo))):floor():clamp(0, bins - 1):to("int64") + 1
    local counts = tide.zeros(bins, "float64")
    if idx:numel() > 0 then counts:put_(idx, 1, true) end
    if density then
      local total = counts:sum()
      if total > 0 then counts = counts / (total * (hi - lo) / bins) end
    end
    return counts, edges
  end
  edges = util.series("hist", "bins", bins)
  local e = edges:totable()
  if #e < 2 then raise("hist: bin edges need at least 2 values") end
  for i = 2, #e do
    if not (e[i] > e[i - 1]) then raise("hist: bin edges must increase") end
  end
  local counts = {}
  for i = 1, #e - 1 do
    local upper = i == #e - 1 and finite:le(e[i + 1]) or finite:lt(e[i + 1])
    counts[i] = tide.logical_and(finite:ge(e[i]), upper):sum()
  end
  local c = tide.tensor(counts, "float64")
  if density then
    local total = c:sum()
    if total > 0 then
      local widths = edges:narrow(1, 2, #e - 1) - edges:narrow(1, 1, #e - 1)
      c = c / (widths * total)
    end
  end
  return c, edges
end

local HEATMAP_OPTS = util.set({ "cmap", "vmin", "vmax", "colorbar", "annotate", "fmt", "xlabels", "ylabels",
  "xrotation", "colorbar_label", "aspect", "text_size" })

-- heatmap(matrix [R, C], {cmap = "viridis", vmin =, vmax =, colorbar = true, annotate = false,
-- fmt = "%.2f" | function(v) -> string, xlabels = {...}, ylabels = {...}, xrotation = 45 when
-- labels are long, colorbar_label =, aspect = "equal", text_size =}): cell (i, j) is drawn at
-- x = j, y = i with row 1 at the top
local function positions(n)
  local p = {}
  for i = 1, n do p[i] = i end
  return p
end

function Axes:heatmap(m, opts)
  opts = util.options("heatmap", opts, HEATMAP_OPTS)
  local data = util.matrix("heatmap", "matrix", m)
  local r, c = data.shape[1], data.shape[2]
  local lo, hi = util.finite_range(data)
  lo, hi = opts.vmin or lo or 0, opts.vmax or hi or 1
  if type(lo) ~= "number" or type(hi) ~= "number" then raise("heatmap: vmin and vmax must be numbers") end
  local cmap = opts.cmap or "viridis"
  local rgb = colors.apply(cmap, data, lo, hi)
  local fmt = opts.fmt
  if fmt ~= nil and type(fmt) ~= "string" and type(fmt) ~= "function" then
    raise("heatmap: fmt must be a format string or a function")
  end
  local integral = data:eq(data:floor()):all() -- counts print as integers
  self.series[#self.series + 1] = {
    kind = "heatmap", data = data, rgb = rgb, rows = r, cols = c, annotate = opts.annotate, integral = integral,
    fmt = fmt, text_size = opts.text_size,
  }
  self.o.yinvert = true
  self.o.grid = false
  if opts.aspect ~= "auto" then self.o.aspect = "equal" end
  if opts.colorbar ~= false then self.colorbar = { cmap = cmap, vmin = lo, vmax = hi, label = opts.colorbar_label } end
  if c <= 30 and not self.o.xticks then self.o.xticks = positions(c) end
  if r <= 30 and not self.o.yticks then self.o.yticks = positions(r) end
  if opts.xlabels then
    local xl = util.strings("heatmap", "xlabels", opts.xlabels)
    if #xl ~= c then raise(format("heatmap: %d xlabels for %d columns", #xl, c)) end
    self.o.xticks, self.o.xticklabels = positions(c), xl
  end
  if opts.ylabels then
    local yl = util.strings("heatmap", "ylabels", opts.ylabels)
    if #yl ~= r then raise(format("heatmap: %d ylabels for %d rows", #yl, r)) end
    self.o.yticks, self.o.yticklabels = positions(r), yl
  end
  if opts.xrotation then self.o.xrotation = opts.xrotation end
  return self
end

local IMAGE_OPTS = util.set({ "normalize", "filter", "extent" })

-- image(img, {normalize = false, filter = "nearest" | "bilinear", extent = {x0, x1, y0, y1}}):
-- an image in data coordinates (pixel (i, j) centred at x = j, y = i, row 1 at the top)
function Axes:image(img, opts)
  opts = util.options("image", opts, IMAGE_OPTS)
  local u8 = util.image("image", img, opts.normalize)
  local h, w = u8.shape[1], u8.shape[2]
  local ext = opts.extent or { 0.5, w + 0.5, 0.5, h + 0.5 }
  self.series[#self.series + 1] = { kind = "image", img = u8, extent = ext, filter = opts.filter or "nearest" }
  self.o.yinvert = true
  self.o.grid = false
  self.o.aspect = "equal"
  return self
end

local REF_OPTS = util.set({ "label", "color", "width", "style", "alpha" })

-- hline(y, opts) / vline(x, opts): a reference line across the whole plot
local function ref_line(self, kind, coord, at, opts)
  opts = util.options(kind, opts, REF_OPTS)
  if type(at) ~= "number" then raise(kind .. ": " .. coord .. " must be a number") end
  self.series[#self.series + 1] = { kind = kind, at = at, label = opts.label and tostring(opts.label),
    color = colors.parse(opts.color or "#555555", opts.alpha), width = positive(kind, "width", opts.width, 1.5),
    style = check_style(kind, opts.style or "--") }
  return self
end

function Axes:hline(y, opts) return ref_line(self, "hline", "y", y, opts) end
function Axes:vline(x, opts) return ref_line(self, "vline", "x", x, opts) end

local TEXT_OPTS = util.set({ "color", "size", "bold", "halign", "valign", "angle" })

-- text(x, y, s, {color =, size = 12, bold =, halign = "left", valign = "baseline", angle =}) in
-- data coordinates
function Axes:text(x, y, s, opts)
  opts = util.options("text", opts, TEXT_OPTS)
  if type(x) ~= "number" or type(y) ~= "number" then raise("text: x and y must be numbers") end
  self.series[#self.series + 1] = { kind = "text", x = x, y = y, text = tostring(s),
    color = colors.parse(opts.color or TEXT_COLOR), size = opts.size or FONT_ANNOTATE, bold = opts.bold,
    halign = opts.halign or "left", valign = opts.valign or "baseline", angle = opts.angle or 0 }
  return self
end

require("tide.plot.axes_draw")(Axes)

return M
