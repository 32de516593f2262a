-- tide.plot.colors: colour parsing (names, "#rrggbb", {r, g, b[, a]}), the default colour cycle
-- (matplotlib's tab10) and colour maps (viridis, blues, greys, reds, greens, oranges, rdbu, gray;
-- any name + "_r" reverses) applied to tensors by table lookup in tensor kernels.
local core = require("tide._core")
local tide = require("tide")

local raise = core.raise
local format, floor, max, min = string.format, math.floor, math.max, math.min

local M = {}

-- ---------------------------------------------------------------- colours

M.cycle = { "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
  "#17becf" }

local NAMES = {
  black = "#000000", white = "#ffffff", red = "#d62728", green = "#2ca02c", blue = "#1f77b4", orange = "#ff7f0e",
  purple = "#9467bd", brown = "#8c564b", pink = "#e377c2", gray = "#7f7f7f", grey = "#7f7f7f", olive = "#bcbd22",
  cyan = "#17becf", yellow = "#ffd700", magenta = "#ff00ff", navy = "#000080", teal = "#008080",
  lightgray = "#d3d3d3", lightgrey = "#d3d3d3", darkgray = "#404040", darkgrey = "#404040",
}
for i, c in ipairs(M.cycle) do NAMES["c" .. (i - 1)] = c end

local function hex_byte(s, i) return tonumber(s:sub(i, i + 1), 16) end

-- A colour as {r, g, b, a} in [0, 1]: a name ("red", "C0".."C9", "none"), "#rgb", "#rrggbb",
-- "#rrggbbaa", or a table {r, g, b[, a]} in [0, 1] (or 0..255). alpha, when given, replaces a.
function M.parse(c, alpha, what)
  what = what or "color"
  local r, g, b, a
  if type(c) == "string" then
    local s = c:lower()
    if s == "none" or s == "transparent" then
      r, g, b, a = 0, 0, 0, 0
    else
      s = NAMES[s] or s
      if s:match("^#%x%x%x$") then
        s = "#" .. s:sub(2, 2):rep(2) .. s:sub(3, 3):rep(2) .. s:sub(4, 4):rep(2)
      end
      if s:match("^#%x%x%x%x%x%x$") or s:match("^#%x%x%x%x%x%x%x%x$") then
        r, g, b = hex_byte(s, 2) / 255, hex_byte(s, 4) / 255, hex_byte(s, 6) / 255
        a = #s == 9 and hex_byte(s, 8) / 255 or 1
      else
        raise(format("plot: unknown %s '%s' (use a name like 'red' or 'C0', or '#rrggbb')", what, c))
      end
    end
  elseif type(c) == "table" and not tide.is_tensor(c) then
    r, g, b, a = c[1], c[2], c[3], c[4] or 1
    for _, v in ipairs({ r, g, b, a }) do
      if type(v) ~= "number" or v ~= v then
        raise(format("plot: %s must be {r, g, b[, a]} numbers, got %s", what, tostring(v)))
      end
    end
    if r > 1 or g > 1 or b > 1 then -- 0..255 components
      if r > 255 or g > 255 or b > 255 or r < 0 or g < 0 or b < 0 then
        raise(format("plot: %s components must be in [0, 1] or 0..255", what))
      end
      r, g, b = r / 255, g / 255, b / 255
    end
    if min(r, g, b, a) < 0 or a > 1 then raise(format("plot: %s components must be in [0, 1] or 0..255", what)) end
  else
    raise(format("plot: %s must be a name, '#rrggbb' or {r, g, b}, got %s", what, type(c)))
  end
  if alpha ~= nil then
    if type(alpha) ~= "number" or not (alpha >= 0 and alpha <= 1) then
      raise("plot: alpha must be a number in [0, 1], got " .. tostring(alpha))
    end
    a = alpha
  end
  return { r, g, b, a }
end

-- The i-th colour of the cycle (1-based, wrapping).
function M.nth(i) return M.cycle[(i - 1) % #M.cycle + 1] end

-- Relative luminance (for choosing black or white text on a colour).
function M.luminance(c)
  return 0.2126 * c[1] + 0.7152 * c[2] + 0.0722 * c[3]
end

-- ---------------------------------------------------------------- colour maps

-- viridis (matplotlib's, CC0, by van der Walt and Smith): 256 colours as hex bytes
local VIRIDIS = (
  "44015444025645045745055946075a46085c460a5d460b5e470d60470e61471063471164471365481467481668481769" ..
  "48186a481a6c481b6d481c6e481d6f481f70482071482173482374482475482576482677482878482979472a7a472c7a" ..
  "472d7b472e7c472f7d46307e46327e46337f463480453581453781453882443983443a83443b84433d84433e85423f85" ..
  "4240864241864142874144874045884046883f47883f48893e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b" ..
  "3b528b3a538b3a548c39558c39568c38588c38598c375a8c375b8d365c8d365d8d355e8d355f8d34608d34618d33628d" ..
  "33638d32648e32658e31668e31678e31688e30698e306a8e2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e" ..
  "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e" ..
  "26828e26828e25838e25848e25858e24868e24878e23888e23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d" ..
  "21918c20928c20928c20938c1f948c1f958b1f968b1f978b1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88" ..
  "1fa0881fa1881fa1871fa28720a38620a48621a58521a68522a78522a88423a98324aa8325ab8225ac8226ad8127ad81" ..
  "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b32b67a34b67935b77937b87838b9773aba763bbb753dbc74" ..
  "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c4ec36b50c46a52c56954c56856c66758c7655ac8645cc863" ..
  "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece5870cf5773d05675d05477d1537ad1517cd2507fd34e81d34d" ..
  "84d44b86d54989d5488bd6468ed64590d74393d74195d84098d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32" ..
  "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a" ..
  "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51aece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725")

-- ColorBrewer sequences (Cynthia Brewer, Apache 2.0), interpolated linearly as matplotlib does
local ANCHORS = {
  blues = { "#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b" },
  greys = { "#ffffff", "#f0f0f0", "#d9d9d9", "#bdbdbd", "#969696", "#737373", "#525252", "#252525", "#000000" },
  reds = { "#fff5f0", "#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#a50f15", "#67000d" },
  greens = { "#f7fcf5", "#e5f5e0", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b" },
  oranges = { "#fff5eb", "#fee6ce", "#fdd0a2", "#fdae6b", "#fd8d3c", "#f16913", "#d94801", "#a63603", "#7f2704" },
  rdbu = { "#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#f7f7f7", "#d1e5f0", "#92c5de", "#4393c3",
    "#2166ac", "#053061" },
  gray = { "#000000", "#ffffff" },
}
ANCHORS.grey = ANCHORS.gray

M.colormaps = { "viridis", "blues", "greys", "reds", "greens", "oranges", "rdbu", "gray" }

local cache = {}

local function build_lut(name)
  local bytes = {}
  if name == "viridis" then
    for i = 0, 255 do
      for k = 0, 2 do bytes[#bytes + 1] = hex_byte(VIRIDIS, i * 6 + k * 2 + 1) end
    end
  else
    local anchors = {}
    for i, h in ipairs(ANCHORS[name]) do anchors[i] = M.parse(h) end
    local n = #anchors
    for i = 0, 255 do
      local pos = i / 255 * (n - 1)
      local j = min(floor(pos), n - 2)
      local f = pos - j
      for k = 1, 3 do
        local v = anchors[j + 1][k] * (1 - f) + anchors[j + 2][k] * f
        bytes[#bytes + 1] = floor(v * 255 + 0.5)
      end
    end
  end
  return bytes
end

-- The colour map `name` as a uint8 [256, 3] tensor.
function M.colormap(name)
  if type(name) ~= "string" then raise("plot: cmap must be a colour map name, got " .. type(name)) end
  local key = name:lower()
  if cache[key] then return cache[key] end
  local reversed = key:sub(-2) == "_r"
  local base = reversed and key:sub(1, -3) or key
  if base ~= "viridis" and not ANCHORS[base] then
    raise(format("plot: unknown colour map '%s' (expected one of %s, or a name + '_r')", name,
      table.concat(M.colormaps, ", ")))
  end
  local lut = tide.tensor(build_lut(base), "uint8"):view(256, 3)
  if reversed then lut = lut:index_select(1, tide.arange(256, 0, -1, "int64")) end
  cache[key] = lut
  return lut
end

-- One colour of a map at t in [0, 1], as {r, g, b, 1}.
function M.sample(name, t)
  local lut = M.colormap(name)
  local i = min(max(floor(t * 256), 0), 255) + 1
  return { lut[{ i, 1 }] / 255, lut[{ i, 2 }] / 255, lut[{ i, 3 }] / 255, 1 }
end

-- values (any real tensor) -> uint8 [..., 3]: (v - vmin) / (vmax - vmin) picks one of the 256
-- colours, clamped at both ends; NaN becomes `bad` ({r, g, b} in [0, 1], default light gray).
function M.apply(name, values, vmin, vmax, bad)
  local lut = M.colormap(name)
  local v = values:to("float64")
  local n = v:numel()
  local nan = v:isnan()
  local any_nan = n > 0 and nan:any()
  if any_nan then v = tide.where(nan, vmin, v) end
  local span = vmax - vmin
  local scaled
  if span > 0 then
    scaled = ((v - vmin) * (256 / span)):floor():clamp(0, 255)
  else
    scaled = tide.full(v.shape, 127, "float64")
  end
  local rgb = lut:index_select(1, scaled:to("int64"):reshape(n) + 1)
  if any_nan then
    bad = bad or { 0.85, 0.85, 0.85 }
    local fill = tide.tensor({ floor(bad[1] * 255 + 0.5), floor(bad[2] * 255 + 0.5), floor(bad[3] * 255 + 0.5) }, "uint8")
    rgb = tide.where(nan:reshape(n, 1), fill, rgb)
  end
  local shape = {}
  for i, s in ipairs(v.shape) do shape[i] = s end
  shape[#shape + 1] = 3
  return rgb:reshape(shape)
end

return M
