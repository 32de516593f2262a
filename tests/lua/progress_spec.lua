-- tide.progress with a fake clock and a string sink: the terminal line (redrawn in place, rate
-- limited), plain periodic lines for logs, counts, percentages, rates, elapsed / ETA, postfix
-- values, write(), close(), and bad arguments.
local progress = require("tide.progress")
local H = require("spec_helpers")

-- A bar whose clock is `t.now` and whose output collects in `out`.
local function fake(opts)
  local t = { now = 100, out = {} }
  opts.clock = function() return t.now end
  opts.file = function(s) t.out[#t.out + 1] = s end
  if opts.width == nil then opts.width = 100 end
  t.bar = progress.new(opts)
  t.text = function() return table.concat(t.out) end
  return t
end

describe("progress on a terminal", function()
  it("redraws the line in place with count, percentage, rate, elapsed, ETA and postfix", function()
    local t = fake({ total = 200, desc = "epoch 1/3", unit = "img", interactive = true })
    assert.equals("\repoch 1/3:   0%|", t.out[1]:sub(1, 17)) -- drawn at once
    t.now = 102
    t.bar:update(50, { loss = 0.41234, acc = 0.9 })
    local line = t.out[#t.out]
    assert.equals("\r", line:sub(1, 1))
    assert.truthy(line:find("epoch 1/3:  25%|", 1, true))
    assert.truthy(line:find("| 50/200 [00:02<00:06, 25.00 img/s, acc=0.9, loss=0.4123]", 1, true), line)
    -- the whole line fits the width and the bar is made of blocks
    assert.equals(99, (line:sub(2):gsub("[\128-\191]", "")):len())
    assert.truthy(line:find("█", 1, true))
  end)

  it("redraws at most every min_interval seconds, and always at the end", function()
    local t = fake({ total = 1000, interactive = true })
    local before = #t.out
    for _ = 1, 99 do
      t.now = t.now + 0.001
      t.bar:update(1)
    end
    assert.equals(before, #t.out) -- 0.099 s: no redraw yet
    t.now = t.now + 0.01
    t.bar:update(1)
    assert.equals(before + 1, #t.out)
    t.bar:update(900)
    assert.equals(before + 2, #t.out) -- done: drawn at once
    assert.truthy(t.out[#t.out]:find("100%|", 1, true))
    t.bar:close()
    assert.equals("\n", t.out[#t.out])
  end)

  it("pads a shorter line over a longer one and erases it with leave = false", function()
    local t = fake({ total = 10, interactive = true, desc = "a long description" })
    t.now = t.now + 1
    t.bar:set_description("x")
    local last = t.out[#t.out]
    assert.equals(100, (last:gsub("[\128-\191]", "")):len()) -- \r + 99 columns: old text covered
    local t2 = fake({ total = 10, interactive = true, leave = false })
    t2.bar:update(3)
    t2.bar:close()
    assert.truthy(t2.out[#t2.out]:match("^\r +\r$"))
  end)

  it("writes messages above the bar", function()
    local t = fake({ total = 10, interactive = true })
    t.now = t.now + 1
    t.bar:update(5)
    t.bar:write("validation: acc 0.91")
    local text = t.text()
    assert.truthy(text:find("\r +\rvalidation: acc 0.91\n\r", 1, false))
    assert.truthy(t.out[#t.out]:find(" 50%|", 1, true))
  end)

  it("ascii bars and narrow terminals", function()
    local t = fake({ total = 4, interactive = true, ascii = true, width = 60 })
    t.now = t.now + 1
    t.bar:update(2)
    local line = t.out[#t.out]:sub(2)
    assert.truthy(line:find("50%%|#+ +| 2/4", 1, false), line)
    assert.is_true(#line <= 59)
    local n = fake({ total = 4, interactive = true, width = 20, desc = "a very long description here" })
    n.now = n.now + 1
    n.bar:update(1)
    assert.is_true((n.out[#n.out]:sub(2):gsub("[\128-\191]", "")):len() <= 19)
  end)
end)

describe("progress in logs (not a terminal)", function()
  it("prints a plain line every log_interval seconds and a last one at close", function()
    local t = fake({ total = 100, desc = "train", unit = "batch", interactive = false, log_interval = 10 })
    assert.equals(0, #t.out)
    for i = 1, 100 do
      t.now = t.now + 0.25
      t.bar:update(1, { loss = 1 / i })
    end
    -- 25 s: lines at 10 s and 20 s, then the final one at 100 %
    assert.equals(3, #t.out)
    assert.equals("train:  40% 40/100 batch [00:10<00:15, 4.00 batch/s, loss=0.025]\n", t.out[1])
    assert.equals("train:  80% 80/100 batch [00:20<00:05, 4.00 batch/s, loss=0.0125]\n", t.out[2])
    assert.equals("train: 100% 100/100 batch [00:25<00:00, 4.00 batch/s, loss=0.01]\n", t.out[3])
    assert.is_nil(t.text():find("\r", 1, true))
    t.bar:close()
    assert.equals(3, #t.out) -- nothing new to say
  end)

  it("close prints the final state once, with the mean rate", function()
    local t = fake({ total = 50, interactive = false })
    t.now = t.now + 2
    t.bar:update(10)
    t.now = t.now + 3
    t.bar:close({ acc = 0.75 })
    assert.equals(" 20% 10/50 it [00:05<00:20, 2.00 it/s, acc=0.75]\n", t.out[#t.out])
    t.bar:close()
    assert.equals(1, #t.out)
    H.assert_error(function() t.bar:update(1) end, "progress: update on a closed bar")
  end)

  it("counts without a total, slow rates and long runs", function()
    local t = fake({ unit = "epoch", interactive = false, log_interval = 0 })
    t.now = t.now + 8
    t.bar:update(2)
    assert.equals("2 epoch [00:08, 4.00 s/epoch]\n", t.out[1])
    t.now = t.now + 3700
    t.bar:update(1, { { "loss", 0.5 }, { "lr", 0.001 } })
    assert.truthy(t.out[2]:find("3 epoch [1:01:48, ", 1, true))
    assert.truthy(t.out[2]:find(", loss=0.5, lr=0.001]", 1, true))
  end)

  it("silences output when disabled", function()
    local t = fake({ total = 3, interactive = true, disable = true })
    t.bar:update(3)
    t.bar:write("hidden")
    t.bar:close()
    assert.equals(0, #t.out)
    assert.equals(3, t.bar.n)
  end)

  it("writes to Lua files and objects with a write method", function()
    local path = H.tmpname()
    local f = assert(io.open(path, "w"))
    local bar = progress.new({ total = 2, file = f, interactive = false, desc = "files" })
    bar:update(2)
    bar:close()
    f:close()
    assert.truthy(H.read_file(path):find("^files: 100%% 2/2 it %["))
    os.remove(path)
  end)
end)

describe("progress helpers and errors", function()
  it("formats times and rates", function()
    assert.equals("00:00", progress.format_time(0))
    assert.equals("01:05", progress.format_time(65))
    assert.equals("2:00:00", progress.format_time(7200))
    assert.equals("?", progress.format_time(nil))
    assert.equals("?", progress.format_time(1 / 0))
    assert.equals("1234 img/s", progress.format_rate(1234.4, "img"))
    assert.equals("123.4 img/s", progress.format_rate(123.44, "img"))
    assert.equals("2.50 s/it", progress.format_rate(0.4, "it"))
    assert.equals("? it/s", progress.format_rate(nil, "it"))
  end)

  it("is tide.progress", function()
    assert.equals(progress, require("tide").progress)
  end)

  it("uses the monotonic clock by default", function()
    local bar = progress.new({ total = 1, file = function() end })
    local e = bar:elapsed()
    assert.is_true(e >= 0 and e < 5)
  end)

  it("rejects bad arguments", function()
    H.assert_error(function() progress.new({ total = -1 }) end, "progress: total must be a number >= 0, got -1")
    H.assert_error(function() progress.new({ totl = 3 }) end, "progress.new: unknown option 'totl'")
    H.assert_error(function() progress.new({ file = 3 }) end, "file must be a file")
    H.assert_error(function() progress.new({ clock = 1 }) end, "clock must be a function")
    H.assert_error(function() progress.new("x") end, "options must be a table")
    local bar = progress.new({ total = 3, file = function() end })
    H.assert_error(function() bar:update(-1) end, "update expects a count >= 0, got -1")
    H.assert_error(function() bar:update(0 / 0) end, "update expects a count >= 0")
    H.assert_error(function() bar:update(1, "loss") end, "postfix must be a table")
  end)
end)
