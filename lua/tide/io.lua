-- tide.io: files. Tensors and weights as safetensors, NumPy .npy / .npz for interop, training
-- checkpoints, PNG images, IDX (MNIST) files. Every write is atomic (temp file in the same folder,
-- fsync, rename): a crash mid-save leaves the previous file intact. Every read validates sizes and
-- offsets before use, and bulk data goes from C straight into tensor memory.
-- Reference with examples: docs/io.md.
local core = require("tide._core")
local files = require("tide.io.files")
local safetensors = require("tide.io.safetensors")
local npy = require("tide.io.npy")
local checkpoint = require("tide.io.checkpoint")
local json = require("tide.io.json")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap
local format = string.format

local io = {}

-- ---------------------------------------------------------------- tensors and checkpoints

io.save_safetensors = function(path, tensors, metadata) return safetensors.save(path, tensors, metadata) end
io.load_safetensors = function(path) return safetensors.load(path) end
io.safetensors_info = function(path) return safetensors.info(path) end
io.load_npy = npy.load_npy
io.load_npz = npy.load_npz
io.save_npy = npy.save_npy
io.save_checkpoint = checkpoint.save
io.load_checkpoint = checkpoint.load
io.json = json

-- ---------------------------------------------------------------- PNG

-- mode names (PIL's too) -> channels
local MODES = { gray = 1, L = 1, gray_alpha = 2, LA = 2, rgb = 3, RGB = 3, rgba = 4, RGBA = 4 }

local function png_options(op, opts)
  if opts == nil then return 0, 0, nil end
  if type(opts) == "string" then opts = { mode = opts } end
  if type(opts) ~= "table" then raise(op .. ": options must be a table {mode =, depth =, out =}, got " .. type(opts)) end
  local channels = 0
  if opts.mode ~= nil then
    channels = MODES[opts.mode]
    if not channels then
      raise(format("%s: unknown mode %s (expected \"gray\", \"gray_alpha\", \"rgb\" or \"rgba\")", op, tostring(opts.mode)))
    end
  end
  local depth = opts.depth or 0
  if depth ~= 0 and depth ~= 8 and depth ~= 16 then
    raise(format("%s: depth must be 8 or 16, got %s", op, tostring(opts.depth)))
  end
  if opts.out ~= nil and getmetatable(opts.out) ~= core.Tensor then raise(op .. ": out must be a tensor") end
  return channels, depth, opts.out
end

-- read_png(path, {mode = "gray" | "gray_alpha" | "rgb" | "rgba", depth = 8 | 16, out = t})
-- -> uint8 [H, W, C] (int32 for 16-bit data); C as stored unless mode converts.
function io.read_png(path, opts)
  files.check_path("read_png", path)
  local channels, depth, out = png_options("read_png", opts)
  if out then
    if C.tide_png_read(path, out._c, channels, depth) == nil then raise_c() end
    return out
  end
  return wrap(core.retry(C.tide_png_read, path, nil, channels, depth))
end

-- decode_png(bytes, opts): a PNG held in a Lua string or a uint8 tensor.
function io.decode_png(bytes, opts)
  local channels, depth, out = png_options("read_png", opts)
  local ptr, len
  if type(bytes) == "string" then
    ptr, len = bytes, #bytes
  elseif getmetatable(bytes) == core.Tensor and bytes.dtype == "uint8" and bytes:is_contiguous() then
    ptr, len = C.tide_tensor_data_ptr(bytes._c), bytes:numel()
  else
    raise("read_png: expected the PNG's bytes as a string or a contiguous uint8 tensor, got " .. type(bytes))
  end
  local p = C.tide_png_decode(ptr, len, "<memory>", out and out._c or nil, channels, depth)
  if p == nil then raise_c() end
  return out or wrap(p)
end

-- write_png(path, t, {level = 0..9}): uint8 [H, W] / [H, W, C]; float32 / float64 in [0, 1];
-- int32 / int64 in 0..65535 as a 16-bit PNG. Atomic.
function io.write_png(path, t, opts)
  files.check_path("write_png", path)
  if getmetatable(t) ~= core.Tensor then raise("write_png: expected an image tensor, got " .. type(t)) end
  local level = -1
  if opts ~= nil then
    if type(opts) ~= "table" then raise("write_png: options must be a table {level =}") end
    level = opts.level or -1
    if type(level) ~= "number" or level ~= math.floor(level) or level < -1 or level > 9 then
      raise("write_png: level must be an integer 0..9, got " .. tostring(opts.level))
    end
  end
  if C.tide_png_write(path, t._c, level) ~= 0 then raise_c() end
end

local COLOR_TYPES = { [0] = "gray", [2] = "rgb", [3] = "palette", [4] = "gray_alpha", [6] = "rgba" }

-- png_info(path) -> {height, width, channels, bit_depth, color_type, interlaced, transparency}
function io.png_info(path)
  files.check_path("png_info", path)
  local info = ffi.new("int64_t[7]")
  if C.tide_png_info(path, info) ~= 0 then raise_c() end
  return {
    height = tonumber(info[0]), width = tonumber(info[1]), channels = tonumber(info[2]),
    bit_depth = tonumber(info[3]), color_type = COLOR_TYPES[tonumber(info[4])], interlaced = info[5] ~= 0,
    transparency = info[6] ~= 0,
  }
end

-- ---------------------------------------------------------------- IDX

-- read_idx(path) -> the tensor an IDX file (MNIST's format, gzipped or not) holds (core/idx.c).
function io.read_idx(path)
  files.check_path("read_idx", path)
  return wrap(core.retry(C.tide_idx_read, path))
end

return io
