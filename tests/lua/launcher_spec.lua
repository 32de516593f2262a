-- The `tide` command (launcher/, tide.cli, tide.repl): the executable driven through a shell,
-- and the REPL and option-parsing pieces called directly.
local repl = require("tide.repl")
local cli = require("tide.cli")

local SOURCE = os.getenv("TIDE_SOURCE_DIR") or "."
local BUILD = os.getenv("TIDE_BUILD_DIR") or SOURCE .. "/build"
local function absolute(p) return p:sub(1, 1) == "/" and p or SOURCE .. "/" .. p end
local EXE = absolute(os.getenv("TIDE_EXE") or BUILD .. "/tide")

local H = require("spec_helpers")
local q, read_file, write_file, tmpname, sh = H.q, H.read_file, H.write_file, H.tmpname, H.sh

-- Runs the tide executable with the given (unquoted) arguments.
local function tide(args, stdin, exe)
  local parts = { q(exe or EXE) }
  for _, a in ipairs(args or {}) do parts[#parts + 1] = q(a) end
  return sh(table.concat(parts, " "), stdin)
end

local function tide_loads()
  local o = tide({ "-e", "print(pcall(require, 'tide'))" })
  return o:match("^true") ~= nil
end

local function mkdtemp()
  local o = sh("mktemp -d")
  return (o:gsub("%s+$", ""))
end

describe("the tide command", function()
  it("prints its version", function()
    local o, _, code = tide({ "--version" })
    assert.equals(0, code)
    assert.truthy(o:find("tide 0.1.0", 1, true))
    assert.truthy(o:find("LuaJIT", 1, true))
    assert.equals(o, (tide({ "-v" })))
  end)

  it("prints usage on --help and -h", function()
    local o, _, code = tide({ "--help" })
    assert.equals(0, code)
    for _, s in ipairs({ "usage: tide", "tide run RECIPE", "tide recipes", "-e CODE", "--env" }) do
      assert.truthy(o:find(s, 1, true), s)
    end
    assert.equals(o, (tide({ "-h" })))
  end)

  it("runs -e code in order, with Tide's Lua directories on package.path", function()
    local o, e, code = tide({ "-e", "x = 20", "-e", "print(x + 1)", "-e", "print(package.path)" })
    assert.equals(0, code, e)
    local first, path = o:match("^(.-)\n(.-)\n$")
    assert.equals("21", first)
    assert.equals(1, path:find(SOURCE .. "/lua/?.lua;", 1, true))
  end)

  it("rejects unknown options and a missing -e argument", function()
    local _, e, code = tide({ "--bogus" })
    assert.equals(1, code)
    assert.truthy(e:find("unrecognized option '--bogus'", 1, true))
    _, e, code = tide({ "-e" })
    assert.equals(1, code)
    assert.truthy(e:find("'-e' needs an argument", 1, true))
  end)

  it("runs a script with arg and ... , after -e", function()
    local script = tmpname() .. ".lua"
    write_file(script, "print(arg[0], #arg, arg[1], arg[2], select('#', ...), (...), y)\n")
    local o, e, code = tide({ "-e", "y = 'pre'", script, "one", "two words" })
    os.remove(script)
    assert.equals(0, code, e)
    assert.equals(table.concat({ script, 2, "one", "two words", 2, "one", "pre" }, "\t") .. "\n", o)
  end)

  it("reports a script error with a traceback on stderr and exits 1", function()
    local script = tmpname() .. ".lua"
    write_file(script, "local function f() error('boom') end\nf()\n")
    local o, e, code = tide({ script })
    os.remove(script)
    assert.equals(1, code)
    assert.equals("", o)
    assert.truthy(e:find(":1: boom", 1, true), e)
    assert.truthy(e:find("stack traceback:", 1, true), e)
  end)

  it("reports syntax errors, missing files and non-string errors", function()
    local _, e, code = tide({ "-e", "x = = 1" })
    assert.equals(1, code)
    assert.truthy(e:find("(command line):1:", 1, true), e)
    _, e, code = tide({ "/nonexistent/script.lua" })
    assert.equals(1, code)
    assert.truthy(e:find("cannot open", 1, true), e)
    _, e, code = tide({ "-e", "error({})" })
    assert.equals(1, code)
    assert.truthy(e:find("error object is a table value", 1, true), e)
    _, e, code = tide({ "-e", "error(setmetatable({}, {__tostring = function() return 'custom' end}))" })
    assert.equals(1, code)
    assert.truthy(e:find("custom", 1, true), e)
  end)

  it("loads a module with -l", function()
    local dir = mkdtemp()
    write_file(dir .. "/mymod.lua", "return { answer = 42 }\n")
    local o, e, code = sh(("LUA_PATH=%s %s -l mymod -e 'print(mymod.answer)'"):format(q(dir .. "/?.lua;;"), q(EXE)))
    sh("rm -rf " .. q(dir))
    assert.equals(0, code, e)
    assert.equals("42\n", o)
  end)

  it("runs standard input when it is not a terminal, and with -", function()
    local o, e, code = tide({}, "print('from stdin', ...)\n")
    assert.equals(0, code, e)
    assert.equals("from stdin\n", o)
    o, e, code = tide({ "-", "a1" }, "print('dash', ...)\n")
    assert.equals(0, code, e)
    assert.equals("dash\ta1\n", o)
    _, e, code = tide({}, "error('bad input')\n")
    assert.equals(1, code)
    assert.truthy(e:find("stdin:1: bad input", 1, true), e)
  end)

  it("enters the REPL after -e with -i, reading lines from a pipe", function()
    local o, e, code = tide({ "-e", "z = 5", "-i" }, "1 + 1\nfor i = 1, 2 do\nprint('loop', i)\nend\nz * 2\n_ + 1\nerror('oops')\n'after'\n")
    assert.equals(0, code, e)
    assert.truthy(o:find("Tide 0.1.0", 1, true))
    assert.truthy(o:find("\n2\nloop\t1\nloop\t2\n10\n11\nafter\n", 1, true), o)
    assert.truthy(e:find("stdin:1: oops", 1, true), e)
  end)

  it("lists recipes with their one-line descriptions", function()
    local o, e, code = tide({ "recipes" })
    assert.equals(0, code, e)
    assert.truthy(o:find("example%s+Example: tensors, broadcasting and a matrix product with Tide\n"), o)
  end)

  it("runs a recipe by name, passing its options", function()
    if not tide_loads() then pending("require('tide') does not load in this build yet") return end
    local o, e, code = tide({ "run", "example" })
    assert.equals(0, code, e)
    assert.truthy(o:find("tensor memory", 1, true), o)
    o, e, code = tide({ "run", "example", "--rows", "3", "--cols", "2" })
    assert.equals(0, code, e)
    assert.truthy(o:find("x (3x2", 1, true), o)
    o, _, code = tide({ "run", "example", "--help" })
    assert.equals(0, code)
    assert.truthy(o:find("usage: tide run example [options]", 1, true), o)
    _, e, code = tide({ "run", "example", "--rows", "many" })
    assert.equals(2, code)
    assert.truthy(e:find("--rows expects a number", 1, true), e)
  end)

  it("runs a recipe given as a path, with arg[-1] == 'run'", function()
    local script = tmpname() .. ".lua"
    write_file(script, "-- a test recipe\nprint(arg[-1], arg[0], ...)\n")
    local o, e, code = tide({ "run", script, "--k", "v" })
    os.remove(script)
    assert.equals(0, code, e)
    assert.equals(("run\t%s\t--k\tv\n"):format(script), o)
  end)

  it("explains an unknown recipe and a missing name, exiting 1", function()
    local o, e, code = tide({ "run", "exampel" })
    assert.equals(1, code)
    assert.equals("", o)
    assert.truthy(e:find("unknown recipe 'exampel'", 1, true), e)
    assert.truthy(e:find("did you mean 'example'?", 1, true), e)
    assert.truthy(e:find("example%s+Example:"), e) -- the name column is as wide as the longest recipe name
    _, e, code = tide({ "run" })
    assert.equals(1, code)
    assert.truthy(e:find("usage: tide run RECIPE", 1, true), e)
    _, e, code = tide({ "run", "/nonexistent/recipe.lua" })
    assert.equals(1, code)
    assert.truthy(e:find("cannot read recipe file", 1, true), e)
  end)

  it("prints --env exports that let plain luajit require tide", function()
    local o, e, code = tide({ "--env" })
    assert.equals(0, code, e)
    assert.truthy(o:find("export LUA_PATH='" .. SOURCE .. "/lua/?.lua;", 1, true), o)
    assert.truthy(o:find("export TIDE_LIB='", 1, true), o)
    local script = ("unset LUA_PATH TIDE_LIB; eval \"$(%s --env)\"; cd /; luajit -e %s"):format(q(EXE),
      q("print(package.searchpath('tide.cli', package.path)); print(os.getenv('TIDE_LIB'))"))
    o, e, code = sh(script)
    assert.equals(0, code, e)
    assert.truthy(o:find(SOURCE .. "/lua/tide/cli.lua\n", 1, true), o)
    assert.truthy(o:find("libtide.so\n", 1, true), o)
    if not tide_loads() then pending("require('tide') does not load in this build yet") return end
    o, e, code = sh(("unset LUA_PATH TIDE_LIB; eval \"$(%s --env)\"; cd /; luajit -e %s"):format(q(EXE),
      q("print(require('tide').zeros(2, 2).shape[1])")))
    assert.equals(0, code, e)
    assert.equals("2\n", o)
  end)

  it("fails clearly when it finds no Tide tree, and honours TIDE_HOME", function()
    local dir = mkdtemp()
    sh(("cp %s %s/tide"):format(q(EXE), q(dir)))
    local _, e, code = tide({ "-e", "print(1)" }, nil, dir .. "/tide")
    assert.equals(1, code)
    assert.truthy(e:find("cannot find Tide's files", 1, true), e)
    local o
    o, e, code = sh(("TIDE_HOME=%s %s/tide -e %s"):format(q(BUILD .. "/bindings"), q(dir),
      q("print(require('tide.paths').layout)")))
    assert.equals(0, code, e)
    assert.equals("build\n", o)
    _, e, code = sh(("TIDE_HOME=%s %s -e 'print(1)'"):format(q(dir), q(EXE)))
    assert.equals(1, code)
    assert.truthy(e:find("is not a bindings directory", 1, true), e)
    sh("rm -rf " .. q(dir))
  end)

  it("works from an installed (and relocated) tree", function()
    local dir = mkdtemp()
    local _, e, code = sh(("cmake --install %s --prefix %s/p"):format(q(BUILD), q(dir)))
    assert.equals(0, code, e)
    sh(("mv %s/p %s/moved"):format(q(dir), q(dir)))
    local exe = dir .. "/moved/bin/tide"
    local o
    o, e, code = tide({ "-e", "local p = require('tide.paths') print(p.layout) print(p.lua)" }, nil, exe)
    assert.equals(0, code, e)
    assert.equals("install\n" .. dir .. "/moved/share/tide/lua\n", o)
    o, e, code = tide({ "recipes" }, nil, exe)
    assert.equals(0, code, e)
    assert.truthy(o:find("example", 1, true), o)
    if tide_loads() then
      o, e, code = tide({ "run", "example" }, nil, exe)
      assert.equals(0, code, e)
      assert.truthy(o:find("tensor memory", 1, true), o)
    end
    sh("rm -rf " .. q(dir))
  end)

  it("starts quickly", function()
    local o = sh(("s=$(date +%%s%%N); for i in 1 2 3 4 5 6 7 8 9 10; do %s -e 'require(\"tide\")' 2>/dev/null; done; echo $(( ($(date +%%s%%N) - s) / 10000000 ))"):format(q(EXE)))
    local ms = tonumber(o:match("%d+"))
    assert.truthy(ms and ms < 100, "tide -e 'require(\"tide\")' took " .. tostring(ms) .. " ms per run")
  end)
end)

describe("tide.repl", function()
  it("compiles expressions, statements and the =expr form", function()
    assert.equals(2, repl.compile("1 + 1")())
    assert.equals(3, repl.compile("= 1 + 2")())
    assert.equals(7, repl.compile("return 7")())
    assert.equals(5, repl.compile("2 + 3 -- a comment")())
    local env = {}
    setfenv(assert(repl.compile("x = 1")), env)()
    assert.equals(1, env.x)
  end)

  it("detects incomplete input and real syntax errors", function()
    for _, src in ipairs({ "for i = 1, 2 do", "function f(x)", "1 +", "print(", "x =", "t = {", "s = [[abc" }) do
      local fn, err, incomplete = repl.compile(src)
      assert.is_nil(fn)
      assert.is_true(incomplete, src .. ": " .. tostring(err))
    end
    for _, src in ipairs({ "x = = 1", "1 2", "end", "'unfinished" }) do
      local fn, err, incomplete = repl.compile(src)
      assert.is_nil(fn)
      assert.is_false(incomplete, src)
      assert.truthy(err:find("^stdin:1:"), err)
    end
    assert.is_function(repl.compile("for i = 1, 2 do\nlocal y = i\nend"))
  end)

  it("evaluates in an environment, keeps `_`, and reports errors with a trimmed traceback", function()
    local env = { error = error, select = select }
    local r = repl.eval("1, nil, 'three'", env)
    assert.is_true(r.ok)
    assert.equals(3, r.n)
    assert.equals("1\tnil\tthree", repl.format_results(r))
    assert.equals(1, env._)
    r = repl.eval("_ + 1", env)
    assert.equals(2, r.values[1])
    r = repl.eval("y = 3", env)
    assert.is_true(r.ok)
    assert.equals(0, r.n)
    assert.equals(2, env._)
    r = repl.eval("error('bad')", env)
    assert.is_false(r.ok)
    assert.truthy(r.err:find("^stdin:1: bad\nstack traceback:"), r.err)
    assert.falsy(r.err:find("repl.lua", 1, true), r.err)
    assert.falsy(r.err:find("xpcall", 1, true), r.err)
    r = repl.eval("if true then", env)
    assert.is_true(r.incomplete)
  end)

  it("prints plain values plainly and honours __tostring", function()
    assert.equals("42", repl.format_value(42))
    assert.equals("0.5", repl.format_value(0.5))
    assert.equals("a\tb", repl.format_value("a\tb"))
    assert.equals("true", repl.format_value(true))
    assert.equals("nil", repl.format_value(nil))
    local T = setmetatable({}, { __tostring = function() return "tensor(...)" end })
    assert.equals("tensor(...)", repl.format_value(T))
    assert.equals("{tensor(...)}", repl.format_value({ T }))
    local broken = setmetatable({}, { __tostring = function() error("no") end })
    assert.truthy(repl.format_value(broken):find("__tostring failed", 1, true))
  end)

  it("pretty-prints tables: sorted keys, quoting, nesting", function()
    assert.equals("{}", repl.format_value({}))
    assert.equals("{1, 2, 3}", repl.format_value({ 1, 2, 3 }))
    assert.equals('{1, "two", x = true, y = {z = "a\\nb"}}', repl.format_value({ 1, "two", y = { z = "a\nb" }, x = true }))
    assert.equals('{[0] = 0, [2.5] = 1, ["a b"] = 2, b = 4, ["end"] = 3, [false] = 5, [true] = 6}',
      repl.format_value({ [0] = 0, [2.5] = 1, ["a b"] = 2, ["end"] = 3, b = 4, [true] = 6, [false] = 5 }))
    assert.equals("{1, [3] = 3}", repl.format_value({ 1, nil, 3 }))
    local wide = {}
    for i = 1, 5 do wide["key" .. i] = ("v"):rep(20) end
    local s = repl.format_value(wide)
    assert.equals(7, select(2, s:gsub("\n", "")) + 1)
    assert.truthy(s:find('^{\n  key1 = "vvvvvvvvvvvvvvvvvvvv",\n'), s)
    assert.truthy(s:find("\n}$"), s)
  end)

  it("is safe on cycles, deep nesting and long arrays", function()
    local t = { name = "t" }
    t.self = t
    assert.truthy(repl.format_value(t):find('^{name = "t", self = <cycle: table: 0x%x+>}$'), repl.format_value(t))
    local shared = { 1 }
    assert.equals("{a = {1}, b = {1}}", repl.format_value({ a = shared, b = shared }))
    assert.equals("{{{{{...}}}}}", repl.format_value({ { { { { { 1 } } } } } }))
    assert.equals("{{{1}}}", repl.format_value({ { { 1 } } }, { depth = 10 }))
    local long = {}
    for i = 1, 1000 do long[i] = i end
    local s = repl.format_value(long)
    assert.truthy(s:find("40,%s+... %(960 more%)"), s)
    assert.falsy(s:find("41", 1, true))
    assert.truthy(repl.format_value(long, { items = 3 }):find("^{1, 2, 3, ... %(997 more%)}$"))
  end)

  it("completes globals, fields and methods", function()
    local obj = setmetatable({ field = 1 }, { __index = { method = function() end, other = 2 } })
    local env = { tide = { zeros = 1, zeros_like = 2, ones = 3 }, tidal = 1, obj = obj, str = "s",
      string = string }
    assert.same({ "tidal", "tide" }, repl.complete("tid", env))
    assert.same({ "tide.zeros", "tide.zeros_like" }, repl.complete("tide.ze", env))
    assert.same({ "obj.field", "obj.method", "obj.other" }, repl.complete("obj.", env))
    assert.same({ "obj:method" }, repl.complete("obj:", env))
    assert.same({ "str:upper" }, repl.complete("str:up", env))
    assert.same({ "function" }, repl.complete("func", env))
    assert.same({}, repl.complete("nothing.here", env))
    assert.same({}, repl.complete("1.", env))
  end)

  it("runs the loop with a given line reader", function()
    local lines = { "x = 2", "x * 21", "for i = 1, 2 do", "print('in loop', i)", "end", "bad(", false, "oops()", "'done'" }
    local i = 0
    local function buffer()
      local b = { text = "" }
      function b:write(...) for _, s in ipairs({ ... }) do self.text = self.text .. s end end
      function b.flush() end
      return b
    end
    local out, err = buffer(), buffer()
    local saved_print = _G.print
    _G.print = function(...) out:write(table.concat({ ... }, "\t"), "\n") end
    local ok, msg = pcall(repl.run, {
      version = "9.9", history = false, stdout = out, stderr = err,
      readline = function() i = i + 1 if i <= #lines then return lines[i] end end,
    })
    _G.print = saved_print
    assert.is_true(ok, msg)
    assert.truthy(out.text:find("^Tide 9.9"), out.text)
    assert.truthy(out.text:find("\n42\nin loop\t1\nin loop\t2\ndone\n", 1, true), out.text)
    assert.truthy(err.text:find("stdin:1: attempt to call global 'oops'", 1, true), err.text)
  end)
end)

describe("tide.cli", function()
  local spec = {
    { "epochs", 10, "passes" },
    { "lr", 0.1, "learning rate" },
    { "name", "run", "a name" },
    { "verbose", false, "chatty" },
    { "batch-size", 32, "rows per batch" },
    { "out", nil, "output file" },
  }

  it("parses --name value, --name=value, flags and positionals", function()
    local opts, rest = cli.parse({ "--epochs", "3", "data.csv", "--lr=0.5", "--verbose", "--batch-size", "8",
      "--", "--not-an-option" }, spec)
    assert.same({ epochs = 3, lr = 0.5, name = "run", verbose = true, batch_size = 8 }, opts)
    assert.same({ "data.csv", "--not-an-option" }, rest)
    opts = cli.parse({ "--no-verbose", "--out", "x.bin", "--batch_size", "4" }, spec)
    assert.is_false(opts.verbose)
    assert.equals("x.bin", opts.out)
    assert.equals(4, opts.batch_size)
    assert.is_true(cli.parse({ "--help" }, spec).help)
    assert.is_true(cli.parse({ "-h" }, spec).help)
  end)

  it("rejects unknown options, missing values and bad numbers", function()
    local cases = {
      { { "--bogus" }, "unknown option '--bogus'" },
      { { "--epochs" }, "--epochs needs a value" },
      { { "--lr", "fast" }, "--lr expects a number, got 'fast'" },
      { { "--verbose=maybe" }, "--verbose is a flag" },
      { { "--no-epochs" }, "unknown option '--no-epochs'" },
    }
    for _, c in ipairs(cases) do
      local opts, err = cli.parse(c[1], spec)
      assert.is_nil(opts)
      assert.truthy(err:find(c[2], 1, true), err)
    end
  end)

  it("writes a usage text from the spec", function()
    local u = cli.usage(spec, "Train something", "tide run train")
    assert.truthy(u:find("^Train something\n\nusage: tide run train %[options%]\n"), u)
    assert.truthy(u:find("%-%-epochs N%s+passes %(default 10%)"), u)
    assert.truthy(u:find("%-%-name VALUE%s+a name %(default run%)"), u)
    assert.truthy(u:find("%-%-verbose%s+chatty\n"), u)
    assert.truthy(u:find("%-h, %-%-help%s+show this help"), u)
  end)

  it("finds, describes and resolves recipes", function()
    local dir = mkdtemp()
    write_file(dir .. "/train.lua", "-- Train a model   \nprint(1)\n")
    write_file(dir .. "/plot.lua", "#!/usr/bin/env tide\n-- Plot it\n")
    write_file(dir .. "/bare.lua", "print(1)\n")
    write_file(dir .. "/notes.txt", "-- not a recipe\n")
    local list = cli.list_recipes(dir)
    assert.same({ "bare", "plot", "train" }, { list[1].name, list[2].name, list[3].name })
    assert.same({ "", "Plot it", "Train a model" }, { list[1].description, list[2].description, list[3].description })
    assert.equals(dir .. "/train.lua", cli.resolve_recipe("train", dir))
    assert.equals(dir .. "/plot.lua", cli.resolve_recipe(dir .. "/plot.lua", dir))
    assert.equals(dir .. "/plot.lua", cli.resolve_recipe("plot.lua", dir))
    local path, msg = cli.resolve_recipe("trian", dir)
    assert.is_nil(path)
    assert.truthy(msg:find("unknown recipe 'trian'; did you mean 'train'?", 1, true), msg)
    assert.truthy(msg:find("train  Train a model", 1, true), msg)
    path, msg = cli.resolve_recipe("zzzzzzzz", dir)
    assert.is_nil(path)
    assert.falsy(msg:find("did you mean", 1, true), msg)
    sh("rm -rf " .. q(dir))
    assert.truthy(cli.recipes_text(dir):find("^no recipes in"))
  end)

  it("writes shell exports for --env", function()
    local s = cli.env_exports({ lua = "/x/lua", lib = "/x/it's/libtide.so", bindings = "/x/b" })
    assert.equals("export LUA_PATH='/x/lua/?.lua;/x/lua/?/init.lua;/x/b/?.lua;'\"${LUA_PATH:-;}\"\n"
      .. "export TIDE_LIB='/x/it'\\''s/libtide.so'\n", s)
  end)
end)
