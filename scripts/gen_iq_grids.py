#!/usr/bin/env python3
"""Generate src/gguf/grids.rs: the lookup tables that ggml's i-quant / fp4 dequantizers read.

Values come from the `gguf` package (pinned in scripts/requirements-ggml.txt: the grid_map/grid_hex
tables of gguf.quants.IQ2_XXS ... IQ1_S, IQ2_XXS.ksigns, IQ4_NL.kvalues, MXFP4.kvalues) and every
single entry is cross-checked against ggml itself: the script builds blocks whose scales make the
dequantizer return the table entry exactly (d = 1.0 in f16, sub-scale 0, sign bits 0 unless the
sign table is probed) and calls dequantize_row_<type> of the libggml-base.so shipped with
llama-cpp-python==0.3.36 through ctypes.  Any mismatch aborts the script.

    .refenv-ggml/bin/python scripts/gen_iq_grids.py          # writes src/gguf/grids.rs
    .refenv-ggml/bin/python scripts/gen_iq_grids.py --check  # only verifies the committed file

GGML_BASE_LIB=/path/to/libggml-base.so overrides the library location.

Tables (names as in ggml-common.h, element types as ggml stores them):
  IQ2XXS_GRID [u64; 256], IQ2XS_GRID [u64; 512], IQ2S_GRID [u64; 1024], IQ1S_GRID [u64; 2048]
      8 coordinates per entry, byte j (little-endian, bits 8j..8j+8) = coordinate j
      (unsigned bytes 0x08/0x19/0x2b for the IQ2 grids; int8 -1/0/+1 for IQ1S_GRID)
  IQ3XXS_GRID [u32; 256], IQ3S_GRID [u32; 512]: 4 unsigned byte coordinates per entry
  KSIGNS_IQ2XS [u8; 128]: 7 sign bits -> 8 sign bits with even parity (bit j set = coordinate j negative)
  KMASK_IQ2XS [u8; 8]: 1 << j
  KVALUES_IQ4NL [i8; 16], KVALUES_MXFP4 [i8; 16] (E2M1 values doubled)
  IQ1S_DELTA: f32 (= IQ1M_DELTA), the +-delta of IQ1_S / IQ1_M
"""

import ctypes
import glob
import importlib.metadata
import importlib.util
import os
import struct
import sys

import numpy as np
from gguf import quants

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "gguf", "grids.rs")


def find_lib():
    p = os.environ.get("GGML_BASE_LIB")
    if p:
        return p
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llama_cpp is not installed: pip install -r scripts/requirements-ggml.txt")
    cands = []
    for base in spec.submodule_search_locations:
        cands += glob.glob(os.path.join(base, "**", "libggml-base.so*"), recursive=True)
    if not cands:
        sys.exit("libggml-base.so not found inside the llama_cpp package")
    return sorted(cands, key=lambda c: (len(c), c))[0]


lib = ctypes.CDLL(find_lib())
lib.ggml_version.restype = ctypes.c_char_p
lib.ggml_commit.restype = ctypes.c_char_p


def deq(name, blocks, blck=256):
    f = getattr(lib, f"dequantize_row_{name}")
    f.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
    f.restype = None
    src = np.frombuffer(bytes(blocks), dtype=np.uint8).copy()
    nb = len(blocks) // BLOCK[name]
    assert nb * BLOCK[name] == len(blocks)
    y = np.zeros(nb * blck, dtype=np.float32)
    f(ctypes.c_void_p(src.ctypes.data), ctypes.c_void_p(y.ctypes.data), nb * blck)
    return y


BLOCK = {"iq2_xxs": 66, "iq2_xs": 74, "iq2_s": 82, "iq3_xxs": 98, "iq3_s": 110, "iq1_s": 50,
         "iq4_nl": 18, "mxfp4": 17}
F16_ONE = struct.pack("<H", 0x3C00)


# --------------------------------------------------------------------------- tables from gguf

def gguf_grid(cls):
    cls.init_grid()
    g = np.asarray(cls.grid).reshape(cls.grid_shape)
    return g


def pack_rows(g, signed):
    out = []
    for row in g:
        v = 0
        for j, c in enumerate(row):
            c = int(round(float(c)))
            assert float(c) == float(row[j])
            b = c & 0xFF if signed else c
            assert 0 <= b <= 0xFF
            v |= b << (8 * j)
        out.append(v)
    return out


tables = {
    "IQ2XXS_GRID": pack_rows(gguf_grid(quants.IQ2_XXS), False),
    "IQ2XS_GRID": pack_rows(gguf_grid(quants.IQ2_XS), False),
    "IQ2S_GRID": pack_rows(gguf_grid(quants.IQ2_S), False),
    "IQ3XXS_GRID": pack_rows(gguf_grid(quants.IQ3_XXS), False),
    "IQ3S_GRID": pack_rows(gguf_grid(quants.IQ3_S), False),
    "IQ1S_GRID": pack_rows(gguf_grid(quants.IQ1_S), True),
    "KSIGNS_IQ2XS": list(np.frombuffer(quants.IQ2_XXS.ksigns, dtype=np.uint8).tolist()),
    "KMASK_IQ2XS": [1 << j for j in range(8)],
    "KVALUES_IQ4NL": list(quants.IQ4_NL.kvalues),
    "KVALUES_MXFP4": list(quants.MXFP4.kvalues),
}
IQ1S_DELTA = float(quants.IQ1_S.delta)
EXPECT_LEN = {"IQ2XXS_GRID": 256, "IQ2XS_GRID": 512, "IQ2S_GRID": 1024, "IQ3XXS_GRID": 256, "IQ3S_GRID": 512,
              "IQ1S_GRID": 2048, "KSIGNS_IQ2XS": 128, "KMASK_IQ2XS": 8, "KVALUES_IQ4NL": 16, "KVALUES_MXFP4": 16}
for k, n in EXPECT_LEN.items():
    assert len(tables[k]) == n, (k, len(tables[k]))


# --------------------------------------------------------------------------- probing ggml

def unpack(v, n, signed):
    out = [(v >> (8 * j)) & 0xFF for j in range(n)]
    return [b - 256 if signed and b >= 128 else b for b in out]


def probe_iq2_xxs():
    """d = 1, scale nibble 0 -> db = 0.125; sign index 0 -> all positive; y = grid/8."""
    out = []
    for base in range(0, 256, 32):
        blk = bytearray(F16_ONE)
        for ib in range(8):
            idx = [base + 4 * ib + l for l in range(4)]
            blk += bytes(idx) + struct.pack("<I", 0)
        y = deq("iq2_xxs", blk)
        out += [y[32 * ib + 8 * l:32 * ib + 8 * l + 8] * 8 for ib in range(8) for l in range(4)]
    return out


def probe_ksigns():
    """grid entry 0 of iq2_xxs (all coordinates 8) with sign index s: element j negative iff bit j."""
    res = []
    for base in range(0, 128, 32):
        blk = bytearray(F16_ONE)
        for ib in range(8):
            s = [base + 4 * ib + l for l in range(4)]
            aux1 = s[0] | (s[1] << 7) | (s[2] << 14) | (s[3] << 21)
            blk += bytes([0, 0, 0, 0]) + struct.pack("<I", aux1)
        y = deq("iq2_xxs", blk)
        for ib in range(8):
            for l in range(4):
                v = y[32 * ib + 8 * l:32 * ib + 8 * l + 8]
                assert np.all(np.abs(v) == 1.0), v
                res.append(sum(1 << j for j in range(8) if v[j] < 0))
    return res


def probe_iq2_xs():
    out = []
    for base in range(0, 512, 32):
        blk = bytearray(F16_ONE)
        for ib in range(8):
            for l in range(4):
                blk += struct.pack("<H", base + 4 * ib + l)  # sign index 0
        blk += bytes(8)  # scales 0 -> db = 0.125
        y = deq("iq2_xs", blk)
        out += [y[8 * i:8 * i + 8] * 8 for i in range(32)]
    return out


def probe_iq2_s():
    out = []
    for base in range(0, 1024, 32):
        qs = bytearray()
        qh = bytearray()
        for ib in range(8):
            h = 0
            for l in range(4):
                idx = base + 4 * ib + l
                qs.append(idx & 0xFF)
                h |= (idx >> 8) << (2 * l)
            qh.append(h)
        blk = bytearray(F16_ONE) + qs + bytes(32) + qh + bytes(8)  # qs[32] | signs[32] | qh[8] | scales[8]
        y = deq("iq2_s", blk)
        out += [y[8 * i:8 * i + 8] * 8 for i in range(32)]
    return out


def probe_iq3_xxs():
    """scales_and_signs 0 -> db = 0.25 (d * 0.5 * 0.5); y = grid/4."""
    out = []
    for base in range(0, 256, 64):
        blk = bytearray(F16_ONE) + bytes(range(base, base + 64)) + bytes(32)
        y = deq("iq3_xxs", blk)
        out += [y[4 * i:4 * i + 4] * 4 for i in range(64)]
    return out


def probe_iq3_s():
    """scale nibble 0 -> db = d * 1; y = grid."""
    out = []
    for base in range(0, 512, 64):
        idx = list(range(base, base + 64))
        qs = bytes(i & 0xFF for i in idx)
        qh = bytearray(8)
        for i, v in enumerate(idx):
            if v >> 8:
                qh[i // 8] |= 1 << (i % 8)
        blk = bytearray(F16_ONE) + qs + qh + bytes(32) + bytes(4)
        y = deq("iq3_s", blk)
        out += [y[4 * i:4 * i + 4] for i in range(64)]
    return out


def probe_iq1_s():
    """qh scale bits 0 -> dl = d; bit 15 clear -> +delta; y = grid + delta."""
    out = []
    for base in range(0, 2048, 32):
        qs = bytearray()
        qh = []
        for ib in range(8):
            h = 0
            for l in range(4):
                idx = base + 4 * ib + l
                qs.append(idx & 0xFF)
                h |= (idx >> 8) << (3 * l)
            qh.append(h)
        blk = bytearray(F16_ONE) + qs + struct.pack("<8H", *qh)
        y = deq("iq1_s", blk)
        out += [y[8 * i:8 * i + 8] for i in range(32)]
    return out


def probe_iq1_delta():
    blk = bytearray(F16_ONE) + bytes(32) + struct.pack("<8H", *([0] * 4 + [0x8000] * 4))
    y = deq("iq1_s", blk)
    return float(y[0]), float(y[255])  # grid entry 0 is all -1: -1 + delta, -1 - delta


def probe_kvalues(name):
    if name == "iq4_nl":
        blk = F16_ONE + bytes([j | (j << 4) for j in range(16)])
        y = deq("iq4_nl", blk, 32)
    else:
        blk = bytes([128]) + bytes([j | (j << 4) for j in range(16)])  # e = 128 -> d = 2^(128-128) = 1
        y = deq("mxfp4", blk, 32)
    assert np.array_equal(y[:16], y[16:])
    return y[:16]


def check():
    def cmp_grid(name, probed, n, signed, scale_ok=True):
        tab = tables[name]
        assert len(probed) == len(tab), name
        for i, (p, v) in enumerate(zip(probed, tab)):
            want = unpack(v, n, signed)
            got = [float(c) for c in p]
            assert got == [float(w) for w in want], (name, i, got, want)

    cmp_grid("IQ2XXS_GRID", probe_iq2_xxs(), 8, False)
    cmp_grid("IQ2XS_GRID", probe_iq2_xs(), 8, False)
    cmp_grid("IQ2S_GRID", probe_iq2_s(), 8, False)
    cmp_grid("IQ3XXS_GRID", probe_iq3_xxs(), 4, False)
    cmp_grid("IQ3S_GRID", probe_iq3_s(), 4, False)
    d = IQ1S_DELTA
    cmp_grid("IQ1S_GRID", [np.asarray(p, np.float64) - d for p in probe_iq1_s()], 8, True)
    a, b = probe_iq1_delta()
    assert a == -1 + d and b == -1 - d, (a, b, d)
    assert tables["KSIGNS_IQ2XS"] == probe_ksigns()
    for k in tables["KSIGNS_IQ2XS"]:  # even parity, as the 8th sign is implied
        assert bin(k).count("1") % 2 == 0
    assert [float(v) for v in probe_kvalues("iq4_nl")] == [float(v) for v in tables["KVALUES_IQ4NL"]]
    assert [float(v) for v in probe_kvalues("mxfp4")] == [float(v) for v in tables["KVALUES_MXFP4"]]
    # KMASK_IQ2XS = 1 << j is what the KSIGNS probe relies on (sign bit j <-> element j)


def render():
    ver = importlib.metadata.version
    try:
        lcp = ver("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        lcp = "(not installed)"
    lines = [
        "// @generated by scripts/gen_iq_grids.py -- do not edit by hand.",
        f"// Values: the tables of the `gguf` Python package gguf=={ver('gguf')}; every entry cross-checked",
        f"// against dequantize_row_* of libggml-base.so from llama-cpp-python=={lcp}",
        f"// (ggml {lib.ggml_version().decode()}, commit {lib.ggml_commit().decode()}).",
        "//",
        "// Grids: coordinate j of an entry is byte j (bits 8j..8j+8) of the integer, as ggml reads the",
        "// table through a byte pointer on a little-endian machine.",
        "#![allow(dead_code)]",
        "",
    ]

    def arr(name, ty, vals, per, fmt):
        lines.append("#[rustfmt::skip]")
        lines.append(f"pub(crate) static {name}: [{ty}; {len(vals)}] = [")
        for i in range(0, len(vals), per):
            lines.append("    " + " ".join(fmt(v) + "," for v in vals[i:i + per]))
        lines.append("];")
        lines.append("")

    hex64 = lambda v: f"0x{v:016x}"  # noqa: E731
    hex32 = lambda v: f"0x{v:08x}"  # noqa: E731
    arr("IQ2XXS_GRID", "u64", tables["IQ2XXS_GRID"], 4, hex64)
    arr("IQ2XS_GRID", "u64", tables["IQ2XS_GRID"], 4, hex64)
    arr("IQ2S_GRID", "u64", tables["IQ2S_GRID"], 4, hex64)
    arr("IQ3XXS_GRID", "u32", tables["IQ3XXS_GRID"], 8, hex32)
    arr("IQ3S_GRID", "u32", tables["IQ3S_GRID"], 8, hex32)
    arr("IQ1S_GRID", "u64", tables["IQ1S_GRID"], 4, hex64)
    arr("KSIGNS_IQ2XS", "u8", tables["KSIGNS_IQ2XS"], 16, lambda v: f"{v:3d}")
    arr("KMASK_IQ2XS", "u8", tables["KMASK_IQ2XS"], 8, lambda v: f"{v}")
    arr("KVALUES_IQ4NL", "i8", tables["KVALUES_IQ4NL"], 16, lambda v: f"{v}")
    arr("KVALUES_MXFP4", "i8", tables["KVALUES_MXFP4"], 16, lambda v: f"{v}")
    lines.append("/// `IQ1S_DELTA` = `IQ1M_DELTA` of ggml-common.h.")
    lines.append(f"pub(crate) const IQ1S_DELTA: f32 = {IQ1S_DELTA!r};")
    return "\n".join(lines) + "\n"


def main():
    check()
    text = render()
    if "--check" in sys.argv[1:]:
        cur = open(OUT, encoding="utf-8").read() if os.path.exists(OUT) else ""
        if cur != text:
            sys.exit(f"{OUT} is not what the script generates")
        print("grids.rs matches, all entries cross-checked against ggml", file=sys.stderr)
        return
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {OUT}; all entries cross-checked against ggml", file=sys.stderr)


if __name__ == "__main__":
    main()
