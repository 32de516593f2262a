-- tide.eda.html: the self-contained HTML report (every image embedded as a base64 data URI) and
-- its small helpers.
--   escape(s)            -> s with & < > " ' replaced by entities
--   base64(bytes)        -> standard base64 (RFC 4648, padded) of a Lua string
--   base64_decode(text)  -> the bytes (used by the specs to check the embedded images)
--   write_atomic(path, text)  temp file in the same folder, fsync, rename (tide_file_write)
--   page(result)         -> the report's HTML text
local bit = require("bit")
local band, bor, lshift, rshift = bit.band, bit.bor, bit.lshift, bit.rshift
local format = string.format

local M = {}

local ENT = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }
function M.escape(s)
  return (tostring(s):gsub("[&<>\"']", ENT))
end
local esc = M.escape

local ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local ENC, DEC = {}, {}
for i = 1, 64 do
  ENC[i - 1] = ALPHA:sub(i, i)
  DEC[ALPHA:byte(i)] = i - 1
end

-- Three bytes -> four characters; the output is built in chunks of 4096 groups.
function M.base64(s)
  local n = #s
  local out, chunk = {}, {}
  local full = n - n % 3
  local i = 1
  while i <= full do
    local a, b, c = s:byte(i, i + 2)
    local v = bor(lshift(a, 16), lshift(b, 8), c)
    chunk[#chunk + 1] = ENC[rshift(v, 18)] .. ENC[band(rshift(v, 12), 63)] .. ENC[band(rshift(v, 6), 63)] .. ENC[band(v, 63)]
    if #chunk == 4096 then
      out[#out + 1] = table.concat(chunk)
      chunk = {}
    end
    i = i + 3
  end
  local rest = n - full
  if rest == 1 then
    local v = lshift(s:byte(i), 16)
    chunk[#chunk + 1] = ENC[rshift(v, 18)] .. ENC[band(rshift(v, 12), 63)] .. "=="
  elseif rest == 2 then
    local a, b = s:byte(i, i + 1)
    local v = bor(lshift(a, 16), lshift(b, 8))
    chunk[#chunk + 1] = ENC[rshift(v, 18)] .. ENC[band(rshift(v, 12), 63)] .. ENC[band(rshift(v, 6), 63)] .. "="
  end
  out[#out + 1] = table.concat(chunk)
  return table.concat(out)
end

function M.base64_decode(text)
  text = text:gsub("[^%w%+/]", "")
  local out = {}
  local n = #text
  for i = 1, n, 4 do
    local a, b, c, d = text:byte(i, i + 3)
    local v = lshift(DEC[a] or 0, 18) + lshift(DEC[b] or 0, 12) + lshift(c and DEC[c] or 0, 6) + (d and DEC[d] or 0)
    local k = math.min(3, n - i) -- chars beyond the first give one byte each
    local bytes = string.char(band(rshift(v, 16), 255), band(rshift(v, 8), 255), band(v, 255))
    out[#out + 1] = bytes:sub(1, k)
  end
  return table.concat(out)
end

-- Through tide.io.files.write (tide_file_write): a temp file in the same folder, fsync, rename.
function M.write_atomic(path, text)
  require("tide.io.files").write("eda.report", path, { text })
  return path
end

local function read_bytes(path)
  local f = io.open(path, "rb")
  if not f then error(format("eda.report: cannot read the plot %s", path), 0) end
  local s = f:read("*a")
  f:close()
  return s
end

-- Number formatting shared with the terminal summary.
function M.fmt(v)
  if v == nil then return "" end
  if type(v) ~= "number" then return tostring(v) end
  if v ~= v then return "NaN" end
  if v == math.floor(v) and math.abs(v) < 1e15 then return format("%d", v) end
  local a = math.abs(v)
  if a >= 1e6 or a < 1e-3 then return format("%.4g", v) end
  return format("%.4f", v)
end
local fmt = M.fmt

local CSS = [[
body{font-family:sans-serif;margin:2em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:0.5em 0;font-size:0.9em}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}
img{max-width:100%;border:1px solid #eee;margin:0.3em}
.plots{display:flex;flex-wrap:wrap}.plots figure{margin:0.3em;flex:0 0 auto}.plots img{width:600px;max-width:95vw}figcaption{font-size:0.85em;color:#555}
]]

local function img(path, caption)
  local data = M.base64(read_bytes(path))
  return format('<figure><img alt="%s" src="data:image/png;base64,%s"><figcaption>%s</figcaption></figure>',
    esc(caption), data, esc(caption))
end

local function matrix_table(names, m)
  local h = { "<table><tr><th></th>" }
  for _, n in ipairs(names) do h[#h + 1] = "<th>" .. esc(n) .. "</th>" end
  h[#h + 1] = "</tr>"
  for i, n in ipairs(names) do
    h[#h + 1] = '<tr><th class="l">' .. esc(n) .. "</th>"
    for j = 1, #names do h[#h + 1] = "<td>" .. esc(format("%.3f", m[i][j])) .. "</td>" end
    h[#h + 1] = "</tr>"
  end
  h[#h + 1] = "</table>"
  return table.concat(h)
end

function M.page(r)
  local h = {}
  local function add(...) for _, s in ipairs({ ... }) do h[#h + 1] = s end end
  add("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>",
    esc(r.title), "</title><style>", CSS, "</style></head><body>\n")
  add("<h1>", esc(r.title), "</h1>")
  add(format("<p>%d rows, %d columns", r.nrows, r.ncols))
  if r.target then add(", target <b>", esc(r.target.target), "</b> (", esc(r.target.kind), ")") end
  add("</p>\n")

  add("<h2>Columns</h2><table><tr><th class=\"l\">column</th><th class=\"l\">type</th><th>count</th>",
    "<th>missing</th><th>unique</th><th>mean</th><th>std</th><th>min</th><th>25%</th><th>50%</th>",
    "<th>75%</th><th>max</th><th>skew</th><th>kurtosis</th><th>outliers (IQR)</th>",
    "<th class=\"l\">most frequent</th></tr>\n")
  for _, s in ipairs(r.columns) do
    add("<tr><td class=\"l\">", esc(s.name), "</td><td class=\"l\">", esc(s.type), "</td>")
    for _, k in ipairs({ "count", "missing", "unique", "mean", "std", "min", "q25", "median", "q75", "max", "skew",
      "kurtosis" }) do
      add("<td>", esc(fmt(s[k])), "</td>")
    end
    add("<td>", s.outliers and esc(format("%d [%s, %s]", s.outliers.count, fmt(s.outliers.lower),
      fmt(s.outliers.upper))) or "", "</td><td class=\"l\">")
    if s.top then
      local parts = {}
      for _, t in ipairs(s.top) do parts[#parts + 1] = esc(t.value) .. " (" .. t.count .. ")" end
      add(table.concat(parts, ", "))
    end
    add("</td></tr>\n")
  end
  add("</table>\n")

  if r.target then
    add("<h2>Association with ", esc(r.target.target), "</h2><table><tr><th class=\"l\">column</th>",
      "<th class=\"l\">measure</th><th>value</th></tr>\n")
    for _, row in ipairs(r.target.rows) do
      add("<tr><td class=\"l\">", esc(row.column), "</td><td class=\"l\">", esc(row.measure), "</td><td>",
        esc(row.value and format("%.4f", row.value) or row.note or ""), "</td></tr>\n")
    end
    add("</table>\n")
  end

  if r.pearson then
    add("<h2>Pearson correlation</h2>", matrix_table(r.numeric, r.pearson), "\n")
    add("<h2>Spearman correlation</h2>", matrix_table(r.numeric, r.spearman), "\n")
  end
  if r.cramers_v then
    add("<h2>Cram&eacute;r's V</h2>", matrix_table(r.cramers_names, r.cramers_v), "\n")
  end

  if #r.plots > 0 then
    add("<h2>Plots</h2><div class=\"plots\">\n")
    for _, p in ipairs(r.plots) do add(img(p.path, p.caption), "\n") end
    add("</div>\n")
  end
  add("</body></html>\n")
  return table.concat(h)
end

return M
