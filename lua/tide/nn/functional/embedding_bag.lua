-- EmbeddingBag over core/embedding_bag.c (PyTorch 1.13's F.embedding_bag, include_last_offset
-- = false):
--   F.embedding_bag(input, weight [V, D], offsets, {mode = "mean", per_sample_weights =,
--                   padding_idx =}) -> [B, D]
--     input: int64 (or int32) 1-based ids, 1-d [n] with offsets (1-based start of each bag:
--     a tensor or a Lua array, first 1, never decreasing; equal neighbours make an empty bag) or
--     2-d [B, L] (B bags of L ids, offsets nil). mode "sum", "mean" or "max"; per_sample_weights
--     (input's shape, weight's dtype) scale the rows in "sum" mode; ids equal to padding_idx
--     (1-based, negative counts from the end) are left out of their bag. An empty bag gives
--     zeros. Gradients flow to weight and per_sample_weights.
--   F.embedding_bag_sgd_(weight, input, offsets, grad_output [B, D], lr, {mode =,
--                        per_sample_weights =, padding_idx =}) -> weight
--     plain SGD in place on the rows the bags touch: weight[r] -= lr * (the gradient that
--     embedding_bag's backward gives row r for grad_output), other rows untouched, so a step
--     costs O(n D) whatever V is. No autograd: call it with the gradient of the bag outputs.
local core = require("tide._core")
local autograd = require("tide.autograd")
local C = core.C
local Tensor = core.Tensor
local raise, raise_c, wrap, retry = core.raise, core.raise_c, core.wrap, core.retry
local needs, record = autograd.needs, autograd.record
local U = require("tide.nn.functional.util")
local getmetatable, type, tostring = getmetatable, type, tostring
local format = string.format
local ffi = core.ffi

local PARAMS = ffi.typeof("tide_embedding_bag_params")
local TPTR1 = ffi.typeof("tide_tensor*[1]")
local MODES = { sum = 0, mean = 1, max = 2 }
local INT32, INT64 = 2, 3

local tide -- the library table, required lazily

local F = {}

local function mode_code(op, mode)
  if mode == nil then return 1 end
  local m = MODES[mode]
  if m == nil then raise(format("%s: mode must be \"sum\", \"mean\" or \"max\", got %s", op, tostring(mode))) end
  return m
end

-- padding_idx (1-based, negative from the end, nil) -> 0-based row or -1.
local function padding_row(op, pad, V)
  if pad == nil then return -1 end
  if type(pad) ~= "number" or pad ~= math.floor(pad) then
    raise(format("%s: padding_idx must be an integer, got %s", op, tostring(pad)))
  end
  local p = pad < 0 and V + pad + 1 or pad
  if p < 1 or p > V then
    raise(format("%s: padding_idx %d is out of range for %d embeddings", op, pad, V))
  end
  return p - 1
end

-- The input and offsets checked as Lua values (the C side checks their contents); offsets as a
-- Lua array become an int64 tensor.
local function check_ids(op, input, offsets)
  tide = tide or require("tide")
  if getmetatable(input) ~= Tensor then raise(format("%s: input must be an int64 tensor of ids, got %s", op, type(input))) end
  local dt = input._c.dtype
  if dt ~= INT64 and dt ~= INT32 then raise(format("%s: input must be an int64 tensor of 1-based ids, got %s", op, input.dtype)) end
  if offsets ~= nil then
    if getmetatable(offsets) ~= Tensor then
      if type(offsets) ~= "table" then
        raise(format("%s: offsets must be an int64 tensor or a Lua array of bag starts, got %s", op, type(offsets)))
      end
      for i = 1, #offsets do
        local v = offsets[i]
        if type(v) ~= "number" or v ~= math.floor(v) then
          raise(format("%s: offsets[%d] must be an integer, got %s", op, i, tostring(v)))
        end
      end
      offsets = tide.tensor(offsets, "int64"):reshape(#offsets)
    elseif offsets._c.dtype ~= INT64 and offsets._c.dtype ~= INT32 then
      raise(format("%s: offsets must be an int64 tensor of 1-based bag starts, got %s", op, offsets.dtype))
    end
  end
  return offsets
end

local function check_weight(op, weight)
  if getmetatable(weight) ~= Tensor then raise(format("%s: weight must be a tensor, got %s", op, type(weight))) end
  if weight._c.ndim ~= 2 then
    raise(format("%s: weight must be 2-d [num_embeddings, embedding_dim], got shape {%s}", op,
      table.concat(weight.shape, ", ")))
  end
  if weight.dtype ~= "float32" and weight.dtype ~= "float64" then
    raise(format("%s: weight must be float32 or float64, got %s", op, weight.dtype))
  end
end

local OPTS = { mode = true, per_sample_weights = true, padding_idx = true, include_last_offset = true,
  max_norm = true, scale_grad_by_freq = true, sparse = true }

local function read_opts(op, opts, weight)
  opts = U.options(op, opts, OPTS)
  if opts.include_last_offset then raise(op .. ": include_last_offset is not supported (offsets hold one start per bag)") end
  if opts.max_norm ~= nil then raise(op .. ": max_norm is not supported") end
  if opts.scale_grad_by_freq then raise(op .. ": scale_grad_by_freq is not supported") end
  if opts.sparse then raise(op .. ": sparse gradients are not supported; use F.embedding_bag_sgd_ for a sparse update") end
  local psw = opts.per_sample_weights
  if psw ~= nil and getmetatable(psw) ~= Tensor then
    raise(format("%s: per_sample_weights must be a tensor, got %s", op, type(psw)))
  end
  local mode = mode_code(op, opts.mode)
  local p = PARAMS(mode, 1, padding_row(op, opts.padding_idx, weight.shape[1]))
  return p, psw
end

local tc = U.tc

function F.embedding_bag(input, weight, offsets, opts)
  local op = "embedding_bag"
  offsets = check_ids(op, input, offsets)
  check_weight(op, weight)
  local p, psw = read_opts(op, opts, weight)
  local grad = needs(weight, psw)
  local mi = (grad and p.mode == 2) and TPTR1() or nil
  local y = wrap(retry(C.tide_embedding_bag_forward, input._c, tc(offsets), tc(psw), nil, mi, weight._c, p))
  if grad then
    local idx = mi and wrap(mi[0]) or nil
    record(op, y, { weight, psw }, function(g, nd, retain)
      tide = tide or require("tide")
      local gw = nd[1] and tide.zeros(weight.shape, weight.dtype) or nil
      local gp = nd[2] and tide.zeros(psw.shape, psw.dtype) or nil
      if C.tide_embedding_bag_backward(input._c, tc(offsets), tc(psw), tc(idx), g._c, tc(gw), tc(gp), weight._c, p) ~= 0 then
        raise_c()
      end
      if retain == false and idx then idx:free() end
      return gw, gp
    end)
  end
  return y
end

function F.embedding_bag_sgd_(weight, input, offsets, grad_output, lr, opts)
  local op = "embedding_bag_sgd_"
  check_weight(op, weight)
  offsets = check_ids(op, input, offsets)
  if getmetatable(grad_output) ~= Tensor then raise(format("%s: grad_output must be a tensor, got %s", op, type(grad_output))) end
  if type(lr) ~= "number" then raise(format("%s: lr must be a number, got %s", op, type(lr))) end
  local p, psw = read_opts(op, opts, weight)
  local idx
  if p.mode == 2 then -- the rows that won each maximum: one more forward
    local mi = TPTR1()
    local y = C.tide_embedding_bag_forward(input._c, tc(offsets), tc(psw), nil, mi, weight._c, p)
    if y == nil then raise_c() end
    C.tide_tensor_free(y)
    idx = wrap(mi[0])
  end
  if C.tide_embedding_bag_sgd_(input._c, tc(offsets), tc(psw), tc(idx), grad_output._c, weight._c, lr, p) ~= 0 then
    raise_c()
  end
  if idx then idx:free() end
  return weight
end

return F
