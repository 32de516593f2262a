-- tide.data.ImageFolder(root, {mode = "gray"|"rgb", transform =}): torchvision's ImageFolder for
-- PNG files. root holds one folder per class; classes are the folder names sorted (byte order, as
-- Python's sorted), labels their 1-based positions; a class folder's .png files (searched
-- recursively, names sorted) are its samples. ds:get(i) decodes sample i as float32 [C, H, W] in
-- [0, 1] (then the transform) and returns it with its label. The DataLoader decodes batches in
-- C, in its worker thread. Every image must have the first image's size unless the transform
-- holds a Resize.
local core = require("tide._core")
local tensor = require("tide.tensor")
local ffi, C = core.ffi, core.C
local raise, raise_c, wrap = core.raise, core.raise_c, core.wrap

-- Entries of a directory: { {name =, dir = bool, file = bool}, ... } sorted by name.
local function list_dir(path)
  local cap = 4096
  while true do
    local buf = ffi.new("char[?]", cap)
    local need = tonumber(C.tide_dir_list(path, buf, cap))
    if need < 0 then raise_c() end
    if need <= cap then
      local out, i = {}, 0
      while i < need do
        local name = ffi.string(buf + i)
        local t = string.char(buf[i + #name + 1])
        out[#out + 1] = { name = name, dir = t == "d", file = t == "f" }
        i = i + #name + 2
      end
      table.sort(out, function(a, b) return a.name < b.name end)
      return out
    end
    cap = need + 1024
  end
end

-- The .png files under dir (recursively), in torchvision's order: folders walked in sorted order.
local function png_files(dir, out)
  for _, e in ipairs(list_dir(dir)) do
    local p = dir .. "/" .. e.name
    if e.dir then
      png_files(p, out)
    elseif e.file and e.name:lower():match("%.png$") then
      out[#out + 1] = p
    end
  end
  return out
end

local MODES = { gray = 1, rgb = 3 }

return function(data)
  local transforms = data.transforms
  local ImageFolder = data._dataset_class("ImageFolder")

  function data.ImageFolder(root, opts)
    if type(root) ~= "string" then raise("ImageFolder: expected a folder name, got " .. type(root)) end
    opts = opts or {}
    if type(opts) ~= "table" then raise("ImageFolder: options must be a table like {mode = \"gray\"}") end
    for k in pairs(opts) do
      if k ~= "mode" and k ~= "transform" then raise("ImageFolder: unknown option '" .. tostring(k) .. "'") end
    end
    root = root:gsub("/+$", "")
    local classes, paths, labels = {}, {}, {}
    for _, e in ipairs(list_dir(root)) do
      if e.dir then
        classes[#classes + 1] = e.name
        local files = png_files(root .. "/" .. e.name, {})
        if #files == 0 then raise("ImageFolder: class folder " .. root .. "/" .. e.name .. " holds no .png file") end
        for _, f in ipairs(files) do
          paths[#paths + 1] = f
          labels[#labels + 1] = #classes
        end
      end
    end
    if #classes == 0 then raise("ImageFolder: " .. root .. " has no class folders (expected one folder of PNGs per class)") end
    local hwc = ffi.new("int64_t[7]") -- H, W, channels, ... (tide_png_info in tide/io.h)
    if C.tide_png_info(paths[1], hwc) ~= 0 then raise_c() end
    local mode = opts.mode
    if mode == nil then mode = tonumber(hwc[2]) <= 2 and "gray" or "rgb" end
    if not MODES[mode] then raise("ImageFolder: mode must be \"gray\" or \"rgb\", got " .. tostring(mode)) end
    local tf = opts.transform
    if tf ~= nil and not transforms.is_transform(tf) and type(tf) ~= "function" then
      raise("ImageFolder: transform must be a tide.data.transforms transform or a function, got " .. type(tf))
    end
    local class_to_idx = {}
    for i, c in ipairs(classes) do class_to_idx[c] = i end
    local state = {
      root = root, classes = classes, class_to_idx = class_to_idx, paths = paths, targets = labels,
      mode = mode, channels = MODES[mode], height = tonumber(hwc[0]), width = tonumber(hwc[1]), transform = tf,
    }
    if tf ~= nil and transforms.is_transform(tf) and tf._tf then
      tf:output_shape(MODES[mode], state.height, state.width) -- fails now, not at the first batch
    end
    state.labels = tensor.tensor(labels, "int64")
    return data._object(ImageFolder, state)
  end

  function ImageFolder:len() return #self.paths end

  -- sample i: image float32 [C, H, W] (after the transform), label (1-based class id)
  function ImageFolder:get(i)
    local n = #self.paths
    if type(i) ~= "number" or i ~= math.floor(i) then raise("ImageFolder: index must be an integer, got " .. tostring(i)) end
    if i < 0 then i = n + i + 1 end
    if i < 1 or i > n then raise(string.format("ImageFolder: index %d out of range for %d samples", i, n)) end
    local img = wrap(core.retry(C.tide_image_load, self.paths[i], self.channels))
    if self.transform then img = self.transform(img) end
    return img, self.targets[i]
  end

  function ImageFolder:_source()
    return {
      n = #self.paths,
      columns = {
        { files = self.paths, mode = self.channels, height = self.height, width = self.width, kind = C.TIDE_COLUMN_IMAGE },
        { tensor = self.labels, kind = C.TIDE_COLUMN_LABEL },
      },
      transform = self.transform,
    }
  end
end
