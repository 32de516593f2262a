-- bench/peer.lua — what the benchmarks that race Tide against a PyTorch peer share. The peer,
-- bench/<name>_peer.py run with /usr/bin/python3 (or $TIDE_PYTHON), stays alive and runs one case
-- per line written to a FIFO, so the two sides alternate case by case (machine noise then hits
-- both alike); its answers are "RESULT torch:<case> <values> ms" lines (bench/peer_util.py).
--   local peer = require("peer")
--   local threads, rounds = peer.args()              -- [threads] [rounds], defaults 2 and 5
--   local p = peer.start("reduce_sum", "reduce_sum_peer.py", threads)
--   local ms = p:ask("sum16M", "RESULT torch:%S+%s+([%d.]+) ms")   -- the pattern's captures
--   p:close()
--   peer.table_header(threads, rounds, p.header); peer.row("sum", tide_ms, torch_ms)
local M = {}

-- This folder (where the peer scripts are).
M.dir = (arg and arg[0] or "bench/peer.lua"):match("^(.*)/[^/]*$") or "."

-- [threads] [rounds] from the command line.
function M.args()
  return tonumber(arg and arg[1]) or 2, tonumber(arg and arg[2]) or 5
end

-- Start the peer script with `threads` threads (and the extra arguments, a shell-quoted string,
-- when given); bench names the benchmark in error messages.
-- p.header: the peer's first line; p:ask(case, pattern): the captures of pattern in the peer's
-- answer (exits, showing the peer's output, when it does not match); p:close().
function M.start(bench, script, threads, extra)
  local python = os.getenv("TIDE_PYTHON") or "/usr/bin/python3"
  local fifo = os.tmpname()
  os.remove(fifo)
  assert(os.execute("mkfifo " .. fifo) == 0 or true)
  local proc = io.popen(string.format("%s %s/%s %d %s--serve %s 2>&1", python, M.dir, script, threads,
    extra and (extra .. " ") or "", fifo))
  local cmd = assert(io.open(fifo, "w"))
  local p = { header = proc:read("*l") }
  function p.ask(_, case, pattern)
    cmd:write(case, "\n")
    cmd:flush()
    local line = proc:read("*l") or ""
    local r = { line:match(pattern) }
    if r[1] == nil then
      io.stderr:write(bench .. ": the PyTorch peer failed: " .. tostring(p.header) .. "\n" .. line .. "\n" ..
        (proc:read("*a") or "") .. "\n")
      os.exit(1)
    end
    return unpack(r)
  end
  function p.close()
    cmd:write("quit\n")
    cmd:close()
    proc:close()
    os.remove(fifo)
  end
  return p
end

-- best[name] = the smaller of best[name] and v.
function M.keep(best, name, v) best[name] = math.min(best[name] or math.huge, v) end

-- The results table: its heading, then one row per case (torch_ms nil: "-").
function M.table_header(threads, rounds, peer_header)
  print(string.format("# %d threads, best of %d rounds (each the median of 21 runs); %s", threads, rounds,
    peer_header or ""))
  print(string.format("%-44s %10s %10s %8s", "", "Tide ms", "torch ms", "ratio"))
end

function M.row(label, tide_ms, torch_ms)
  print(string.format("%-44s %10.3f %10s %8s", label, tide_ms, torch_ms and string.format("%.3f", torch_ms) or "-",
    torch_ms and string.format("%.2fx", torch_ms / tide_ms) or "-"))
end

return M
