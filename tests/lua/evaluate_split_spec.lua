-- tide.evaluate splitters against scikit-learn 1.2 (fixtures from tests/gen/gen_evaluate.py):
-- identical folds where scikit-learn is deterministic (KFold, StratifiedKFold, GroupKFold without
-- shuffling), the same sizes where it is random (train_test_split, ShuffleSplit, stratified class
-- counts, repeated k-fold); seeding; X as tensors, CSR, frames and Lua arrays; bad input.
local tide = require("tide")
local H = require("spec_helpers")
local ev = require("tide.evaluate")
local ref = H.fixture("evaluate")

local function ids(t) return H.flat(t) end

local names_of = H.sorted_keys

local function check_partition(folds, n)
  local seen = {}
  for _, f in ipairs(folds) do
    assert.equals(n, f.train:numel() + f.test:numel())
    assert.equals("int64", f.test.dtype)
    for _, i in ipairs(ids(f.test)) do
      assert.is_nil(seen[i], "sample " .. i .. " in two test folds")
      seen[i] = true
    end
  end
  for i = 1, n do assert.is_true(seen[i], "sample " .. i .. " in no test fold") end
end

describe("splitters match scikit-learn", function()
  for _, name in ipairs(names_of(ref.splits)) do
    local c = ref.splits[name]
    it(name, function()
      local folds
      if c.groups then
        folds = ev.GroupKFold({ n_splits = c.k }):split(#c.groups, nil, c.groups)
      elseif c.y then
        folds = ev.StratifiedKFold({ n_splits = c.k }):split(#c.y, c.y)
        if type(c.y[1]) == "number" then -- tensors give the same folds
          local again = ev.StratifiedKFold({ n_splits = c.k }):split(tide.zeros(#c.y, 2), tide.tensor(c.y, "int64"))
          for i, f in ipairs(again) do assert.is_true(f.test:equal(folds[i].test)) end
        end
      else
        folds = ev.KFold({ n_splits = c.k }):split(tide.zeros(c.n, 3))
      end
      assert.equals(#c.folds, #folds)
      for i, f in ipairs(c.folds) do
        assert.same(f.test, ids(folds[i].test), name .. " test fold " .. i)
        assert.same(f.train, ids(folds[i].train), name .. " train fold " .. i)
      end
    end)
  end

  it("train_test_split and ShuffleSplit have scikit-learn's sizes", function()
    for _, c in ipairs(ref.sizes) do
      local Xtr, Xte = ev.train_test_split(tide.arange(c.n), nil, { test_size = c.test_size, train_size = c.train_size,
        random_state = 0 })
      assert.equals(c.n_train, Xtr:numel(), "n_train for n = " .. c.n)
      assert.equals(c.n_test, Xte:numel(), "n_test for n = " .. c.n)
    end
    local folds = ev.ShuffleSplit({ n_splits = 3, test_size = 0.25, random_state = 1 }):split(569)
    assert.equals(3, #folds)
    for _, f in ipairs(folds) do
      assert.equals(143, f.test:numel())
      assert.equals(426, f.train:numel())
      assert.equals(569, tide.cat({ f.train, f.test }):unique():numel())
    end
    assert.is_false(folds[1].test:equal(folds[2].test))
  end)

  it("stratified splits keep scikit-learn's class counts", function()
    for _, c in ipairs(ref.strat) do
      local y = {}
      for k, cnt in ipairs(c.counts) do for _ = 1, cnt do y[#y + 1] = k - 1 end end
      local _, _, ytr, yte = ev.train_test_split(#y, y, { test_size = c.test_size, stratify = true, random_state = 3 })
      local tr, te = {}, {}
      for _, v in ipairs(ytr) do tr[v + 1] = (tr[v + 1] or 0) + 1 end
      for _, v in ipairs(yte) do te[v + 1] = (te[v + 1] or 0) + 1 end
      assert.same(c.train_counts, tr)
      assert.same(c.test_counts, te)
      local folds = ev.StratifiedShuffleSplit({ n_splits = 2, test_size = c.test_size, random_state = 3 }):split(#y, y)
      assert.equals(2, #folds)
    end
  end)

  it("repeated and shuffled k-fold give partitions with scikit-learn's fold sizes", function()
    local y = ref.splits.skfold_57_5.y
    local rk = ev.RepeatedKFold({ n_splits = 5, n_repeats = 3, random_state = 0 }):split(57)
    assert.equals(15, #rk)
    assert.equals(15, ev.RepeatedKFold({ n_splits = 5, n_repeats = 3 }):get_n_splits())
    for r = 0, 2 do
      local part = { rk[r * 5 + 1], rk[r * 5 + 2], rk[r * 5 + 3], rk[r * 5 + 4], rk[r * 5 + 5] }
      check_partition(part, 57)
      for i, f in ipairs(part) do assert.equals(i <= 2 and 12 or 11, f.test:numel()) end
    end
    assert.is_false(rk[1].test:equal(rk[6].test))
    local rs = ev.RepeatedStratifiedKFold({ n_splits = 5, n_repeats = 2, random_state = 0 }):split(57, y)
    assert.equals(10, #rs)
    local plain = ev.StratifiedKFold({ n_splits = 5 }):split(57, y)
    for i = 1, 5 do assert.equals(plain[i].test:numel(), rs[i].test:numel()) end
    check_partition({ rs[6], rs[7], rs[8], rs[9], rs[10] }, 57)
    local sk = ev.StratifiedKFold({ n_splits = 5, shuffle = true, random_state = 7 }):split(57, y)
    check_partition(sk, 57)
    for i = 1, 5 do assert.equals(plain[i].test:numel(), sk[i].test:numel()) end
    check_partition(ev.KFold({ n_splits = 4, shuffle = true, random_state = 2 }):split(30), 30)
  end)

  it("is repeatable: random_state, and tide.manual_seed when it is nil", function()
    local a = ev.KFold({ n_splits = 3, shuffle = true, random_state = 11 }):split(40)
    local b = ev.KFold({ n_splits = 3, shuffle = true, random_state = 11 }):split(40)
    local c = ev.KFold({ n_splits = 3, shuffle = true, random_state = 12 }):split(40)
    assert.is_true(a[1].test:equal(b[1].test))
    assert.is_false(a[1].test:equal(c[1].test))
    tide.manual_seed(5)
    local d = ev.ShuffleSplit({ n_splits = 1 }):split(40)
    tide.manual_seed(5)
    local e = ev.ShuffleSplit({ n_splits = 1 }):split(40)
    assert.is_true(d[1].test:equal(e[1].test))
  end)

  it("splits tensors, CSR matrices, frames and Lua arrays alike", function()
    local X = tide.arange(20, "float64"):reshape(10, 2)
    local y = { "a", "b", "a", "b", "a", "b", "a", "b", "a", "b" }
    local Xtr, Xte, ytr, yte, split = ev.train_test_split(X, y, { test_size = 0.3, random_state = 4 })
    assert.same({ 7, 2 }, Xtr.shape)
    assert.same({ 3, 2 }, Xte.shape)
    assert.equals(7, #ytr)
    for i, id in ipairs(ids(split.test)) do
      assert.equals(X[id][1], Xte[i][1])
      assert.equals(y[id], yte[i])
    end
    local S = require("tide.sparse")
    local Str, Ste = ev.train_test_split(S.from_dense(X), nil, { test_size = 0.3, random_state = 4 })
    assert.is_true(Str:to_dense():equal(Xtr) and Ste:to_dense():equal(Xte))
    local rows = X:totable()
    local Ltr = ev.train_test_split(rows, nil, { test_size = 0.3, random_state = 4 })
    assert.same(Xtr:totable(), Ltr)
    local F = require("tide.frame")
    local fr = F.new({ { "u", tide.arange(10, "float64") }, { "v", y } })
    local Ftr, Fte = ev.train_test_split(fr, nil, { test_size = 0.3, random_state = 4 })
    assert.equals(7, Ftr:nrows())
    assert.equals(3, Fte:nrows())
    -- without shuffling: the first rows train, the last test
    local a, b = ev.train_test_split(X, nil, { shuffle = false, test_size = 2 })
    assert.is_true(a:equal(X:narrow(1, 1, 8)) and b:equal(X:narrow(1, 9, 2)))
  end)
end)

describe("splitter errors", function()
  local msg = H.error_message

  it("name the splitter and the problem", function()
    assert.equals("KFold: n_splits must be an integer >= 2, got 1", msg(function() return ev.KFold({ n_splits = 1 }) end))
    assert.equals("KFold.split: cannot have n_splits = 5 greater than the number of samples: 3",
      msg(function() return ev.KFold():split(3) end))
    assert.truthy(msg(function() return ev.KFold({ folds = 3 }) end):find("unknown option 'folds'", 1, true))
    assert.truthy(msg(function() return ev.KFold({ random_state = 1 }) end):find("random_state has no effect", 1, true))
    assert.equals("StratifiedKFold.split: y is required", msg(function() return ev.StratifiedKFold():split(10) end))
    assert.equals("StratifiedKFold.split: n_splits = 3 cannot be greater than the number of members in each class",
      msg(function() return ev.StratifiedKFold({ n_splits = 3 }):split(4, { 1, 1, 2, 2 }) end))
    assert.equals("StratifiedKFold.split: y has 3 values but X has 4 samples",
      msg(function() return ev.StratifiedKFold({ n_splits = 2 }):split(4, { 1, 1, 2 }) end))
    assert.equals("GroupKFold.split: cannot have n_splits = 3 greater than the number of groups: 2",
      msg(function() return ev.GroupKFold({ n_splits = 3 }):split(4, nil, { 1, 1, 2, 2 }) end))
    assert.equals("GroupKFold.split: groups is required", msg(function() return ev.GroupKFold():split(10) end))
    assert.truthy(msg(function() return ev.train_test_split(10, nil, { test_size = 1.5 }) end)
      :find("test_size = 1.5 should be a fraction in (0, 1)", 1, true))
    assert.truthy(msg(function() return ev.train_test_split(10, nil, { test_size = 10 }) end)
      :find("test_size = 10 should be smaller than the number of samples 10", 1, true))
    assert.equals("train_test_split: X has 3 samples but y has 2", msg(function() return ev.train_test_split(3, { 1, 2 }) end))
    assert.equals("train_test_split: a stratified split needs shuffle = true",
      msg(function() return ev.train_test_split(4, { 1, 1, 2, 2 }, { shuffle = false, stratify = true }) end))
    assert.truthy(msg(function() return ev.train_test_split(5, { 1, 1, 1, 1, 2 }, { stratify = true, test_size = 2 }) end)
      :find("the least populated class in y has only 1 member", 1, true))
    assert.equals("train_test_split: X has no samples", msg(function() return ev.train_test_split(tide.zeros(0, 2)) end))
    assert.truthy(msg(function() return ev.KFold({ shuffle = true, random_state = -1 }):split(10) end)
      :find("random_state must be a non-negative integer", 1, true))
    assert.equals("StratifiedKFold.split: y contains NaN or infinity",
      msg(function() return ev.StratifiedKFold({ n_splits = 2 }):split(4, tide.tensor({ 1, 0 / 0, 1, 2 })) end))
  end)
end)
