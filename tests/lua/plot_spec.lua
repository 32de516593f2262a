-- tide.plot: PNG files written atomically with the right size (read back through tide.io.read_png),
-- pixels where the drawing puts them (heatmap cells in colour-map colours, lines, bars, images of
-- an image grid, legends), ticks and colour maps, the canvas API, and bad input.
local tide = require("tide")
local H = require("spec_helpers")
local plot = tide.plot

local tmpdir
local function tmp(name) return tmpdir .. "/" .. name end

setup(function()
  tmpdir = H.tmpname()
  assert(os.execute("mkdir -p " .. H.q(tmpdir)))
end)

teardown(function()
  os.execute("rm -rf " .. H.q(tmpdir))
end)

-- Width and height from a PNG's IHDR chunk, checking the signature.
local function png_size(path)
  local s = H.read_file(path)
  assert.equals("\137PNG\r\n\26\n", s:sub(1, 8))
  assert.equals("IHDR", s:sub(13, 16))
  local function u32(i) local a, b, c, d = s:byte(i, i + 3) return ((a * 256 + b) * 256 + c) * 256 + d end
  return u32(17), u32(21), s:byte(26) -- width, height, colour type
end

-- The PNG decoded (tide.io.read_png, libpng) as uint8 [H, W, C].
local function read_png(path)
  local ok, io_mod = pcall(function() return tide.io end)
  if ok and io_mod and io_mod.read_png then return io_mod.read_png(path) end
  return nil
end

local function pixel(img, x, y) -- 1-based column x, row y
  local c = {}
  for k = 1, img.shape[3] do c[k] = img[{ y, x, k }] end
  return c
end

local function near_color(got, want, tol, what)
  tol = tol or 2
  for k = 1, 3 do
    assert(math.abs(got[k] - want[k]) <= tol, string.format("%s: pixel (%d, %d, %d), expected (%d, %d, %d)",
      what or "colour", got[1], got[2], got[3], want[1], want[2], want[3]))
  end
end

local function files_in(dir)
  local p = io.popen("ls -A " .. H.q(dir))
  local names = {}
  for l in p:lines() do names[#names + 1] = l end
  p:close()
  table.sort(names)
  return names
end

describe("figures", function()
  it("save a PNG of the figure's size, decoded back with libpng", function()
    local fig = plot.figure({ width = 640, height = 480 })
    fig:axes({ title = "t", xlabel = "x", ylabel = "y" }):line({ 1, 2, 3 }, { 3, 1, 2 }, { label = "a" })
    local path = fig:save(tmp("line.png"))
    assert.equals(tmp("line.png"), path)
    local w, h, ctype = png_size(path)
    assert.equals(640, w)
    assert.equals(480, h)
    assert.equals(2, ctype) -- 8-bit RGB
    local img = read_png(path)
    if img then
      assert.same({ 480, 640, 3 }, img.shape)
      assert.is_true(img:equal(fig:to_tensor()))
    end
  end)

  it("draw a line where the data puts it", function()
    local fig = plot.figure({ width = 400, height = 300 })
    local ax = fig:axes({ xlim = { 0, 10 }, ylim = { 0, 10 }, grid = false })
    ax:line({ 0, 10 }, { 5, 5 }, { color = "#ff0000", width = 3 })
    local img = fig:to_tensor()
    local f = ax._frame
    local y = math.floor(f.mapy(5)) + 1
    local x = math.floor(f.mapx(3)) + 1
    near_color(pixel(img, x, y), { 255, 0, 0 }, 2, "line pixel")
    near_color(pixel(img, x, y - 10), { 255, 255, 255 }, 0, "background above the line")
    -- the frame is drawn around the plot area
    assert.is_true(pixel(img, f.x + 1, f.y + 40)[1] < 100)
  end)

  it("colour heatmap cells with the colour map, annotations inside", function()
    local m = tide.tensor({ { 0, 1 }, { 2, 3 } }, "float64")
    local fig = plot.heatmap({ data = m, cmap = "viridis", vmin = 0, vmax = 3, annotate = false, width = 400,
      height = 400 })
    local img = fig:to_tensor()
    local ax = fig.panels[1]
    local f = ax._frame
    local lut = plot.colormap("viridis")
    local expect = { [0] = 1, [1] = 86, [2] = 171, [3] = 256 } -- floor(v / 3 * 256) clamped, 1-based
    for i = 1, 2 do
      for j = 1, 2 do
        local v = m[{ i, j }]
        local px = pixel(img, math.floor(f.mapx(j)) + 1, math.floor(f.mapy(i)) + 1)
        local row = lut[expect[v]]
        near_color(px, { row[1], row[2], row[3] }, 0, "cell " .. i .. "," .. j)
      end
    end
    -- row 1 is at the top
    assert.is_true(f.mapy(1) < f.mapy(2))
  end)

  it("plot a confusion matrix with class names and a colour bar", function()
    local names = { "cat", "dog", "bird" }
    local cm = tide.tensor({ { 5, 1, 0 }, { 2, 7, 1 }, { 0, 0, 9 } }, "int64")
    local fig = plot.confusion_matrix(cm, { names = names, path = tmp("cm.png") })
    local w, h = png_size(tmp("cm.png"))
    assert.equals(800, w)
    assert.equals(600, h)
    local ax = fig.panels[1]
    assert.same(names, ax.o.xticklabels)
    assert.same(names, ax.o.yticklabels)
    assert.equals("True label", ax.o.ylabel)
    assert.is_table(ax.colorbar)
    assert.equals(0, ax.colorbar.vmin)
    assert.equals(9, ax.colorbar.vmax)
    -- the darkest cell (9) is dark blue with white text somewhere in it
    local img = fig:to_tensor()
    local f = ax._frame
    local cx, cy = math.floor(f.mapx(3)) + 1, math.floor(f.mapy(3)) + 1
    local lut = plot.colormap("blues")
    local top = lut[256]
    local cw = math.floor((f.mapx(3.5) - f.mapx(2.5)) / 2) - 2
    local dark, white = 0, 0
    for dx = -cw, cw do
      local p = pixel(img, cx + dx, cy)
      if math.abs(p[1] - top[1]) <= 1 and math.abs(p[3] - top[3]) <= 1 then dark = dark + 1 end
      if p[1] > 200 and p[2] > 200 then white = white + 1 end
    end
    assert.is_true(dark > cw, "cell colour")
    assert.is_true(white > 0, "annotation text")
    -- normalized: rows sum to 1 in the colours' scale
    local nfig = plot.confusion_matrix(cm, { normalize = "true" })
    assert.equals(1, nfig.panels[1].colorbar.vmax)
    local data = nfig.panels[1].series[1].data
    assert.is_true(tide.allclose(data:sum(2), tide.ones(3, "float64")))
  end)

  it("lay out several axes and an image grid", function()
    local fig = plot.figure({ width = 900, height = 300, cols = 3, title = "panels" })
    fig:axes({ title = "scatter" }):scatter(tide.randn(50), tide.randn(50), { c = tide.rand(50), colorbar = true })
    local counts, edges = fig:axes({ title = "hist" }):hist({ 1, 2, 2, 3, 3, 3, 10 }, { bins = 3 })
    assert.same({ 6, 0, 1 }, counts:totable())
    assert.same({ 1, 4, 7, 10 }, edges:totable())
    fig:axes({ title = "bars" }):bar({ "a", "b" }, { 1, 2 })
    H.assert_error(function() fig:axes({}) end, "all 3 cells of the 1x3 grid are taken")
    local img = fig:to_tensor()
    assert.same({ 300, 900, 3 }, img.shape)
    assert.is_true(img:lt(250):any()) -- something was drawn

    -- a grid of a red and a blue image with captions
    local red = tide.zeros(8, 8, 3, "uint8")
    red[{ {}, {}, 1 }] = 255
    local blue = tide.zeros(3, 8, 8) -- float [C, H, W]
    blue[3] = 1
    local g = plot.image_grid({ images = { red, blue }, captions = { "red", { text = "blue", color = "C0" } },
      path = tmp("grid.png") })
    local gw, gh = png_size(tmp("grid.png"))
    assert.equals(g.width, gw)
    assert.equals(g.height, gh)
    local gi = g:to_tensor()
    local found_red, found_blue = false, false
    for yy = 1, gh, 2 do
      for xx = 1, gw, 2 do
        local p = pixel(gi, xx, yy)
        if p[1] == 255 and p[2] == 0 and p[3] == 0 then found_red = true end
        if p[1] == 0 and p[2] == 0 and p[3] == 255 then found_blue = true end
      end
    end
    assert.is_true(found_red and found_blue)
    -- a batch tensor [N, H, W] of gray images, in columns
    local batch = plot.image_grid({ images = tide.rand(6, 10, 10), cols = 3 })
    assert.equals(2, batch.panels[1].rows)
  end)

  it("draw legends, log axes and reference lines", function()
    local fig = plot.line({ series = { { y = { 1, 10, 100 }, label = "up" }, { y = { 100, 10, 1 }, label = "down",
      style = "--", marker = "o" } }, ylog = true, title = "log", width = 500, height = 400 })
    fig.panels[1]:hline(10, { label = "ten" }):vline(2)
    local img = fig:to_tensor()
    assert.same({ 400, 500, 3 }, img.shape)
    local f = fig.panels[1]._frame
    -- log scale: 10 is half way between 1 and 100
    assert.is_true(math.abs(f.mapy(10) - (f.mapy(1) + f.mapy(100)) / 2) < 1e-9)
  end)

  it("renders RGBA figures with a transparent background", function()
    local fig = plot.figure({ width = 100, height = 80, alpha = true })
    fig:axes({ axis = false }):line({ 1, 2 }, { 1, 2 })
    local path = fig:save(tmp("alpha.png"))
    local _, _, ctype = png_size(path)
    assert.equals(6, ctype) -- RGBA
    local img = fig:to_tensor()
    assert.equals(4, img.shape[3])
    assert.equals(0, img[{ 1, 1, 4 }])
  end)
end)

describe("saving", function()
  it("replaces files atomically and leaves no temp files", function()
    local dir = tmp("atomic")
    os.execute("mkdir -p " .. H.q(dir))
    local path = dir .. "/out.png"
    H.write_file(path, "old contents")
    plot.line({ y = { 1, 2, 3 }, width = 200, height = 150, path = path })
    local w = png_size(path)
    assert.equals(200, w)
    assert.same({ "out.png" }, files_in(dir))
    -- a failing save leaves the old file as it was
    local fig = plot.figure({ width = 100, height = 100 })
    H.assert_error(function() fig:save(dir .. "/missing/out.png") end, "canvas_save_png: cannot create")
    H.assert_error(function() fig:save(dir) end, "is a folder")
    assert.equals(200, (png_size(path)))
    assert.same({ "out.png" }, files_in(dir))
  end)
end)

describe("ticks and colour maps", function()
  local ticks = require("tide.plot.ticks")

  it("choose 1-2-5 steps", function()
    local t, step = ticks.linear(0, 1, 5)
    assert.equals(0.2, step)
    assert.same({ "0.0", "0.2", "0.4", "0.6", "0.8", "1.0" }, ticks.linear_labels(t, step))
    t, step = ticks.linear(-3.5, 3.6, 3)
    assert.same({ -2, 0, 2 }, t)
    t, step = ticks.linear(0, 20.5, 9)
    assert.equals(2, step)
    assert.equals(11, #t)
    t = ticks.linear(1, 1.001, 5)
    assert.is_true(#t >= 2)
    assert.same({ "1e-9", "1e-7", "1e-5", "1e-3", "1e-1" }, ticks.log_labels(ticks.log(1e-9, 1)))
    assert.same({ 0.05, 0.1, 0.2, 0.5, 1, 2 }, ticks.log(0.05, 3))
  end)

  it("map values through 256-colour tables", function()
    local v = plot.colormap("viridis")
    assert.same({ 256, 3 }, v.shape)
    assert.same({ 68, 1, 84 }, v[1]:totable())
    assert.same({ 253, 231, 37 }, v[256]:totable())
    assert.same({ 247, 251, 255 }, plot.colormap("blues")[1]:totable())
    assert.same(plot.colormap("blues")[1]:totable(), plot.colormap("blues_r")[256]:totable())
    local rgb = plot.colors.apply("gray", tide.tensor({ { 0, 1 }, { 0.5, 0 / 0 } }), 0, 1)
    assert.same({ 2, 2, 3 }, rgb.shape)
    assert.same({ 0, 0, 0 }, rgb[{ 1, 1 }]:totable())
    assert.same({ 255, 255, 255 }, rgb[{ 1, 2 }]:totable())
    assert.same({ 217, 217, 217 }, rgb[{ 2, 2 }]:totable()) -- NaN: light gray
    assert.same({ 1, 0.5, 0, 1 }, plot.colors.parse({ 255, 127.5, 0 }))
    assert.same({ 0, 0, 0, 0 }, plot.colors.parse("none"))
    assert.equals(0x1f / 255, plot.colors.parse("C0")[1])
    assert.equals(0.5, plot.colors.parse("#ff000080", 0.5)[4])
  end)

  it("computes histograms like numpy.histogram", function()
    local c, e = plot.histogram({ 0, 0.5, 1, 1.5, 2, 0 / 0, 5 }, { bins = 2, range = { 0, 2 } })
    assert.same({ 2, 3 }, c:totable())
    assert.same({ 0, 1, 2 }, e:totable())
    c = plot.histogram({ 0, 1, 2, 3 }, { bins = { 0, 1, 3 } })
    assert.same({ 1, 3 }, c:totable())
    c = plot.histogram({ 0, 1, 2, 3 }, { bins = 2, density = true })
    assert.is_true(tide.allclose(c, tide.tensor({ 1 / 3, 1 / 3 }, "float64")))
  end)
end)

describe("the canvas", function()
  it("draws shapes, text and images in pixels", function()
    local cv = plot.canvas(60, 40)
    cv:color("blue"):rect(10, 10, 20, 10):fill()
    cv:color({ 0, 1, 0 }):line_width(4):move_to(0, 35):line_to(60, 35):stroke()
    cv:font({ size = 14, bold = true }):color("black"):text("Hi", 59, 2, { halign = "right", valign = "top" })
    local w, fh = cv:measure("Hi")
    assert.is_true(w > 5 and fh > 10)
    cv:image(tide.full({ 2, 2 }, 128, "uint8"), 40, 20, 8, 8)
    local img = cv:to_tensor()
    assert.same({ 40, 60, 3 }, img.shape)
    near_color(pixel(img, 20, 15), { 0x1f, 0x77, 0xb4 }, 0, "rect")
    near_color(pixel(img, 30, 36), { 0, 255, 0 }, 0, "line")
    near_color(pixel(img, 44, 24), { 128, 128, 128 }, 0, "image")
    local path = cv:save(tmp("canvas.png"))
    assert.equals(60, (png_size(path)))
    cv:free()
    H.assert_error(function() cv:rect(0, 0, 1, 1) end, "canvas: used after free()")
  end)
end)

describe("the canvas under random calls", function()
  it("survives 3000 random good and bad calls and keeps drawing", function()
    local seed = 12345
    local function rnd(n) -- a small deterministic generator (LCG), independent of tide's
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    end
    local numbers = { 0, 1, -1, 0.5, 10, 50, -50, 1e6, 1e7, 1e12, -1e12, 0 / 0, 1 / 0, -1 / 0, 3.7, 255, 32767 }
    local function num() return numbers[rnd(#numbers) + 1] end
    local strings = { "", "a", "hello", "caf\195\169", "\255bad", "\192\175", "x\0y", string.rep("w", 500) }
    local function tensor_arg()
      local k = rnd(7)
      if k == 0 then return tide.rand(rnd(5) + 1) end
      if k == 1 then return tide.zeros(rnd(4) + 1, rnd(4) + 1, "uint8") end
      if k == 2 then return tide.zeros(rnd(3) + 1, rnd(3) + 1, rnd(6) + 1, "uint8") end
      if k == 3 then return tide.tensor({ num(), num(), num() }) end
      if k == 4 then return tide.zeros(2, 3):t() end
      if k == 5 then return tide.zeros(0) end
      return tide.ones(3, "bool")
    end
    local cv = plot.canvas(64, 48, { alpha = rnd(2) == 1 })
    local calls = {
      function() return cv:color({ num(), num(), num(), num() }) end,
      function() return cv:line_width(num()) end,
      function() return cv:dash({ num(), num() }) end,
      function() return cv:move_to(num(), num()) end,
      function() return cv:line_to(num(), num()) end,
      function() return cv:curve_to(num(), num(), num(), num(), num(), num()) end,
      function() return cv:rect(num(), num(), num(), num()) end,
      function() return cv:circle(num(), num(), num()) end,
      function() return cv:stroke(rnd(2) == 1) end,
      function() return cv:fill(rnd(2) == 1) end,
      function() return cv:clip(num(), num(), num(), num()) end,
      function() return cv:reset_clip() end,
      function() return cv:push() end,
      function() return cv:pop() end,
      function() return cv:font({ size = num(), bold = rnd(2) == 1, family = strings[rnd(#strings) + 1] }) end,
      function() return cv:text(strings[rnd(#strings) + 1], num(), num(), { halign = num(), angle = num() }) end,
      function() return cv:measure(strings[rnd(#strings) + 1]) end,
      function() return cv:polyline(tensor_arg(), tensor_arg()) end,
      function() return cv:markers(tensor_arg(), tensor_arg(), { size = num(), shape = ({ "o", "s", "x", "?" })[rnd(4) + 1],
        colors = rnd(3) == 0 and tensor_arg() or nil }) end,
      function() return cv:image(tensor_arg(), num(), num(), num(), num(), { filter = rnd(2) == 1 and "bilinear" or "nearest" }) end,
      function() return cv:to_tensor() end,
    }
    local failures = 0
    for _ = 1, 3000 do
      local ok = pcall(calls[rnd(#calls) + 1])
      if not ok then failures = failures + 1 end
    end
    assert.is_true(failures > 100 and failures < 2900) -- a mix of good and bad calls
    -- still a working canvas
    while pcall(function() cv:pop() end) do end
    cv:reset_clip():color("#ff0000"):rect(0, 0, 64, 48):fill()
    assert.same({ 255, 0, 0 }, { cv:to_tensor()[{ 10, 10, 1 }], cv:to_tensor()[{ 10, 10, 2 }], cv:to_tensor()[{ 10, 10, 3 }] })
  end)
end)

describe("plot errors", function()
  it("name the call and the problem", function()
    H.assert_error(function() plot.figure({ widht = 3 }) end, "figure: unknown option 'widht'")
    H.assert_error(function() plot.figure({ width = 10 }) end, "figure: width must be an integer in [50, 16384], got 10")
    local ax = plot.figure():axes()
    H.assert_error(function() ax:line({ 1, 2 }, { 1 }) end, "line: x has 2 values and y 1")
    H.assert_error(function() ax:line({ 1, "a" }) end, "line: y[2] is a string, expected a number")
    H.assert_error(function() ax:line({ 1 }, { 1 }, { color = "notacolor" }) end, "unknown color 'notacolor'")
    H.assert_error(function() ax:line({ 1 }, { 1 }, { marker = "*" }) end, "line: unknown marker '*'")
    H.assert_error(function() ax:line({ 1 }, { 1 }, { style = "~" }) end, "line: unknown line style '~'")
    H.assert_error(function() ax:line({ 1 }, { 1 }, { lable = "x" }) end, "line: unknown option 'lable'")
    H.assert_error(function() ax:line(tide.zeros(2, 2)) end, "line: y must be 1-d")
    H.assert_error(function() ax:set({ xlim = { 2, 1 } }) end, "axes: xlim must have lo < hi")
    H.assert_error(function() ax:set({ legend = "middle" }) end, "axes: legend must be false")
    H.assert_error(function() ax:heatmap(tide.zeros(3)) end, "heatmap: matrix must be 2-d")
    H.assert_error(function() ax:heatmap(tide.zeros(2, 2), { cmap = "jet" }) end, "unknown colour map 'jet'")
    H.assert_error(function() ax:heatmap(tide.zeros(2, 2), { xlabels = { "a" } }) end, "heatmap: 1 xlabels for 2 columns")
    H.assert_error(function() ax:hist({ 1, 2 }, { bins = { 3, 1 } }) end, "hist: bin edges must increase")
    H.assert_error(function() ax:scatter({ 1 }, { 1 }, { c = { 1, 2 } }) end, "scatter: c has 2 values for 1 points")
    H.assert_error(function() plot.confusion_matrix(tide.zeros(2, 3)) end, "cm must be square, got [2, 3]")
    H.assert_error(function() plot.confusion_matrix(tide.zeros(2, 2), { names = { "a" } }) end, "1 names for 2 classes")
    H.assert_error(function() plot.confusion_matrix(tide.zeros(2, 2), { normalize = "row" }) end, "normalize must be nil")
    H.assert_error(function() plot.image_grid({ images = tide.zeros(2, 5, 5, 7) }) end, "a float image must be")
    H.assert_error(function() plot.image_grid({ images = { tide.zeros(5, 5, "int32") } }) end,
      "an image must be uint8, float32 or float64, got int32")
    H.assert_error(function() plot.image_grid({ images = tide.zeros(2, 4, 4), captions = { "a" } }) end,
      "1 captions for 2 images")
    H.assert_error(function() plot.line({}) end, "plot.line: y (or series) is required")
    -- a log axis with a non-positive limit, and text that is not UTF-8, fail at render time
    local f = plot.figure()
    f:axes({ ylog = true, ylim = { -1, 10 } }):line({ 1, 2 })
    H.assert_error(function() f:to_tensor() end, "axes: ylim must be positive on a log scale")
    local g = plot.figure()
    g:axes({ title = "bad \255 byte" })
    H.assert_error(function() g:to_tensor() end, "not valid UTF-8")
    local tiny = plot.figure({ width = 60, height = 60 })
    tiny:axes({ title = "t", xlabel = "x", ylabel = "y" })
    H.assert_error(function() tiny:to_tensor() end, "the axes are too small to draw")
  end)
end)

describe("box plots", function()
  it("compute quartiles, whiskers and outliers as numpy / matplotlib (NaN skipped)", function()
    local fig = plot.figure({ width = 400, height = 300 })
    local boxes = fig:axes({}):box({ { 1, 2, 3, 4, 5, 6, 7, 8, 30 }, tide.tensor({ 2, 0 / 0, 4, 6, 8, -20 }) })
    local a, b = boxes[1], boxes[2]
    assert.same({ 3, 5, 7, 1, 8, 9 }, { a.q1, a.median, a.q3, a.whislo, a.whishi, a.n })
    assert.same({ 30 }, a.fliers:totable())
    -- {-20, 2, 4, 6, 8}: Q1 = 2, Q3 = 6, fences -4 and 12: -20 is an outlier, the low whisker at 2
    assert.same({ 2, 4, 6, 2, 8, 5 }, { b.q1, b.median, b.q3, b.whislo, b.whishi, b.n })
    assert.same({ -20 }, b.fliers:totable())
    -- whis = 0: whiskers on the box, everything outside is an outlier
    local c = plot.figure({}):axes({}):box({ 1, 2, 3, 4, 100 }, { whis = 0 })[1]
    assert.same({ 2, 4 }, { c.whislo, c.whishi })
    assert.same({ 1, 100 }, c.fliers:totable())
    -- a large group: the quartiles equal tide.stats.quantile's (numpy linear)
    tide.manual_seed(3)
    local v = tide.randn(1000, "float64")
    local d = plot.figure({}):axes({}):box({ v })[1]
    local q = require("tide.stats").quantile(v, { 0.25, 0.5, 0.75 })
    assert.same({ q[1], q[2], q[3] }, { d.q1, d.median, d.q3 })
    assert.equal(v:numel(), d.n)
    assert.equal(v:lt(d.whislo):sum() + v:gt(d.whishi):sum(), d.fliers:numel())
  end)

  it("fill the box, draw the median line and the outliers where the data puts them", function()
    local fig = plot.figure({ width = 400, height = 300 })
    local ax = fig:axes({ grid = false, ylim = { 0, 32 } })
    ax:box({ { 1, 2, 3, 4, 5, 6, 7, 8, 30 }, { 10, 12, 14, 16, 18 } },
      { labels = { "a", "b" }, color = "#ff0000", alpha = 1, median_color = "#0000ff" })
    local img = fig:to_tensor()
    local f = ax._frame
    local function px(x, y) return pixel(img, math.floor(f.mapx(x)) + 1, math.floor(f.mapy(y)) + 1) end
    near_color(px(1, 4), { 255, 0, 0 }, 2, "box a fill between Q1 and the median")
    near_color(px(1.1, 6), { 255, 0, 0 }, 2, "box a fill between the median and Q3")
    near_color(px(1, 5), { 0, 0, 255 }, 2, "box a median line")
    near_color(px(2, 13), { 255, 0, 0 }, 2, "box b fill")
    near_color(px(2.1, 14), { 0, 0, 255 }, 2, "box b median line")
    near_color(px(1.4, 20), { 255, 255, 255 }, 0, "background beside the boxes")
    near_color(px(1.5, 5), { 255, 255, 255 }, 0, "background between the boxes")
    assert.is_true(px(1, 30)[1] < 100, "outlier marker at 30")
    assert.is_true(px(1, 1.02)[1] < 120, "whisker cap at the minimum")
    assert.same({ "a", "b" }, ax.o.xticklabels)
  end)

  it("draw horizontal boxes, and plot.box makes a figure in one call", function()
    local fig = plot.box({ groups = { { 1, 2, 3, 4, 5, 6, 7, 8 }, { 2, 3, 4 } }, labels = { "x", "y" },
      horizontal = true, color = "#00ff00", median_color = "#000000", width = 400, height = 300,
      title = "boxes", path = tmp("box.png") })
    local pw, ph = png_size(tmp("box.png"))
    assert.same({ 400, 300 }, { pw, ph })
    local img = fig:to_tensor()
    local ax = fig.panels[1]
    local f = ax._frame
    local function px(x, y) return pixel(img, math.floor(f.mapx(x)) + 1, math.floor(f.mapy(y)) + 1) end
    -- vivid green blended with white at the default alpha 0.8
    local g = px(3.5, 1)
    assert.is_true(g[2] > 240 and g[1] < 80 and g[3] < 80, "box x fill")
    local m = px(4.5, 1.1)
    assert.is_true(m[1] < 40 and m[2] < 40 and m[3] < 40, "box x median")
    assert.same({ "x", "y" }, ax.o.yticklabels)
    assert.is_true(f.mapy(2) < f.mapy(1))
  end)

  it("leave the outliers out of the drawing and the limits with show_outliers = false", function()
    local fig = plot.figure({ width = 400, height = 300 })
    local ax = fig:axes({ grid = false })
    ax:box({ { 1, 2, 3, 4, 5, 6, 7, 8, 30 } }, { show_outliers = false })
    fig:to_tensor()
    local lo, hi = ax:_limits("y")
    assert.is_true(hi < 9 and lo > 0.5, "limits cover the whiskers only")
    local fig2 = plot.figure({ width = 400, height = 300 })
    local ax2 = fig2:axes({ grid = false })
    ax2:box({ { 1, 2, 3, 4, 5, 6, 7, 8, 30 } })
    local _, hi2 = ax2:_limits("y")
    assert.is_true(hi2 > 30, "limits cover the outlier")
  end)

  it("reject bad groups and options by name", function()
    local ax = plot.figure({}):axes({})
    H.assert_error(function() ax:box({}) end, "box: groups must be a non-empty list")
    H.assert_error(function() ax:box({ { 1, 2 }, { 0 / 0 } }) end, "box: group 2 has no values")
    H.assert_error(function() ax:box({ { 1, 2 }, { "a" } }) end, "box")
    H.assert_error(function() ax:box({ { 1, 2 } }, { labels = { "a", "b" } }) end, "box: 2 labels for 1 groups")
    H.assert_error(function() ax:box({ { 1, 2 } }, { whis = -1 }) end, "box: whis must be a number >= 0")
    H.assert_error(function() ax:box({ { 1, 2 } }, { notch = true }) end, "box")
    H.assert_error(function() plot.box({}) end, "plot.box: groups (or data) are required")
  end)
end)
