-- tide.progress: a progress bar for training loops.
--
--   local bar = tide.progress.new{ total = #loader, desc = "epoch 1/3", unit = "batch" }
--   for x, y in loader:iter() do
--     ...
--     bar:update(1, { loss = loss_value, acc = acc })
--   end
--   bar:close()
--
-- On a terminal the line is redrawn in place (with \r, at most every min_interval seconds):
--   epoch 1/3:  45%|█████▍      | 422/938 [00:12<00:14, 35.2 batch/s, acc=0.91, loss=0.41]
-- When the output is not a terminal (CI logs, files, pipes) it prints a plain line every
-- log_interval seconds and a last one at close, so logs stay readable:
--   epoch 1/3:  45% 422/938 batch [00:12<00:14, 35.2 batch/s, acc=0.91, loss=0.41]
-- Time comes from a monotonic clock (tide_monotonic_seconds) unless opts.clock is given.
local core = require("tide._core")
local ffi = require("ffi")
local A = require("tide._args")

local raise = core.raise
local format, floor, max, min = string.format, math.floor, math.max, math.min

local M = {}

-- ---------------------------------------------------------------- terminal queries

pcall(ffi.cdef, "int isatty(int fd);")
pcall(ffi.cdef, [[
typedef struct { unsigned short ws_row, ws_col, ws_xpixel, ws_ypixel; } tide_progress_winsize;
int ioctl(int fd, unsigned long request, ...);
]])

local function fd_of(file)
  if file == io.stderr then return 2 end
  if file == io.stdout then return 1 end
  return nil
end

local function is_terminal(fd)
  if fd == nil then return false end
  local ok, r = pcall(function() return ffi.C.isatty(fd) end)
  return ok and r == 1
end

local function terminal_columns(fd)
  local env = tonumber(os.getenv("COLUMNS") or "")
  if env and env >= 20 then return floor(env) end
  if fd ~= nil then
    local ok, cols = pcall(function()
      local ws = ffi.new("tide_progress_winsize")
      if ffi.C.ioctl(fd, 0x5413, ws) == 0 then return ws.ws_col end -- TIOCGWINSZ (Linux)
      return 0
    end)
    if ok and cols and cols >= 20 then return tonumber(cols) end
  end
  return 80
end

-- ---------------------------------------------------------------- formatting

local function utf8_len(s)
  local _, n = s:gsub("[^\128-\191]", "")
  return n
end

-- Cut s to at most n characters (UTF-8 aware).
local function utf8_cut(s, n)
  if utf8_len(s) <= n then return s end
  local out, count = {}, 0
  for ch in s:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    if count >= n then break end
    out[#out + 1] = ch
    count = count + 1
  end
  return table.concat(out)
end

-- "MM:SS", or "H:MM:SS" from an hour on
function M.format_time(s)
  if s == nil or s ~= s or s == math.huge or s < 0 then return "?" end
  s = floor(s + 0.5)
  local h, m = floor(s / 3600), floor(s / 60) % 60
  if h > 0 then return format("%d:%02d:%02d", h, m, s % 60) end
  return format("%02d:%02d", m, s % 60)
end

local function format_count(n)
  if n == floor(n) then return format("%d", n) end
  return format("%.1f", n)
end

-- "35.2 batch/s", or "4.00 s/epoch" below one unit a second
function M.format_rate(rate, unit)
  if rate == nil or rate ~= rate or rate <= 0 or rate == math.huge then return "? " .. unit .. "/s" end
  if rate < 1 then return format("%.2f s/%s", 1 / rate, unit) end
  if rate >= 1000 then return format("%.0f %s/s", rate, unit) end
  if rate >= 100 then return format("%.1f %s/s", rate, unit) end
  return format("%.2f %s/s", rate, unit)
end

local function format_value(v)
  if type(v) == "number" then
    if v == floor(v) and math.abs(v) < 1e15 then return format("%d", v) end
    return format("%.4g", v)
  end
  return tostring(v)
end

-- postfix: {key = value} (keys sorted) or an array of {key, value} pairs (order kept)
local function format_postfix(p)
  if p == nil then return "" end
  local parts = {}
  if #p > 0 then
    for _, kv in ipairs(p) do parts[#parts + 1] = tostring(kv[1]) .. "=" .. format_value(kv[2]) end
  else
    local keys = {}
    for k in pairs(p) do keys[#keys + 1] = tostring(k) end
    table.sort(keys)
    for _, k in ipairs(keys) do parts[#parts + 1] = k .. "=" .. format_value(p[k]) end
  end
  if #parts == 0 then return "" end
  return ", " .. table.concat(parts, ", ")
end

local BLOCKS = { "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█" }

-- A bar of `width` cells filled to fraction f: unicode eighth blocks, or '#' in ASCII.
local function bar_cells(f, width, ascii)
  f = min(max(f, 0), 1)
  if ascii then
    local full = floor(f * width)
    return string.rep("#", full) .. string.rep(" ", width - full)
  end
  local eighths = floor(f * width * 8)
  local full, part = floor(eighths / 8), eighths % 8
  local s = string.rep(BLOCKS[8], full)
  if full < width then
    s = s .. (part > 0 and BLOCKS[part] or " ") .. string.rep(" ", width - full - 1)
  end
  return s
end

-- ---------------------------------------------------------------- the bar

local Bar = {}
Bar.__index = Bar

local OPTIONS = { total = true, desc = true, unit = true, file = true, interactive = true, min_interval = true,
  log_interval = true, width = true, clock = true, ascii = true, leave = true, initial = true, disable = true,
  smoothing = true }

local function check_number(name, v, lo)
  if type(v) ~= "number" or v ~= v or v < lo or v == math.huge then
    raise(format("progress: %s must be a number >= %g, got %s", name, lo, tostring(v)))
  end
  return v
end

-- progress.new{total =, desc = "", unit = "it", file = io.stderr, interactive = (a terminal?),
-- min_interval = 0.1, log_interval = 10, width = (terminal columns), clock = (monotonic),
-- ascii = false, leave = true, initial = 0, disable = false, smoothing = 0.3}
-- file may be a Lua file or anything with a write(self, s) method, or a function(s).
-- TIDE_PROGRESS=off in the environment silences every bar; =plain forces plain lines.
function M.new(opts)
  opts = A.options("progress.new", opts, OPTIONS)
  local self = setmetatable({}, Bar)
  if opts.total ~= nil then self.total = check_number("total", opts.total, 0) end
  self.desc = opts.desc ~= nil and tostring(opts.desc) or ""
  self.unit = opts.unit ~= nil and tostring(opts.unit) or "it"
  self.n = opts.initial ~= nil and check_number("initial", opts.initial, 0) or 0
  self.min_interval = opts.min_interval ~= nil and check_number("min_interval", opts.min_interval, 0) or 0.1
  self.log_interval = opts.log_interval ~= nil and check_number("log_interval", opts.log_interval, 0) or 10
  self.smoothing = opts.smoothing ~= nil and check_number("smoothing", opts.smoothing, 0) or 0.3
  if self.smoothing > 1 then raise("progress: smoothing must be in [0, 1], got " .. self.smoothing) end
  self.leave = opts.leave ~= false
  self.ascii = opts.ascii == true
  local file = opts.file or io.stderr
  if type(file) == "function" then
    self._write = file
  elseif (type(file) == "table" or type(file) == "userdata") and file.write then
    self._write = function(s) file:write(s) if file.flush then file:flush() end end
  else
    raise("progress.new: file must be a file, an object with a write method, or a function; got " .. type(file))
  end
  local mode = os.getenv("TIDE_PROGRESS")
  self.disabled = opts.disable == true or mode == "off"
  local fd = fd_of(file)
  if opts.interactive ~= nil then
    self.interactive = opts.interactive == true
  else
    self.interactive = mode ~= "plain" and is_terminal(fd)
  end
  self.width = opts.width ~= nil and check_number("width", opts.width, 10) or terminal_columns(fd)
  if opts.clock ~= nil then
    if type(opts.clock) ~= "function" then raise("progress.new: clock must be a function returning seconds") end
    self._clock = opts.clock
  else
    self._clock = function() return core.C.tide_monotonic_seconds() end
  end
  self.start = self._clock()
  self._last_draw, self._last_log = self.start, self.start
  self._initial = self.n
  self._last_n, self._last_t = self.n, self.start
  self._drawn_len = 0
  self._logged_n = nil
  self.closed = false
  if self.interactive and not self.disabled then self:_draw(self.start) end
  return self
end

function Bar:elapsed() return self._clock() - self.start end

-- The smoothed rate (units / s) used for the ETA; the overall mean once closed.
function Bar:rate(now)
  now = now or self._clock()
  if self.closed or self._rate == nil then
    local dt = (self.closed and self._end or now) - self.start
    if dt <= 0 then return nil end
    return (self.n - self._initial) / dt
  end
  return self._rate
end

-- The status line (without \r or newline).
function Bar:format(now, plain)
  now = now or self._clock()
  local elapsed = (self.closed and self._end or now) - self.start
  local rate = self:rate(now)
  local desc = self.desc ~= "" and (self.desc .. ": ") or ""
  local post = format_postfix(self.postfix)
  local total = self.total
  if total == nil then
    return format("%s%s %s [%s, %s%s]", desc, format_count(self.n), self.unit, M.format_time(elapsed),
      M.format_rate(rate, self.unit), post)
  end
  local f = total > 0 and self.n / total or 1
  local eta = (rate and rate > 0) and max(total - self.n, 0) / rate or nil
  local pct = format("%3d%%", floor(min(f, 1) * 100))
  local counts = format("%s/%s", format_count(self.n), format_count(total))
  local right = format("[%s<%s, %s%s]", M.format_time(elapsed), M.format_time(eta), M.format_rate(rate, self.unit), post)
  if plain then return format("%s%s %s %s %s", desc, pct, counts, self.unit, right) end
  local left = desc .. pct .. "|"
  local tail = "| " .. counts .. " " .. right
  local room = self.width - 1 - utf8_len(left) - utf8_len(tail)
  if room >= 4 then return left .. bar_cells(f, min(room, 60), self.ascii) .. tail end
  return utf8_cut(desc .. pct .. " " .. counts .. " " .. right, self.width - 1)
end

function Bar:_draw(now)
  local line = self:format(now)
  local len = utf8_len(line)
  local pad = self._drawn_len > len and string.rep(" ", self._drawn_len - len) or ""
  self._write("\r" .. line .. pad)
  self._drawn_len = len
  self._last_draw = now
end

function Bar:_log(now)
  self._write(self:format(now, true) .. "\n")
  self._last_log = now
  self._logged_n = self.n
end

-- Advance by n (default 1) and optionally replace the postfix values ({loss = 0.41, ...}).
function Bar:update(n, postfix)
  if self.closed then raise("progress: update on a closed bar") end
  if n == nil then n = 1 end
  if type(n) ~= "number" or n ~= n or n < 0 or n == math.huge then
    raise("progress: update expects a count >= 0, got " .. tostring(n))
  end
  if postfix ~= nil then self:set_postfix(postfix, false) end
  self.n = self.n + n
  local now = self._clock()
  -- rate: exponential moving average of the rate between measurements at least 50 ms apart
  local dt = now - self._last_t
  if dt >= 0.05 then
    local inst = (self.n - self._last_n) / dt
    local a = self.smoothing
    self._rate = self._rate == nil and inst or (a * inst + (1 - a) * self._rate)
    self._last_n, self._last_t = self.n, now
  end
  if self.disabled then return self end
  local done = self.total ~= nil and self.n >= self.total
  if self.interactive then
    if now - self._last_draw >= self.min_interval or done then self:_draw(now) end
  elseif now - self._last_log >= self.log_interval or (done and self._logged_n ~= self.n) then
    self:_log(now)
  end
  return self
end

function Bar:set_postfix(postfix, redraw)
  if type(postfix) ~= "table" then raise("progress: postfix must be a table, got " .. type(postfix)) end
  self.postfix = postfix
  if redraw ~= false and self.interactive and not self.disabled and not self.closed then self:_draw(self._clock()) end
  return self
end

function Bar:set_description(desc)
  self.desc = tostring(desc)
  if self.interactive and not self.disabled and not self.closed then self:_draw(self._clock()) end
  return self
end

-- Print a message above the bar without breaking it.
function Bar:write(msg)
  msg = tostring(msg)
  if self.disabled then return self end
  if self.interactive and not self.closed then
    self._write("\r" .. string.rep(" ", self._drawn_len) .. "\r" .. msg .. "\n")
    self._drawn_len = 0
    self:_draw(self._clock())
  else
    self._write(msg .. "\n")
  end
  return self
end

-- Finish: the last line shows the mean rate; a terminal line is kept (leave = true) or erased.
function Bar:close(postfix)
  if self.closed then return self end
  if postfix ~= nil then self:set_postfix(postfix, false) end
  local now = self._clock()
  self._end = now
  self.closed = true
  if self.disabled then return self end
  if self.interactive then
    if self.leave then
      self:_draw(now)
      self._write("\n")
    else
      self._write("\r" .. string.rep(" ", self._drawn_len) .. "\r")
    end
  elseif self._logged_n ~= self.n or postfix ~= nil then
    self:_log(now)
  end
  return self
end

return M
