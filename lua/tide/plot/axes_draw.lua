-- tide.plot.axes_draw: how an Axes renders. Limits from the data (5% margins, bars on zero,
-- heatmaps and images tight) or the user, nice ticks, margins from the measured text, then grid,
-- series clipped to the plot area, frame, ticks, labels, title, colour bar and legend.
local core = require("tide._core")
local tide = require("tide")
local colors = require("tide.plot.colors")
local ticks = require("tide.plot.ticks")
local util = require("tide.plot.util")

local raise = core.raise
local format, floor, max, min, abs = string.format, math.floor, math.max, math.min, math.abs
local log10 = math.log10

local FONT = { tick = 12, label = 14, title = 16, legend = 12, annotate = 12 }
local TICK_LEN, PAD = 5, 6
local FRAME_COLOR, GRID_COLOR, TEXT_COLOR = "#333333", "#e3e3e3", "#222222"

return function(Axes)

-- ---------------------------------------------------------------- limits

local function widen(lo, hi)
  if lo == nil then return nil end
  if lo == hi then
    local d = lo == 0 and 0.5 or abs(lo) * 0.05
    return lo - d, hi + d
  end
  return lo, hi
end

local function merge(lo, hi, a, b)
  if a == nil then return lo, hi end
  if lo == nil then return a, b end
  return min(lo, a), max(hi, b)
end

-- Data limits of the series along "x" or "y": lo, hi, tight (no margins), sticky zero.
function Axes:_data_limits(axis)
  local log = self.o[axis .. "scale"] == "log"
  local lo, hi, tight, bars = nil, nil, false, false
  for _, s in ipairs(self.series) do
    local a, b
    if s.kind == "line" or s.kind == "scatter" then
      a, b = util.finite_range(axis == "x" and s.x or s.y, log)
    elseif s.kind == "bar" then
      if axis == "x" then
        local half = type(s.width) == "number" and s.width / 2 or s.width / 2
        local left, right = s.x - half, s.x + half
        local a1 = util.finite_range(left, log)
        local _, b1 = util.finite_range(right, log)
        a, b = a1, b1
      else
        local base = type(s.bottom) == "number" and tide.full({ s.h:numel() }, s.bottom, "float64") or s.bottom
        local top = base + s.h
        local a1, b1 = util.finite_range(base, log)
        local a2, b2 = util.finite_range(top, log)
        a, b = merge(a1, b1, a2, b2)
        bars = true
      end
    elseif s.kind == "heatmap" then
      if axis == "x" then a, b = 0.5, s.cols + 0.5 else a, b = 0.5, s.rows + 0.5 end
      tight = true
    elseif s.kind == "image" then
      local e = s.extent
      if axis == "x" then a, b = e[1], e[2] else a, b = e[3], e[4] end
      tight = true
    elseif s.kind == "hline" and axis == "y" or s.kind == "vline" and axis == "x" then
      if not log or s.at > 0 then a, b = s.at, s.at end
    elseif s.kind == "text" then
      local v = axis == "x" and s.x or s.y
      if not log or v > 0 then a, b = v, v end
    elseif s.kind == "box" then
      if (axis == "y") ~= s.horizontal then -- the value axis
        for _, bx in ipairs(s.boxes) do
          local lo1, hi1 = bx.whislo, bx.whishi
          if s.show_outliers and bx.fliers:numel() > 0 then
            lo1, hi1 = min(lo1, bx.fliers:amin()), max(hi1, bx.fliers:amax())
          end
          if not log or lo1 > 0 then a, b = merge(a, b, lo1, hi1) end
        end
      else
        for _, p in ipairs(s.pos) do a, b = merge(a, b, p - 0.5, p + 0.5) end
      end
    end
    lo, hi = merge(lo, hi, a, b)
  end
  return lo, hi, tight, bars
end

-- Final limits (user limits win), with 5% margins on auto limits that are not tight.
function Axes:_limits(axis)
  local log = self.o[axis .. "scale"] == "log"
  local user = self.o[axis .. "lim"] or {}
  local lo, hi, tight, bars = self:_data_limits(axis)
  if lo == nil then
    if log then lo, hi = 1, 10 else lo, hi = 0, 1 end
  end
  if log then
    if user[1] and user[1] <= 0 or user[2] and user[2] <= 0 then
      raise(format("axes: %slim must be positive on a log scale", axis))
    end
    local a, b = log10(lo), log10(hi)
    if a == b then a, b = a - 0.5, b + 0.5 end
    if not tight then
      local m = (b - a) * 0.05
      a, b = a - m, b + m
    end
    lo, hi = 10 ^ a, 10 ^ b
  else
    lo, hi = widen(lo, hi)
    if not tight then
      local m = (hi - lo) * 0.05
      local l2, h2 = lo - m, hi + m
      if bars and lo >= 0 and l2 < 0 then l2 = 0 end -- bars stand on zero
      if bars and hi <= 0 and h2 > 0 then h2 = 0 end
      lo, hi = l2, h2
    end
  end
  if user[1] then lo = user[1] end
  if user[2] then hi = user[2] end
  if not (hi > lo) then
    if user[1] and not user[2] then hi = lo + max(abs(lo) * 0.1, 1) else lo = hi - max(abs(hi) * 0.1, 1) end
  end
  return lo, hi
end

-- ---------------------------------------------------------------- drawing

-- data -> pixel along one axis: a function on numbers and one on tensors
local function scale(lo, hi, p0, plen, log, flip)
  local f = log and log10 or function(v) return v end
  local flo, fhi = f(lo), f(hi)
  local k = plen / (fhi - flo)
  local base = p0
  if flip then k, base = -k, p0 + plen end
  local num = function(v) return base + (f(v) - flo) * k end
  local ten = function(t)
    if log then t = t:log10() end
    return (t - flo) * k + base
  end
  return num, ten
end

local function set_font(cv, size, bold)
  cv:font({ family = "sans-serif", size = size, bold = bold })
end

-- width and height of a text rotated by angle degrees
local function rotated_box(w, h, angle)
  local r = math.rad(angle)
  return abs(w * math.cos(r)) + abs(h * math.sin(r)), abs(w * math.sin(r)) + abs(h * math.cos(r))
end

-- Tick positions and labels along an axis (explicit ticks win).
function Axes:_ticks(axis, lo, hi, pixels)
  local o = self.o
  local pos, labels = o[axis .. "ticks"], o[axis .. "ticklabels"]
  if pos then
    local p, l = {}, {}
    for i, v in ipairs(pos) do
      if v >= min(lo, hi) - 1e-9 and v <= max(lo, hi) + 1e-9 then
        p[#p + 1] = v
        l[#l + 1] = labels and labels[i] or ticks.number(v, 2)
      end
    end
    return p, l
  end
  if o[axis .. "scale"] == "log" then
    local t = ticks.log(lo, hi)
    return t, ticks.log_labels(t)
  end
  local target = max(2, floor(pixels / (axis == "x" and 90 or 60)))
  local t, step = ticks.linear(lo, hi, target)
  return t, ticks.linear_labels(t, step)
end

-- Keep every k-th label so labels do not overlap (sizes: widths or heights along the axis).
local function thin(positions, sizes, gap)
  local n = #positions
  if n < 2 then return 1 end
  for k = 1, n do
    local ok, last = true, nil
    for i = 1, n, k do
      if last then
        local room = abs(positions[i] - positions[last])
        if room < (sizes[i] + sizes[last]) / 2 + gap then ok = false break end
      end
      last = i
    end
    if ok then return k end
  end
  return n
end

-- Draw into the cell rectangle (x, y, w, h) of the canvas.
function Axes:draw(cv, x, y, w, h)
  local o = self.o
  local xlo, xhi = self:_limits("x")
  local ylo, yhi = self:_limits("y")
  local show_axis = o.axis ~= false

  -- text sizes
  set_font(cv, FONT.title, true)
  local title_h = o.title and select(2, cv:measure(o.title)) or 0
  set_font(cv, FONT.label, false)
  local label_h = select(2, cv:measure("Ag"))
  set_font(cv, FONT.tick, false)
  local tick_h = select(2, cv:measure("0"))

  -- a first guess of the plot size for the tick density
  local guess_w, guess_h = max(w - 110, 50), max(h - 100, 50)
  local xt, xl = self:_ticks("x", xlo, xhi, guess_w)
  local yt, yl = self:_ticks("y", ylo, yhi, guess_h)
  local rot = o.xrotation
  local xw = {}
  for i, s in ipairs(xl) do xw[i] = cv:measure(s) end
  if rot == nil then -- rotate long category labels by themselves
    local total = 0
    for _, v in ipairs(xw) do total = total + v + 8 end
    rot = (o.xticklabels and total > guess_w) and 45 or 0
  end
  local xlab_h = 0
  for i = 1, #xl do
    local _, bh = rotated_box(xw[i], tick_h, rot)
    xlab_h = max(xlab_h, bh)
  end
  local ylab_w = 0
  for _, s in ipairs(yl) do ylab_w = max(ylab_w, (cv:measure(s))) end
  if not show_axis then xlab_h, ylab_w = 0, 0 end

  -- margins
  local top = PAD + (o.title and (title_h + PAD) or 4)
  local bottom = PAD + (show_axis and (TICK_LEN + 4 + xlab_h) or 0) + (o.xlabel and (label_h + PAD) or 0)
  local left = PAD + (show_axis and (TICK_LEN + 4 + ylab_w) or 0) + (o.ylabel and (label_h + PAD) or 0)
  local right = PAD + 10
  local cb = self.colorbar
  local cb_ticks, cb_labels, cb_w
  if cb then
    cb_ticks, cb_labels = nil, nil
    local t, step = ticks.linear(cb.vmin, cb.vmax, max(2, floor((h - top - bottom) / 60)))
    cb_ticks, cb_labels = t, ticks.linear_labels(t, step)
    cb_w = 0
    for _, s in ipairs(cb_labels) do cb_w = max(cb_w, (cv:measure(s))) end
    right = right + 14 + 18 + TICK_LEN + 4 + cb_w + (cb.label and (label_h + PAD) or 0)
  end
  local px, py = floor(x + left), floor(y + top)
  local pw, ph = floor(w - left - right), floor(h - top - bottom)
  if pw < 10 or ph < 10 then
    raise(format("plot: the axes are too small to draw (%dx%d pixels for the plot area); make the figure larger",
      pw, ph))
  end
  if o.aspect == "equal" and o.xscale == "linear" and o.yscale == "linear" then
    local sx, sy = pw / (xhi - xlo), ph / (yhi - ylo)
    local s = min(sx, sy)
    local nw, nh = floor((xhi - xlo) * s + 0.5), floor((yhi - ylo) * s + 0.5)
    px, py = px + floor((pw - nw) / 2), py + floor((ph - nh) / 2)
    pw, ph = nw, nh
  end
  -- ticks again for the real plot size
  xt, xl = self:_ticks("x", xlo, xhi, pw)
  yt, yl = self:_ticks("y", ylo, yhi, ph)
  local mapx, mapx_t = scale(xlo, xhi, px, pw, o.xscale == "log", false)
  local mapy, mapy_t = scale(ylo, yhi, py, ph, o.yscale == "log", not o.yinvert)
  self._frame = { x = px, y = py, w = pw, h = ph, mapx = mapx, mapy = mapy }

  if o.background then cv:color(o.background):rect(px, py, pw, ph):fill() end
  -- grid
  if o.grid and show_axis then
    cv:color(GRID_COLOR):line_width(1):dash(nil)
    for _, v in ipairs(xt) do
      local gx = floor(mapx(v)) + 0.5
      cv:move_to(gx, py):line_to(gx, py + ph)
    end
    for _, v in ipairs(yt) do
      local gy = floor(mapy(v)) + 0.5
      cv:move_to(px, gy):line_to(px + pw, gy)
    end
    cv:stroke()
  end

  -- series, clipped to the plot area
  cv:push():clip(px, py, pw, ph)
  for _, s in ipairs(self.series) do self:_draw_series(cv, s, mapx, mapy, mapx_t, mapy_t) end
  cv:pop()

  if show_axis then
    -- frame
    cv:color(FRAME_COLOR):line_width(1):dash(nil):rect(px + 0.5, py + 0.5, pw - 1, ph - 1):stroke()
    -- x ticks and labels
    set_font(cv, FONT.tick, false)
    local xs, sizes = {}, {}
    for i, v in ipairs(xt) do
      xs[i] = mapx(v)
      -- rotated labels are parallel strips: neighbours need a text height across them
      sizes[i] = rot % 180 == 0 and cv:measure(xl[i]) or tick_h / abs(math.sin(math.rad(rot)))
    end
    local every = thin(xs, sizes, 6)
    cv:color(FRAME_COLOR)
    for i = 1, #xt, every do
      local tx = floor(xs[i]) + 0.5
      cv:move_to(tx, py + ph):line_to(tx, py + ph + TICK_LEN)
    end
    cv:stroke()
    cv:color(TEXT_COLOR)
    for i = 1, #xt, every do
      if rot == 0 then
        cv:text(xl[i], xs[i], py + ph + TICK_LEN + 3, { halign = 0.5, valign = "top" })
      else
        cv:text(xl[i], xs[i], py + ph + TICK_LEN + 3, { halign = 1, valign = "top", angle = rot })
      end
    end
    -- y ticks and labels
    local ys, hs = {}, {}
    for i, v in ipairs(yt) do ys[i], hs[i] = mapy(v), tick_h end
    local yevery = thin(ys, hs, 2)
    cv:color(FRAME_COLOR)
    for i = 1, #yt, yevery do
      local ty = floor(ys[i]) + 0.5
      cv:move_to(px, ty):line_to(px - TICK_LEN, ty)
    end
    cv:stroke()
    cv:color(TEXT_COLOR)
    for i = 1, #yt, yevery do
      cv:text(yl[i], px - TICK_LEN - 4, ys[i], { halign = 1, valign = "middle" })
    end
  end
  -- axis labels and title
  set_font(cv, FONT.label, false)
  cv:color(TEXT_COLOR)
  -- axis labels sit just outside the tick labels (the plot may be narrower than its cell)
  local tick_room = show_axis and (TICK_LEN + 4) or 0
  if o.xlabel then
    cv:text(o.xlabel, px + pw / 2, py + ph + tick_room + xlab_h + PAD, { halign = 0.5, valign = "top" })
  end
  if o.ylabel then
    cv:text(o.ylabel, px - tick_room - ylab_w - PAD, py + ph / 2, { halign = 0.5, valign = "bottom", angle = 90 })
  end
  if o.title then
    set_font(cv, FONT.title, true)
    cv:text(o.title, px + pw / 2, y + PAD, { halign = 0.5, valign = "top" })
  end
  if cb then self:_draw_colorbar(cv, cb, px + pw + 14, py, 18, ph, cb_ticks, cb_labels, label_h) end
  if o.legend then self:_draw_legend(cv, mapx_t, mapy_t) end
end

function Axes:_draw_series(cv, s, mapx, mapy, mapx_t, mapy_t)
  local kind = s.kind
  if kind == "line" then
    cv:color(s.color):line_width(s.width):line_style("butt", "round")
    if s.dash then cv:dash(s.dash) else cv:dash(s.style, s.width) end
    local px, py = mapx_t(s.x), mapy_t(s.y)
    cv:polyline(px, py):stroke()
    cv:dash(nil):line_style("butt", "miter")
    if s.marker then
      cv:line_width(1.5):markers(px, py, { shape = s.marker, size = s.marker_size })
    end
  elseif kind == "scatter" then
    cv:color(s.color):line_width(1.5)
    cv:markers(mapx_t(s.x), mapy_t(s.y), { shape = s.marker, size = s.size, colors = s.colors })
  elseif kind == "bar" then
    local xs, hs = s.x:totable(), s.h:totable()
    local ws, bs
    if type(s.width) ~= "number" then ws = s.width:totable() end
    if type(s.bottom) ~= "number" then bs = s.bottom:totable() end
    cv:color(s.color)
    local rects = {}
    for i = 1, #xs do
      local wdt = ws and ws[i] or s.width
      local b0 = bs and bs[i] or s.bottom
      local x0, x1 = mapx(xs[i] - wdt / 2), mapx(xs[i] + wdt / 2)
      local y0, y1 = mapy(b0), mapy(b0 + hs[i])
      if x0 == x0 and x1 == x1 and y0 == y0 and y1 == y1 and abs(x0) < 1e6 and abs(x1) < 1e6 then
        y0, y1 = max(min(y0, 1e6), -1e6), max(min(y1, 1e6), -1e6)
        rects[#rects + 1] = { min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0) }
      end
    end
    for _, r in ipairs(rects) do cv:rect(r[1], r[2], r[3], r[4]) end
    cv:fill()
    if s.edge then
      cv:color(s.edge):line_width(1)
      for _, r in ipairs(rects) do cv:rect(r[1], r[2], r[3], r[4]) end
      cv:stroke()
    end
  elseif kind == "heatmap" then
    local x0, x1 = mapx(0.5), mapx(s.cols + 0.5)
    local y0, y1 = mapy(0.5), mapy(s.rows + 0.5)
    cv:image(s.rgb, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0), { filter = "nearest" })
    if s.annotate then self:_annotate(cv, s, mapx, mapy, abs(x1 - x0) / s.cols, abs(y1 - y0) / s.rows) end
  elseif kind == "image" then
    local e = s.extent
    local x0, x1, y0, y1 = mapx(e[1]), mapx(e[2]), mapy(e[3]), mapy(e[4])
    cv:image(s.img, min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0), { filter = s.filter })
  elseif kind == "hline" or kind == "vline" then
    local f = self._frame
    cv:color(s.color):line_width(s.width):dash(s.style, s.width)
    if kind == "hline" then
      local yy = mapy(s.at)
      if yy == yy and abs(yy) < 1e6 then cv:move_to(f.x, yy):line_to(f.x + f.w, yy):stroke() end
    else
      local xx = mapx(s.at)
      if xx == xx and abs(xx) < 1e6 then cv:move_to(xx, f.y):line_to(xx, f.y + f.h):stroke() end
    end
    cv:dash(nil)
  elseif kind == "box" then
    self:_draw_box(cv, s, mapx, mapy, mapx_t, mapy_t)
  elseif kind == "text" then
    local tx, ty = mapx(s.x), mapy(s.y)
    if tx == tx and ty == ty and abs(tx) < 1e6 and abs(ty) < 1e6 then
      set_font(cv, s.size, s.bold)
      cv:color(s.color):text(s.text, tx, ty, { halign = s.halign, valign = s.valign, angle = s.angle })
    end
  end
end

-- Box plots: filled box Q1..Q3 with an edge, median line, whiskers with caps, outlier markers.
-- Coordinates go through (position, value) -> pixel, swapped for horizontal boxes.
function Axes:_draw_box(cv, s, mapx, mapy, mapx_t, mapy_t)
  local function at(p, v)
    if s.horizontal then return mapx(v), mapy(p) end
    return mapx(p), mapy(v)
  end
  local half = s.width / 2
  for i, bx in ipairs(s.boxes) do
    local p = s.pos[i]
    local x0, y0 = at(p - half, bx.q1)
    local x1, y1 = at(p + half, bx.q3)
    local rx, ry, rw, rh = min(x0, x1), min(y0, y1), abs(x1 - x0), abs(y1 - y0)
    cv:color(s.color):rect(rx, ry, rw, rh):fill()
    cv:color(FRAME_COLOR):line_width(1):dash(nil):rect(rx, ry, rw, rh):stroke()
    -- whiskers and caps
    local c0x, c0y = at(p, bx.q1)
    local w0x, w0y = at(p, bx.whislo)
    local c1x, c1y = at(p, bx.q3)
    local w1x, w1y = at(p, bx.whishi)
    cv:move_to(c0x, c0y):line_to(w0x, w0y):move_to(c1x, c1y):line_to(w1x, w1y)
    for _, v in ipairs({ bx.whislo, bx.whishi }) do
      local ax_, ay_ = at(p - half / 2, v)
      local bx_, by_ = at(p + half / 2, v)
      cv:move_to(ax_, ay_):line_to(bx_, by_)
    end
    cv:stroke()
    -- median
    local m0x, m0y = at(p - half, bx.median)
    local m1x, m1y = at(p + half, bx.median)
    cv:color(s.median_color):line_width(2):move_to(m0x, m0y):line_to(m1x, m1y):stroke()
    if s.show_outliers and bx.fliers:numel() > 0 then
      local f = bx.fliers
      local pt = tide.full({ f:numel() }, p, "float64")
      local mx, my
      if s.horizontal then mx, my = mapx_t(f), mapy_t(pt) else mx, my = mapx_t(pt), mapy_t(f) end
      cv:color(FRAME_COLOR):line_width(1.2):markers(mx, my, { shape = s.marker, size = s.marker_size })
    end
  end
end

-- Cell values written in the cells, black or white by the cell's brightness.
function Axes:_annotate(cv, s, mapx, mapy, cw, ch)
  if s.rows * s.cols > 10000 then return end
  local size = s.text_size or min(FONT.annotate, ch * 0.5)
  if size < 5 then return end
  local vals = s.data:totable()
  local rgb = s.rgb:totable()
  local fmt = s.fmt
  local function text_of(v)
    if type(fmt) == "function" then return tostring(fmt(v)) end
    if type(fmt) == "string" then return format(fmt, v) end
    if s.integral then return ticks.number(v) end
    return format("%.2f", v)
  end
  set_font(cv, size, false)
  -- shrink to fit the widest value
  local widest = 0
  for i = 1, s.rows do
    for j = 1, s.cols do widest = max(widest, (cv:measure(text_of(vals[i][j])))) end
  end
  if widest > cw * 0.92 then
    size = size * cw * 0.92 / widest
    if size < 5 then return end
    set_font(cv, size, false)
  end
  for i = 1, s.rows do
    for j = 1, s.cols do
      local c = rgb[i][j]
      local lum = (0.2126 * c[1] + 0.7152 * c[2] + 0.0722 * c[3]) / 255
      cv:color(lum < 0.5 and "white" or "#111111")
      cv:text(text_of(vals[i][j]), mapx(j), mapy(i), { halign = 0.5, valign = "middle" })
    end
  end
end

function Axes:_draw_colorbar(cv, cb, x, y, w, h, cbt, cbl, label_h)
  local lut = colors.colormap(cb.cmap)
  local strip = lut:index_select(1, tide.arange(256, 0, -1, "int64")):view(256, 1, 3)
  cv:image(strip, x, y, w, h, { filter = "nearest" })
  cv:color(FRAME_COLOR):line_width(1):rect(x + 0.5, y + 0.5, w - 1, h - 1):stroke()
  local span = cb.vmax - cb.vmin
  set_font(cv, FONT.tick, false)
  local maxw = 0
  for i, v in ipairs(cbt) do
    local ty = span > 0 and (y + h - (v - cb.vmin) / span * h) or (y + h / 2)
    local sy = floor(ty) + 0.5
    cv:color(FRAME_COLOR):move_to(x + w, sy):line_to(x + w + TICK_LEN, sy):stroke()
    cv:color(TEXT_COLOR):text(cbl[i], x + w + TICK_LEN + 3, ty, { halign = 0, valign = "middle" })
    maxw = max(maxw, (cv:measure(cbl[i])))
  end
  if cb.label then
    set_font(cv, FONT.label, false)
    cv:text(cb.label, x + w + TICK_LEN + 3 + maxw + PAD + label_h, y + h / 2,
      { halign = 0.5, valign = "bottom", angle = -90 })
  end
end

function Axes:_draw_legend(cv, mapx_t, mapy_t)
  local entries = {}
  for _, s in ipairs(self.series) do
    if s.label then entries[#entries + 1] = s end
  end
  if #entries == 0 then return end
  set_font(cv, FONT.legend, false)
  local _, fh = cv:measure("Ag")
  local textw = 0
  for _, s in ipairs(entries) do textw = max(textw, (cv:measure(s.label))) end
  local sample, gap, pad = 26, 8, 8
  local row = fh + 4
  local bw, bh = pad + sample + gap + textw + pad, pad + row * #entries - 4 + pad
  local f = self._frame
  local spots = {
    ["upper right"] = { f.x + f.w - bw - 8, f.y + 8 },
    ["upper left"] = { f.x + 8, f.y + 8 },
    ["lower left"] = { f.x + 8, f.y + f.h - bh - 8 },
    ["lower right"] = { f.x + f.w - bw - 8, f.y + f.h - bh - 8 },
  }
  local where = self.o.legend
  local pos
  if where == "best" then
    -- the corner covering the fewest data points
    local best, best_n = nil, math.huge
    for _, name in ipairs({ "upper right", "upper left", "lower left", "lower right" }) do
      local p = spots[name]
      local n = 0
      for _, s in ipairs(self.series) do
        local ys = s.y
        if s.kind == "bar" then ys = s.h + s.bottom end -- the bar tops
        if tide.is_tensor(s.x) and tide.is_tensor(ys) then
          local px, py = mapx_t(s.x), mapy_t(ys)
          local inside = tide.logical_and(tide.logical_and(px:ge(p[1]), px:le(p[1] + bw)),
            tide.logical_and(py:ge(p[2]), py:le(p[2] + bh)))
          n = n + inside:sum()
        end
      end
      if n < best_n then best, best_n = name, n end
    end
    pos = spots[best]
  else
    pos = spots[where]
  end
  local lx, ly = floor(pos[1]), floor(pos[2])
  cv:color("white", 0.88):rect(lx, ly, bw, bh):fill()
  cv:color("#cccccc"):line_width(1):rect(lx + 0.5, ly + 0.5, bw - 1, bh - 1):stroke()
  for i, s in ipairs(entries) do
    local cy = ly + pad + (i - 1) * row + fh / 2
    local sx = lx + pad
    if s.kind == "line" or s.kind == "hline" or s.kind == "vline" then
      cv:color(s.color):line_width(s.width or 2)
      if s.dash then cv:dash(s.dash) else cv:dash(s.style, s.width) end
      cv:move_to(sx, cy):line_to(sx + sample, cy):stroke():dash(nil)
      if s.marker then
        cv:line_width(1.5):markers({ sx + sample / 2 }, { cy }, { shape = s.marker, size = s.marker_size })
      end
    elseif s.kind == "scatter" then
      cv:color(s.color):line_width(1.5):markers({ sx + sample / 2 }, { cy }, { shape = s.marker, size = max(s.size, 6) })
    else
      cv:color(s.color):rect(sx + 4, cy - fh * 0.35, sample - 8, fh * 0.7):fill()
    end
    cv:color(TEXT_COLOR):text(s.label, sx + sample + gap, cy, { halign = 0, valign = "middle" })
  end
end

end
