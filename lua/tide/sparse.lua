-- tide.sparse: compressed sparse row (CSR) matrices — the sparse input of the classical models
-- (tide.models) and the output of text vectorisers. A CSR matrix holds three tensors:
--   X.indptr  int64 [n + 1]  row i's values are X.data[indptr[i] + 1 .. indptr[i + 1]] (0-based offsets)
--   X.indices int32 [nnz]    their column ids, 0-based, strictly increasing within a row
--   X.data    float64 [nnz]  their values
-- and X.shape = {n, d}, X.nnz. Rows and columns are numbered from 1 in every Lua call
-- (X:rows{1, 3}); the arrays keep the 0-based layout scikit-learn and SciPy use, so they can be
-- saved and read by either side unchanged. The work is in C (core/sparse.c).
local ffi = require("ffi")
local core = require("tide._core")
local tensor = require("tide.tensor")
local C = core.C
local raise = core.raise
local format = string.format

local M = {}
local CSR = {}
CSR.__index = CSR
M.CSR = CSR

local function ok(status) if status ~= 0 then core.raise_c() end end

local function count(op, v, what)
  if type(v) ~= "number" or v ~= math.floor(v) or v < 0 then
    raise(format("%s: %s must be a non-negative integer, got %s", op, what, tostring(v)))
  end
  return v
end

local function as_vector(op, what, t, dtype)
  if type(t) == "table" and not tensor.is_tensor(t) then t = tensor.tensor(t, dtype) end
  if not tensor.is_tensor(t) then raise(format("%s: %s must be a tensor, got %s", op, what, type(t))) end
  if t:dim() ~= 1 then raise(format("%s: %s must be 1-d, got %d dims", op, what, t:dim())) end
  if t.dtype ~= dtype then t = t:to(dtype) end
  return t:contiguous()
end

local function make(data, indices, indptr, n, d)
  local self = setmetatable({ data = data, indices = indices, indptr = indptr, shape = { n, d },
    nnz = data:numel() }, CSR)
  return self
end

-- The C view of X (tide_csr); X must stay alive while C uses it.
function CSR:c()
  local s = ffi.new("tide_csr")
  s.rows, s.cols, s.nnz = self.shape[1], self.shape[2], self.nnz
  s.indptr, s.indices, s.data = self.indptr:data_ptr(), self.indices:data_ptr(), self.data:data_ptr()
  return s
end

function M.is_csr(x) return type(x) == "table" and getmetatable(x) == CSR end

-- csr(data, indices, indptr, {n, d}): checks the structure (clear error naming what is wrong).
function M.csr(data, indices, indptr, shape)
  local op = "sparse.csr"
  if type(shape) ~= "table" then raise(op .. ": shape must be a table {n, d}") end
  local n, d = count(op, shape[1], "shape[1]"), count(op, shape[2], "shape[2]")
  data = as_vector(op, "data", data, "float64")
  indices = as_vector(op, "indices", indices, "int32")
  indptr = as_vector(op, "indptr", indptr, "int64")
  if indices:numel() ~= data:numel() then
    raise(format("%s: indices has %d values but data has %d", op, indices:numel(), data:numel()))
  end
  if indptr:numel() ~= n + 1 then raise(format("%s: indptr must have n + 1 = %d values, got %d", op, n + 1, indptr:numel())) end
  local X = make(data, indices, indptr, n, d)
  ok(C.tide_csr_check(X:c(), op))
  return X
end

-- A dense 2-d tensor (any numeric dtype) -> CSR of its nonzero cells.
function M.from_dense(t)
  local op = "sparse.from_dense"
  if not tensor.is_tensor(t) then raise(op .. ": expected a tensor, got " .. type(t)) end
  if t:dim() ~= 2 then raise(format("%s: expected a 2-d tensor, got %d dims", op, t:dim())) end
  local x = t.dtype == "float64" and t or t:to("float64")
  local nnz = tonumber(C.tide_csr_count_dense(x._c))
  if nnz < 0 then core.raise_c() end
  local n, d = x.shape[1], x.shape[2]
  local indptr, indices, data = tensor.empty({ n + 1 }, "int64"), tensor.empty({ nnz }, "int32"), tensor.empty({ nnz }, "float64")
  ok(C.tide_csr_from_dense(x._c, indptr:data_ptr(), indices:data_ptr(), data:data_ptr()))
  return make(data, indices, indptr, n, d)
end

-- Triplets (1-based row ids, 1-based column ids, values) -> CSR {n, d}; duplicates are summed.
function M.from_coo(rows, cols, vals, shape)
  local op = "sparse.from_coo"
  if type(shape) ~= "table" then raise(op .. ": shape must be a table {n, d}") end
  local n, d = count(op, shape[1], "shape[1]"), count(op, shape[2], "shape[2]")
  rows = as_vector(op, "rows", rows, "int64") - 1
  cols = as_vector(op, "cols", cols, "int64") - 1
  vals = as_vector(op, "values", vals, "float64")
  local m = vals:numel()
  if rows:numel() ~= m or cols:numel() ~= m then
    raise(format("%s: rows, cols and values must have the same length (%d, %d, %d)", op, rows:numel(), cols:numel(), m))
  end
  local indptr, indices, data = tensor.empty({ n + 1 }, "int64"), tensor.empty({ m }, "int32"), tensor.empty({ m }, "float64")
  local nnz = tonumber(C.tide_csr_from_coo(n, d, m, rows:data_ptr(), cols:data_ptr(), vals:data_ptr(),
    indptr:data_ptr(), indices:data_ptr(), data:data_ptr()))
  if nnz < 0 then core.raise_c() end
  if nnz < m then
    indices, data = indices:narrow(1, 1, nnz):clone(), data:narrow(1, 1, nnz):clone()
  end
  return make(data, indices, indptr, n, d)
end

-- An all-zero n x d matrix.
function M.zeros(n, d)
  local op = "sparse.zeros"
  count(op, n, "n"); count(op, d, "d")
  return make(tensor.empty({ 0 }, "float64"), tensor.empty({ 0 }, "int32"), tensor.zeros({ n + 1 }, "int64"), n, d)
end

function CSR:to_dense(dtype)
  dtype = dtype or "float64"
  if dtype ~= "float64" and dtype ~= "float32" then raise("to_dense: dtype must be float64 or float32, got " .. tostring(dtype)) end
  local out = tensor.empty({ self.shape[1], self.shape[2] }, dtype)
  ok(C.tide_csr_to_dense(self:c(), out._c))
  return out
end

-- The rows idx (1-based; a Lua array or an integer tensor; order and repeats kept) as a new CSR.
function CSR:rows(idx)
  local op = "csr:rows"
  local r = as_vector(op, "the row ids", idx, "int64") - 1
  local m = r:numel()
  local x = self:c()
  local nnz = tonumber(C.tide_csr_rows_nnz(x, r:data_ptr(), m))
  if nnz < 0 then core.raise_c() end
  local indptr, indices, data = tensor.empty({ m + 1 }, "int64"), tensor.empty({ nnz }, "int32"), tensor.empty({ nnz }, "float64")
  ok(C.tide_csr_take_rows(x, r:data_ptr(), m, indptr:data_ptr(), indices:data_ptr(), data:data_ptr()))
  return make(data, indices, indptr, m, self.shape[2])
end

-- The transpose as a CSR (d x n); its rows are this matrix's columns (compressed sparse column).
function CSR:t()
  local n, d = self.shape[1], self.shape[2]
  local indptr, indices, data = tensor.empty({ d + 1 }, "int64"), tensor.empty({ self.nnz }, "int32"), tensor.empty({ self.nnz }, "float64")
  ok(C.tide_csr_transpose(self:c(), indptr:data_ptr(), indices:data_ptr(), data:data_ptr()))
  return make(data, indices, indptr, d, n)
end

local function dense_operand(op, w, rows)
  if not tensor.is_tensor(w) then raise(format("%s: expected a dense tensor, got %s", op, type(w))) end
  local vec = w:dim() == 1
  if vec then w = w:reshape(w.shape[1], 1) end
  if w:dim() ~= 2 then raise(format("%s: expected a 1-d or 2-d tensor, got %d dims", op, w:dim())) end
  if w.shape[1] ~= rows then raise(format("%s: the dense operand has %d rows, expected %d", op, w.shape[1], rows)) end
  if w.dtype ~= "float64" then w = w:to("float64") end
  return w:contiguous(), vec
end

-- X @ W: W [d, k] (or [d]) dense -> dense float64 [n, k] (or [n]).
function CSR:matmul(w)
  local W, vec = dense_operand("csr:matmul", w, self.shape[2])
  local out = tensor.empty({ self.shape[1], W.shape[2] }, "float64")
  ok(C.tide_csr_matmul(self:c(), W._c, out._c))
  return vec and out:reshape(self.shape[1]) or out
end

-- X^T @ G: G [n, k] (or [n]) dense -> dense float64 [d, k] (or [d]).
function CSR:t_matmul(g)
  local G, vec = dense_operand("csr:t_matmul", g, self.shape[1])
  local out = tensor.empty({ self.shape[2], G.shape[2] }, "float64")
  ok(C.tide_csr_t_matmul(self:c(), G._c, out._c))
  return vec and out:reshape(self.shape[2]) or out
end

-- Squared Euclidean norm of each row: float64 [n].
function CSR:row_norms_squared()
  local out = tensor.empty({ self.shape[1] }, "float64")
  ok(C.tide_csr_row_norms_sq(self:c(), out:data_ptr()))
  return out
end

function CSR:clone()
  return make(self.data:clone(), self.indices:clone(), self.indptr:clone(), self.shape[1], self.shape[2])
end

function CSR:dim() return 2 end

CSR.__tostring = function(self)
  return format("CSR(%d x %d, %d stored values)", self.shape[1], self.shape[2], self.nnz)
end

return M
