#!/usr/bin/env python3
"""Generate NVFP4 profile vectors: tests/vectors/nvfp4_profiles.txt.

Each recipe below is a float32 numpy emulation written from its project's source, step by
step in that source's order of float32 operations (numpy float32 scalar/array arithmetic
rounds each operation once, as torch does on CPU):

  te        NVIDIA TransformerEngine transformer_engine/pytorch/custom_recipes/reference_nvfp4.py
  torchao   pytorch/ao torchao/prototype/mx_formats/nvfp4_tensor.py (_nvfp4_quantize,
            per_tensor_amax_to_scale, get_hp_scales), commit 02a1bc44
  modelopt  NVIDIA/Model-Optimizer modelopt/torch/quantization/qtensor/nvfp4_tensor.py
            (get_weights_scaling_factor[_2], quantize, _cast_fp4, dequantize), commit 211c6b34
  ct        vllm-project/compressed-tensors quantization/utils/helpers.py (generate_gparam,
            calculate_qparams) and lifecycle/forward.py (_quantize, _dequantize), commit 01dd1a58

E4M3 and E2M1 casts use ml_dtypes 0.6.0 (round to nearest even; torch's casts round the same
way). Inputs never contain NaN. An all-zero tensor is not emitted (the three non-TE recipes
divide 0 by 0 there; lowbit documents its choice).

Lines: profile mode n tensor_amax | inputs | tensor_scale | scale bytes | code nibbles | outputs
(f32 as 8 hex digits, bytes as 2, codes as 1). mode: "two" (amax from the data), "given"
(tensor_amax passed in), "single" (no tensor scale).

    .refenv/bin/python scripts/gen_nvfp4_profiles.py
"""

import os
import sys

import ml_dtypes
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import gen_block_vectors as gb  # noqa: E402  (its input generator; seeds are fixed there)

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "vectors")
f32 = np.float32
FLT_MAX = np.finfo(np.float32).max
E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6], np.float32)


def e4m3(v):
    """f32 -> (byte, f32 value) through ml_dtypes' float8_e4m3fn cast (RNE, 465+ -> NaN)."""
    a = np.asarray([v], np.float32).astype(ml_dtypes.float8_e4m3fn)
    return int(a.view(np.uint8)[0]), f32(a.astype(np.float32)[0])


def e2m1_codes(v):
    """f32 array (already within [-6, 6]) -> E2M1 codes by ml_dtypes' cast (RNE, sign kept)."""
    return np.asarray(v, np.float32).astype(ml_dtypes.float4_e2m1fn).view(np.uint8) & 0xF


def blocks_of(x):
    for i in range(0, len(x), 16):
        yield i, x[i:i + 16]


def te(x, t_amax, two):
    enc = f32(1.0)
    if two:
        with np.errstate(divide="ignore"):
            enc = f32(f32(2688.0) / t_amax)
        enc = min(enc, f32(FLT_MAX))
        if t_amax == 0 or enc == 0:
            enc = f32(1.0)
    dec = f32(f32(1.0) / enc)
    mult = f32(enc * f32(f32(1.0) / f32(6.0)))
    scales, codes, out = [], np.zeros(len(x), np.uint8), np.zeros(len(x), np.float32)
    for i, xb in blocks_of(x):
        ds = min(f32(f32(np.max(np.abs(xb))) * mult), f32(FLT_MAX))
        ds = f32(np.clip(ds, -448.0, 448.0))
        sb, s = e4m3(ds)
        with np.errstate(divide="ignore"):
            es = min(f32(f32(1.0) / f32(s * dec)), f32(FLT_MAX))
        sc = np.clip((xb * es).astype(np.float32), -6.0, 6.0)
        c = e2m1_codes(sc)
        scales.append(sb)
        codes[i:i + 16] = c
        out[i:i + 16] = ((E2M1[c] * s).astype(np.float32) * dec).astype(np.float32)
    return dec, scales, codes, out


def torchao(x, t_amax, two):
    g = f32(t_amax / f32(2688.0)) if two else None
    scales, codes, out = [], np.zeros(len(x), np.uint8), np.zeros(len(x), np.float32)
    for i, xb in blocks_of(x):
        bs = f32(f32(np.max(np.abs(xb))) / f32(6.0))
        if g is None:  # single level
            sb, s = e4m3(f32(np.clip(bs, f32(2.0**-6), f32(448.0))))
            total = s
        else:
            scaled = f32(bs / g)
            sb, s = e4m3(f32(np.clip(scaled, f32(2.0**-6), f32(448.0))))
            total = f32(g * s)
        data = np.clip((xb / total).astype(np.float32), -6.0, 6.0)
        c = e2m1_codes(data)
        scales.append(sb)
        codes[i:i + 16] = c
        hp = s if g is None else f32(g * s)
        out[i:i + 16] = (E2M1[c] * hp).astype(np.float32)
    return (f32(1.0) if g is None else g), scales, codes, out


BOUNDS = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5], np.float32)


def modelopt_cast(w):
    """_cast_fp4: sign from w < 0, searchsorted ordinal, +1 at the bounds 0.75, 1.75, 3.5."""
    sign = (w < 0).astype(np.uint8)
    a = np.abs(w)
    ordv = np.searchsorted(BOUNDS, a, side="left").astype(np.uint8)
    odd = np.isin(a, BOUNDS[[1, 3, 5]]).astype(np.uint8)
    return (sign << 3) + ordv + odd


def modelopt(x, t_amax, two):
    g = f32(t_amax / f32(2688.0)) if two else f32(1.0)
    scales, codes, out = [], np.zeros(len(x), np.uint8), np.zeros(len(x), np.float32)
    for i, xb in blocks_of(x):
        pbs = f32(f32(np.max(np.abs(xb))) / f32(f32(6.0) * g))
        if pbs == 0:
            pbs = f32(1.0)
        pbs = max(pbs, f32(2.0**-9))
        sb, s = e4m3(pbs)
        sw = (xb / f32(s * g)).astype(np.float32)
        c = modelopt_cast(sw)
        scales.append(sb)
        codes[i:i + 16] = c
        out[i:i + 16] = (E2M1[c] * f32(s * g)).astype(np.float32)
    return g, scales, codes, out


def ct_cast(v):
    """compressed-tensors FP4 cast: nearest with ties to even, sign by x * sign(x)."""
    sign = np.sign(v)
    a = np.abs(v)
    r = np.select(
        [a <= 0.25, a < 0.75, a <= 1.25, a < 1.75, a <= 2.5, a < 3.5, a <= 5.0],
        [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0], 6.0).astype(np.float32)
    return (r * sign).astype(np.float32)


def ct_pack_index(q):
    """pack_fp4_to_uint8: argmin over |value| table, sign bit from signbit."""
    table = E2M1[:8]
    idx = np.argmin(np.abs(np.abs(q)[:, None] - table[None, :]), axis=1).astype(np.uint8)
    return idx + (np.signbit(q).astype(np.uint8) << 3)


def ct(x, t_amax, two):
    gs = f32(f32(2688.0) / t_amax) if two else f32(1.0)
    scales, codes, out = [], np.zeros(len(x), np.uint8), np.zeros(len(x), np.float32)
    for i, xb in blocks_of(x):
        loc = f32(f32(np.max(np.abs(xb))) / f32(6.0))
        loc = f32(gs * loc)
        sb, s = e4m3(f32(np.clip(loc, -448.0, 448.0)))
        if s == 0:
            sb, s = e4m3(f32(0.125))
        eff = f32(s / gs)
        scaled = (xb / eff).astype(np.float32)
        scaled = (scaled + f32(0.0)).astype(np.float32)  # the (zero) zero point
        q = ct_cast(np.clip(scaled, -6.0, 6.0))
        c = ct_pack_index(q)
        scales.append(sb)
        codes[i:i + 16] = c
        out[i:i + 16] = ((q - f32(0.0)) * eff).astype(np.float32)
    return gs, scales, codes, out


PROFILES = {"te": te, "torchao": torchao, "modelopt": modelopt, "ct": ct}


def hexf(a):
    return " ".join(f"{v:08x}" for v in np.asarray(a, np.float32).view(np.uint32))


def tensors():
    grid = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
    mids = [(a + b) / 2 for a, b in zip(grid, grid[1:])] + grid
    for t in range(48):
        n = gb.rng.choice([16, 32, 48, 64, 128, 17, 5, 33])
        x = np.concatenate(gb.blocks((n + 31) // 32, 32, mids))[:n]
        x = (x * np.repeat(2.0 ** gb.nrng.integers(-6, 6, (n + 15) // 16), 16)[:n]).astype(np.float32)
        if t % 9 == 8:
            x[: min(16, n)] = 0  # a zero block inside a nonzero tensor
        if np.max(np.abs(x)) == 0 or not np.all(np.isfinite(x)):
            x[0] = f32(1.5)
        x = np.clip(x, -1e30, 1e30).astype(np.float32)
        yield x


def main():
    lines = []
    for x in tensors():
        amax = f32(np.max(np.abs(x)))
        for name, fn in PROFILES.items():
            for mode, given in (("two", amax), ("given", f32(amax * f32(3.0))), ("single", amax)):
                if not (np.isfinite(given) and given > 0):
                    continue
                with np.errstate(over="ignore", under="ignore"):
                    t, sc, cd, out = fn(x, given, mode != "single")
                lines.append(
                    f"{name} {mode} {len(x)} {hexf([given])} | {hexf(x)} | {hexf([t])} | "
                    + " ".join(f"{b:02x}" for b in sc) + " | "
                    + "".join(f"{c:x}" for c in cd) + " | " + hexf(out))
    with open(os.path.join(OUT, "nvfp4_profiles.txt"), "w") as f:
        f.write("# NVFP4 profiles (te, torchao, modelopt, ct): float32 emulations of each project's\n")
        f.write("# quantizer; generated by scripts/gen_nvfp4_profiles.py (see its docstring)\n")
        f.write("# profile mode n tensor_amax | inputs | tensor_scale | scale bytes | codes | outputs\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
