-- Exploratory data analysis of a CSV file: statistics, correlations, plots and an HTML report
--
--   tide run eda                                   Titanic's train.csv (dataset registry), target Survived
--   tide run eda --data FILE.csv [--target COL] [--out DIR]
--
-- Prints an aligned summary of every column (and of each column's association with the target)
-- and writes to --out: report.html (one self-contained file, plots embedded) and the PNG plots
-- (hist_*.png, box_*.png, bar_*.png, corr_pearson.png, corr_spearman.png, cramers_v.png).
local tide = require("tide")
local cli = require("tide.cli")
local eda = require("tide.eda")

local opts = cli.options({ ... }, {
  { "data", nil, "CSV file to analyse (default: Titanic's train.csv through the dataset registry)" },
  { "target", nil, "target column (default: Survived for Titanic, none for --data)" },
  { "out", "eda-output", "output folder" },
  { "top", 5, "most frequent values kept per categorical column" },
}, "Exploratory data analysis of a CSV file: statistics, correlations, plots and an HTML report")

local function fail(msg)
  io.stderr:write("eda: ", msg, "\n")
  os.exit(1)
end

local path, target = opts.data, opts.target
if not path then
  local ok, p = pcall(tide.datasets.load, "titanic", { split = "train" })
  if not ok then fail(tostring(p)) end
  path = p
  target = target or "Survived"
end
local okr, frame = pcall(tide.frame.read_csv, path)
if not okr then fail(tostring(frame)) end

local ok, r = pcall(eda.report, frame, { target = target, out = opts.out, top = opts.top })
if not ok then fail(tostring(r)) end
print(("%s: %s"):format(path, r.summary))
print(("\nwrote %s and %d plots to %s"):format(r.html, #r.plots, opts.out))
