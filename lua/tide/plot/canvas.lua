-- tide.plot.canvas: the Lua face of core/canvas.c (cairo). A canvas is a raster you draw on in
-- pixels (x right, y down); figures render onto one, and scripts may draw directly:
--
--   local cv = tide.plot.canvas(200, 100)           -- RGB, white
--   cv:color("C0"):line_width(3):move_to(10, 90):line_to(190, 10):stroke()
--   cv:font{size = 16, bold = true}:color("black"):text("hello", 100, 50, {halign = 0.5, valign = "middle"})
--   cv:save("/tmp/hello.png")
--
-- Methods return the canvas (for chaining) unless they answer something. Errors from C name the
-- operation ("canvas_text: text is not valid UTF-8 ...") and are raised at the caller's line.
local core = require("tide._core")
local tide = require("tide")
local colors = require("tide.plot.colors")
local ffi = require("ffi")

local C = core.C
local raise, raise_c = core.raise, core.raise_c
local format = string.format

local M = {}

local Canvas = {}
Canvas.__index = Canvas
M.Canvas = Canvas

local VALIGN = { top = C.TIDE_TEXT_TOP, middle = C.TIDE_TEXT_MIDDLE, center = C.TIDE_TEXT_MIDDLE,
  baseline = C.TIDE_TEXT_BASELINE, bottom = C.TIDE_TEXT_BOTTOM }
local HALIGN = { left = 0, center = 0.5, middle = 0.5, right = 1 }
local MARKERS = { o = C.TIDE_MARKER_CIRCLE, circle = C.TIDE_MARKER_CIRCLE, s = C.TIDE_MARKER_SQUARE,
  square = C.TIDE_MARKER_SQUARE, ["^"] = C.TIDE_MARKER_TRIANGLE, triangle = C.TIDE_MARKER_TRIANGLE,
  D = C.TIDE_MARKER_DIAMOND, d = C.TIDE_MARKER_DIAMOND, diamond = C.TIDE_MARKER_DIAMOND,
  ["+"] = C.TIDE_MARKER_PLUS, plus = C.TIDE_MARKER_PLUS, x = C.TIDE_MARKER_CROSS, cross = C.TIDE_MARKER_CROSS }
M.MARKERS = MARKERS
local FILTERS = { nearest = C.TIDE_FILTER_NEAREST, bilinear = C.TIDE_FILTER_BILINEAR }
-- line styles as dash patterns in units of the line width
local STYLES = { ["-"] = false, solid = false, ["--"] = { 3.7, 1.6 }, dashed = { 3.7, 1.6 }, [":"] = { 1, 1.65 },
  dotted = { 1, 1.65 }, ["-."] = { 6.4, 1.6, 1, 1.6 }, dashdot = { 6.4, 1.6, 1, 1.6 } }
M.STYLES = STYLES

local function check(status)
  if status ~= 0 then raise_c() end
end

-- canvas(width, height, {alpha = false, background = "white"})
function M.new(width, height, opts)
  opts = opts or {}
  if type(width) ~= "number" or type(height) ~= "number" or width ~= math.floor(width) or height ~= math.floor(height) then
    raise(format("canvas: width and height must be integers, got %s x %s", tostring(width), tostring(height)))
  end
  local p = C.tide_canvas_new(width, height, opts.alpha and 4 or 3)
  if p == nil then raise_c() end
  ffi.gc(p, C.tide_canvas_free)
  local self = setmetatable({ _c = p, width = width, height = height, channels = opts.alpha and 4 or 3 }, Canvas)
  local bg = opts.background
  if bg == nil then bg = opts.alpha and "none" or "white" end
  self:clear(bg)
  return self
end

-- Release the pixels now (the collector would otherwise).
function Canvas:free()
  if self._c ~= nil then
    ffi.gc(self._c, nil)
    C.tide_canvas_free(self._c)
    self._c = nil
  end
end

local function ptr(self)
  local p = self._c
  if p == nil then raise("canvas: used after free()") end
  return p
end

function Canvas:clear(color)
  local c = colors.parse(color or "white")
  check(C.tide_canvas_clear(ptr(self), c[1], c[2], c[3], c[4]))
  return self
end

-- color(c, [alpha]): any colour form of tide.plot.colors.parse
function Canvas:color(c, alpha)
  local rgba = colors.parse(c, alpha)
  check(C.tide_canvas_set_color(ptr(self), rgba[1], rgba[2], rgba[3], rgba[4]))
  return self
end

function Canvas:line_width(w)
  if type(w) ~= "number" then raise("canvas: line width must be a number, got " .. type(w)) end
  check(C.tide_canvas_set_line_width(ptr(self), w))
  return self
end

-- dash(nil) solid; dash{on, off, ...} in pixels; dash("--" | ":" | "-." | "-", width) a named
-- style scaled by the line width
function Canvas:dash(d, width)
  if type(d) == "string" then
    local s = STYLES[d]
    if s == nil then raise(format("canvas: unknown line style '%s' (use '-', '--', ':' or '-.')", d)) end
    if s == false then d = nil else
      local w = math.max(width or 1, 1)
      d = {}
      for i, v in ipairs(s) do d[i] = v * w end
    end
  end
  if d == nil or #d == 0 then
    check(C.tide_canvas_set_dash(ptr(self), nil, 0, 0))
  else
    if type(d) ~= "table" then raise("canvas: dash must be a table of lengths, a style string or nil") end
    local n = #d
    local arr = ffi.new("double[?]", n)
    for i = 1, n do
      if type(d[i]) ~= "number" then raise("canvas: dash lengths must be numbers") end
      arr[i - 1] = d[i]
    end
    check(C.tide_canvas_set_dash(ptr(self), arr, n, 0))
  end
  return self
end

-- line_style(cap, join): "butt" | "round" | "square", "miter" | "round" | "bevel"
function Canvas:line_style(cap, join)
  local caps = { butt = 0, round = 1, square = 2 }
  local joins = { miter = 0, round = 1, bevel = 2 }
  local c, j = caps[cap or "butt"], joins[join or "miter"]
  if c == nil then raise("canvas: unknown line cap '" .. tostring(cap) .. "'") end
  if j == nil then raise("canvas: unknown line join '" .. tostring(join) .. "'") end
  check(C.tide_canvas_set_line_style(ptr(self), c, j))
  return self
end

function Canvas:push() check(C.tide_canvas_push_state(ptr(self))) return self end
function Canvas:pop() check(C.tide_canvas_pop_state(ptr(self))) return self end
function Canvas:clip(x, y, w, h) check(C.tide_canvas_clip_rect(ptr(self), x, y, w, h)) return self end
function Canvas:reset_clip() check(C.tide_canvas_reset_clip(ptr(self))) return self end
function Canvas:new_path() check(C.tide_canvas_new_path(ptr(self))) return self end
function Canvas:move_to(x, y) check(C.tide_canvas_move_to(ptr(self), x, y)) return self end
function Canvas:line_to(x, y) check(C.tide_canvas_line_to(ptr(self), x, y)) return self end
function Canvas:curve_to(x1, y1, x2, y2, x3, y3)
  check(C.tide_canvas_curve_to(ptr(self), x1, y1, x2, y2, x3, y3))
  return self
end
function Canvas:close_path() check(C.tide_canvas_close_path(ptr(self))) return self end
function Canvas:rect(x, y, w, h) check(C.tide_canvas_rect(ptr(self), x, y, w, h)) return self end
function Canvas:circle(x, y, r) check(C.tide_canvas_circle(ptr(self), x, y, r)) return self end
function Canvas:stroke(preserve) check(C.tide_canvas_stroke(ptr(self), preserve and 1 or 0)) return self end
function Canvas:fill(preserve) check(C.tide_canvas_fill(ptr(self), preserve and 1 or 0)) return self end

local function as_coords(v, what)
  if tide.is_tensor(v) then return v end
  if type(v) == "table" then
    if #v == 0 then return tide.empty(0, "float64") end
    return tide.tensor(v, "float64")
  end
  raise(format("canvas: %s must be a tensor or an array of numbers, got %s", what, type(v)))
end

-- polyline(xs, ys): pixel coordinates as tensors or arrays; NaN breaks the line
function Canvas:polyline(xs, ys)
  xs, ys = as_coords(xs, "xs"), as_coords(ys, "ys")
  check(C.tide_canvas_polyline(ptr(self), xs._c, ys._c))
  return self
end

-- markers(xs, ys, {shape = "o", size = 6, colors = uint8 [n, 3|4] or nil})
function Canvas:markers(xs, ys, opts)
  opts = opts or {}
  xs, ys = as_coords(xs, "xs"), as_coords(ys, "ys")
  local shape = MARKERS[opts.shape or "o"]
  if shape == nil then
    raise(format("canvas: unknown marker '%s' (use o, s, ^, D, + or x)", tostring(opts.shape)))
  end
  local cols = opts.colors
  if cols ~= nil and not tide.is_tensor(cols) then raise("canvas: marker colors must be a uint8 tensor [n, 3|4]") end
  check(C.tide_canvas_markers(ptr(self), xs._c, ys._c, shape, opts.size or 6, cols ~= nil and cols._c or nil))
  return self
end

-- font{family = "sans-serif", size = 12, bold = false, italic = false}
function Canvas:font(f)
  f = f or {}
  if type(f) ~= "table" then raise("canvas: font must be a table {family, size, bold, italic}") end
  local family = f.family or "sans-serif"
  if type(family) ~= "string" then raise("canvas: font family must be a string") end
  local size = f.size or 12
  if type(size) ~= "number" then raise("canvas: font size must be a number, got " .. type(size)) end
  check(C.tide_canvas_set_font(ptr(self), family, size, f.bold and 1 or 0, f.italic and 1 or 0))
  return self
end

local ext = ffi.new("double[4]")

-- measure(text) -> advance width, font height, ascent, descent (pixels, current font)
function Canvas:measure(text)
  if type(text) ~= "string" then text = tostring(text) end
  check(C.tide_canvas_text_extents(ptr(self), text, ext))
  return ext[0], ext[1], ext[2], ext[3]
end

-- text(s, x, y, {halign = "left" | "center" | "right" | 0..1, valign = "baseline" | "top" |
-- "middle" | "bottom", angle = degrees counter-clockwise})
function Canvas:text(text, x, y, opts)
  opts = opts or {}
  if type(text) ~= "string" then text = tostring(text) end
  local h = opts.halign or 0
  if type(h) == "string" then
    h = HALIGN[h]
    if h == nil then raise("canvas: unknown halign '" .. opts.halign .. "' (left, center, right)") end
  end
  local v = VALIGN[opts.valign or "baseline"]
  if v == nil then raise("canvas: unknown valign '" .. tostring(opts.valign) .. "' (top, middle, baseline, bottom)") end
  check(C.tide_canvas_text(ptr(self), text, x, y, h, v, opts.angle or 0))
  return self
end

-- image(img, x, y, [w, h], {filter = "nearest" | "bilinear"}): a uint8 [H, W] / [H, W, C] image
-- scaled into the rectangle (its own size by default)
function Canvas:image(img, x, y, w, h, opts)
  if not tide.is_tensor(img) then raise("canvas: image must be a tensor, got " .. type(img)) end
  if type(w) == "table" then opts, w, h = w, nil, nil end
  opts = opts or {}
  w = w or img.shape[2]
  h = h or img.shape[1]
  local filter = FILTERS[opts.filter or "nearest"]
  if filter == nil then raise("canvas: unknown filter '" .. tostring(opts.filter) .. "' (nearest, bilinear)") end
  check(C.tide_canvas_image(ptr(self), img._c, x, y, w, h, filter))
  return self
end

-- save(path): an 8-bit RGB / RGBA PNG, written atomically; returns path
function Canvas:save(path)
  if type(path) ~= "string" then raise("canvas: save expects a path string, got " .. type(path)) end
  check(C.tide_canvas_save_png(ptr(self), path))
  return path
end

-- to_tensor(): the pixels as uint8 [height, width, 3|4]
function Canvas:to_tensor()
  local p = C.tide_canvas_to_tensor(ptr(self))
  if p == nil then raise_c() end
  return core.wrap(p)
end

return M
