#!/usr/bin/env python3
"""Test stated claims about the libraries against the recorded vectors (analysis only).

    .refenv-torch/bin/python scripts/check_profile_claims.py

Reads tests/vectors/profiles/*.txt and inputs.txt. The formulas below are independent
re-derivations used ONLY to decide which arithmetic the recorded library output matches; they
are never a source of vectors. Prints a plain-text report.
"""

import math
import os
import sys
from fractions import Fraction

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import decode, load_inputs, load_records  # noqa: E402

INP = {t["id"]: t for t in load_inputs()}
E2M1 = np.array([0, 0.5, 1, 1.5, 2, 3, 4, 6], np.float32)


def load(name):
    return load_records(name)


def f32s(h):
    return decode(h, "<f4").astype(np.float32)


def bytes_(h):
    return decode(h, "u1").astype(np.uint8)


def words(h):
    return decode(h, "<u4").astype(np.uint32)


def nibbles(h, low_first=True):
    b = bytes_(h)
    lo, hi = b & 15, b >> 4
    return np.stack([lo, hi] if low_first else [hi, lo], 1).reshape(-1)


def e4m3_val(b):
    return torch.from_numpy(np.asarray(b, np.uint8)).view(torch.float8_e4m3fn).float().numpy()


def e2m1_rne(v):
    """codes (sign<<3 | idx) of float32 values already clamped to [-6, 6]; ties to even idx."""
    a = np.abs(v)
    idx = np.zeros(a.shape, np.int64)
    for i, x in enumerate(a):
        d = np.abs(E2M1 - x)
        m = d.min()
        c = np.nonzero(d == m)[0]
        idx[i] = c[0] if len(c) == 1 else (c[0] if c[0] % 2 == 0 else c[1])
    return (idx | (np.signbit(v).astype(np.int64) << 3)).astype(np.uint8)


def say(*a):
    print(*a)


def nvfp4_torchao(ver):
    say(f"\n== torchao {ver} NVFP4: which element-scaling arithmetic reproduces the codes")
    d = load(f"torchao_{ver}_nvfp4.txt")
    tally = {}
    for key, (p, sb, qd, dq) in d.items():
        tid, mode = key.split()
        x = torch.from_numpy(INP[tid]["data"].reshape(-1, 16).copy())
        s = torch.from_numpy(e4m3_val(bytes_(sb))).reshape(-1, 1)
        if mode == "two":
            pt = torch.tensor(f32s(p)[0])
            cand = {"x*((1/p)/s)": x * ((1.0 / pt) / s), "x/(p*s)": x / (pt * s)}
        else:
            cand = {"x*(1/s)": x * (1.0 / s), "x/s": x / s}
        got = nibbles(qd)
        fin = np.isfinite(x.numpy().reshape(-1))
        for name, v in cand.items():
            v = torch.clamp(v, -6, 6).numpy().reshape(-1)
            ok = fin & np.isfinite(v)
            match = np.array_equal(e2m1_rne(v[ok]), got[ok])
            tally.setdefault((mode, name), [0, 0, []])
            tally[(mode, name)][0 if match else 1] += 1
            if not match:
                tally[(mode, name)][2].append(tid)
    for (mode, name), (y, n, bad) in sorted(tally.items()):
        say(f"  {mode:6s} {name:14s} reproduces {y} records, fails {n} {bad[:8]}")


def ct_global():
    say("\n== compressed-tensors NVFP4 weight_global_scale: reciprocal(amax)*2688 vs 2688/amax")
    d = load("ct_0.20_nvfp4.txt")
    a_n = b_n = both = 0
    diff = []
    for key, cols in d.items():
        tid, wd = key.split()
        if wd != "f32":
            continue
        x = torch.from_numpy(INP[tid]["data"].copy())
        amax = torch.max(torch.abs(torch.amin(x).clamp(max=0)), torch.abs(torch.amax(x).clamp(min=0)))
        amax = torch.clamp(amax, min=torch.finfo(torch.float32).tiny)
        A = torch.nan_to_num(torch.reciprocal(amax) * 2688.0, nan=1.0, posinf=1.0, neginf=1.0)
        B = torch.nan_to_num(torch.tensor(2688.0) / amax, nan=1.0, posinf=1.0, neginf=1.0)
        g = f32s(cols[0])[0]
        ma, mb = A.item() == g or (np.isnan(g) and A.isnan()), B.item() == g
        a_n += ma
        b_n += mb
        both += ma and mb
        if ma != mb:
            diff.append(f"{tid}: lib={g!r} recip*2688={A.item()!r} 2688/amax={B.item()!r}")
    say(f"  reciprocal form matches {a_n}, division form matches {b_n}, both {both}")
    for s in diff:
        say("   ", s)


def modelopt_nvfp4():
    say("\n== ModelOpt NVFP4: block-scale clamp, zero blocks, code 8")
    d = load("modelopt_0.47_nvfp4.txt")
    fin = np.concatenate([b[(b & 0x7f) != 0x7f] for b in (bytes_(v[1]) for v in d.values())])
    nan = sorted(k for k, v in d.items() if ((bytes_(v[1]) & 0x7f) == 0x7f).any())
    say(f"  finite weight_scale bytes: min 0x{fin.min():02x} max 0x{fin.max():02x} (0x7e = 448); "
        f"NaN bytes (0x7f/0xff) only in: {nan}")
    n8 = pos = neg = 0
    for key, (s2, sb, qd, dq) in d.items():
        if dq == "-":
            continue
        c = nibbles(qd)
        y = f32s(dq).view(np.uint32)
        m = c == 8
        n8 += m.sum()
        pos += (y[m] == 0).sum()
        neg += (y[m] == 0x80000000).sum()
    say(f"  code 8 occurrences {n8}: dequantized to +0 {pos}, to -0 {neg}")
    for tid in ("zeros_pos", "zeros_neg", "signed_zeros"):
        for mode in ("two", "single"):
            v = d.get(f"{tid} {mode}")
            if v:
                say(f"  {tid} {mode}: scale_2={words(v[0])[0]:08x} scale bytes={bytes_(v[1]).tobytes().hex()[:16]} "
                    f"codes={bytes_(v[2]).tobytes().hex()[:16]}")


def mx_special():
    say("\n== torchao 0.18 MX scale bytes of the inf / NaN / zero blocks (per element dtype, mode)")
    for e in ("fp8e4m3", "fp8e5m2", "fp6e2m3", "fp6e3m2", "fp4e2m1"):
        d = load(f"torchao_0.18_mx_{e}.txt")
        row = []
        for m in ("floor", "ceil", "even", "rceil"):
            inf = bytes_(d[f"inf_blocks {m}"][0])
            nan = bytes_(d[f"nan_blocks {m}"][0])
            row.append(f"{m}: inf {inf[0]:02x}/{inf[3]:02x} nan {nan[0]:02x}/{nan[3]:02x}")
        say(f"  {e}: " + "; ".join(row))


def mx_zero_code(ver="0.18"):
    say(f"\n== torchao {ver} MX e4m3, blocks whose scale byte is 0 (tiny_subnormal, all modes)")
    d = load(f"torchao_{ver}_mx_fp8e4m3.txt")
    x = torch.from_numpy(INP["tiny_subnormal"]["data"].reshape(-1, 32).copy())
    for m in ("floor", "ceil", "even", "rceil"):
        sb, q, dq = d[f"tiny_subnormal {m}"]
        got = bytes_(q)
        res = []
        for name, div in (("x/2^-126", 2.0 ** -126), ("x/2^-127", 2.0 ** -127), ("x*1", 1.0)):
            c = torch.clamp(x / div, -448, 448).to(torch.float8_e4m3fn).view(torch.uint8).numpy()
            res.append(f"{name}:{np.array_equal(c.reshape(-1), got)}")
        y = f32s(dq)
        ev = e4m3_val(got) * np.float32(2.0 ** -127)
        res.append(f"dequant==code*2^-127:{np.array_equal(y.view(np.uint32), ev.view(np.uint32))}")
        say(f"  {m}: scale bytes {bytes_(sb).tobytes().hex()}; " + " ".join(res))


def rceil_log2():
    say("\n== RCEIL-style scales in f32: rceil_log2 rows (amax = max*2^k*(1+2^-23))")
    x = INP["rceil_log2"]["data"]
    amax = np.abs(x).max(1)
    maxes = [6.0] * 6 + [7.5] * 6 + [28.0] * 6 + [448.0] * 6 + [57344.0] * 6
    ks = [1, 10, 50, 100, -50, -100] * 5
    files = {6.0: ("torchao_0.18_mx_fp4e2m1.txt", "rceil"), 7.5: ("torchao_0.18_mx_fp6e2m3.txt", "rceil"),
             28.0: ("torchao_0.18_mx_fp6e3m2.txt", "rceil"), 448.0: ("torchao_0.18_mx_fp8e4m3.txt", "rceil"),
             57344.0: ("torchao_0.18_mx_fp8e5m2.txt", "rceil")}
    cache = {}
    for i, (mx, k) in enumerate(zip(maxes, ks)):
        fn, mode = files[mx]
        if fn not in cache:
            cache[fn] = bytes_(load(fn)[f"rceil_log2 {mode}"][0])
        lib = int(cache[fn][i])
        r = Fraction(float(amax[i])) / Fraction(mx)
        exact = math.ceil(math.log2(r)) if r != 2 ** round(math.log2(r)) else round(math.log2(r))
        while Fraction(2) ** exact < r:
            exact += 1
        while Fraction(2) ** (exact - 1) >= r:
            exact -= 1
        f32 = int(torch.ceil(torch.log2(torch.tensor(amax[i]) / mx)).item())
        if i % 6 == 0:
            say(f"  elem max {mx}:")
        say(f"    k={k:5d}: torchao byte {lib:3d} (exp {lib - 127:5d}), exact ceil {exact:5d}, "
            f"f32 ceil(log2) {f32:5d}")
    mo = load("modelopt_0.47_mx.txt")
    b4 = bytes_(mo["rceil_log2 mxfp4"][0])
    b8 = bytes_(mo["rceil_log2 mxfp8"][0])
    say(f"  ModelOpt mxfp4 (max 6) rows 0-5 exp: {[int(v) - 127 for v in b4[:6]]}; "
        f"mxfp8 (max 448) rows 18-23 exp: {[int(v) - 127 for v in b8[18:24]]}")


def modelopt_mxfp4():
    say("\n== ModelOpt MXFP4: ties and zeros")
    d = load("modelopt_0.47_mx.txt")
    sb, q, dq = d["tie_e2m1_s1 mxfp4"]
    x = INP["tie_e2m1_s1"]["data"].reshape(-1)
    c = nibbles(q)
    s = 2.0 ** (bytes_(sb).astype(np.int64) - 127)
    v = x / np.repeat(s, 32)
    ties = np.isin(np.abs(v), [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0])
    mag = E2M1[c & 7]
    lower = np.array([E2M1[E2M1 < a].max() for a in np.abs(v[ties])])
    say(f"  scale bytes {bytes_(sb).tobytes().hex()}; {ties.sum()} exact ties; rounded to the lower magnitude: "
        f"{np.array_equal(mag[ties], lower)}; RNE would give {e2m1_rne(v[ties].astype(np.float32))[:7] & 7}"
        f" vs lib {c[ties][:7] & 7}")
    for tid in ("zeros_pos", "zeros_neg"):
        sb, q, dq = d[f"{tid} mxfp4"]
        say(f"  {tid}: scale {bytes_(sb).tobytes().hex()}, codes {set(nibbles(q).tolist())}, dequant bits "
            f"{set(f32s(dq).view(np.uint32).tolist())}")


def ct_mx():
    say("\n== compressed-tensors MX scale bytes vs torchao 0.18 EVEN (f32 weights)")
    d = load("ct_0.20_mx.txt")
    for prof, fn in (("mxfp4", "torchao_0.18_mx_fp4e2m1.txt"), ("mxfp6", "torchao_0.18_mx_fp6e2m3.txt"),
                     ("mxfp8", "torchao_0.18_mx_fp8e4m3.txt")):
        ao = load(fn)
        same, diff = 0, []
        for key, cols in d.items():
            tid, p, wd = key.split()
            if p != prof or wd != "f32" or f"{tid} even" not in ao:
                continue
            a, b = bytes_(cols[0]), bytes_(ao[f"{tid} even"][0])
            if np.array_equal(a, b):
                same += 1
            else:
                k = np.nonzero(a != b)[0]
                diff.append(f"{tid}[{len(k)} blocks: ct {a[k][:4].tolist()} ao {b[k][:4].tolist()}]")
        say(f"  {prof}: identical scale bytes on {same} tensors; differ on {len(diff)}: {diff[:10]}")
    say("  -0 handling (zeros_neg codes): " + "; ".join(
        f"{p} {set(bytes_(d[f'zeros_neg {p} f32'][1]).tolist())}" for p in ("mxfp4", "mxfp6", "mxfp8")))


def awq():
    say("\n== AutoAWQ: f16 path vs f32direct")
    d = load("awq_0.2.9.txt")
    for key in d:
        tid, g, mode = key.split()
        if mode != "f16":
            continue
        a, b = d[key], d[f"{tid} {g} f32direct"]
        say(f"  {tid} g{g}: scales equal {a[0] == b[0]}, qzeros equal {a[1] == b[1]}, "
            f"qweight equal {a[2] == b[2]} ({int(np.sum(words(a[2]) != words(b[2])))}"
            f" of {len(words(a[2]))} words differ), dequant equal {a[3] == b[3]}")


def fp8():
    say("\n== FP8 per-tensor scale vs amax/448 (f32)")
    mo, ct = load("modelopt_0.47_fp8.txt"), load("ct_0.20_fp8.txt")
    for tid in ("zeros_pos", "zeros_neg", "tiny_subnormal", "llm_4x64", "huge_fltmax"):
        x = torch.from_numpy(INP[tid]["data"].copy())
        ref = (torch.max(torch.abs(x)) / 448.0).item()
        say(f"  {tid}: amax/448={ref!r} modelopt={f32s(mo[f'{tid} tensor'][0])[0]!r} "
            f"(codes {bytes_(mo[f'{tid} tensor'][1]).tobytes().hex()[:8]}) ct f32={f32s(ct[f'{tid} tensor f32'][0])[0]!r}"
            + (f" ct bf16={f32s(ct[f'{tid} tensor bf16'][0])[0]!r}" if f"{tid} tensor bf16" in ct else ""))


if __name__ == "__main__":
    for v in ("0.18", "0.15"):
        nvfp4_torchao(v)
    ct_global()
    modelopt_nvfp4()
    mx_special()
    mx_zero_code()
    rceil_log2()
    modelopt_mxfp4()
    ct_mx()
    awq()
    fp8()
