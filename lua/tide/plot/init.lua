-- tide.plot: figures drawn with cairo (core/canvas.c) and saved as PNG.
--
--   local fig = tide.plot.figure{width = 800, height = 600}
--   local ax = fig:axes{title = "Loss", xlabel = "epoch", ylabel = "loss"}
--   ax:line(epochs, train_loss, {label = "train"})
--   ax:line(epochs, val_loss, {label = "validation", style = "--", marker = "o"})
--   fig:save("loss.png")
--
-- A figure holds a grid of panels (rows x cols): axes (lines, scatter, bars, histograms,
-- heatmaps, images) or an image grid. One-call helpers build a figure, save it when given a path
-- and return it: tide.plot.line{...}, scatter{...}, bar{...}, hist{...}, heatmap{...},
-- confusion_matrix(cm, {...}), image_grid{...}. Data may be tensors or Lua arrays.
local core = require("tide._core")
local tide = require("tide")
local canvas = require("tide.plot.canvas")
local colors = require("tide.plot.colors")
local axes = require("tide.plot.axes")
local util = require("tide.plot.util")

local raise = core.raise
local format, floor, ceil, max, min = string.format, math.floor, math.ceil, math.max, math.min

local M = {
  canvas = canvas.new,
  colors = colors,
  colormap = colors.colormap,
  colormaps = colors.colormaps,
  histogram = function(values, opts)
    opts = opts or {}
    return axes.histogram(util.series("histogram", "values", values), opts.bins, opts.range, opts.density)
  end,
}

-- ---------------------------------------------------------------- figures

local Figure = {}
Figure.__index = Figure
M.Figure = Figure

local FIGURE_OPTS = util.set({ "width", "height", "rows", "cols", "title", "background", "alpha" })

local function int_opt(op, name, v, default, lo, hi)
  if v == nil then return default end
  if type(v) ~= "number" or v ~= floor(v) or v < lo or v > hi then
    raise(format("%s: %s must be an integer in [%d, %d], got %s", op, name, lo, hi, tostring(v)))
  end
  return v
end

-- figure{width = 800, height = 600, rows = 1, cols = 1, title =, background = "white",
-- alpha = false (true: an RGBA image, transparent background by default)}
function M.figure(opts)
  opts = util.options("figure", opts, FIGURE_OPTS)
  local self = setmetatable({}, Figure)
  self.width = int_opt("figure", "width", opts.width, 800, 50, 16384)
  self.height = int_opt("figure", "height", opts.height, 600, 50, 16384)
  self.rows = int_opt("figure", "rows", opts.rows, 1, 1, 50)
  self.cols = int_opt("figure", "cols", opts.cols, 1, 1, 50)
  self.title = opts.title ~= nil and tostring(opts.title) or nil
  self.alpha = opts.alpha == true
  self.background = opts.background or (self.alpha and "none" or "white")
  colors.parse(self.background, nil, "background")
  self.panels = {}
  return self
end

-- Place a panel at {row =, col =} or in the next free cell (row by row).
function Figure:_place(panel, opts)
  local row, col = opts.row, opts.col
  if row == nil and col == nil then
    local taken = {}
    for _, p in ipairs(self.panels) do taken[(p.row - 1) * self.cols + p.col] = true end
    local cell
    for i = 1, self.rows * self.cols do
      if not taken[i] then cell = i break end
    end
    if cell == nil then
      raise(format("figure: all %d cells of the %dx%d grid are taken (make the figure with more rows or cols)",
        self.rows * self.cols, self.rows, self.cols))
    end
    row, col = floor((cell - 1) / self.cols) + 1, (cell - 1) % self.cols + 1
  end
  row = int_opt("figure", "row", row or 1, 1, 1, self.rows)
  col = int_opt("figure", "col", col or 1, 1, 1, self.cols)
  for i, p in ipairs(self.panels) do
    if p.row == row and p.col == col then table.remove(self.panels, i) break end
  end
  panel.row, panel.col = row, col
  self.panels[#self.panels + 1] = panel
  return panel
end

-- fig:axes{title =, xlabel =, ylabel =, row =, col =, ...} -> a new Axes (see Axes:set)
function Figure:axes(opts)
  opts = opts or {}
  local ax = axes.new(self, opts)
  return self:_place(ax, opts)
end

-- fig:image_grid{images =, captions =, ...} (see tide.plot.image_grid) in a cell
function Figure:image_grid(opts)
  local grid = M._image_grid_panel(opts or {})
  return self:_place(grid, opts or {})
end

-- Draw everything onto a new canvas and return it.
function Figure:render()
  local cv = canvas.new(self.width, self.height, { alpha = self.alpha, background = self.background })
  local top = 0
  if self.title then
    cv:font({ size = 18, bold = true }):color("#222222")
    local _, th = cv:measure(self.title)
    cv:text(self.title, self.width / 2, 8, { halign = 0.5, valign = "top" })
    top = th + 12
  end
  local cw, ch = self.width / self.cols, (self.height - top) / self.rows
  for _, p in ipairs(self.panels) do
    p:draw(cv, (p.col - 1) * cw, top + (p.row - 1) * ch, cw, ch)
  end
  return cv
end

-- Save as PNG (atomically: temp file, fsync, rename); returns the path.
function Figure:save(path)
  if type(path) ~= "string" or path == "" then raise("figure: save expects a file path, got " .. tostring(path)) end
  local cv = self:render()
  cv:save(path)
  cv:free()
  return path
end

-- The rendered pixels as uint8 [height, width, 3] (4 with alpha).
function Figure:to_tensor()
  local cv = self:render()
  local t = cv:to_tensor()
  cv:free()
  return t
end

-- ---------------------------------------------------------------- image grids

local Grid = {}
Grid.__index = Grid

local GRID_OPTS = util.set({ "images", "captions", "caption_colors", "cols", "normalize", "filter", "title", "row",
  "col", "pad" })

-- The images of a batch as a Lua array of uint8 [H, W, C] tensors.
local function batch_images(op, images, normalize)
  local list = {}
  if tide.is_tensor(images) then
    local t = images
    if t.ndim == 2 then
      list[1] = util.image(op, t, normalize)
      return list
    end
    if t.ndim ~= 3 and t.ndim ~= 4 then
      raise(format("%s: images must be [N, H, W], [N, H, W, C] or [N, C, H, W], got %d dims", op, t.ndim))
    end
    local float = t.dtype == "float32" or t.dtype == "float64"
    if t.ndim == 4 then
      local chw = { [1] = true, [3] = true, [4] = true }
      if float and not chw[t.shape[2]] and chw[t.shape[4]] then t = t:permute(1, 4, 2, 3) end
      if not float and not chw[t.shape[4]] and chw[t.shape[2]] then t = t:permute(1, 3, 4, 2) end
    end
    local n = t.shape[1]
    if n == 0 then raise(op .. ": no images") end
    for i = 1, n do list[i] = util.image(op, t[i], normalize) end
  elseif type(images) == "table" then
    if #images == 0 then raise(op .. ": no images") end
    for i, img in ipairs(images) do list[i] = util.image(op, img, normalize) end
  else
    raise(format("%s: images must be a tensor or an array of tensors, got %s", op, type(images)))
  end
  return list
end

function M._image_grid_panel(opts)
  local op = "image_grid"
  opts = util.options(op, opts, GRID_OPTS)
  if opts.images == nil then raise(op .. ": images are required") end
  local self = setmetatable({}, Grid)
  self.images = batch_images(op, opts.images, opts.normalize)
  local n = #self.images
  self.cols = int_opt(op, "cols", opts.cols, min(n, ceil(math.sqrt(n))), 1, 1000)
  self.rows = ceil(n / self.cols)
  self.pad = opts.pad or 6
  self.filter = opts.filter or (self.images[1].shape[1] <= 64 and "nearest" or "bilinear")
  self.title = opts.title ~= nil and tostring(opts.title) or nil
  if opts.captions ~= nil then
    if type(opts.captions) ~= "table" then raise(op .. ": captions must be an array of strings") end
    if #opts.captions ~= n then raise(format("%s: %d captions for %d images", op, #opts.captions, n)) end
    self.captions = {}
    for i, c in ipairs(opts.captions) do
      if type(c) == "table" then
        self.captions[i] = { text = tostring(c.text or c[1] or ""), color = colors.parse(c.color or "#222222") }
      else
        self.captions[i] = { text = tostring(c), color = colors.parse("#222222") }
      end
    end
    if opts.caption_colors ~= nil then
      if type(opts.caption_colors) ~= "table" or #opts.caption_colors ~= n then
        raise(format("%s: caption_colors must have one colour per image (%d)", op, n))
      end
      for i, c in ipairs(opts.caption_colors) do self.captions[i].color = colors.parse(c) end
    end
  end
  return self
end

local CAPTION_SIZE = 12

function Grid:draw(cv, x, y, w, h)
  local pad = self.pad
  local top = y + pad
  if self.title then
    cv:font({ size = 16, bold = true }):color("#222222")
    local _, th = cv:measure(self.title)
    cv:text(self.title, x + w / 2, top, { halign = 0.5, valign = "top" })
    top = top + th + pad
  end
  cv:font({ size = CAPTION_SIZE })
  local cap_h = self.captions and (select(2, cv:measure("Ag")) + 2) or 0
  local cw = (w - pad) / self.cols - pad
  local ch = (y + h - top) / self.rows - pad - cap_h
  if cw < 2 or ch < 2 then raise("image_grid: the figure is too small for the grid") end
  for i, img in ipairs(self.images) do
    local r, c = floor((i - 1) / self.cols), (i - 1) % self.cols
    local ih, iw = img.shape[1], img.shape[2]
    local s = min(cw / iw, ch / ih)
    -- a whole zoom factor keeps the pixels of small images square and sharp
    if s >= 3 and self.filter == "nearest" then s = floor(s) end
    local dw, dh = iw * s, ih * s
    local cx = x + pad + c * (cw + pad)
    local cy = top + r * (ch + cap_h + pad)
    local ox, oy = cx + (cw - dw) / 2, cy + (ch - dh) / 2
    cv:image(img, floor(ox), floor(oy), floor(dw + 0.5), floor(dh + 0.5), { filter = self.filter })
    if self.captions then
      local cap = self.captions[i]
      cv:font({ size = CAPTION_SIZE }):color(cap.color)
      local text = cap.text
      local tw = cv:measure(text)
      while tw > cw + pad and #text > 1 do -- cut long captions to the cell
        text = text:sub(1, -2):gsub("[\192-\255][\128-\191]*$", "")
        tw = cv:measure(text .. "…")
        if tw <= cw + pad then text = text .. "…" end
      end
      cv:text(text, cx + cw / 2, floor(oy) + floor(dh + 0.5) + 2, { halign = 0.5, valign = "top" })
    end
  end
end

-- ---------------------------------------------------------------- one-call helpers

local FIG_KEYS = { "width", "height", "title", "background", "alpha" }
local AX_KEYS = { "xlabel", "ylabel", "xlim", "ylim", "xscale", "yscale", "xlog", "ylog", "grid", "legend", "xticks",
  "yticks", "xticklabels", "yticklabels", "xrotation", "aspect" }

local function split_opts(op, opts, own)
  local allowed = util.set(own)
  for _, k in ipairs(FIG_KEYS) do allowed[k] = true end
  for _, k in ipairs(AX_KEYS) do allowed[k] = true end
  allowed.path = true
  opts = util.options(op, opts, allowed)
  local fopts, aopts = {}, {}
  for _, k in ipairs({ "width", "height", "background", "alpha" }) do fopts[k] = opts[k] end
  for _, k in ipairs(AX_KEYS) do aopts[k] = opts[k] end
  aopts.title = opts.title
  return opts, fopts, aopts
end

local function finish(fig, path)
  if path ~= nil then fig:save(path) end
  return fig
end

local SERIES_KEYS = { "label", "color", "width", "style", "dash", "marker", "marker_size", "alpha" }

-- line{x =, y =, label =, ... | series = {{x =, y =, label =, color =, style =, marker =}, ...},
-- title =, xlabel =, ylabel =, xlim =, ylim =, ylog =, legend =, width = 800, height = 600,
-- path =} -> figure (saved to path when given)
function M.line(opts)
  local own = { "x", "y", "series", "label", "color", "style", "dash", "marker", "marker_size", "line_width" }
  local o, fopts, aopts = split_opts("plot.line", opts, own)
  local fig = M.figure(fopts)
  local ax = fig:axes(aopts)
  local series = o.series
  if series == nil then
    if o.y == nil then raise("plot.line: y (or series) is required") end
    series = { { x = o.x, y = o.y, label = o.label, color = o.color, style = o.style, dash = o.dash, marker = o.marker,
      marker_size = o.marker_size, width = o.line_width } }
  elseif type(series) ~= "table" then
    raise("plot.line: series must be an array of {x =, y =, label =, ...}")
  end
  for i, s in ipairs(series) do
    if type(s) ~= "table" or s.y == nil then raise(format("plot.line: series[%d] needs y", i)) end
    local so = {}
    for _, k in ipairs(SERIES_KEYS) do so[k] = s[k] end
    if s.x ~= nil then ax:line(s.x, s.y, so) else ax:line(s.y, so) end
  end
  return finish(fig, o.path)
end

-- scatter{x =, y =, c =, cmap =, colorbar =, label =, color =, size =, marker =, alpha =, ...}
function M.scatter(opts)
  local own = { "x", "y", "c", "cmap", "vmin", "vmax", "colorbar", "label", "color", "size", "marker" }
  local o, fopts, aopts = split_opts("plot.scatter", opts, own)
  if o.x == nil or o.y == nil then raise("plot.scatter: x and y are required") end
  local fig = M.figure(fopts)
  fig:axes(aopts):scatter(o.x, o.y, { c = o.c, cmap = o.cmap, vmin = o.vmin, vmax = o.vmax, colorbar = o.colorbar,
    label = o.label, color = o.color, size = o.size, marker = o.marker, alpha = o.alpha })
  return finish(fig, o.path)
end

-- bar{x = positions | names = {...}, heights =, color =, label =, ...}
function M.bar(opts)
  local own = { "x", "names", "heights", "color", "label", "bar_width" }
  local o, fopts, aopts = split_opts("plot.bar", opts, own)
  if o.heights == nil then raise("plot.bar: heights are required") end
  local fig = M.figure(fopts)
  fig:axes(aopts):bar(o.names or o.x or tide.arange(1, util.series("plot.bar", "heights", o.heights):numel() + 1),
    o.heights, { color = o.color, label = o.label, width = o.bar_width })
  return finish(fig, o.path)
end

-- hist{values =, bins = 10, range =, density =, color =, label =, ...}
function M.hist(opts)
  local own = { "values", "bins", "range", "density", "color", "label" }
  local o, fopts, aopts = split_opts("plot.hist", opts, own)
  if o.values == nil then raise("plot.hist: values are required") end
  local fig = M.figure(fopts)
  fig:axes(aopts):hist(o.values, { bins = o.bins, range = o.range, density = o.density, color = o.color,
    label = o.label })
  return finish(fig, o.path)
end

-- box{groups = {...} | data = one group, labels =, whis = 1.5, show_outliers = true, horizontal =,
-- color =, median_color =, box_width = 0.5, title =, xlabel =, ylabel =, path =, ...} -> figure
function M.box(opts)
  local own = { "groups", "data", "labels", "whis", "show_outliers", "horizontal", "color", "median_color", "box_width" }
  local o, fopts, aopts = split_opts("plot.box", opts, own)
  local groups = o.groups or o.data
  if groups == nil then raise("plot.box: groups (or data) are required") end
  local fig = M.figure(fopts)
  fig:axes(aopts):box(groups, { labels = o.labels, whis = o.whis, show_outliers = o.show_outliers,
    horizontal = o.horizontal, color = o.color, median_color = o.median_color, width = o.box_width })
  return finish(fig, o.path)
end

-- heatmap{data = [R, C], xlabels =, ylabels =, cmap = "viridis", vmin =, vmax =, annotate =,
-- fmt =, colorbar = true, colorbar_label =, title =, xlabel =, ylabel =, path =, ...}
function M.heatmap(opts)
  local own = { "data", "xlabels", "ylabels", "cmap", "vmin", "vmax", "annotate", "fmt", "colorbar",
    "colorbar_label", "text_size" }
  local o, fopts, aopts = split_opts("plot.heatmap", opts, own)
  if o.data == nil then raise("plot.heatmap: data is required") end
  local fig = M.figure(fopts)
  local hopts = {}
  for _, k in ipairs(own) do if k ~= "data" then hopts[k] = o[k] end end
  hopts.xrotation = o.xrotation
  if o.aspect then hopts.aspect = o.aspect end
  aopts.aspect, aopts.xrotation = nil, nil
  fig:axes(aopts):heatmap(o.data, hopts)
  return finish(fig, o.path)
end

local CM_OPTS = util.set({ "names", "normalize", "path", "title", "cmap", "annotate", "colorbar", "width", "height",
  "xrotation", "fmt", "xlabel", "ylabel" })

-- confusion_matrix(cm [K, K], {names =, normalize = nil | "true" | "pred" | "all", title =
-- "Confusion matrix", cmap = "blues", annotate = true, colorbar = true, xrotation =, path =,
-- width = 800, height = 600}) -> figure: true classes down, predicted across, class names on
-- both axes; with normalize, colours and numbers are fractions of the row / column / total
function M.confusion_matrix(cm, opts)
  local op = "plot.confusion_matrix"
  opts = util.options(op, opts, CM_OPTS)
  local m = util.matrix(op, "cm", cm)
  local k = m.shape[1]
  if m.shape[2] ~= k then raise(format("%s: cm must be square, got [%d, %d]", op, m.shape[1], m.shape[2])) end
  local names = opts.names
  if names ~= nil then
    names = util.strings(op, "names", names)
    if #names ~= k then raise(format("%s: %d names for %d classes", op, #names, k)) end
  else
    names = {}
    for i = 1, k do names[i] = tostring(i) end
  end
  local norm = opts.normalize
  local values = m
  if norm ~= nil then
    local denom
    if norm == "true" then denom = m:sum(2, true)
    elseif norm == "pred" then denom = m:sum(1, true)
    elseif norm == "all" then denom = tide.full({ 1, 1 }, m:sum(), "float64")
    else raise(format("%s: normalize must be nil, 'true', 'pred' or 'all', got %s", op, tostring(norm))) end
    values = tide.where(denom:eq(0):expand_as(m), 0, m / tide.where(denom:eq(0), 1, denom))
  end
  local fig = M.figure({ width = opts.width, height = opts.height })
  local long = 0
  for _, s in ipairs(names) do long = max(long, #s) end
  local ax = fig:axes({ title = opts.title or "Confusion matrix", xlabel = opts.xlabel or "Predicted label",
    ylabel = opts.ylabel or "True label" })
  ax:heatmap(values, {
    cmap = opts.cmap or "blues", vmin = 0, vmax = norm and 1 or nil,
    annotate = opts.annotate ~= false, colorbar = opts.colorbar, xlabels = names, ylabels = names,
    xrotation = opts.xrotation or ((long > 3 and k > 4) and 45 or 0),
    fmt = opts.fmt or (norm and "%.2f" or nil),
  })
  return finish(fig, opts.path)
end

-- image_grid{images = [N, H, W] | [N, H, W, C] uint8 | [N, C, H, W] float in [0, 1] | {img, ...},
-- captions = {"label", {text =, color =}, ...}, caption_colors =, cols = ceil(sqrt(N)),
-- normalize = false, filter = "nearest" for small images, title =, width =, height =, path =}
-- -> figure; without width / height the figure fits the images (small ones zoomed to ~96 px)
function M.image_grid(opts)
  local op = "plot.image_grid"
  if type(opts) ~= "table" or tide.is_tensor(opts) then raise(op .. ": expected an options table {images = ...}") end
  local gopts, fopts = {}, {}
  for k, v in pairs(opts) do
    if k == "width" or k == "height" or k == "background" or k == "path" then fopts[k] = v else gopts[k] = v end
  end
  local grid = M._image_grid_panel(gopts)
  if fopts.width == nil or fopts.height == nil then
    local ih, iw = grid.images[1].shape[1], grid.images[1].shape[2]
    local big = max(ih, iw)
    local zoom = big <= 96 and max(1, floor(96 / big)) or 128 / big
    local cw, ch = ceil(iw * zoom), ceil(ih * zoom)
    local cap = grid.captions and 18 or 0
    local title = grid.title and 28 or 0
    fopts.width = fopts.width or max(160, grid.cols * (cw + grid.pad) + grid.pad)
    fopts.height = fopts.height or max(80, title + grid.pad + grid.rows * (ch + cap + grid.pad))
  end
  local path = fopts.path
  fopts.path = nil
  local fig = M.figure(fopts)
  fig:_place(grid, {})
  return finish(fig, path)
end

return M
