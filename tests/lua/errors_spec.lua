-- Bad calls to the tensor core raise Lua errors that name the operation and the problem, and
-- point at the caller's line (this file), never inside the library. Never a crash.
local tide = require("tide")
local H = require("spec_helpers")

-- Each case: a description, a function making the bad call, and substrings the message must hold.
-- (The calls are not tail calls, so the spec's own frame stays on the stack as the caller.)
local cases = {
  { "negative size", function() local r = tide.zeros(2, -1); return r end, "zeros", "non-negative" },
  { "fractional size", function() local r = tide.ones(2.5); return r end, "ones", "2.5" },
  { "unknown dtype", function() local r = tide.zeros(2, "float16"); return r end, "unknown dtype float16" },
  { "too many dims", function() local r = tide.zeros(1, 1, 1, 1, 1, 1, 1, 1, 1); return r end, "at most 8 dims" },
  { "size of wrong type", function() local r = tide.zeros(2, {}, 3); return r end, "zeros", "size 2" },
  { "arange zero step", function() local r = tide.arange(0, 5, 0); return r end, "arange", "step" },
  { "arange step away from end", function() local r = tide.arange(0, 5, -1); return r end, "arange", "goes away" },
  { "linspace negative steps", function() local r = tide.linspace(0, 1, -2); return r end, "linspace", "steps" },
  { "ragged nested table", function() local r = tide.tensor({ { 1, 2 }, { 3 } }); return r end, "tensor", "ragged" },
  { "non-number element", function() local r = tide.tensor({ 1, "x" }); return r end, "tensor", "element data[2]" },
  { "tensor from a string", function() local r = tide.tensor("abc"); return r end, "tensor", "string" },
  { "rand into int dtype", function() local r = tide.rand(3, "int32"); return r end, "rand", "float dtype" },
  { "randint empty range", function() local r = tide.randint(5, 5, { 3 }); return r end, "randint", "below" },
  { "view with wrong numel", function() local r = tide.zeros(2, 3):view(4, 2); return r end, "view", "6 elements" },
  { "view of non-contiguous", function() local r = tide.zeros(2, 3):t():view(6); return r end, "view", "contiguous" },
  { "reshape with two -1", function() local r = tide.zeros(4):reshape(-1, -1); return r end, "reshape", "only one dim" },
  { "permute not a permutation", function() local r = tide.zeros(2, 3):permute(1, 1); return r end, "permute", "permutation" },
  { "permute wrong count", function() local r = tide.zeros(2, 3):permute(1); return r end, "permute", "1 dims" },
  { "transpose dim out of range", function() local r = tide.zeros(2, 3):transpose(1, 3); return r end, "transpose", "dim 3 out of range" },
  { "select index out of range", function() local r = tide.zeros(2, 3):select(1, 3); return r end, "select", "index 3 out of range for dim 1 of size 2" },
  { "index past the end", function() local r = tide.zeros(4)[5]; return r end, "index: index 5 out of range for dim 1 of size 4" },
  { "slice past the end in an assignment", function() local t = tide.zeros(2, 3); t[{ 1, { 1, 5 } }] = 1 end, "index assignment: index 5 out of range for dim 2 of size 3" },
  { "too many indices", function() local r = tide.zeros(2, 2)[{ 1, 1, 1 }]; return r end, "index", "3 indices" },
  { "fractional index", function() local r = tide.zeros(4)[1.5]; return r end, "index", "integer" },
  { "narrow past the end", function() local r = tide.zeros(5):narrow(1, 4, 3); return r end, "narrow", "out of bounds" },
  { "slice zero step", function() local r = tide.zeros(5):slice(1, 1, 5, 0); return r end, "slice", "step" },
  { "expand a non-1 dim", function() local r = tide.zeros(2, 3):expand(4, 3); return r end, "expand", "dim 1 has size 2" },
  { "unsqueeze dim out of range", function() local r = tide.zeros(2):unsqueeze(4); return r end, "unsqueeze", "out of range" },
  { "squeeze dim out of range", function() local r = tide.zeros(2):squeeze(3); return r end, "squeeze", "out of range" },
  { "flatten start after end", function() local r = tide.zeros(2, 3, 4):flatten(3, 1); return r end, "flatten", "comes after" },
  { "copy_ non-broadcastable", function() local r = tide.zeros(2, 3):copy_(tide.zeros(4)); return r end, "copy_", "does not broadcast" },
  { "copy_ from a string", function() local r = tide.zeros(2):copy_("x"); return r end, "copy_", "tensor or a number" },
  { "item of a vector", function() local r = tide.zeros(3):item(); return r end, "item", "3 elements" },
  { "assign a string", function() local t = tide.zeros(3); t[1] = "x" end, "index assignment", "string" },
  { "stride dim out of range", function() local r = tide.zeros(2, 3):stride(9); return r end, "stride", "dim 9 out of range" },
  { "size dim not an integer", function() local r = tide.zeros(3):size("x"); return r end, "size", "integer" },
  { "eye fractional size", function() local r = tide.eye(2.5); return r end, "eye", "2.5" },
  { "use after free", function() local t = tide.ones(10); t:free(); local r = t:size(1); return r end, "after free" },
  { "size dim out of range", function() local r = tide.zeros(3):size(2); return r end, "size", "dim 2" },
  { "threads negative", function() local r = tide.threads(-1); return r end, "threads" },
  { "manual_seed negative", function() local r = tide.manual_seed(-3); return r end, "manual_seed" },
  { "from_ptr without shape", function() local r = tide.from_ptr(nil, 3); return r end, "from_ptr", "shape" },
  { "cast to unknown dtype", function() local r = tide.zeros(2):to("complex64"); return r end, "to", "unknown dtype" },
  { "full without a value", function() local r = tide.full({ 2, 2 }, "x"); return r end, "full", "value" },
}

describe("bad calls to the tensor core", function()
  for _, case in ipairs(cases) do
    it("raise a clear error: " .. case[1], function()
      local err = H.assert_error(case[2], select(3, unpack(case)))
      -- the error points at this spec file (the caller), not inside lua/tide
      assert.matches("errors_spec%.lua:%d+:", err)
    end)
  end

  it("point at code loaded from strings too (the REPL, tide -e)", function()
    local f = assert(loadstring("local t = require('tide').zeros(2)\nlocal v = t:view(3)\nreturn v", "=stdin"))
    local ok, err = pcall(f)
    assert.is_false(ok)
    assert.matches("^stdin:2: view", err)
  end)

  it("number at least 30 distinct cases", function()
    assert.is_true(#cases >= 30)
  end)

  it("leave the library usable afterwards", function()
    for _, case in ipairs(cases) do pcall(case[2]) end
    assert.same({ 1, 1 }, tide.ones(2):totable())
  end)
end)
