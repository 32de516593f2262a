-- Every ```lua block of docs/tensors.md runs as written, each in a fresh environment (globals
-- from _G, `tide` preloaded), so the API reference cannot drift from the code. Blocks check
-- their results with assert(), and whatever a block prints must appear in its comments (the
-- "-- tensor(...)" output shown beside each print), whitespace aside.
local tide = require("tide")

local function read_doc()
  local path = (os.getenv("TIDE_SOURCE_DIR") or ".") .. "/docs/tensors.md"
  local f = assert(io.open(path), "cannot open " .. path)
  local text = f:read("*a")
  f:close()
  return text
end

-- The ```lua blocks in order: { code = ..., line = first line of code in the file }.
local function lua_blocks(text)
  local blocks, n, inside, buf, start = {}, 0, false, nil, nil
  for line in (text .. "\n"):gmatch("(.-)\n") do
    n = n + 1
    if not inside and line:match("^```lua%s*$") then
      inside, buf, start = true, {}, n + 1
    elseif inside and line:match("^```%s*$") then
      inside = false
      blocks[#blocks + 1] = { code = table.concat(buf, "\n") .. "\n", line = start }
    elseif inside then
      buf[#buf + 1] = line
    end
  end
  assert(not inside, "docs/tensors.md: unterminated ```lua block starting at line " .. tostring(start))
  return blocks
end

local function squash(s) return (s:gsub("%s+", " ")) end

-- Each printed line must be shown in the block's comments (print output as documented).
local function check_prints(block, printed)
  local comments = {}
  for c in block.code:gmatch("%-%-([^\n]*)") do comments[#comments + 1] = c end
  local shown = squash(table.concat(comments, " "))
  for _, out in ipairs(printed) do
    if not shown:find(squash(out), 1, true) then
      return false, "printed output not shown in the example's comments:\n  " .. out
    end
  end
  return true
end

local function run_block(block)
  local printed = {}
  local env = setmetatable({
    tide = tide,
    print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(parts, "\t")
    end,
  }, { __index = _G })
  -- padded so that error lines are the file's own line numbers
  local chunk, err = loadstring(string.rep("\n", block.line - 1) .. block.code, "=docs/tensors.md")
  if not chunk then return false, err end
  setfenv(chunk, env)
  local ok, e = xpcall(chunk, function(e)
    -- the traceback down to the example's own frames, not busted's
    local tb = debug.traceback(tostring(e), 2)
    return (tb:gsub("\n[^\n]*docs_spec%.lua.*$", ""))
  end)
  if not ok then return false, e end
  return check_prints(block, printed)
end

describe("docs/tensors.md", function()
  local blocks = lua_blocks(read_doc())

  it("has at least 60 runnable examples", function()
    assert.is_true(#blocks >= 60, "only " .. #blocks .. " ```lua blocks")
  end)

  for i, block in ipairs(blocks) do
    local first = block.code:match("^%s*([^\n]*)") or ""
    it(string.format("example %d (line %d): %s", i, block.line, first), function()
      local ok, err = run_block(block)
      if not ok then
        error(string.format("docs/tensors.md example %d (line %d, `%s`) failed:\n%s", i, block.line, first,
          tostring(err)), 0)
      end
    end)
  end

  it("leaves no tensor memory behind once its examples are collected", function()
    tide.threads(0)
    tide.collect()
    assert.is_true(tide.memory().live < 64 * 1024 * 1024)
  end)
end)
