-- tide.datasets: the registry of data sets Tide knows by name, and where to find them.
--   load(name, {split =, path =, download = true, base_url =, cache_dir =}) -> data, ..., info
--   locate(name, {split =, path =, ...}) -> folder, how   (how: "path" | "TIDE_DATA" | "cache" |
--                                                          "debian" | "download")
--   verify(name, {...}) -> true (sha256 of every located file against the registry, or an error)
--   list() -> names; info(name) -> the entry; register(name, entry) adds one (see DEVELOPERS.md)
-- Search order: an explicit path, each folder of TIDE_DATA (colon-separated; a data set lives in
-- its own sub-folder there), Tide's cache ($XDG_CACHE_HOME/tide, else ~/.cache/tide), the Debian
-- install path, then a download from the data set's canonical address into the cache (curl;
-- verified by sha256; temp file then rename). TIDE_DATASETS_URL=http://host/root makes downloads
-- come from root/<name>/<file> instead (a mirror, or a test server).
local core = require("tide._core")
local C = core.C
local raise = core.raise

local M = {}

-- ---------------------------------------------------------------- the entries
local FASHION_CLASSES = { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
  "Ankle boot" }

local REGISTRY = {}

local function file(name, sha256) return { name = name, sha256 = sha256 } end

REGISTRY["fashion-mnist"] = {
  kind = "idx",
  description = "Zalando's Fashion-MNIST: 70,000 28x28 grayscale images of clothing, 10 classes",
  folder = "fashion-mnist",
  debian = { path = "/usr/share/datasets/fashion-mnist", package = "dataset-fashion-mnist" },
  url = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com",
  license = "MIT",
  classes = FASHION_CLASSES,
  files = {
    train_images = file("train-images-idx3-ubyte.gz", "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7"),
    train_labels = file("train-labels-idx1-ubyte.gz", "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056"),
    test_images = file("t10k-images-idx3-ubyte.gz", "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa"),
    test_labels = file("t10k-labels-idx1-ubyte.gz", "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05"),
  },
  splits = { train = { "train_images", "train_labels" }, test = { "test_images", "test_labels" } },
  shape = { 28, 28 },
}

REGISTRY["mnist-png"] = {
  kind = "image_folder",
  description = "2,500 MNIST digits as 28x28 grayscale PNGs, one folder per digit (train 2,000, test 500)",
  folder = "mnist-png-subset",
  license = "CC BY-SA 3.0 (MNIST)",
  classes = { "0", "1", "2", "3", "4", "5", "6", "7", "8", "9" },
  files = { sums = file("SHA256SUMS", "5404353d846fcc98b8fa77600f7da7d3c5a607785c8da71569bb7af34d89a5a5") },
  manifest = "sums", -- verify() also checks every PNG against it (sha256sum -c)
  splits = { train = { "sums" }, test = { "sums" } },
  split_folders = { train = "train", test = "test" },
}

-- Tabular and text sets of the shared data folder: located, not parsed (load returns paths).
local function locator(folder, description, files, license)
  local fs = {}
  for key, f in pairs(files) do fs[key] = file(f[1], f[2]) end
  return { kind = "files", folder = folder, description = description, files = fs, license = license }
end

REGISTRY["titanic"] = locator("titanic", "Kaggle Titanic passengers: train 891 x 12, test 418 x 11 (CSV, CRLF)", {
  train = { "train.csv", "7d118fef8b6ccf7f81111877bc388536f7b1e498a655e3d649d19aaa010e9f6f" },
  test = { "test.csv", "56023b9948236f3c7a1c9448fcf418b283e109ef177fa8c7e069158dd7dd52b2" },
}, "Kaggle competition rules")
-- a byte-for-byte public copy of the Kaggle files (see ../shared/data/titanic/SOURCE.md)
REGISTRY["titanic"].url =
  "https://raw.githubusercontent.com/bobev18/fmi-ml-hw/562118d4eb23a914d495908d033c19feda5b4e4b/data/titanic"
REGISTRY["telco-churn"] = locator("telco-churn", "IBM Telco customer churn: 7,043 x 21 (CSV)", {
  data = { "WA_Fn-UseC_-Telco-Customer-Churn.csv", "16320c9c1ec72448db59aa0a26a0b95401046bef5d02fd3aeb906448e3055e91" },
}, "unclear (IBM sample data)")
REGISTRY["movielens-100k"] = locator("movielens-100k", "GroupLens MovieLens 100K: 100,000 ratings (TAB- and |-separated)", {
  ratings = { "u.data", "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490" },
  items = { "u.item", "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701" },
  users = { "u.user", "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c" },
  genres = { "u.genre", "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb" },
  occupations = { "u.occupation", "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d" },
  ua_base = { "ua.base", "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2" },
  ua_test = { "ua.test", "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42" },
  ub_base = { "ub.base", "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881" },
  ub_test = { "ub.test", "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da" },
}, "research use; no redistribution without permission")
REGISTRY["sentiment-labelled-sentences"] = locator("sentiment-labelled-sentences",
  "UCI sentiment labelled sentences: 3 x 1,000 `sentence<TAB>0/1` lines", {
  amazon = { "amazon_cells_labelled.txt", "47003fc0a0d4840b00e96e715b6189bad09e7443a3da41c4cbe12ffc79f86ae3" },
  imdb = { "imdb_labelled.txt", "a5851cfed830b68d4b18fa11f7e9fa85debee7566be0933c9a679ce747c86d67" },
  yelp = { "yelp_labelled.txt", "c76468b7b5c6e56a0804d728345c5f84aa2142ddb214420f61cc9cfd4c00d2ea" },
}, "UCI (cite Kotzias et al. 2015)")
-- a byte-for-byte public copy of the UCI files (see ../shared/data/sentiment-labelled-sentences/SOURCE.md);
-- tide.text.corpora.sentiment_sentences reads them
REGISTRY["sentiment-labelled-sentences"].url = "https://raw.githubusercontent.com/Shubhammawa/Sentiment-analysis-cnn/"
  .. "a698f9843338fab51afab9a23680ed08e5edde3b/Datasets/sentiment%20labelled%20sentences"
REGISTRY["twitter-airline-sentiment"] = locator("twitter-airline-sentiment",
  "Twitter US airline sentiment: 14,640 tweets x 15 columns, 3 classes (gzipped CSV)", {
  data = { "Tweets.csv.gz", "0b1da7a22dcf4a35fe4fd7a93b48a7b29795da7482ef3129fcdb0044c95b0621" },
}, "CC BY-NC-SA 4.0")
REGISTRY["translation-fra-eng"] = locator("translation-fra-eng", "Tatoeba English-French pairs: 142,787 lines (gzipped)", {
  data = { "fra.txt.gz", "ec59d6aaba2103a1320330f39bec51dbebbb20cb6bbe9976bd16b0622c965a50" },
}, "CC-BY 2.0")
REGISTRY["fraud"] = locator("fraud", "Vehicle insurance claim fraud: 15,420 x 33 (gzipped CSV, UTF-8 BOM)", {
  data = { "fraud_oracle.csv.gz", "b57e112e454398e90d0ef3af3797493e1f7e01a9c1611ba2a6ee41e23ed3bdd9" },
}, "Kaggle dataset terms")
REGISTRY["time-series"] = locator("time-series", "Airline passengers (monthly), Melbourne minimum temperatures (daily), AAPL (daily OHLC)", {
  airline_passengers = { "airline-passengers.csv", "8cb51be753a718d9be5d76d7e238cc224792754676adc21faa59e954b0201621" },
  daily_min_temperatures = { "daily-min-temperatures.csv", "8b9de63ed6789492bf497625e7f9beb96a63d367b4b0a21754006f749fa5e5da" },
  apple = { "finance-charts-apple.csv", "24c7604edfd5afe862ddb9f9535e2fd7351f43711bfc442bca52055e15e37bcd" },
}, "public (TSDL, plotly/datasets)")
REGISTRY["anomaly-nab"] = locator("anomaly-nab", "Numenta Anomaly Benchmark, realKnownCause: 7 series with labelled windows", {
  ambient_temperature = { "realKnownCause/ambient_temperature_system_failure.csv", "230b68ccca20f59d562afd5d24ad52939c9b784386bed0054018358bf9120581" },
  cpu_utilization = { "realKnownCause/cpu_utilization_asg_misconfiguration.csv", "58ba65dc0737cfbac11b51514476d50c438d44011232144bb8d93f392df58f9f" },
  ec2_request_latency = { "realKnownCause/ec2_request_latency_system_failure.csv", "98378580aa80157e057c61d59d81daddccc6c65a2c0c800e3f01f603b8215c3f" },
  machine_temperature = { "realKnownCause/machine_temperature_system_failure.csv", "92bf5b87fc7f9bba8ca0b7ec63ccaac8cb4a1371a258e8c29a10ae9c018d82a4" },
  nyc_taxi = { "realKnownCause/nyc_taxi.csv", "d8fa6f7f0734bf5c8be12c52a94e20a82664c397d9dec4449156bd453d32856d" },
  rogue_agent_key_hold = { "realKnownCause/rogue_agent_key_hold.csv", "47b110baa8e3636574c1033dda1cce780873647fab58223d159d4fee6f180e86" },
  rogue_agent_key_updown = { "realKnownCause/rogue_agent_key_updown.csv", "9797cfef477c13306f7a33874ab4d6cf700f8f2c7e5825a2a5bc02004370909a" },
  windows = { "labels/combined_windows.json", "1e1fbc4601321aad8d0f8b3784c8134299379f68f6c1f7777565f8ffd57ab6b1" },
  labels = { "labels/combined_labels.json", "98724014c162fcfd4be605683517f194051a54e98756c53667bd33ddbc644d9b" },
}, "MIT")
REGISTRY["anomaly-kddcup99"] = locator("anomaly-kddcup99", "KDD Cup 1999, 10% subset: 494,021 x 42 (gzipped CSV, no header)", {
  data = { "kddcup.data_10_percent.gz", "8045aca0d84e70e622d1148d7df782496f6333bf6eb979a1b0837c42a9fd9561" },
  names = { "kddcup.names", "eed75499f707dfc1d81713d728607ca71a76ce50bb873b135eb3aaf4217104e6" },
}, "UCI")
REGISTRY["anomaly-mammography"] = locator("anomaly-mammography", "Mammography outliers: 11,183 x 7 (CSV, labels '-1'/'1')", {
  data = { "mammography.csv", "7d3dea3f075f30bbdbb8980e7725684059b4fe3d0f850fadd0f635f6993d8730" },
}, "research use (Woods et al. 1993)")

-- Scikit-learn's bundled tables (Debian's python3-sklearn ships them as CSV): the first line is
-- "rows,columns,class names..." (digits has none), then rows of features and a 0-based class.
local SKLEARN_DATA = { path = "/usr/lib/python3/dist-packages/sklearn/datasets/data", package = "python3-sklearn" }
local function sklearn_table(file_name, sha256, description, classes, features)
  return { kind = "sklearn_csv", folder = "sklearn-datasets", description = description, debian = SKLEARN_DATA,
    license = "BSD-3-Clause (scikit-learn)", files = { data = file(file_name, sha256) }, classes = classes,
    features = features }
end
local function numbered(prefix, n)
  local t = {}
  for i = 1, n do t[i] = prefix .. (i - 1) end
  return t
end
local CANCER_FEATURES = {} -- "mean radius" .. "radius error" .. "worst radius" .., as scikit-learn names them
for _, group in ipairs({ { "mean ", "" }, { "", " error" }, { "worst ", "" } }) do
  for _, f in ipairs({ "radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity",
    "concave points", "symmetry", "fractal dimension" }) do
    CANCER_FEATURES[#CANCER_FEATURES + 1] = group[1] .. f .. group[2]
  end
end
REGISTRY["breast-cancer"] = sklearn_table("breast_cancer.csv",
  "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed",
  "Wisconsin diagnostic breast cancer: 569 x 30, 2 classes (scikit-learn's copy)", { "malignant", "benign" },
  CANCER_FEATURES)
REGISTRY["digits"] = sklearn_table("digits.csv.gz", "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a",
  "UCI optical handwritten digits: 1,797 8x8 images as 64 features (0..16), 10 classes (scikit-learn's copy)",
  numbered("", 10), (function()
    local t = {}
    for r = 0, 7 do for c = 0, 7 do t[#t + 1] = string.format("pixel_%d_%d", r, c) end end
    return t
  end)())
REGISTRY["digits"].header = false
REGISTRY["wine"] = sklearn_table("wine_data.csv", "10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede",
  "UCI wine recognition: 178 x 13, 3 cultivars (scikit-learn's copy)", { "class_0", "class_1", "class_2" },
  { "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
    "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines", "proline" })
REGISTRY["iris"] = sklearn_table("iris.csv", "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449",
  "Fisher's iris: 150 x 4, 3 species (scikit-learn's copy)", { "setosa", "versicolor", "virginica" },
  { "sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)" })

M.registry = REGISTRY

-- ---------------------------------------------------------------- small helpers
local files = require("tide.io.files")
local shell_quote, is_dir = files.shell_quote, files.is_dir

local function is_file(path)
  local f = io.open(path, "rb")
  if not f then return false end
  f:close()
  return not is_dir(path)
end

local function mkdir_p(path)
  if not files.mkdir_p(path) then raise("datasets: cannot create the folder " .. path) end
end

local function sha256_of(path)
  local p = io.popen("sha256sum " .. shell_quote(path) .. " 2>/dev/null")
  local line = p and p:read("*l")
  if p then p:close() end
  local h = line and line:match("^(%x+)")
  if not h or #h ~= 64 then raise("datasets: cannot compute the sha256 of " .. path .. " (is sha256sum installed?)") end
  return h:lower()
end
M._sha256 = sha256_of

local function entry(name, op)
  if type(name) ~= "string" then raise(op .. ": expected a data set name, got " .. type(name)) end
  local e = REGISTRY[name]
  if not e then
    local names = {}
    for k in pairs(REGISTRY) do names[#names + 1] = k end
    table.sort(names)
    raise(string.format("%s: unknown data set '%s' (known: %s)", op, name, table.concat(names, ", ")))
  end
  return e
end

-- The keys of the files a request needs: one split's, or all.
local function needed_files(e, name, split, op)
  if split ~= nil then
    if not e.splits then raise(string.format("%s: %s has no splits", op, name)) end
    local keys = e.splits[split]
    if not keys then
      local names = {}
      for k in pairs(e.splits) do names[#names + 1] = '"' .. k .. '"' end
      table.sort(names)
      raise(string.format("%s: %s has no split '%s' (splits: %s)", op, name, tostring(split), table.concat(names, ", ")))
    end
    return keys
  end
  local keys = {}
  for k in pairs(e.files) do keys[#keys + 1] = k end
  table.sort(keys)
  return keys
end

-- The path of file f in folder dir: the name as registered, or without its .gz when only the
-- decompressed file is there (IDX files unpacked by hand).
local function file_in(dir, f)
  local p = dir .. "/" .. f.name
  if is_file(p) then return p end
  local plain = f.name:match("^(.*)%.gz$")
  if plain and is_file(dir .. "/" .. plain) then return dir .. "/" .. plain end
  return nil
end

local function holds(dir, e, keys)
  if not is_dir(dir) then return false end
  for _, k in ipairs(keys) do
    if not file_in(dir, e.files[k]) then return false end
  end
  return true
end

function M.cache_dir(opts)
  if opts and opts.cache_dir then return opts.cache_dir end
  local xdg = os.getenv("XDG_CACHE_HOME")
  if xdg and xdg ~= "" then return xdg .. "/tide" end
  local home = os.getenv("HOME")
  if not home or home == "" then raise("datasets: neither XDG_CACHE_HOME nor HOME is set; give {cache_dir = ...}") end
  return home .. "/.cache/tide"
end

-- ---------------------------------------------------------------- downloading
local CURL_HINTS = {
  [6] = "could not resolve the host (offline?)",
  [7] = "could not connect (offline?)",
  [22] = "the server answered with an HTTP error",
  [28] = "timed out",
  [35] = "TLS handshake failed",
  [56] = "the connection broke",
}

local function base_url(e, name, opts)
  if opts.base_url then return (opts.base_url:gsub("/+$", "")) end
  local mirror = os.getenv("TIDE_DATASETS_URL")
  if mirror and mirror ~= "" then return mirror:gsub("/+$", "") .. "/" .. name end
  return e.url
end

-- Download file f of data set `name` into dir: temp file in dir, sha256 check, fsync, rename.
local function download(e, name, f, dir, url)
  local target = dir .. "/" .. f.name
  mkdir_p(target:match("^(.*)/[^/]*$"))
  local tmp = string.format("%s.part-%d-%d", target, os.time(), math.random(1, 2 ^ 30))
  local src = url .. "/" .. f.name
  -- a transfer that stalls (under 1 KB/s for 60 s) is abandoned rather than waited for forever
  local cmd = string.format("curl -fsSL --retry 2 --connect-timeout 15 --speed-limit 1024 --speed-time 60 "
    .. "-o %s %s 2>/dev/null", shell_quote(tmp), shell_quote(src))
  local code = os.execute(cmd) -- LuaJIT: the wait status (exit code * 256)
  if type(code) ~= "number" then code = code and 0 or 1 end
  if code > 255 then code = math.floor(code / 256) end
  if code ~= 0 then
    os.remove(tmp)
    if os.execute("command -v curl >/dev/null 2>&1") ~= 0 then
      raise(string.format("datasets: %s: cannot download %s: curl is not installed", name, src))
    end
    raise(string.format("datasets: %s: cannot download %s (curl exit %d: %s). Install %s, put the files in a folder "
      .. "named %s under TIDE_DATA, or pass {path = folder}", name, src, code, CURL_HINTS[code] or "transfer failed",
      e.debian and ("the Debian package " .. e.debian.package) or "the data set by hand", e.folder))
  end
  local got = sha256_of(tmp)
  if f.sha256 and got ~= f.sha256 then
    os.remove(tmp)
    raise(string.format("datasets: %s: %s from %s has sha256 %s, expected %s; the download was discarded", name,
      f.name, src, got, f.sha256))
  end
  os.execute("sync " .. shell_quote(tmp) .. " 2>/dev/null")
  local ok, err = os.rename(tmp, target)
  if not ok then
    os.remove(tmp)
    raise("datasets: " .. name .. ": cannot move the download into place: " .. tostring(err))
  end
end

-- ---------------------------------------------------------------- locating
local HOW_TEXT = { path = "given path", TIDE_DATA = "TIDE_DATA", cache = "Tide's cache", debian = "Debian package",
  download = "downloaded" }

-- locate(name, {split =, path =, download = true, base_url =, cache_dir =}) -> folder, how
function M.locate(name, opts)
  opts = opts or {}
  if type(opts) ~= "table" then raise("locate: options must be a table") end
  local e = entry(name, "locate")
  local keys = needed_files(e, name, opts.split, "locate")
  local tried = {}
  local function try(dir, how)
    tried[#tried + 1] = dir
    if holds(dir, e, keys) then return dir, how end
  end
  if opts.path ~= nil then
    if type(opts.path) ~= "string" then raise("locate: path must be a string, got " .. type(opts.path)) end
    local dir = opts.path:gsub("/+$", "")
    -- the folder itself, or the data set's folder inside it
    local d, how = try(dir, "path")
    if d then return d, how end
    d, how = try(dir .. "/" .. e.folder, "path")
    if d then return d, how end
    raise(string.format("datasets: %s: not found in %s (looked for %s)", name, opts.path,
      table.concat((function()
        local n = {}
        for i, k in ipairs(keys) do n[i] = e.files[k].name end
        return n
      end)(), ", ")))
  end
  for dir in (os.getenv("TIDE_DATA") or ""):gmatch("[^:]+") do
    local d, how = try(dir:gsub("/+$", "") .. "/" .. e.folder, "TIDE_DATA")
    if d then return d, how end
  end
  local cache = M.cache_dir(opts) .. "/" .. e.folder
  local d, how = try(cache, "cache")
  if d then return d, how end
  if e.debian then
    d, how = try(e.debian.path, "debian")
    if d then return d, how end
  end
  local url = base_url(e, name, opts)
  if url and opts.download ~= false and os.getenv("TIDE_OFFLINE") ~= "1" then
    for _, k in ipairs(keys) do
      if not file_in(cache, e.files[k]) then download(e, name, e.files[k], cache, url) end
    end
    return cache, "download"
  end
  local why = url and "; downloads are off ({download = false} or TIDE_OFFLINE=1)" or "; it has no download address"
  raise(string.format("datasets: %s not found (looked in %s)%s; put it in a folder named %s under TIDE_DATA, or pass "
    .. "{path = folder}", name, table.concat(tried, ", "), why, e.folder))
end

-- verify(name, opts): sha256 of the located files against the registry -> true, or an error
-- naming the first file that differs.
function M.verify(name, opts)
  opts = opts or {}
  local e = entry(name, "verify")
  local dir = M.locate(name, opts)
  for _, k in ipairs(needed_files(e, name, opts.split, "verify")) do
    local f = e.files[k]
    local p = dir .. "/" .. f.name
    if not is_file(p) then raise(string.format("verify: %s: %s is not there (only a decompressed copy?)", name, p)) end
    if f.sha256 then
      local got = sha256_of(p)
      if got ~= f.sha256 then raise(string.format("verify: %s: %s has sha256 %s, expected %s", name, p, got, f.sha256)) end
    end
  end
  if e.manifest then -- a sha256sum manifest listing more files (paths relative to the folder)
    local cmd = string.format("cd %s && sha256sum --quiet --strict -c %s 2>&1", shell_quote(dir),
      shell_quote(e.files[e.manifest].name))
    local p = io.popen(cmd)
    local out = p:read("*a")
    local ok = p:close()
    local first = out:match("[^\n]+")
    if first or not ok then
      raise(string.format("verify: %s: files in %s differ from %s: %s", name, dir, e.files[e.manifest].name,
        first or "sha256sum failed"))
    end
  end
  return true
end

-- ---------------------------------------------------------------- loading
local function load_idx(e, name, dir, how, split)
  local data = require("tide.data")
  local keys = e.splits[split]
  local ipath, lpath = file_in(dir, e.files[keys[1]]), file_in(dir, e.files[keys[2]])
  local x = data.read_idx(ipath)
  local y8 = data.read_idx(lpath)
  if x:dim() ~= 3 or x.dtype ~= "uint8" then
    raise(string.format("datasets: %s: %s holds a %s tensor of %d dims, expected uint8 [N, H, W]", name, ipath, x.dtype, x:dim()))
  end
  if y8:dim() ~= 1 or y8:size(1) ~= x:size(1) then
    raise(string.format("datasets: %s: %s holds %d labels for %d images in %s", name, lpath,
      y8:dim() == 1 and y8:size(1) or -1, x:size(1), ipath))
  end
  local k = #e.classes
  if y8:numel() > 0 and y8:max() >= k then
    raise(string.format("datasets: %s: %s holds label %d, the data set has %d classes (0..%d in the file)", name,
      lpath, y8:max(), k, k - 1))
  end
  local y = y8:to("int64"):add_(1)
  y8:free()
  local info = {
    name = name, split = split, classes = e.classes, path = dir, how = how,
    source = dir .. " (" .. HOW_TEXT[how] .. ")", files = { images = ipath, labels = lpath },
  }
  return x, y, info
end

-- A scikit-learn table -> X float64 [n, d], y int64 [n] (1-based classes), info (with feature names)
local function load_sklearn_csv(e, name, dir, how)
  local path = file_in(dir, e.files.data)
  local t = require("tide.csv").read(path, { header = false, skip_rows = e.header == false and 0 or 1 })
  local d = #e.features
  if #t.columns ~= d + 1 then
    raise(string.format("datasets: %s: %s has %d columns, expected %d features and the class", name, path, #t.columns, d))
  end
  local tensor = require("tide.tensor")
  local X = tensor.empty({ t.nrows, d }, "float64")
  for j = 1, d do
    local col = t.columns[j]
    if col.missing or not col.data then raise(string.format("datasets: %s: %s: column %d is not numeric and complete", name, path, j)) end
    X:select(2, j):copy_(col.data:to("float64"))
  end
  local ycol = t.columns[d + 1]
  local y = ycol.data:to("int64") + 1
  if y:min() < 1 or y:max() > #e.classes then
    raise(string.format("datasets: %s: %s holds classes outside 0..%d", name, path, #e.classes - 1))
  end
  return X, y, { name = name, classes = e.classes, features = e.features, path = dir, how = how,
    source = dir .. " (" .. HOW_TEXT[how] .. ")", files = { data = path } }
end

-- load(name, {split =, path =, ...}):
--   IDX sets (fashion-mnist): x uint8 [N, H, W], y int64 [N] (1-based classes), info
--   image folders (mnist-png): an ImageFolder of the split, info
--   scikit-learn tables (breast-cancer, digits, wine, iris): X float64 [n, d], y int64 [n]
--                 (1-based classes), info (with features = the column names)
--   file locators (titanic, ...): {key = path} (or the path of file `split`), info
-- info = {classes =, path = folder, how =, source = "folder (how it was found)", files =}
function M.load(name, opts)
  opts = opts or {}
  if type(opts) ~= "table" then raise("load: options must be a table like {split = \"train\"}") end
  local e = entry(name, "load")
  if e.kind == "idx" then
    local split = opts.split or "train"
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.split = split
    local dir, how = M.locate(name, o)
    return load_idx(e, name, dir, how, split)
  elseif e.kind == "image_folder" then
    local split = opts.split or "train"
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    o.split = split
    needed_files(e, name, split, "load")
    local dir, how = M.locate(name, o)
    local folder = dir .. "/" .. e.split_folders[split]
    local ds = require("tide.data").ImageFolder(folder, { mode = opts.mode or "gray", transform = opts.transform })
    return ds, { name = name, split = split, classes = ds.classes, path = folder, how = how,
      source = folder .. " (" .. HOW_TEXT[how] .. ")" }
  end
  local dir, how = M.locate(name, { path = opts.path, cache_dir = opts.cache_dir, download = false })
  if e.kind == "sklearn_csv" then return load_sklearn_csv(e, name, dir, how) end
  local paths = {}
  for k, f in pairs(e.files) do paths[k] = file_in(dir, f) end
  local info = { name = name, path = dir, how = how, source = dir .. " (" .. HOW_TEXT[how] .. ")", files = paths }
  if opts.split ~= nil then
    if not paths[opts.split] then
      local keys = {}
      for k in pairs(paths) do keys[#keys + 1] = k end
      table.sort(keys)
      raise(string.format("load: %s has no file '%s' (files: %s)", name, tostring(opts.split), table.concat(keys, ", ")))
    end
    return paths[opts.split], info
  end
  return paths, info
end

-- ---------------------------------------------------------------- the registry itself
function M.list()
  local names = {}
  for k in pairs(REGISTRY) do names[#names + 1] = k end
  table.sort(names)
  return names
end

function M.info(name) return entry(name, "info") end

-- register(name, entry): add (or replace) an entry; see DEVELOPERS.md for the fields.
function M.register(name, e)
  if type(name) ~= "string" or name == "" then raise("register: expected a name") end
  if type(e) ~= "table" then raise("register: expected an entry table") end
  if e.kind ~= "idx" and e.kind ~= "image_folder" and e.kind ~= "files" then
    raise("register: kind must be \"idx\", \"image_folder\" or \"files\", got " .. tostring(e.kind))
  end
  if type(e.files) ~= "table" or next(e.files) == nil then raise("register: files must name at least one file") end
  for k, f in pairs(e.files) do
    if type(f) ~= "table" or type(f.name) ~= "string" then raise("register: files." .. tostring(k) .. " needs a name") end
    if f.sha256 ~= nil and not (type(f.sha256) == "string" and #f.sha256 == 64 and f.sha256:match("^%x+$")) then
      raise("register: files." .. tostring(k) .. ".sha256 must be 64 hex digits")
    end
  end
  if e.kind == "idx" and (type(e.splits) ~= "table" or type(e.classes) ~= "table") then
    raise("register: an idx entry needs splits = {split = {images_key, labels_key}} and classes")
  end
  for s, keys in pairs(e.splits or {}) do
    for _, k in ipairs(keys) do
      if not e.files[k] then raise(string.format("register: split %s names file '%s', which files lacks", s, k)) end
    end
  end
  e.folder = e.folder or name
  REGISTRY[name] = e
  return e
end

return M
