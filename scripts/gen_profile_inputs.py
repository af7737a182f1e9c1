#!/usr/bin/env python3
"""Shared fixed-seed input tensors for the library-profile vectors: tests/vectors/profiles/inputs.txt.

Every reference script under scripts/ref_*.py reads this file (through load_inputs() below) and
feeds each tensor, as a float32 torch tensor of shape (rows, cols), to the real library.

Line format:  id rows cols bf16 tags | base64 of the rows*cols float32 values (little-endian
bit patterns, row-major).  bf16 is 1 when every value is exactly representable in bfloat16 (the
tensor then round-trips through torch.bfloat16 unchanged), 0 otherwise.  tags is a comma list:
  llm      LLM-like weights (gaussian x 0.02, a few large outliers)
  ragged   cols not a multiple of 16/32 (only for libraries that accept or pad it)
  nan/inf  contains NaN / +-inf (only where the library is deterministic)
  zero     the whole tensor is zero (tensor amax 0)
  big      large; only used where a 128x128 block is needed (FP8 block, int4 group 128)

    .refenv-torch/bin/python scripts/gen_profile_inputs.py      (numpy only)
"""

import base64
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "vectors", "profiles", "inputs.txt")
f32 = np.float32


def to_bf16(a):
    """Round a float32 array to the nearest bfloat16 (RNE) and return it as float32."""
    a = np.asarray(a, np.float32)
    u = a.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    out = r.astype(np.uint32).view(np.float32)
    return np.where(np.isnan(a), a, out).astype(np.float32)


def is_bf16(a):
    a = np.asarray(a, np.float32)
    return bool(np.all((a.view(np.uint32) & 0xFFFF) == 0))


def llm(rng, rows, cols, n_out):
    w = rng.standard_normal((rows, cols)) * 0.02
    for _ in range(n_out):
        r, c = rng.integers(rows), rng.integers(cols)
        w[r, c] = rng.choice([-1, 1]) * rng.uniform(0.2, 1.5)
    return to_bf16(w.astype(np.float32))


def block_with_amax(rng, n, amax, sign=1.0):
    """n values in (-amax, amax), element 0 set to sign*amax."""
    b = rng.uniform(-1, 1, n) * float(amax) * 0.9
    b[0] = sign * float(amax)
    return b


def build():
    rng = np.random.default_rng(20260501)
    T = []

    def add(tid, arr, tags=""):
        arr = np.asarray(arr, np.float32)
        assert arr.ndim == 2
        T.append((tid, arr, tags))

    # --- LLM-like weights -------------------------------------------------------------------
    add("llm_4x64", llm(rng, 4, 64, 2), "llm")
    add("llm_8x128", llm(rng, 8, 128, 4), "llm")
    llm(rng, 16, 256, 8)  # drawn (keeps the later tensors as they were) but not recorded
    add("llm_64x128", llm(rng, 64, 128, 16), "llm,big")
    add("llm_128x128", llm(rng, 128, 128, 12), "llm,big")
    add("ragged_3x40", llm(rng, 3, 40, 1), "llm,ragged")
    add("ragged_8x200", llm(rng, 8, 200, 3), "llm,ragged")

    # --- exact ties after scaling -------------------------------------------------------------
    # E2M1 midpoints (x.25 / x.75 multiples of the block scale) with block amax 6 * 2^k, so the
    # single-level NVFP4 block scale and the MX FP4 scale are exact powers of two.
    mids = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0])
    for k, tid in ((0, "tie_e2m1_s1"), (-3, "tie_e2m1_s2m3"), (4, "tie_e2m1_s2p4")):
        rows = []
        for r in range(2):
            row = []
            for blk in range(4):  # four 16-blocks = two 32-blocks
                v = np.resize(mids, 15) * (1 if (blk + r) % 2 == 0 else -1)
                v = v * np.where(np.arange(15) % 3 == 1, -1, 1)
                row += [6.0] + list(v)
            rows.append(np.array(row) * 2.0**k)
        add(tid, to_bf16(np.array(rows)))
    # same grid but amax 4*2^k (NVFP4 block scale 4/6 -> e4m3 rounding of the scale)
    v = np.resize(mids, 31) * 0.5
    add("tie_e2m1_amax4", to_bf16(np.array([[4.0] + list(v), [-4.0] + list(-v)])))
    # E2M3 / E3M2 / E4M3 / E5M2 element ties at MX scale 1 (amax = element max)
    e2m3_mid = np.array([0.0625, 0.1875, 1.0625, 1.1875, 2.125, 2.375, 4.25, 7.25, 3.75, 0.9375])
    e3m2_mid = np.array([0.03125, 0.09375, 0.15625, 1.125, 1.375, 2.75, 5.5, 11.0, 26.0, 0.21875])
    e4m3_mid = np.array([1.0625, 1.1875, 2.125, 17.0, 104.0, 208.0, 416.0, 0.001953125 * 1.5,
                         0.013671875, 3.0 * 2.0**-10])
    e5m2_mid = np.array([1.125, 1.375, 2.75, 40960.0, 53248.0, 7.0 * 2.0**-17, 5.0 * 2.0**-16,
                         0.0004577636719, 112.0, 3.5])
    for tid, mx, mid in (("tie_e2m3", 7.5, e2m3_mid), ("tie_e3m2", 28.0, e3m2_mid),
                         ("tie_e4m3", 448.0, e4m3_mid), ("tie_e5m2", 57344.0, e5m2_mid)):
        row = np.concatenate([[mx], np.resize(mid, 31) * np.where(np.arange(31) % 2, -1, 1)])
        row2 = np.concatenate([[-mx], np.resize(mid[::-1], 31)])
        add(tid, to_bf16(np.array([row, row2])))

    # --- amax exactly at / one ulp below powers of two (and 6*2^k, 448*2^k) ---------------------
    amaxes = [4.0, np.nextafter(f32(4.0), f32(0)), 1.0, np.nextafter(f32(1.0), f32(0)),
              6.0, np.nextafter(f32(6.0), f32(0)), np.nextafter(f32(6.0), f32(10)), 448.0,
              2688.0, np.nextafter(f32(2688.0), f32(0)), 2.0**-6, np.nextafter(f32(2.0**-6), f32(0)),
              2.0**-120, np.nextafter(f32(2.0**-120), f32(0)), 2.0**100, np.nextafter(f32(2.0**100), f32(0))]
    rows = [block_with_amax(rng, 32, a, -1.0 if i % 3 == 2 else 1.0) for i, a in enumerate(amaxes)]
    arr = np.array(rows, np.float32)
    for i, a in enumerate(amaxes):  # keep the exact amax element un-rounded
        arr[i, 0] = f32(a) * (-1 if i % 3 == 2 else 1)
    arr[:, 1:] = to_bf16(arr[:, 1:])
    add("pow2_f32ulp", arr)
    # bf16-ulp-below variants (bf16-representable)
    amaxes_b = [4.0, 3.984375, 1.0, 0.99609375, 6.0, 5.96875, 6.03125, 448.0, 446.0, 2688.0,
                2672.0, 2.0**-6, 2.0**-6 * 0.99609375, 2.0**-126, 2.0**-126 * 0.99609375, 2.0**120]
    rows = [block_with_amax(rng, 32, a) for a in amaxes_b]
    add("pow2_bf16ulp", to_bf16(np.array(rows)))
    # tensor whose amax is exactly a power of two (global NVFP4 scale path)
    a = block_with_amax(rng, 64, 8.0).reshape(2, 32)
    add("tensor_amax_pow2", to_bf16(a))
    a = block_with_amax(rng, 64, 1.0).reshape(2, 32)
    a = a.astype(np.float32)
    a[0, 0] = np.nextafter(f32(1.0), f32(0))
    add("tensor_amax_ulp_below1", a)

    # amax = max_elem * 2^k * (1 + 2^-23): the exact ceil(log2(amax / max_elem)) is k + 1, but
    # log2 evaluated in f32 rounds k + 1.7e-7 to k for |k| >= 2 (RCEIL-style scale rules)
    rows = []
    for mx in (6.0, 7.5, 28.0, 448.0, 57344.0):
        for k in (1, 10, 50, 100, -50, -100):
            b = rng.uniform(-1, 1, 32) * mx * 2.0**k * 0.5
            b[0] = np.nextafter(f32(mx * 2.0**k), f32(np.inf))
            rows.append(b)
    add("rceil_log2", np.array(rows, np.float32))

    # --- one dominant block: others get tiny NVFP4 block scales (E4M3 subnormal/underflow) -------
    a = rng.standard_normal((2, 64)) * 1e-3
    a[0, 3] = 1e4
    a[1, 40] = 1e-7
    add("dominant_block", to_bf16(a))
    a = rng.standard_normal((2, 64)) * 1e-6
    a[0, 0] = 1.0
    add("dominant_block2", to_bf16(a))

    # --- tiny / huge ----------------------------------------------------------------------------
    add("tiny_1e30", to_bf16(rng.standard_normal((2, 32)) * 1e-30))
    sub = rng.standard_normal((2, 32)) * 1e-40  # f32 subnormals
    sub[0, 0] = 1.4e-45
    sub[1, 0] = -1.17e-38
    add("tiny_subnormal", np.asarray(sub, np.float32))
    add("tiny_subnormal_bf16", to_bf16(rng.standard_normal((2, 32)) * 1e-39))
    add("huge_1e30", to_bf16(rng.standard_normal((2, 32)) * 1e30))
    h = rng.uniform(-1, 1, (2, 32)) * 3e38
    h[0, 0] = 3e38
    h[1, 0] = -3.3895314e38
    add("huge_3e38", to_bf16(h))
    h = rng.uniform(-1, 1, (1, 32)) * 1e38
    h[0, 5] = 3.4028234663852886e38  # f32 max
    add("huge_fltmax", np.asarray(h, np.float32))
    # mixed: huge and tiny in the same tensor, separate blocks
    m = np.concatenate([rng.standard_normal(32) * 1e30, rng.standard_normal(32) * 1e-30])
    add("mixed_huge_tiny", to_bf16(m.reshape(2, 32)))

    # --- signed zeros and zero blocks ---------------------------------------------------------
    add("zeros_pos", np.zeros((2, 32), np.float32), "zero")
    add("zeros_neg", np.full((2, 32), -0.0, np.float32), "zero")
    z = np.zeros((2, 64), np.float32)
    z[0, 1::2] = -0.0
    z[1, :32] = to_bf16(rng.standard_normal(32) * 0.5)
    z[1, 40] = -0.0
    add("zero_block_mixed", z)
    z = to_bf16(rng.standard_normal((2, 64)) * 0.1)
    z[0, :16] = 0.0
    z[1, 32:] = -0.0
    z[0, 20] = -0.0
    z[1, 3] = 0.0
    z[1, 5] = 1e-8  # flushes to zero code; sign of tiny negatives below
    z[1, 6] = -1e-8
    add("signed_zeros", to_bf16(z))

    # --- inf / NaN ------------------------------------------------------------------------------
    a = to_bf16(rng.standard_normal((2, 64)))
    a[0, 5] = np.inf
    a[1, 37] = -np.inf
    add("inf_blocks", a, "inf")
    a = to_bf16(rng.standard_normal((2, 64)))
    a[0, 7] = np.nan
    a[1, 50] = np.nan
    add("nan_blocks", a, "nan")
    a = to_bf16(rng.standard_normal((1, 64)))
    a[0, 0] = np.inf
    a[0, 1] = -np.inf
    a[0, 40] = np.nan
    add("inf_nan_mixed", a, "inf,nan")

    # --- integer-grid ties (int4 group quantizers: AWQ, compressed-tensors pack-quantized) --------
    # every 64-group spans exactly [-7.5, 7.5] * 2^-r: asymmetric scale (max-min)/15 = 2^-r and
    # symmetric scale amax/7.5 = 2^-r, so the other values are exact .5 ties of x/scale.
    g = rng.integers(-15, 16, (32, 128)) * 0.5
    g[:, 0::64] = 7.5
    g[:, 1::64] = -7.5
    g = g * (2.0 ** -(np.arange(32) % 6))[:, None]
    add("int_ties_32x128", to_bf16(g), "big")

    # --- misc: all codes / saturation -----------------------------------------------------------
    grid = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6, -0.0, -0.5, -1, -1.5, -2, -3, -4, -6])
    add("e2m1_grid", np.array([np.tile(grid, 2), np.tile(grid, 2) * 0.125]))
    u = rng.uniform(-1, 1, (4, 64)) * np.array([[1e-3], [1.0], [300.0], [5e4]])
    add("uniform_scales", to_bf16(u))
    lap = rng.laplace(size=(4, 64)) * 0.05
    add("laplace", to_bf16(lap))
    return T


def write():
    T = build()
    ids = [t[0] for t in T]
    assert len(ids) == len(set(ids))
    total = sum(a.size for _, a, _ in T)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write("# scripts/gen_profile_inputs.py: shared fixed-seed inputs (numpy default_rng(20260501))\n")
        f.write(f"# {len(T)} tensors, {total} floats\n")
        f.write("# id rows cols bf16 tags | base64 of rows*cols little-endian f32 bit patterns, row-major\n")
        f.write("# bf16=1: every value is exactly bfloat16-representable; bf16=0: some values are\n")
        f.write("#   plain float32 (f32-ulp-below-power-of-two amaxes, f32 subnormals, f32 max)\n")
        f.write("# tags: llm ragged(cols % 32 != 0) nan inf zero(all-zero tensor) big(64x128, 128x128: only FP8 block, int4, AWQ); '-' none\n")
        for tid, a, tags in T:
            b64 = base64.b64encode(np.ascontiguousarray(a.reshape(-1), "<f4").tobytes()).decode()
            f.write(f"{tid} {a.shape[0]} {a.shape[1]} {int(is_bf16(a))} {tags or '-'} | {b64}\n")
    print(f"wrote {OUT}: {len(T)} tensors, {total} floats")


def load_inputs(path=OUT):
    """-> list of dict(id, rows, cols, bf16, tags:set, data: np.float32 array (rows, cols))."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            head, vals = line.split("|")
            tid, r, c, b, tags = head.split()
            u = np.frombuffer(base64.b64decode(vals.strip()), "<u4").astype(np.uint32)
            out.append(dict(id=tid, rows=int(r), cols=int(c), bf16=b == "1",
                            tags=set() if tags == "-" else set(tags.split(",")),
                            data=u.view(np.float32).reshape(int(r), int(c))))
    return out


if __name__ == "__main__":
    write()
