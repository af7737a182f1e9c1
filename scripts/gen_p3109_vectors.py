#!/usr/bin/env python3
"""Generate the IEEE P3109 differential vectors under tests/vectors/p3109/.

Reference (pinned in scripts/requirements.txt): gfloat 0.5.2 (numpy 2.4.6).
  gfloat.formats.format_info_p3109(k, precision, signedness, domain)
      -- every (K, P, Signed/Unsigned, Extended/Finite) with 2 <= K <= 8, 1 <= P <= K
  gfloat.decode_float       -- every code's value (cross-checked against decode_ndarray)
  gfloat.round_ndarray      -- float32 inputs, every RoundMode member, sat False/True
  gfloat.encode_ndarray     -- the code of each rounded value
  gfloat.round_float / encode_float -- scalar cross-check of the above (mismatches counted
                               in the header; none expected)
gfloat 0.5.2 has no SaturationMode enum: saturation is the boolean `sat` argument.
The stochastic modes are deterministic given the srbits array, which is written out.
The Rust tests read these files; running the tests needs no Python.

    python3 -m venv .refenv && .refenv/bin/pip install -r scripts/requirements.txt
    .refenv/bin/python scripts/gen_p3109_vectors.py
"""

import math
import os
import struct
import warnings

import gfloat
import numpy as np
from gfloat import (
    Domain,
    RoundMode,
    Signedness,
    decode_float,
    decode_ndarray,
    encode_float,
    encode_ndarray,
    round_float,
    round_ndarray,
)
from gfloat.formats import format_info_p3109

GFLOAT_VERSION = "0.5.2"
assert np.__version__ == "2.4.6", np.__version__
try:
    from importlib.metadata import version as _v

    assert _v("gfloat") == GFLOAT_VERSION, _v("gfloat")
except ImportError:  # pragma: no cover
    pass

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "p3109")
os.makedirs(OUT, exist_ok=True)
SCRIPT = "scripts/gen_p3109_vectors.py"
VERS = f"gfloat {GFLOAT_VERSION}, numpy {np.__version__}"

MODES = [
    RoundMode.TowardZero,
    RoundMode.TowardPositive,
    RoundMode.TowardNegative,
    RoundMode.TiesToEven,
    RoundMode.TiesToAway,
    RoundMode.Stochastic,
    RoundMode.StochasticOdd,
    RoundMode.StochasticFast,
    RoundMode.StochasticFastest,
]
assert set(MODES) == set(RoundMode), "gfloat has a RoundMode this script does not know"
STOCHASTIC = {RoundMode.Stochastic, RoundMode.StochasticOdd, RoundMode.StochasticFast, RoundMode.StochasticFastest}
SRNUMBITS = 4
N_RANDOM_K8 = 64
N_RANDOM_SMALL = 16


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f32_from_bits(b):
    return struct.unpack("<f", struct.pack("<I", b))[0]


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_exact(x):
    """x (a python float) as float32, asserting it is exact."""
    y = float(np.float32(x))
    assert y == x or (math.isnan(x) and math.isnan(y)), (x, y)
    return y


def nextup32(x):
    return float(np.nextafter(np.float32(x), np.float32(np.inf)))


def nextdown32(x):
    return float(np.nextafter(np.float32(x), np.float32(-np.inf)))


def all_formats():
    out = []
    for k in range(2, 9):
        for p in range(1, k + 1):
            for s in (Signedness.Signed, Signedness.Unsigned):
                for d in (Domain.Extended, Domain.Finite):
                    out.append(format_info_p3109(k, p, s, d))
    return out


def tok64(v):
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{f64_bits(v):016x}"


CLS = {
    gfloat.FloatClass.ZERO: "z",
    gfloat.FloatClass.SUBNORMAL: "s",
    gfloat.FloatClass.NORMAL: "n",
    gfloat.FloatClass.INFINITE: "i",
    gfloat.FloatClass.NAN: "q",
}


def fmt_line(fi):
    def code_or(fn):
        try:
            return f"{fn():x}"
        except (ValueError, AssertionError):
            return "-"

    return " ".join(
        [
            "fmt",
            fi.name,
            str(fi.k),
            str(fi.precision),
            "s" if fi.is_signed else "u",
            "e" if fi.domain == Domain.Extended else "f",
            str(fi.bias),
            f"w={fi.expBits}",
            "max=" + tok64(fi.max),
            "min=" + tok64(fi.min),
            "code_of_max=" + code_or(lambda: fi.code_of_max),
            "code_of_nan=" + code_or(lambda: fi.code_of_nan),
            "code_of_posinf=" + code_or(lambda: fi.code_of_posinf),
            "code_of_neginf=" + code_or(lambda: fi.code_of_neginf),
        ]
    )


def decoded(fi):
    vals = [decode_float(fi, i) for i in range(2**fi.k)]
    nd = decode_ndarray(fi, np.arange(2**fi.k, dtype=np.int64))
    for i, (a, b) in enumerate(zip(vals, nd)):
        a = a.fval
        ok = (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
        assert ok, (fi.name, i, a, b)
    return vals


def input_set(fi, fvals, rng):
    """float32 inputs for one format, as a list of python floats (all exactly float32)."""
    finite = sorted(set(v for v in fvals if math.isfinite(v)))
    xs = []
    # every finite value
    xs += finite
    # midpoints of adjacent values, and one float32 ulp either side
    for a, b in zip(finite[:-1], finite[1:]):
        m = f32_exact((a + b) / 2)
        xs += [nextdown32(m), m, nextup32(m)]
    # just beyond max (and below min for signed)
    M = finite[-1]
    top_ulp = M - finite[-2] if len(finite) > 1 else M
    F32MAX = float(np.finfo(np.float32).max)
    beyond = [nextup32(M)]
    for y in (M + top_ulp / 2, M + top_ulp, M * 2, M * 4):
        if y <= F32MAX:
            beyond += [f32_exact(y)]
    if M + top_ulp / 2 <= F32MAX:
        beyond += [nextdown32(M + top_ulp / 2), nextup32(M + top_ulp / 2)]
    beyond += [F32MAX]
    if M == 0:
        beyond = [1.0, 2.0, float(np.finfo(np.float32).max)]
    # tiny values
    pos = [v for v in finite if v > 0]
    s = pos[0] if pos else 1.0
    tiny = [
        f32_exact(s / 2),
        nextdown32(s / 2),
        nextup32(s / 2),
        f32_exact(s / 4),
        f32_exact(s * 3 / 4),
        f32_exact(s * 3 / 2) if s * 3 / 2 < 3e38 else s,
        f32_from_bits(0x00000001),
        f32_from_bits(0x00000002),
        f32_from_bits(0x00000003),
        f32_from_bits(0x007FFFFF),
        f32_from_bits(0x00800000),
        f32_from_bits(0x00800001),
        float(np.float32(1e-30)),
        float(np.float32(1e-40)),
        1.0,
        0.5,
        1.5,
        3.0,
        0.75,
    ]
    extra = beyond + tiny
    if fi.is_signed:
        xs += [-v for v in extra]
    xs += extra
    # signed zeros, infinities, NaNs (bit patterns kept separately)
    specials = [0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FFFFFFF]
    # random: half random bit patterns, half log-uniform over the format's range
    nrand = N_RANDOM_K8 if fi.k == 8 else N_RANDOM_SMALL
    bits = [int(b) for b in rng.integers(0, 2**32, size=nrand // 2, dtype=np.uint64)]
    lo = math.log2(s) - 3
    hi = math.log2(M if M > 0 else 1.0) + 2
    mags = np.exp2(rng.uniform(lo, hi, size=nrand - nrand // 2)).astype(np.float32)
    sgn = rng.integers(0, 2, size=mags.size)
    for m, sg in zip(mags, sgn):
        v = float(m)
        bits.append(f32_bits(-v if (sg and fi.is_signed) else v))
    if not fi.is_signed:
        # unsigned formats: random bit patterns made non-negative (sign bit cleared),
        # plus a few negative probes on which gfloat 0.5.2 is not defined (see header)
        bits = [b & 0x7FFFFFFF for b in bits]
        probes = [-s, -1.0, -M if M > 0 else -1.0, -1e-30]
        xs += probes
        specials += [0xFF800000]  # -inf already in the list; kept once below
    out_bits = [f32_bits(x) for x in xs] + specials + bits
    # dedupe keeping order
    seen = set()
    res = []
    for b in out_bits:
        if b not in seen:
            seen.add(b)
            res.append(b)
    return res


def value_set(fvals):
    s = set()
    for v in fvals:
        if not math.isnan(v):
            s.add(v)
    return s


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


def main():
    rng = np.random.default_rng(31090508)
    fmts = all_formats()

    # ---------------- decode file ----------------
    dec_lines = [
        f"# IEEE P3109 formats as described by gfloat.formats.format_info_p3109 ({VERS})",
        f"# generated by {SCRIPT}; every (K,P,signedness,domain) with 2<=K<=8, 1<=P<=K",
        "# line kinds:",
        "#   fmt NAME K P s|u e|f BIAS w=EXPONENT_FIELD_WIDTH max=F64 min=F64 code_of_max=HEX code_of_nan=HEX"
        " code_of_posinf=HEX code_of_neginf=HEX   (FormatInfo properties; '-' where gfloat raises)",
        "#   dec NAME  then 2^K tokens, code 0..2^K-1: gfloat.decode_float(fi, code).fval as float64 bits"
        " (16 hex), or nan / inf / -inf",
        "#   cls NAME  then 2^K chars: decode_float(...).fclass z=ZERO s=SUBNORMAL n=NORMAL i=INFINITE q=NAN",
        "# note: max=/min= are FormatInfo.max/min; for p3109_k2p1se and p3109_k2p2ue gfloat's max/min are not"
        " values of the format (see notes); decode is what gfloat decodes",
    ]
    decoded_by_name = {}
    for fi in fmts:
        vals = decoded(fi)
        decoded_by_name[fi.name] = vals
        dec_lines.append(fmt_line(fi))
        dec_lines.append("dec " + fi.name + " " + " ".join(tok64(v.fval) for v in vals))
        dec_lines.append("cls " + fi.name + " " + "".join(CLS[v.fclass] for v in vals))
    with open(os.path.join(OUT, "p3109_decode.txt"), "w") as f:
        f.write("\n".join(dec_lines) + "\n")

    # ---------------- rounding files ----------------
    header = [
        f"# IEEE P3109 rounding: gfloat.round_ndarray(fi, x_f32, mode, sat, srbits, srnumbits) then"
        f" gfloat.encode_ndarray ({VERS})",
        f"# generated by {SCRIPT}",
        "# per format, in order:",
        "#   fmt NAME K P s|u e|f BIAS ...          (as in p3109_decode.txt)",
        "#   in NAME N  x_0 .. x_{N-1}               float32 input bits (8 hex)",
        f"#   sr NAME {SRNUMBITS} HEXCHARS               srbits[i] for input i, one hex digit each"
        f" (srnumbits={SRNUMBITS}); used by the 4 stochastic modes only",
        "#   q NAME MODE 0 CODES                    sat=False. MODE = gfloat RoundMode member name; CODES = N"
        " codes, 2 hex digits each, concatenated",
        "#   qs NAME MODE NDIFF i:CC i:CC ...        sat=True (gfloat 0.5.2 has no SaturationMode enum, only the"
        " boolean sat): the codes are those",
        "#                                          of the preceding q line of the same NAME and MODE except at"
        " input index i (decimal), where it is CC;",
        "#                                          '--' where gfloat's rounded value is not a value of the"
        " format (unsigned formats given negative",
        "#                                          inputs, and the p3109_k2p1se / p3109_k2p2ue max bug): no"
        " reference behaviour there",
        f"# modes: {' '.join(m.name for m in MODES)}",
    ]
    stats = {"scalar_mismatch": 0, "invalid": 0, "checked": 0}
    files = {8: [], "small": []}
    for fi in fmts:
        fvals = [v.fval for v in decoded_by_name[fi.name]]
        vset = value_set(fvals)
        code_of = {}
        for c, v in enumerate(fvals):
            if not math.isnan(v):
                code_of.setdefault(v, c)
        xb = input_set(fi, fvals, rng)
        x = np.array(xb, dtype=np.uint32).view(np.float32)
        srbits = rng.integers(0, 2**SRNUMBITS, size=x.size).astype(np.int64)
        lines = files[8] if fi.k == 8 else files["small"]
        lines.append(fmt_line(fi))
        lines.append(f"in {fi.name} {x.size} " + " ".join(f"{b:08x}" for b in xb))
        lines.append(f"sr {fi.name} {SRNUMBITS} " + "".join(f"{int(b):x}" for b in srbits))
        for mode in MODES:
            for sat in (False, True):
                kw = {}
                if mode in STOCHASTIC:
                    kw = dict(srbits=srbits, srnumbits=SRNUMBITS)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = round_ndarray(fi, x, mode, sat, **kw)
                    valid = np.array([(float(v) in vset) or math.isnan(float(v)) for v in r])
                    codes = np.zeros(r.size, dtype=np.int64)
                    if valid.any():
                        codes[valid] = encode_ndarray(fi, r[valid]).astype(np.int64)
                toks = []
                for i in range(r.size):
                    rv = float(r[i])
                    if not valid[i]:
                        stats["invalid"] += 1
                        toks.append("--")
                        continue
                    c = int(codes[i])
                    assert same(fvals[c], rv if rv != 0 else 0.0), (fi.name, mode, sat, x[i], rv, c)
                    # scalar cross-check
                    xi = float(x[i])
                    try:
                        sr = int(srbits[i]) if mode in STOCHASTIC else -1
                        rs = round_float(fi, xi, mode, sat, sr, SRNUMBITS if mode in STOCHASTIC else 0)
                        cs = encode_float(fi, rs)
                        stats["checked"] += 1
                        if cs != c:
                            stats["scalar_mismatch"] += 1
                            print("scalar mismatch", fi.name, mode.name, sat, f"{xb[i]:08x}", c, cs)
                    except ValueError:
                        pass
                    toks.append(f"{c:02x}")
                if not sat:
                    lines.append(f"q {fi.name} {mode.name} 0 " + "".join(toks))
                    base = toks
                else:
                    diffs = [f"{i}:{t}" for i, (t, b) in enumerate(zip(toks, base)) if t != b]
                    lines.append(f"qs {fi.name} {mode.name} {len(diffs)} " + " ".join(diffs))
    summary = (
        f"# scalar cross-check (round_float+encode_float on the same inputs): {stats['checked']} compared,"
        f" {stats['scalar_mismatch']} mismatches; '--' entries: {stats['invalid']}"
    )
    with open(os.path.join(OUT, "p3109_round_k8.txt"), "w") as f:
        f.write("\n".join(header + ["# this file: K = 8", summary] + files[8]) + "\n")
    with open(os.path.join(OUT, "p3109_round_k2_7.txt"), "w") as f:
        f.write("\n".join(header + ["# this file: K = 2..7", summary] + files["small"]) + "\n")
    print(summary)
    for n in sorted(os.listdir(OUT)):
        print(n, os.path.getsize(os.path.join(OUT, n)))


if __name__ == "__main__":
    main()
