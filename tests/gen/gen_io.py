"""Fixtures for tide.io (tests/lua/io_spec.lua, tests/c/test_io.c), written into tests/fixtures/io/
with the values Tide must read from them in tests/fixtures/io.lua.

- PNG: every colour type and bit depth (gray 1/2/4/8/16, gray + alpha, RGB, RGBA, palette 1/2/4/8,
  with and without tRNS), interlaced (Adam7) and not, written by the encoder below (zlib + struct,
  every filter type, IDAT split into several chunks, ancillary chunks). The expected pixels come
  from the independent decoder below, which also checks each file (CRC, filters, Adam7).
- NumPy: .npy files written by NumPy itself (every dtype Tide reads, both byte orders, C and
  Fortran order, header versions 1.0 / 2.0 / 3.0, 0-d and empty arrays; some unsupported ones),
  .npz stored, deflated, and with zip64 records; .npy files for exact byte comparison with
  tide.io.save_npy.
- safetensors: files written by tests/gen/safetensors_ref.py (the spec in NumPy).

Run with /usr/bin/python3 (NumPy). `python3 gen_io.py decode-png FILE` prints a PNG's pixels as
JSON with the decoder below (the spec checks Tide's writer with it).
"""
import json
import os
import struct
import sys
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import safetensors_ref as st  # noqa: E402
from fixture_writer import write_fixture  # noqa: E402

FIX = os.path.join(HERE, "..", "fixtures")
OUT = os.path.join(FIX, "io")

# ---------------------------------------------------------------- PNG encoder

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def pack_row(samples, bd):
    """A row of integer samples -> bytes at bit depth bd (MSB first below 8 bits)."""
    if bd == 16:
        return b"".join(struct.pack(">H", int(v)) for v in samples)
    if bd == 8:
        return bytes(int(v) for v in samples)
    out, acc, nbits = bytearray(), 0, 0
    for v in samples:
        acc = (acc << bd) | int(v)
        nbits += bd
        if nbits == 8:
            out.append(acc)
            acc, nbits = 0, 0
    if nbits:
        out.append(acc << (8 - nbits))
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(ftype, row, prev, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i] if prev else 0
        c = prev[i - bpp] if prev and i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ftype]
        out.append((x - pred) & 0xFF)
    return bytes([ftype]) + bytes(out)


def encode_png(pix, ct, bd, palette=None, trns=None, interlace=False, extra_chunks=()):
    """pix: int array [H, W, samples] of raw samples (palette indices for ct 3)."""
    h, w, c = pix.shape
    assert c == CHANNELS[ct]
    bpp = max(1, c * bd // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    raw, k = bytearray(), 0
    for x0, y0, dx, dy in passes:
        sub = pix[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = None
        for y in range(sub.shape[0]):
            row = pack_row(sub[y].reshape(-1), bd)
            raw += filter_row(k % 5, row, prev, bpp)  # every filter type in turn
            prev, k = row, k + 1
    ihdr = struct.pack(">IIBBBBB", w, h, bd, ct, 0, 0, 1 if interlace else 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    for kind, data in extra_chunks:
        out += chunk(kind, data)
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    z = zlib.compress(bytes(raw), 9)
    for i in range(0, len(z), 40):  # several IDAT chunks
        out += chunk(b"IDAT", z[i:i + 40])
    return out + chunk(b"IEND", b"")


# ---------------------------------------------------------------- PNG decoder (independent check)

def decode_png(data):
    """bytes -> int array [H, W, C] as tide.io.read_png gives it (palette -> RGB, tRNS -> alpha,
    1/2/4-bit gray scaled to 0..255, 16-bit kept)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, plte, trns, ihdr = 8, b"", None, None, None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "CRC error in " + kind.decode()
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            plte = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, bd, ct, _, _, il = ihdr
    c = CHANNELS[ct]
    bits = c * bd
    bpp = max(1, bits // 8)
    raw = zlib.decompress(idat)
    pix = np.zeros((h, w, c), dtype=np.int64)
    passes = ADAM7 if il else [(0, 0, 1, 1)]
    p = 0
    for x0, y0, dx, dy in passes:
        pw, ph = (w - x0 + dx - 1) // dx, (h - y0 + dy - 1) // dy
        if pw <= 0 or ph <= 0:
            continue
        rowlen = (pw * bits + 7) // 8
        prev = bytes(rowlen)
        for y in range(ph):
            ftype, line = raw[p], bytearray(raw[p + 1:p + 1 + rowlen])
            p += 1 + rowlen
            for i in range(rowlen):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                cc = prev[i - bpp] if i >= bpp else 0
                pred = [0, a, b, (a + b) // 2, paeth(a, b, cc)][ftype]
                line[i] = (line[i] + pred) & 0xFF
            prev = bytes(line)
            if bd == 16:
                vals = np.frombuffer(prev, dtype=">u2").astype(np.int64)
            elif bd == 8:
                vals = np.frombuffer(prev, dtype=np.uint8).astype(np.int64)
            else:
                allbits = np.unpackbits(np.frombuffer(prev, dtype=np.uint8))
                nv = pw * c
                vals = allbits[:nv * bd].reshape(nv, bd).dot(1 << np.arange(bd - 1, -1, -1))
            pix[y0 + y * dy, x0::dx][:pw] = vals[:pw * c].reshape(pw, c)
    maxv = 65535 if bd == 16 else 255
    if ct == 3:
        alpha = None
        if trns is not None:
            table = np.full(256, 255, dtype=np.int64)
            table[:len(trns)] = list(trns)
            alpha = table[pix[..., 0]]
        rgb = plte.astype(np.int64)[pix[..., 0]]
        return rgb if alpha is None else np.concatenate([rgb, alpha[..., None]], axis=2)
    if ct in (0, 2) and trns is not None:
        key = np.array(struct.unpack(">" + "H" * c, trns[:2 * c]), dtype=np.int64)
        alpha = np.where(np.all(pix == key, axis=2), 0, maxv)[..., None]
        pix = np.concatenate([pix, alpha], axis=2)
    if bd < 8:  # gray only: scale to 8 bits as libpng does (bit replication == v * 255 / (2^bd - 1))
        scale = 255 // ((1 << bd) - 1)
        pix[..., 0] *= scale
        if pix.shape[2] == 2:
            pix[..., 1] = np.where(pix[..., 1] > 0, 255, 0)
    return pix


# ---------------------------------------------------------------- PNG fixtures

def luma(r, g, b):
    return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16


def convert(pix, c, maxv):
    """A decoded image to c channels as tide.io.read_png(path, {mode}) converts it."""
    c0 = pix.shape[2]
    g = pix[..., 0] if c0 <= 2 else luma(pix[..., 0], pix[..., 1], pix[..., 2])
    a = pix[..., c0 - 1] if c0 in (2, 4) else np.full(pix.shape[:2], maxv)
    rgb = pix[..., :3] if c0 >= 3 else np.stack([g, g, g], axis=2)
    return {1: g[..., None], 2: np.stack([g, a], axis=2), 3: rgb,
            4: np.concatenate([rgb, a[..., None]], axis=2)}[c]


def scale16_to_8(v):
    """libpng's png_set_scale_16: v * 255 / 65535 rounded (checked below to be exactly that)."""
    v = np.asarray(v, dtype=np.int64)
    tmp = v >> 8
    return tmp + (((v & 255) - tmp + 128) * 65535 >> 24)


def png_cases():
    rng = np.random.RandomState(7)
    cases = []

    def add(name, ct, bd, h=5, w=7, palette_n=None, trns=None, interlace=False, extra=()):
        c = CHANNELS[ct]
        hi = (1 << bd) if ct != 3 else palette_n
        pix = rng.randint(0, hi, size=(h, w, c))
        palette = rng.randint(0, 256, size=(palette_n, 3)) if ct == 3 else None
        tr = None
        if trns == "key":  # gray / RGB: make some pixels equal the transparent colour
            key = pix[0, 0].copy()
            pix[h - 1, w - 1] = key
            tr = struct.pack(">" + "H" * c, *[int(v) for v in key])
        elif trns == "palette":
            tr = bytes(rng.randint(0, 256, size=max(1, palette_n // 2)).tolist())
        cases.append((name, encode_png(pix, ct, bd, palette, tr, interlace, extra)))

    for bd in (1, 2, 4, 8, 16):
        add(f"gray{bd}", 0, bd)
    add("gray2_trns", 0, 2, trns="key")
    add("gray8_trns", 0, 8, trns="key", extra=[(b"gAMA", struct.pack(">I", 45455))])
    add("gray16_trns", 0, 16, trns="key")
    add("graya8", 4, 8)
    add("graya16", 4, 16)
    add("rgb8", 2, 8, extra=[(b"tEXt", b"Comment\x00made by gen_io.py")])
    add("rgb16", 2, 16)
    add("rgb8_trns", 2, 8, trns="key")
    add("rgba8", 6, 8)
    add("rgba16", 6, 16)
    add("pal1", 3, 1, palette_n=2)
    add("pal2", 3, 2, palette_n=4)
    add("pal4", 3, 4, palette_n=11)
    add("pal8", 3, 8, palette_n=200)
    add("pal4_trns", 3, 4, palette_n=16, trns="palette")
    add("pal8_trns", 3, 8, palette_n=30, trns="palette")
    # interlaced: 11 x 9 so that every Adam7 pass has pixels
    add("gray1_adam7", 0, 1, h=11, w=9, interlace=True)
    add("gray8_adam7", 0, 8, h=11, w=9, interlace=True)
    add("rgb16_adam7", 2, 16, h=11, w=9, interlace=True)
    add("rgba8_adam7", 6, 8, h=11, w=9, interlace=True)
    add("pal2_adam7", 3, 2, h=11, w=9, palette_n=4, interlace=True)
    add("graya16_adam7", 4, 16, h=3, w=2, interlace=True)  # tiny: some passes are empty
    return cases


# images whose conversions (modes, depths) are checked: each stored channel count and depth
MODE_CASES = ("gray2_trns", "gray8", "gray16", "graya8", "rgb8", "rgb16", "rgba8", "rgba16", "pal4_trns")


def main_png():
    v = np.arange(65536)
    assert np.array_equal(scale16_to_8(v), np.floor(v * 255 / 65535 + 0.5).astype(np.int64))
    pngs, modes = {}, {}
    for name, data in png_cases():
        with open(os.path.join(OUT, name + ".png"), "wb") as f:
            f.write(data)
        pix = decode_png(data)
        wide = "16" in name
        maxv = 65535 if wide else 255
        pngs[name] = {"file": name + ".png", "dtype": "int32" if wide else "uint8", "pixels": pix}
        if name not in MODE_CASES:
            continue
        conv = {m: convert(pix, c, maxv) for m, c in (("gray", 1), ("gray_alpha", 2), ("rgb", 3), ("rgba", 4))}
        if wide:
            conv["depth8"] = scale16_to_8(pix)
            conv["rgb_depth8"] = convert(scale16_to_8(pix), 3, 255)
        else:
            conv["depth16"] = pix * 257
        modes[name] = conv
    return pngs, modes


# ---------------------------------------------------------------- NumPy

def main_numpy():
    rng = np.random.RandomState(3)
    f2 = np.array([0, 1, -2, 0.5, 65504, -65504, 2.0 ** -24, 2.0 ** -14, -0.0, np.inf, -np.inf, np.nan],
                  dtype=np.float16)
    arrays = {
        "f4": (np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5),
        "f8": rng.standard_normal((2, 3, 2)),
        "i4": np.array([[-2 ** 31, 2 ** 31 - 1, 0], [1, -1, 7]], dtype=np.int32),
        "i8": np.array([-2 ** 62, 2 ** 53 + 1, 0, 3], dtype=np.int64),
        "u1": np.arange(0, 256, 51, dtype=np.uint8).reshape(2, 3),
        "b1": np.array([[True, False], [False, True], [True, True]]),
        "i2": np.array([-32768, 32767, 0, -1], dtype=np.int16),
        "u2": np.array([0, 65535, 1234], dtype=np.uint16),
        "f2": f2,
        "i1": np.array([-128, 127, 0], dtype=np.int8),
        "u4": np.array([0, 2 ** 32 - 1, 5], dtype=np.uint32),
        "be_f4": np.arange(4, dtype=">f4") * 1.5,
        "be_f8": np.array([[1e300, -2.5], [np.pi, 0]], dtype=">f8"),
        "be_i4": np.array([1, -2, 3 << 20], dtype=">i4"),
        "be_i8": np.array([[-(2 ** 40), 5]], dtype=">i8"),
        "be_i2": np.array([-300, 300], dtype=">i2"),
        "be_u2": np.array([65000, 1], dtype=">u2"),
        "be_f2": np.array([1, -0.25, np.inf], dtype=">f2"),
        "fortran_f8": np.asfortranarray(rng.standard_normal((3, 4))),
        "fortran_i4": np.asfortranarray(np.arange(12, dtype=np.int32).reshape(2, 3, 2)),
        "scalar": np.array(3.5),
        "empty": np.zeros((0, 3), dtype=np.float32),
        "one_d": np.arange(5, dtype=np.int64),
    }
    npy = {}
    for name, a in arrays.items():
        np.save(os.path.join(OUT, name + ".npy"), a)
        npy[name] = {"file": name + ".npy", "values": a.copy(order="C")}
    for version in ((2, 0), (3, 0)):
        name = "v%d" % version[0]
        a = np.arange(6, dtype=np.float32).reshape(3, 2) * version[0]
        with open(os.path.join(OUT, name + ".npy"), "wb") as f:
            np.lib.format.write_array(f, a, version=version)
        npy[name] = {"file": name + ".npy", "values": a}
    # unsupported: Tide must refuse them with a clear message
    np.save(os.path.join(OUT, "bad_complex.npy"), np.array([1 + 2j], dtype=np.complex64))
    np.save(os.path.join(OUT, "bad_object.npy"), np.array([{"a": 1}], dtype=object), allow_pickle=True)
    np.save(os.path.join(OUT, "bad_struct.npy"), np.zeros(2, dtype=[("x", "<f4"), ("y", "<i4")]))
    np.save(os.path.join(OUT, "bad_u8.npy"), np.array([1], dtype=np.uint64))

    # exact bytes NumPy writes, for tide.io.save_npy to match
    saves = {
        "save_f4": np.arange(6, dtype=np.float32).reshape(2, 3) / 8,
        "save_f8": np.array([0.1, -2.0, 1e-300]),
        "save_i4": np.arange(24, dtype=np.int32).reshape(2, 3, 4) - 5,
        "save_i8": np.array(-(2 ** 40), dtype=np.int64),
        "save_u1": np.zeros((0, 4), dtype=np.uint8),
        "save_b1": np.array([[True, False], [False, False]]),
        "save_8d": np.arange(2, dtype=np.float32).reshape(1, 1, 1, 1, 1, 1, 1, 2),
        "save_long": np.arange(100000, 100003, dtype=np.int64),
    }
    save = {}
    for name, a in saves.items():
        np.save(os.path.join(OUT, name + ".npy"), a)
        save[name] = {"file": name + ".npy", "values": a}

    members = {"weights": arrays["f4"], "labels": np.array([3, 1, 2], dtype=np.int64),
               "mask": arrays["b1"], "big_endian": arrays["be_i4"], "fortran": arrays["fortran_f8"]}
    np.savez(os.path.join(OUT, "stored.npz"), **members)
    np.savez_compressed(os.path.join(OUT, "deflated.npz"), **members)
    # zip64 records everywhere (what very large archives carry): lower zipfile's limits
    old = zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT
    zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = 1, 1
    try:
        np.savez_compressed(os.path.join(OUT, "zip64.npz"), **members)
    finally:
        zipfile.ZIP64_LIMIT, zipfile.ZIP_FILECOUNT_LIMIT = old
    with zipfile.ZipFile(os.path.join(OUT, "zip64.npz")) as z:
        assert all(i.extra for i in z.infolist()), "zip64 extras expected"
    npz = {name: a.copy(order="C") for name, a in members.items()}
    return npy, save, npz


# ---------------------------------------------------------------- safetensors

def main_safetensors():
    rng = np.random.RandomState(11)
    f32 = rng.standard_normal((3, 2)).astype(np.float32)
    bf = np.array([1.0, -2.5, 3.140625, 1e30, -0.0, np.inf], dtype=np.float32)
    tensors = {
        "weight": ("F32", f32),
        "layer.0.bias": ("F64", rng.standard_normal(4)),
        "ids": ("I64", np.array([[-(2 ** 50), 1, 2]], dtype=np.int64)),
        "counts": ("I32", np.array([7, -7], dtype=np.int32)),
        "pixels": ("U8", np.array([[0, 255], [128, 1]], dtype=np.uint8)),
        "mask": ("BOOL", np.array([True, False, True])),
        "half": ("F16", np.array([0.5, -1, 65504, 2.0 ** -24, np.inf], dtype=np.float16)),
        "brain": ("BF16", st.bf16_bits(bf)),
        "small": ("I16", np.array([-32768, 5], dtype=np.int16)),
        "tiny": ("I8", np.array([-128, 127], dtype=np.int8)),
        "u16": ("U16", np.array([65535, 0], dtype=np.uint16)),
        "u32": ("U32", np.array([4294967295, 1], dtype=np.uint32)),
        "scalar": ("F32", np.array(2.5, dtype=np.float32)),
        "nothing": ("F32", np.zeros((0, 5), dtype=np.float32)),
    }
    meta = {"format": "pt", "note": "written by safetensors_ref.py \u00e9\"\\"}
    st.save_file(tensors, os.path.join(OUT, "ref.safetensors"), meta)
    again, meta2 = st.load_file(os.path.join(OUT, "ref.safetensors"))
    assert meta2 == meta and set(again) == set(tensors)

    expect = []
    for name, (dt, a) in sorted(tensors.items()):
        values = st.bf16_to_float32(a) if dt == "BF16" else a
        tide_dtype = {"F32": "float32", "F64": "float64", "I64": "int64", "I32": "int32", "U8": "uint8",
                      "BOOL": "bool", "F16": "float32", "BF16": "float32", "I16": "int32", "I8": "int32",
                      "U16": "int32", "U32": "int64"}[dt]
        expect.append({"name": name, "dtype": tide_dtype, "values": np.asarray(values)})

    # header keys in another order than the data (any order is valid), no metadata
    a, b = np.arange(3, dtype=np.float32), np.arange(4, dtype=np.int32)
    hdr = json.dumps({"b": {"dtype": "I32", "shape": [4], "data_offsets": [12, 28]},
                      "a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 12]}}).encode()
    with open(os.path.join(OUT, "unordered.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(hdr)) + hdr + a.tobytes() + b.tobytes())
    return expect


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "decode-png":
        with open(sys.argv[2], "rb") as f:
            pix = decode_png(f.read())
        print(json.dumps({"shape": list(pix.shape), "data": pix.ravel().tolist()}))
        return
    os.makedirs(OUT, exist_ok=True)
    pngs, modes = main_png()
    npy, save, npz = main_numpy()
    safet = main_safetensors()
    write_fixture(os.path.join(FIX, "io.lua"), {"png": pngs, "png_modes": modes, "npy": npy, "npy_save": save,
                                                "npz": npz, "safetensors": safet}, "tests/gen/gen_io.py")


if __name__ == "__main__":
    main()
