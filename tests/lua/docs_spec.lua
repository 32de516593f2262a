-- Every ```lua block of every docs/*.md page runs as written, each in a fresh environment (globals
-- from _G, `tide` preloaded), so the API reference cannot drift from the code. Blocks check
-- their results with assert(), and whatever a block prints must appear in its comments (the
-- "-- tensor(...)" output shown beside each print), whitespace aside.
local tide = require("tide")

local docs_dir = (os.getenv("TIDE_SOURCE_DIR") or ".") .. "/docs"

local function doc_pages()
  local pages = {}
  local p = io.popen("ls " .. docs_dir .. "/*.md 2>/dev/null")
  for line in p:lines() do pages[#pages + 1] = line:match("([^/]+)$") end
  p:close()
  table.sort(pages)
  return pages
end

local function read_doc(page)
  local path = docs_dir .. "/" .. page
  local f = assert(io.open(path), "cannot open " .. path)
  local text = f:read("*a")
  f:close()
  return text
end

-- The ```lua blocks in order: { code = ..., line = first line of code in the file }.
local function lua_blocks(text, page)
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
  assert(not inside, "docs/" .. page .. ": unterminated ```lua block starting at line " .. tostring(start))
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

local function run_block(block, page)
  local printed = {}
  local tmp = os.tmpname()
  local env = setmetatable({
    tide = tide,
    nn = tide.nn, -- the pages' examples assume `local nn, F = tide.nn, tide.nn.functional`
    F = tide.nn.functional,
    TMP = tmp, -- a temporary file name, for examples that save
    print = function(...)
      local parts = {}
      for i = 1, select("#", ...) do parts[i] = tostring((select(i, ...))) end
      printed[#printed + 1] = table.concat(parts, "\t")
    end,
  }, { __index = _G })
  -- padded so that error lines are the file's own line numbers
  local chunk, err = loadstring(string.rep("\n", block.line - 1) .. block.code, "=docs/" .. page)
  if not chunk then return false, err end
  setfenv(chunk, env)
  local ok, e = xpcall(chunk, function(e)
    -- the traceback down to the example's own frames, not busted's
    local tb = debug.traceback(tostring(e), 2)
    return (tb:gsub("\n[^\n]*docs_spec%.lua.*$", ""))
  end)
  os.remove(tmp)
  if not ok then return false, e end
  return check_prints(block, printed)
end

-- Every example of every page must pass, each in a fresh environment.
local MIN_EXAMPLES = { ["tensors.md"] = 60 }

for _, page in ipairs(doc_pages()) do
  describe("docs/" .. page, function()
    local blocks = lua_blocks(read_doc(page), page)
    local min = MIN_EXAMPLES[page] or 1

    it("has at least " .. min .. " runnable examples", function()
      assert.is_true(#blocks >= min, "only " .. #blocks .. " ```lua blocks")
    end)

    for i, block in ipairs(blocks) do
      local first = block.code:match("^%s*([^\n]*)") or ""
      it(string.format("example %d (line %d): %s", i, block.line, first), function()
        local ok, err = run_block(block, page)
        if not ok then
          error(string.format("docs/%s example %d (line %d, `%s`) failed:\n%s", page, i, block.line, first,
            tostring(err)), 0)
        end
      end)
    end
  end)
end

describe("docs examples", function()
  it("leave no tensor memory behind once collected", function()
    tide.threads(0)
    tide.collect()
    assert.is_true(tide.memory().live < 64 * 1024 * 1024)
  end)
end)
