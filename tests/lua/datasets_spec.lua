-- tide.datasets: the registry's search order (explicit path, TIDE_DATA, cache, Debian, download),
-- Fashion-MNIST from the Debian files, downloads from a server started here on 127.0.0.1 (the
-- atomic write, the sha256 check and what a mismatch leaves behind), offline errors, and the file
-- locators of the shared data folder (skipped when TIDE_DATA does not point at it).
local tide = require("tide")
local H = require("spec_helpers")
local ffi = require("ffi")
local D = tide.datasets

pcall(ffi.cdef, "int setenv(const char *name, const char *value, int overwrite); int unsetenv(const char *name);")
-- The sanitizer build preloads ASan into this process; the tools it runs (curl hangs under an
-- ASan preload) must start without it.
ffi.C.unsetenv("LD_PRELOAD")
math.randomseed(os.time() + math.floor(os.clock() * 1e6))

local FASHION = "/usr/share/datasets/fashion-mnist"
local exists = H.exists
local function sh(cmd) assert(os.execute(cmd) == 0, "command failed: " .. cmd) end
local function ls(dir)
  local p = io.popen("ls -A '" .. dir .. "' 2>/dev/null")
  local out = {}
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  table.sort(out)
  return out
end

local write = H.write_file

local tmp = H.mkdtemp()

-- every test runs with a cache of its own and no TIDE_DATA / mirror from the caller's shell
local saved_data = os.getenv("TIDE_DATA")
local cache_n = 0
local function fresh_cache()
  cache_n = cache_n + 1
  return tmp .. "/cache" .. cache_n
end

-- ---------------------------------------------------------------- a local HTTP server
local server = { pid = nil, port = nil, root = tmp .. "/www" }
local function start_server()
  if server.pid then return true end
  if os.execute("command -v python3 >/dev/null 2>&1") ~= 0 then return false end
  sh("mkdir -p " .. server.root)
  for _ = 1, 5 do
    local port = 20000 + math.random(0, 30000)
    sh(string.format("cd %s && (python3 -m http.server %d --bind 127.0.0.1 >/dev/null 2>&1 & echo $! > %s/pid)",
      server.root, port, tmp))
    local f = io.open(tmp .. "/pid")
    local pid = f:read("*n")
    f:close()
    for _ = 1, 50 do -- up to 5 s for the server to listen
      if os.execute(string.format("curl -sf --max-time 2 -o /dev/null http://127.0.0.1:%d/ 2>/dev/null", port)) == 0 then
        server.pid, server.port = pid, port
        return true
      end
      os.execute("sleep 0.1")
    end
    os.execute("kill " .. pid .. " 2>/dev/null")
  end
  return false
end
local function url(sub) return string.format("http://127.0.0.1:%d/%s", server.port, sub or "") end

teardown(function()
  if server.pid then os.execute("kill " .. server.pid .. " 2>/dev/null") end
  if saved_data then ffi.C.setenv("TIDE_DATA", saved_data, 1) else ffi.C.unsetenv("TIDE_DATA") end
  ffi.C.unsetenv("TIDE_DATASETS_URL")
  os.execute("rm -rf '" .. tmp .. "'")
end)

-- ---------------------------------------------------------------- the registry
describe("the registry", function()
  it("lists its data sets and rejects unknown names and splits", function()
    local names = {}
    for _, n in ipairs(D.list()) do names[n] = true end
    for _, n in ipairs({ "fashion-mnist", "mnist-png", "titanic", "telco-churn", "movielens-100k" }) do
      assert.is_true(names[n], n .. " is not registered")
    end
    assert.equals(10, #D.info("fashion-mnist").classes)
    assert.equals("Ankle boot", D.info("fashion-mnist").classes[10])
    H.assert_error(function() return D.load("fashion-mnst") end, "unknown data set 'fashion-mnst'", "fashion-mnist")
    H.assert_error(function() return D.load("fashion-mnist", { split = "valid", download = false }) end,
      "no split 'valid'", '"test"', '"train"')
    H.assert_error(function() return D.register("x", { kind = "csv", files = {} }) end, "register", "kind")
    H.assert_error(function() return D.register("x", { kind = "files", files = { a = { name = "a", sha256 = "12" } } }) end,
      "sha256 must be 64 hex digits")
  end)

  it("loads scikit-learn's bundled tables from Debian's python3-sklearn", function()
    if not exists("/usr/lib/python3/dist-packages/sklearn/datasets/data/wine_data.csv") then
      return pending("python3-sklearn is not installed")
    end
    -- shapes, class counts and column sums as sklearn.datasets.load_* gives them
    for _, c in ipairs({ { "breast-cancer", 569, 30, 2, 1056474.4596356, "mean radius", "worst fractal dimension", 357 },
      { "digits", 1797, 64, 10, 561718, "pixel_0_0", "pixel_7_7", 180 },
      { "wine", 178, 13, 3, 159975.295999, "alcohol", "proline", 48 },
      { "iris", 150, 4, 3, 2078.7, "sepal length (cm)", "petal width (cm)", 50 } }) do
      local X, y, info = D.load(c[1], { cache_dir = fresh_cache() })
      assert.same({ c[2], c[3] }, X.shape, c[1])
      assert.equals("float64", X.dtype)
      assert.equals(1, y:min())
      assert.equals(c[4], y:max())
      assert.is_true(math.abs(X:sum() - c[5]) < 1e-6 * c[5], c[1] .. " sum " .. X:sum())
      assert.equals(c[6], info.features[1])
      assert.equals(c[7], info.features[c[3]])
      assert.equals(c[8], y:eq(c[4]):sum(), c[1] .. " count of the last class")
      assert.equals(c[4], #info.classes)
    end
  end)

  it("loads Fashion-MNIST from the Debian package", function()
    if not exists(FASHION .. "/t10k-images-idx3-ubyte.gz") then
      pending("dataset-fashion-mnist is not installed")
      return
    end
    ffi.C.unsetenv("TIDE_DATA")
    local x, y, info = D.load("fashion-mnist", { split = "test", cache_dir = fresh_cache(), download = false })
    assert.same({ 10000, 28, 28 }, x.shape)
    assert.equals("uint8", x.dtype)
    assert.equals("int64", y.dtype)
    assert.same({ 10, 3, 2, 2, 7, 2, 5, 7, 6, 8 }, y:narrow(1, 1, 10):totable()) -- 1-based
    assert.equals(1, y:min())
    assert.equals(10, y:max())
    assert.equals(FASHION, info.path)
    assert.equals("debian", info.how)
    assert.matches("Debian", info.source)
    assert.equals("Ankle boot", info.classes[y[1]])
    local dir, how = D.locate("fashion-mnist", { cache_dir = fresh_cache(), download = false })
    assert.equals(FASHION, dir)
    assert.equals("debian", how)
    assert.is_true(D.verify("fashion-mnist", { split = "test", cache_dir = fresh_cache(), download = false }))
  end)

  it("prefers an explicit path, then TIDE_DATA, then the cache", function()
    if not exists(FASHION .. "/t10k-labels-idx1-ubyte.gz") then
      pending("dataset-fashion-mnist is not installed")
      return
    end
    local a, b = tmp .. "/given", tmp .. "/data1"
    sh(string.format("mkdir -p %s %s/fashion-mnist", a, b))
    for _, f in ipairs({ "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" }) do
      sh(string.format("cp %s/%s %s/ && cp %s/%s %s/fashion-mnist/", FASHION, f, a, FASHION, f, b))
    end
    -- a decompressed labels file is found too
    sh(string.format("gzip -d %s/t10k-labels-idx1-ubyte.gz", a))
    local cache = fresh_cache()
    local _, y, info = D.load("fashion-mnist", { split = "test", path = a, cache_dir = cache })
    assert.equals("path", info.how)
    assert.equals(a .. "/t10k-labels-idx1-ubyte", info.files.labels)
    assert.equals(10, y[1])
    H.assert_error(function() return D.load("fashion-mnist", { split = "train", path = a }) end,
      "fashion-mnist", "not found in " .. a, "train-images-idx3-ubyte.gz")
    ffi.C.setenv("TIDE_DATA", tmp .. "/nothing:" .. b, 1)
    local dir, how = D.locate("fashion-mnist", { split = "test", cache_dir = cache })
    assert.equals(b .. "/fashion-mnist", dir)
    assert.equals("TIDE_DATA", how)
    ffi.C.unsetenv("TIDE_DATA")
    sh(string.format("mkdir -p %s/fashion-mnist && cp %s/fashion-mnist/* %s/fashion-mnist/", cache, b, cache))
    dir, how = D.locate("fashion-mnist", { split = "test", cache_dir = cache })
    assert.equals(cache .. "/fashion-mnist", dir)
    assert.equals("cache", how)
    -- XDG_CACHE_HOME decides the cache when no cache_dir is given
    local saved = os.getenv("XDG_CACHE_HOME")
    ffi.C.setenv("XDG_CACHE_HOME", tmp .. "/xdg", 1)
    assert.equals(tmp .. "/xdg/tide", D.cache_dir())
    if saved then ffi.C.setenv("XDG_CACHE_HOME", saved, 1) else ffi.C.unsetenv("XDG_CACHE_HOME") end
  end)
end)

describe("verify", function()
  it("checks a manifest's files too", function()
    local dir = tmp .. "/manifested"
    sh("mkdir -p " .. dir .. "/train/a")
    write(dir .. "/train/a/1.png", "x")
    sh("cd " .. dir .. " && sha256sum train/a/1.png > SUMS")
    D.register("tide-test-manifest", { kind = "image_folder", files = { sums = { name = "SUMS" } }, manifest = "sums",
      splits = { train = { "sums" } }, split_folders = { train = "train" } })
    assert.is_true(D.verify("tide-test-manifest", { path = dir }))
    write(dir .. "/train/a/1.png", "y")
    H.assert_error(function() return D.verify("tide-test-manifest", { path = dir }) end,
      "verify", "tide-test-manifest", "train/a/1.png")
  end)
end)

-- ---------------------------------------------------------------- downloads
describe("downloads", function()
  -- a tiny IDX data set registered for the test; its files are served from 127.0.0.1
  local images = "\0\0\8\3" .. "\0\0\0\3" .. "\0\0\0\2" .. "\0\0\0\2" .. "abcdefghijkl"
  local labels = "\0\0\8\1" .. "\0\0\0\3" .. "\0\1\2"
  local function register(sums)
    D.register("tide-test-tiny", {
      kind = "idx", classes = { "a", "b", "c" },
      files = { ti = { name = "tiny-images.idx", sha256 = sums.ti }, tl = { name = "tiny-labels.idx", sha256 = sums.tl } },
      splits = { train = { "ti", "tl" } },
    })
  end
  local function serve_tiny()
    sh("mkdir -p " .. server.root .. "/tiny")
    write(server.root .. "/tiny/tiny-images.idx", images)
    write(server.root .. "/tiny/tiny-labels.idx", labels)
  end

  it("fetches into the cache, verified, and finds it there next time", function()
    if not start_server() then
      pending("python3 is not available to serve files")
      return
    end
    serve_tiny()
    register({ ti = D._sha256(server.root .. "/tiny/tiny-images.idx"), tl = D._sha256(server.root .. "/tiny/tiny-labels.idx") })
    local cache = fresh_cache()
    local x, y, info = D.load("tide-test-tiny", { cache_dir = cache, base_url = url("tiny") })
    assert.equals("download", info.how)
    assert.same({ 3, 2, 2 }, x.shape)
    assert.same({ 1, 2, 3 }, y:totable())
    assert.equals(string.byte("a"), x[{ 1, 1, 1 }])
    assert.same({ "tiny-images.idx", "tiny-labels.idx" }, ls(cache .. "/tide-test-tiny")) -- no temp files left
    local _, how = D.locate("tide-test-tiny", { cache_dir = cache, base_url = url("tiny") })
    assert.equals("cache", how)
    assert.is_true(D.verify("tide-test-tiny", { cache_dir = cache }))
    -- the mirror variable: files at $TIDE_DATASETS_URL/<name>/<file>
    sh("mkdir -p " .. server.root .. "/mirror && cp -r " .. server.root .. "/tiny " .. server.root .. "/mirror/tide-test-tiny")
    ffi.C.setenv("TIDE_DATASETS_URL", url("mirror"), 1)
    local cache2 = fresh_cache()
    local dir, how2 = D.locate("tide-test-tiny", { cache_dir = cache2 })
    ffi.C.unsetenv("TIDE_DATASETS_URL")
    assert.equals("download", how2)
    assert.equals(cache2 .. "/tide-test-tiny", dir)
  end)

  it("downloads a Fashion-MNIST split from a copy served here", function()
    if not exists(FASHION .. "/t10k-labels-idx1-ubyte.gz") then
      pending("dataset-fashion-mnist is not installed")
      return
    end
    if not start_server() then
      pending("python3 is not available to serve files")
      return
    end
    sh(string.format("mkdir -p %s/fmnist && cp %s/t10k-* %s/fmnist/", server.root, FASHION, server.root))
    ffi.C.unsetenv("TIDE_DATA")
    -- the Debian path would be found first; a locate that cannot see it (path-less entry copy)
    local e = D.info("fashion-mnist")
    local copy = {}
    for k, v in pairs(e) do copy[k] = v end
    copy.debian = nil
    D.register("tide-test-fashion", copy)
    local cache = fresh_cache()
    local x, y, info = D.load("tide-test-fashion", { split = "test", cache_dir = cache, base_url = url("fmnist") })
    assert.equals("download", info.how)
    assert.same({ 10000, 28, 28 }, x.shape)
    assert.equals(10, y[1])
    assert.same({ "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz" }, ls(cache .. "/fashion-mnist"))
  end)

  it("rejects a file whose sha256 differs and leaves nothing in the cache", function()
    if not start_server() then
      pending("python3 is not available to serve files")
      return
    end
    serve_tiny()
    register({ ti = string.rep("ab", 32), tl = D._sha256(server.root .. "/tiny/tiny-labels.idx") })
    local cache = fresh_cache()
    H.assert_error(function() return D.load("tide-test-tiny", { cache_dir = cache, base_url = url("tiny") }) end,
      "tide-test-tiny", "tiny-images.idx", "sha256", string.rep("ab", 32), "discarded")
    assert.same({}, ls(cache .. "/tide-test-tiny"))
  end)

  it("says so clearly when the server cannot be reached", function()
    register({ ti = string.rep("ab", 32), tl = string.rep("cd", 32) })
    local cache = fresh_cache()
    H.assert_error(function()
      return D.load("tide-test-tiny", { cache_dir = cache, base_url = "http://127.0.0.1:9" })
    end, "tide-test-tiny", "cannot download", "127.0.0.1:9", "curl exit 7", "offline")
    assert.same({}, ls(cache .. "/tide-test-tiny"))
    H.assert_error(function()
      return D.load("tide-test-tiny", { cache_dir = cache, base_url = "http://127.0.0.1:9", download = false })
    end, "tide-test-tiny not found", "downloads are off", "under TIDE_DATA")
    H.assert_error(function() return D.load("tide-test-tiny", { cache_dir = cache }) end, "no download address")
  end)
end)

-- ---------------------------------------------------------------- the shared data folder
describe("file locators (TIDE_DATA)", function()
  local function shared()
    if saved_data and exists(saved_data .. "/titanic/train.csv") then
      ffi.C.setenv("TIDE_DATA", saved_data, 1)
      return saved_data
    end
  end

  it("find the tabular and text sets", function()
    local dir = shared()
    if not dir then
      pending("TIDE_DATA does not point at the shared data folder")
      return
    end
    local train, info = D.load("titanic", { split = "train" })
    assert.equals(dir .. "/titanic/train.csv", train)
    assert.equals("TIDE_DATA", info.how)
    local f = io.open(train)
    assert.matches("^PassengerId,Survived", f:read("*l"))
    f:close()
    local paths = D.load("telco-churn")
    assert.is_true(exists(paths.data))
    assert.is_true(D.verify("titanic"))
    assert.is_true(D.verify("movielens-100k"))
    H.assert_error(function() return D.load("titanic", { split = "valid" }) end, "no file 'valid'", "test, train")
  end)

  it("verify the text sets read by tide.text.corpora", function()
    if not shared() then
      pending("TIDE_DATA does not point at the shared data folder")
      return
    end
    assert.is_true(D.verify("sentiment-labelled-sentences"))
    assert.is_true(D.verify("twitter-airline-sentiment"))
    assert.matches("^https://", D.info("sentiment-labelled-sentences").url)
    assert.equals("imdb_labelled.txt", D.info("sentiment-labelled-sentences").files.imdb.name)
  end)

  it("load the MNIST PNG subset as ImageFolders", function()
    local dir = shared()
    if not dir then
      pending("TIDE_DATA does not point at the shared data folder")
      return
    end
    local ds, info = D.load("mnist-png", { split = "test" })
    assert.equals(500, #ds)
    assert.equals(dir .. "/mnist-png-subset/test", info.path)
    assert.same({ "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" }, info.classes)
    local img, label = ds:get(1)
    assert.same({ 1, 28, 28 }, img.shape)
    assert.equals(1, label)
    assert.is_true(D.verify("mnist-png"))
  end)
end)
