-- tide.plot.ticks: "nice" tick positions (steps of 1, 2 or 5 times a power of ten) for linear
-- axes, decades (with 2 and 5 between when the range is short) for log axes, and their labels.
local M = {}

local floor, ceil, log10, max, min, abs = math.floor, math.ceil, math.log10, math.max, math.min, math.abs
local format = string.format

-- The 1-2-5 step nearest above `raw`.
function M.nice_step(raw)
  if not (raw > 0) or raw == math.huge then return 1 end
  local p = 10 ^ floor(log10(raw))
  local f = raw / p
  local m
  if f <= 1 + 1e-9 then m = 1 elseif f <= 2 + 1e-9 then m = 2 elseif f <= 5 + 1e-9 then m = 5 else m = 10 end
  return m * p
end

local function ticks_for(lo, hi, step)
  local first, last = ceil(lo / step - 1e-9), floor(hi / step + 1e-9)
  local t = {}
  for k = first, last do
    local v = k * step
    if abs(v) < step * 1e-9 then v = 0 end -- no "-0" or 1e-17 at zero
    t[#t + 1] = v
  end
  return t
end

-- Ticks inside [lo, hi], about `target` of them: the largest count of a 1-2-5 step that does not
-- exceed target by more than a quarter (and at least 2 ticks when the range allows). Returns the
-- positions and the step.
function M.linear(lo, hi, target)
  target = max(target or 6, 2)
  if not (hi > lo) then return { lo }, 1 end
  local span = hi - lo
  local p = 10 ^ floor(log10(span / target))
  local steps = { p / 2, p, 2 * p, 5 * p, 10 * p, 20 * p, 50 * p }
  local idx = #steps
  for i, st in ipairs(steps) do
    if span / st <= target * 1.25 then idx = i break end
  end
  local t = ticks_for(lo, hi, steps[idx])
  while #t < 2 and idx > 1 do -- a narrow window around one tick: take the next finer step
    idx = idx - 1
    t = ticks_for(lo, hi, steps[idx])
  end
  local chosen = steps[idx]
  return t, chosen
end

-- Labels with as many decimals as the step needs ("0.25", "1", "1e+06" for huge values).
function M.linear_labels(ticks, step)
  local big = 0
  for _, v in ipairs(ticks) do big = max(big, abs(v)) end
  local labels = {}
  if big >= 1e7 or (big > 0 and big < 1e-4) then
    for i, v in ipairs(ticks) do labels[i] = v == 0 and "0" or format("%.3g", v) end
    return labels
  end
  local decimals = max(0, -floor(log10(step) + 1e-9))
  -- a step like 0.25 (from 2.5 scaled) needs one more decimal than its power of ten
  local scaled = step / 10 ^ floor(log10(step) + 1e-9)
  if abs(scaled - floor(scaled + 0.5)) > 1e-6 then decimals = decimals + 1 end
  local f = format("%%.%df", decimals)
  for i, v in ipairs(ticks) do labels[i] = format(f, v) end
  return labels
end

-- Log-axis ticks in [lo, hi] (lo > 0): powers of ten, plus 2x and 5x when fewer than 3 decades.
function M.log(lo, hi)
  local a, b = floor(log10(lo) + 1e-9), ceil(log10(hi) - 1e-9)
  local ticks = {}
  local mults = (b - a) <= 3 and { 1, 2, 5 } or { 1 }
  local stride = max(1, ceil((b - a + 1) / 8)) -- at most ~8 decades labelled
  for e = a, b do
    if (e - a) % stride == 0 or #mults > 1 then
      for _, m in ipairs(mults) do
        local v = m * 10 ^ e
        if v >= lo * (1 - 1e-9) and v <= hi * (1 + 1e-9) then ticks[#ticks + 1] = v end
      end
    end
  end
  return ticks
end

function M.log_labels(ticks)
  local labels = {}
  local powers, extreme = true, false
  for _, v in ipairs(ticks) do
    local e = floor(log10(v) + 1e-9)
    if abs(v / 10 ^ e - 1) > 1e-9 then powers = false end
    if e < -3 or e > 4 then extreme = true end
  end
  for i, v in ipairs(ticks) do
    if powers and extreme then
      labels[i] = format("1e%d", floor(log10(v) + 0.5))
    else
      labels[i] = format("%g", v)
    end
  end
  return labels
end

-- A number as a short label (annotations): integers plainly, others with `digits` decimals.
function M.number(v, digits)
  if v ~= v then return "nan" end
  if v == floor(v) and abs(v) < 1e15 then return format("%d", v) end
  return format("%." .. (digits or 2) .. "f", v)
end

return M
