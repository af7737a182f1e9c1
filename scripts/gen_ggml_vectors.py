#!/usr/bin/env python3
"""Reference vectors for ggml's GGUF block quantizers and dequantizers, produced by ggml itself.

The reference is the ggml that ships inside the PyPI package llama-cpp-python==0.3.36
(llama.cpp commit 0c1e57098, ggml 0.25.3): this script loads its `libggml-base.so` with ctypes
and calls `ggml_quantize_chunk`, the exported `quantize_row_*_ref` and `dequantize_row_*`
functions, `ggml_type_name`, `ggml_blck_size`, `ggml_type_size`, `ggml_quantize_requires_imatrix`
and `ggml_get_type_traits`.  Nothing of ggml is compiled or copied here.

How to run (from the repository root; the build of llama-cpp-python takes a while):

    python3 -m venv .refenv-ggml
    CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 10 .refenv-ggml/bin/pip install -r scripts/requirements-ggml.txt
    .refenv-ggml/bin/python scripts/gen_ggml_vectors.py

`GGML_BASE_LIB=/path/to/libggml-base.so` overrides where the library is looked for (default: the
one inside the installed `llama_cpp` package).  The script sets OMP_NUM_THREADS=1 and
GGML_NO_BACKTRACE=1 for the library.  Every call into ggml runs in a forked child process, so
that a GGML_ASSERT / GGML_ABORT (which ggml raises on some NaN inputs) kills only the child; such
cases are listed in the headers instead of being written as records.  Each call is made three
times (two output pre-fill patterns, and once more from a fresh thread, i.e. a fresh C stack); a
record is only written when the calls agree (non-deterministic cases are listed in the headers).
The output is deterministic: fixed seeds, no time stamps.

Output directory: tests/vectors/ggml/.  Every file is text, one record per line, fields
separated by one space, lowercase hex; lines starting with '#' are the header (script, package
versions, columns).  Encodings used below:
  F32HEX   f32 values, each as the 8 hex digits of its u32 bit pattern (most significant digit
           first), concatenated without separators (so element i is chars [8i, 8i+8)).
  BYTEHEX  raw bytes in memory order, 2 hex digits per byte.
  FNV      64-bit FNV-1a (offset 0xcbf29ce484222325, prime 0x100000001b3) over the
           little-endian bytes of the f32 output, as 16 hex digits.

Files:
  types.txt      id name blck_size type_size is_quantized requires_imatrix has_to_float
                 has_from_float_ref -- for every ggml_type id 0..GGML_TYPE_COUNT-1 whose name is
                 neither NULL nor "DEPRECATED" (flags are 0/1; has_* from ggml_get_type_traits).
  inputs.txt     tensor_id label n_per_row nrows F32HEX(nrows*n_per_row values, row-major).
                 Every n_per_row is a multiple of 256 (usable by every type) except the tensors
                 labelled narrow_* (32, 64, 96 or 128 wide), which only the types whose block size
                 divides n_per_row use.
  imatrix.txt    imatrix_id n_per_row F32HEX(n_per_row values): one importance vector per width;
                 the same vector is applied to every row of a tensor (as llama-quantize does).
  quantize.txt   type fn tensor_id imatrix_id BYTEHEX
                 type = ggml_type_name; fn = `chunk` (ggml_quantize_chunk(type, src, dst, 0, nrows,
                 n_per_row, imatrix)) or `ref` (quantize_row_<type>_ref(src, dst, nrows*n_per_row),
                 the whole tensor as one flat row); imatrix_id = `-` for NULL.  Output bytes are the
                 nrows*row_size bytes that ggml wrote.
                 `ref` records exist for Q8_1 and Q8_K (no chunk path) and for each type whose
                 _ref output differs from chunk-without-imatrix on at least one tensor; for the
                 other types the header says that _ref == chunk(NULL) was checked on all tensors.
                 Each call is made three times: dst pre-filled 0x00, dst pre-filled 0xA5, and again
                 0x00 from a fresh thread (fresh C stack).  Bytes that keep the pre-fill in the first
                 two calls are "unwritten" (record written with the 0x00 fill, header lists them); any
                 other difference (including main thread vs fresh thread = use of uninitialised stack
                 memory) makes the case NON-DETERMINISTIC: no record, listed in the header.
                 imatrix records are written for the types whose output depends on the imatrix;
                 the header lists the types for which chunk(imatrix) == chunk(NULL) on every tensor.
  dequantize.txt type source nblocks input fnv_total fnv_per_256 head
                 source = `rand:<k>`: input = BYTEHEX of nblocks random blocks (deterministic
                 generator, f16/e8m0/ue4m3/f32 scale fields drawn from special values too:
                 NaN, sNaN, inf, subnormal, negative, zero);
                 source = `q:<fn>:<tensor_id>:<imatrix_id>`: input = `=`, the bytes of the
                 quantize.txt record with that type/fn/tensor/imatrix.
                 fnv_total = FNV of the whole output of dequantize_row_<type>(input, y, nblocks*blck);
                 fnv_per_256 = FNV of each consecutive 256-element chunk of the output,
                 comma-separated; head = F32HEX of the first min(2 blocks, all) output elements for
                 rand records, `-` for q records (their full output is pinned by the hashes).
"""

import ctypes
import glob
import importlib.metadata
import importlib.util
import os
import struct
import sys
import tempfile
import threading

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["GGML_NO_BACKTRACE"] = "1"

import numpy as np  # noqa: E402

SCRIPT = "scripts/gen_ggml_vectors.py"
LLAMA_CPP_COMMIT = "0c1e57098"  # llama-cpp-python 0.3.36 CHANGELOG: "update llama.cpp to ggml-org/llama.cpp@0c1e57098"
EXPECTED_GGML_VERSION = "0.25.3"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "vectors", "ggml")

QK_K = 256


# ----------------------------------------------------------------------------------------------
# library


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


LIB_PATH = find_lib()
lib = ctypes.CDLL(LIB_PATH)

lib.ggml_type_name.restype = ctypes.c_char_p
lib.ggml_type_name.argtypes = [ctypes.c_int]
lib.ggml_blck_size.restype = ctypes.c_int64
lib.ggml_blck_size.argtypes = [ctypes.c_int]
lib.ggml_type_size.restype = ctypes.c_size_t
lib.ggml_type_size.argtypes = [ctypes.c_int]
lib.ggml_quantize_requires_imatrix.restype = ctypes.c_bool
lib.ggml_quantize_requires_imatrix.argtypes = [ctypes.c_int]
lib.ggml_quantize_init.restype = None
lib.ggml_quantize_init.argtypes = [ctypes.c_int]
lib.ggml_quantize_chunk.restype = ctypes.c_size_t
lib.ggml_quantize_chunk.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64,
                                    ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
lib.ggml_version.restype = ctypes.c_char_p
lib.ggml_commit.restype = ctypes.c_char_p


class TypeTraits(ctypes.Structure):
    _fields_ = [("type_name", ctypes.c_char_p), ("blck_size", ctypes.c_int64),
                ("blck_size_interleave", ctypes.c_int64), ("type_size", ctypes.c_size_t),
                ("is_quantized", ctypes.c_bool), ("to_float", ctypes.c_void_p),
                ("from_float_ref", ctypes.c_void_p)]


lib.ggml_get_type_traits.restype = ctypes.POINTER(TypeTraits)
lib.ggml_get_type_traits.argtypes = [ctypes.c_int]

GGML_VERSION = lib.ggml_version().decode()
GGML_COMMIT = lib.ggml_commit().decode()
assert GGML_VERSION == EXPECTED_GGML_VERSION, GGML_VERSION


def ggml_type_count():
    """GGML_TYPE_COUNT as the installed llama_cpp bindings spell it (read from the source text,
    without importing llama_cpp, which would load libllama)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is not None and spec.submodule_search_locations:
        for base in spec.submodule_search_locations:
            p = os.path.join(base, "llama_cpp.py")
            if os.path.exists(p):
                for line in open(p, encoding="utf-8"):
                    if line.startswith("GGML_TYPE_COUNT = "):
                        return int(line.split("=")[1])
    return 43


def fn(name, argtypes, restype=None):
    f = getattr(lib, name, None)
    if f is None:
        return None
    f.argtypes = argtypes
    f.restype = restype
    return f


def versions():
    out = []
    for p in ("llama-cpp-python", "numpy", "gguf"):
        try:
            out.append(f"{p}=={importlib.metadata.version(p)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{p}==(not installed)")
    return " ".join(out)


def header(f, what, columns, extra=()):
    f.write(f"# generated by {SCRIPT}: {what}\n")
    f.write(f"# reference: {os.path.basename(LIB_PATH)} from {versions()}; ggml_version()={GGML_VERSION} "
            f"ggml_commit()={GGML_COMMIT}; llama.cpp commit {LLAMA_CPP_COMMIT}\n")
    f.write(f"# columns: {columns}\n")
    for e in extra:
        f.write(f"# {e}\n")


# ----------------------------------------------------------------------------------------------
# types


class T:
    pass


def load_types():
    types = []
    for tid in range(ggml_type_count()):
        tr = lib.ggml_get_type_traits(tid).contents
        name = lib.ggml_type_name(tid)
        if name is None or name.decode() == "DEPRECATED":
            continue
        t = T()
        t.id = tid
        t.name = name.decode()
        t.blck = lib.ggml_blck_size(tid)
        t.size = lib.ggml_type_size(tid)
        assert t.blck == tr.blck_size and t.size == tr.type_size and tr.type_name == name
        t.is_quantized = bool(tr.is_quantized)
        t.requires_imatrix = bool(lib.ggml_quantize_requires_imatrix(tid))
        t.has_to_float = bool(tr.to_float)
        t.has_from_float_ref = bool(tr.from_float_ref)
        t.deq = fn(f"dequantize_row_{t.name}", [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64])
        t.ref = fn(f"quantize_row_{t.name}_ref", [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64])
        if t.has_to_float and t.is_quantized:
            assert t.deq is not None and ctypes.cast(t.deq, ctypes.c_void_p).value == tr.to_float, t.name
        types.append(t)
    return types


# block quantizer types that ggml_quantize_chunk handles (ggml.c switch); Q8_1 / Q8_K only have _ref
CHUNK_TYPES = ["q1_0", "q2_0", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0", "mxfp4", "nvfp4", "q2_K", "q3_K",
               "q4_K", "q5_K", "q6_K", "tq1_0", "tq2_0", "iq2_xxs", "iq2_xs", "iq3_xxs", "iq3_s", "iq2_s",
               "iq1_s", "iq1_m", "iq4_nl", "iq4_xs"]
REF_ONLY_TYPES = ["q8_1", "q8_K"]

# where the scale fields sit inside a block: (offset, kind); kind f16 / f32 / e8m0 / ue4m3 / iq1m
SCALE_FIELDS = {
    "q1_0": [(0, "f16")], "q2_0": [(0, "f16")], "q4_0": [(0, "f16")], "q4_1": [(0, "f16"), (2, "f16")],
    "q5_0": [(0, "f16")], "q5_1": [(0, "f16"), (2, "f16")], "q8_0": [(0, "f16")],
    "mxfp4": [(0, "e8m0")], "nvfp4": [(0, "ue4m3"), (1, "ue4m3"), (2, "ue4m3"), (3, "ue4m3")],
    "q2_K": [(80, "f16"), (82, "f16")], "q3_K": [(108, "f16")], "q4_K": [(0, "f16"), (2, "f16")],
    "q5_K": [(0, "f16"), (2, "f16")], "q6_K": [(208, "f16")], "q8_K": [(0, "f32")],
    "tq1_0": [(52, "f16")], "tq2_0": [(64, "f16")], "iq2_xxs": [(0, "f16")], "iq2_xs": [(0, "f16")],
    "iq2_s": [(0, "f16")], "iq3_xxs": [(0, "f16")], "iq3_s": [(0, "f16")], "iq1_s": [(0, "f16")],
    "iq1_m": [(48, "iq1m")], "iq4_nl": [(0, "f16")], "iq4_xs": [(0, "f16")],
}
BLOCK_BYTES = {"q1_0": 18, "q2_0": 18, "q4_0": 18, "q4_1": 20, "q5_0": 22, "q5_1": 24, "q8_0": 34,
               "q8_1": 36, "mxfp4": 17, "nvfp4": 36, "q2_K": 84, "q3_K": 110, "q4_K": 144, "q5_K": 176,
               "q6_K": 210, "q8_K": 292, "tq1_0": 54, "tq2_0": 66, "iq2_xxs": 66, "iq2_xs": 74,
               "iq2_s": 82, "iq3_xxs": 98, "iq3_s": 110, "iq1_s": 50, "iq1_m": 56, "iq4_nl": 18,
               "iq4_xs": 136}

F16_SPECIAL = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0xbc00, 0x7bff, 0xfbff, 0x7c00,
               0xfc00, 0x7c01, 0x7d55, 0x7e00, 0xfe00, 0x7fff, 0xffff, 0x0200, 0x1400, 0xc500]
F32_SPECIAL = [0x00000000, 0x80000000, 0x00000001, 0x007fffff, 0x00800000, 0x3f800000, 0xbf800000,
               0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001,
               0x7fa00000, 0x7fffffff, 0x3a000000, 0xc2fe0000]
BYTE_SPECIAL = [0x00, 0x01, 0x02, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff]


# ----------------------------------------------------------------------------------------------
# inputs

f32 = np.float32


def fbits(u):
    return np.array(u, dtype=np.uint32).view(np.float32)


def below(v):
    """one ulp towards zero"""
    v = np.asarray(v, dtype=np.float32)
    return np.nextafter(v, np.float32(0)).astype(np.float32)


def above(v):
    v = np.asarray(v, dtype=np.float32)
    return np.nextafter(v, np.copysign(np.float32(np.inf), v)).astype(np.float32)


def make_inputs():
    rng = np.random.default_rng(0x66676D6C)  # fixed
    ts = []

    def add(label, x):
        x = np.asarray(x, dtype=np.float32)
        assert x.ndim == 2
        ts.append((label, x))

    def gauss(shape, s=1.0):
        return (rng.standard_normal(shape) * s).astype(f32)

    def outliers(x, k, mag):
        x = x.copy()
        flat = x.reshape(-1)
        idx = rng.choice(flat.size, k, replace=False)
        flat[idx] = (rng.choice([-1.0, 1.0], k) * mag * rng.uniform(0.5, 1.0, k)).astype(f32)
        return x

    # --- LLM-like content
    add("llm_gauss_outliers", outliers(gauss((2, 512), 0.02), 6, 0.6))
    add("llm_gauss_unit_outliers", outliers(gauss((4, 256)), 8, 20.0))
    add("gauss_unit", gauss((2, 256)))
    add("gauss_large_scale", gauss((1, 512), 300.0))
    add("laplace", rng.laplace(0, 0.05, (1, 512)))
    x = rng.laplace(0, 1.0, (2, 256))
    x[0, 77] = 40.0
    x[1, 200] = -65.0
    add("laplace_outlier", x)
    add("uniform_sym", rng.uniform(-1, 1, (1, 256)))
    add("uniform_pos", rng.uniform(0, 1, (1, 256)) + 0.5)
    add("negative_only", -(np.abs(gauss((1, 256))) + 0.1))
    x = gauss((1, 512)) * (2.0 ** rng.integers(-8, 9, (1, 32))).repeat(16, axis=1)
    add("mixed_scale_per16", x)
    x = gauss((2, 256)) * (2.0 ** rng.integers(-12, 13, (2, 8))).repeat(32, axis=1)
    add("mixed_scale_per32", x)
    add("wide_dynamic", rng.choice([-1.0, 1.0], (1, 256)) * 2.0 ** rng.uniform(-30, 30, (1, 256)))
    x = np.zeros((2, 256))
    m = rng.random((2, 256)) < 0.05
    x[m] = rng.standard_normal(m.sum())
    add("sparse", x)
    x = gauss((1, 512))
    x[0, 32:64] = 0
    x[0, 96:112] = 0
    x[0, 256:512] = 0
    x[0, 300] = 1e-3
    add("zero_subblocks", x)
    x = gauss((1, 256))
    x[0, 128:] = np.abs(x[0, 128:])
    x[0, :128] = -np.abs(x[0, :128]) - 2.0
    add("half_neg_half_pos", x)
    x = gauss((1, 256)) * 0.01 + 5.0
    add("offset_positive", x)

    # --- zeros, signed zeros, constants
    add("all_zero", np.zeros((1, 256)))
    add("all_neg_zero", np.full((1, 256), -0.0))
    x = np.where(rng.random((1, 256)) < 0.5, 0.0, -0.0)
    x[0, 100] = 1e-30
    add("pm_zero_one_tiny", x)
    add("const_one", np.ones((1, 256)))
    add("const_neg", np.full((1, 256), -0.75))
    consts = [0.1, -3.5, 1e-3, 7.0, -7.0, 65504.0, 1e-6, 2.0, -1.0, 0.5, 3.0, -100.0, 1e5, -2.5e-5, 42.0, 1.0]
    add("const_per32", np.repeat(np.array(consts, dtype=np.float32), 32).reshape(2, 256))
    x = np.repeat(np.array([0.3, -0.3, 4.0, -4.0] * 4, dtype=np.float32), 16).reshape(1, 256)
    add("const_per16", x)

    # --- exact ties of the grids after scaling
    def ties_block(n, nmax_abs, lo, hi, e, sign_first=-1.0):
        s = 2.0 ** e
        v = (rng.integers(lo, hi + 1, n) + 0.5) * s
        v[rng.integers(0, n)] = sign_first * nmax_abs * s
        return v

    es = [-20, -6, -1, 0, 3, 10, -14, 5]
    add("ties_q8", np.concatenate([ties_block(32, 127, -127, 126, e, (-1) ** i) for i, e in enumerate(es)])[None])
    add("ties_q4_0", np.concatenate([ties_block(32, 8, -8, 7, e, -1.0 if i % 3 else 1.0)
                                     for i, e in enumerate(es)])[None])
    add("ties_q5_0", np.concatenate([ties_block(32, 16, -16, 15, e, -1.0 if i % 3 else 1.0)
                                     for i, e in enumerate(es)])[None])

    def ties_min(n, steps, e):
        s = 2.0 ** e
        m0 = rng.integers(-steps, 1) * s
        v = m0 + (rng.integers(0, steps, n) + 0.5) * s
        v[0] = m0
        v[-1] = m0 + steps * s
        return v

    add("ties_q4_1", np.concatenate([ties_min(32, 15, e) for e in es])[None])
    add("ties_q5_1", np.concatenate([ties_min(32, 31, e) for e in es])[None])
    mids = np.array([0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0])  # E2M1 midpoints (in E2M1 units)
    rows = []
    for p in [-3, 0, 2, 7, -10, 12, -1, 4]:
        for sub in range(2):  # two 16-element NVFP4 sub-blocks per 32-element block
            v = rng.choice(mids, 16) * rng.choice([-1.0, 1.0], 16) * 2.0 ** p
            v[rng.integers(0, 16)] = 6.0 * 2.0 ** p * (1 if sub else -1)
            rows.append(v)
    add("ties_fp4", np.concatenate(rows)[None])
    v = rng.choice([-0.5, 0.5, 0.0, 1.0, -1.0, 0.25, -0.75, 0.75], 256)
    v[3] = 1.0
    add("ties_ternary", v[None])
    kv = np.array([-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113], dtype=np.float64)
    kmid = (kv[1:] + kv[:-1]) / 2
    rows = []
    for e in es:
        v = rng.choice(kmid, 32) * 2.0 ** (e - 7)
        v[5] = -127 * 2.0 ** (e - 7)
        rows.append(v)
    add("ties_iq4nl", np.concatenate(rows)[None])
    v = (rng.integers(-20, 20, (2, 256)) + 0.5) * (2.0 ** rng.integers(-10, 10, (2, 16))).repeat(16, axis=1)
    add("ties_half_integers", v)
    v = rng.integers(-4, 4, (1, 256)) * (2.0 ** rng.integers(-3, 3, (1, 16))).repeat(16, axis=1) + 0.0
    add("small_integers", v)

    # --- block amax one ulp below / at / above powers of two, many binades
    ks = list(range(-126, 128, 3))  # 85 binades
    for part in range(3):
        kk = ks[part * 32:(part + 1) * 32]
        kk = kk + kk[: 32 - len(kk)] if len(kk) < 32 else kk
        rows = []
        for b, k in enumerate(kk):
            v = rng.uniform(-1, 1, 32).astype(np.float64) * 2.0 ** (k - 1)
            amax = below(f32(2.0 ** k)) if k > -126 else below(f32(2.0 ** -126))
            v[(b * 7) % 32] = amax * (1 if b % 2 else -1)
            rows.append(v)
        add(f"amax_ulp_below_pow2_{part}", np.concatenate(rows).reshape(4, 256))
    rows = []
    for b, k in enumerate(range(-60, 68, 4)):
        v = rng.uniform(-1, 1, 32) * 2.0 ** (k - 1)
        v[b % 32] = (f32(2.0 ** k) if b % 2 else above(f32(2.0 ** k))) * (-1 if b % 3 else 1)
        rows.append(v)
    add("amax_at_or_above_pow2", np.concatenate(rows).reshape(4, 256))
    rows = []
    for b, k in enumerate(range(-16, 16)):  # NVFP4: amax/6 near powers of two; UE4M3 subnormals and clamp
        for sub in range(2):
            v = rng.uniform(-1, 1, 16) * 2.0 ** k
            a = f32(6.0 * 2.0 ** k)
            v[(b + sub) % 16] = [below(a), a, above(a)][(b + sub) % 3]
            rows.append(v)
    add("amax_6x_pow2_edges", np.concatenate(rows).reshape(4, 256))
    rows = []
    for b, a in enumerate([448 * 6, 449 * 6, 480 * 6, 1e4, 2.0 ** -9 * 6, 2.0 ** -10 * 6, 2.0 ** -12, 1e-4]):
        v = rng.uniform(-1, 1, 32) * a
        v[b] = a
        rows.append(v)
    add("ue4m3_range_edges", np.concatenate(rows)[None])
    rows = []  # fp16 edges of d: d = amax/127 (q8_0), amax/8 (q4_0) ...
    for b, d in enumerate([65504.0, 65520.0, 70000.0, 2.0 ** -24, 2.0 ** -25, 3 * 2.0 ** -26, 2.0 ** -14,
                           below(f32(2.0 ** -14)), 6e-8, 1e-9, 5e4, 2.0 ** 15]):
        v = rng.uniform(-1, 1, 32) * d * 100
        v[(5 * b) % 32] = d * 127 * (1 if b % 2 else -1)
        rows.append(v)
    rows += [rng.uniform(-1, 1, 32) * 1e4 for _ in range(4)]
    add("fp16_scale_edges", np.concatenate(rows).reshape(2, 256))

    # --- tiny values
    add("f32_subnormals", fbits(rng.integers(1, 0x007fffff, (1, 256))) * rng.choice([-1, 1], (1, 256)))
    rows = []
    for b, a in enumerate([1e-38, 1.1754942e-38, 1e-39, 1e-42, 1.4e-45, 1e-20, 1e-30, 3e-36]):
        v = rng.uniform(-1, 1, 32) * a
        v[(3 * b) % 32] = a * (1 if b % 2 else -1)
        rows.append(v)
    add("tiny_amax", np.concatenate(rows)[None])
    x = np.zeros((1, 256))
    x[0, 0] = 1.4e-45
    x[0, 40] = -1.4e-45
    x[0, 200] = 2.8e-45
    add("min_subnormal_sparse", x)
    rows = []
    for b, a in enumerate([1e-15, 1.0000001e-15, 9.999999e-16, 1e-12, 1e-8, 1e-7, 9.9e-8, 1.01e-7]):
        v = rng.uniform(-1, 1, 32) * a
        v[b] = a
        rows.append(v)
    add("group_eps_edges", np.concatenate(rows)[None])

    # --- huge values
    add("huge", rng.choice([-1.0, 1.0], (1, 256)) * rng.uniform(0.5, 3.4, (1, 256)) * 1e38)
    x = gauss((1, 256))
    x[0, 10] = 3.4028235e38
    x[0, 100] = -3.4028235e38
    x[0, 250] = 1e38
    add("flt_max_mixed", x)
    add("square_overflow", rng.choice([-1.0, 1.0], (1, 256)) * 10.0 ** rng.uniform(18, 30, (1, 256)))
    x = gauss((1, 256)) * 1e5
    x[0, 3] = 2e9
    add("large_1e5_1e9", x)

    # --- amax ties between +a and -a
    rows = []
    for b in range(8):
        v = rng.uniform(-1, 1, 32)
        i, j = sorted(rng.choice(32, 2, replace=False))
        v[i], v[j] = (2.0, -2.0) if b % 2 else (-2.0, 2.0)
        rows.append(v)
    add("amax_sign_ties", np.concatenate(rows)[None])

    # --- NaN and inf
    nan_pats = [0x7fc00000, 0xffc00000, 0x7f800001, 0x7fffffff, 0xff812345, 0x7fc0beef, 0x7fa00000, 0xffffffff]
    x = gauss((2, 256))
    for b in range(16):
        pos = [0, 31, 15, 16, 1, 30, 7, 8, 24, 5, 0, 31, 12, 20, 2, 29][b]
        x.reshape(-1)[32 * b + pos] = fbits(nan_pats[b % 8])
    add("nan_one_per_block", x)
    for lbl, pos in [("nan_row_first", 0), ("nan_row_last", 255), ("nan_row_mid", 128 + 17)]:
        x = gauss((1, 256))
        x[0, pos] = np.nan
        add(lbl, x)
    x = gauss((1, 512))
    x[0, 16:32] = np.nan
    x[0, 256 + 64:256 + 96] = fbits(0xffc00000)
    add("nan_runs", x)
    x = np.full((1, 256), np.nan)
    add("all_nan", x)
    x = gauss((2, 256))
    for b in range(16):
        x.reshape(-1)[32 * b + (b * 5) % 32] = np.inf if b % 2 else -np.inf
    add("inf_one_per_block", x)
    x = gauss((1, 256))
    x[0, 0] = np.inf
    x[0, 1] = np.nan
    x[0, 40] = -np.inf
    x[0, 41] = np.inf
    x[0, 200] = np.nan
    x[0, 201] = -np.inf
    add("inf_nan_mixed", x)
    x = np.zeros((1, 256))
    x[0, 5] = np.inf
    x[0, 70] = -np.inf
    add("inf_and_zeros", x)
    x = gauss((1, 256)) * 1e-3
    x[0, 255] = np.inf
    add("inf_row_last", x)

    # --- the bulk LLM-like matrix
    add("llm_matrix", outliers(gauss((4, 512), 0.02), 10, 0.3))

    # --- narrow tensors: only for the types whose block size divides n_per_row
    add("narrow_gauss_32", gauss((4, 32)))
    v = np.stack([ties_block(32, 127, -127, 126, -3), ties_block(32, 8, -8, 7, 2),
                  ties_block(32, 16, -16, 15, 0), ties_min(32, 15, -1)])
    add("narrow_ties_32", v)
    x = gauss((2, 32))
    x[0, 0] = np.nan
    x[1, 31] = np.inf
    add("narrow_nonfinite_32", x)
    add("narrow_tiny_32", np.stack([rng.uniform(-1, 1, 32) * 1e-39, rng.uniform(-1, 1, 32) * 1e-20]))
    add("narrow_huge_32", rng.uniform(-1, 1, (1, 32)) * 3e38)
    add("narrow_zero_32", np.stack([np.zeros(32), np.full(32, -0.0)]))
    add("narrow_gauss_64", outliers(gauss((2, 64), 0.05), 2, 1.0))
    add("narrow_fp4_ties_64", dict(ts)["ties_fp4"].reshape(4, 64)[:2])
    add("narrow_gauss_96", gauss((2, 96)))
    x = gauss((1, 96)) * (2.0 ** rng.integers(-6, 6, (1, 3))).repeat(32, axis=1)
    x[0, 50] = 0.0
    add("narrow_mixed_96", x)
    add("narrow_gauss_128", gauss((2, 128)))

    out = []
    for i, (label, x) in enumerate(ts):
        x = np.ascontiguousarray(x, dtype=np.float32)
        out.append((i, label, x))
    return out


def make_imatrices(widths):
    rng = np.random.default_rng(0x696D6174)
    out = []
    for k, w in enumerate(sorted(widths)):
        v = np.exp(rng.standard_normal(w) * 1.5) * 0.05
        v[rng.random(w) < 0.05] = 0.0
        if w >= 64:
            o = int(rng.integers(0, w // 8)) * 8
            v[o:o + 8] = 0.0
        hot = rng.choice(w, max(1, w // 64), replace=False)
        v[hot] *= 50.0
        out.append((f"im{w}", w, v.astype(np.float32)))
    return out


# ----------------------------------------------------------------------------------------------
# running ggml in forked children


def run_isolated(jobs, work):
    """work(job) -> bytes.  Runs the jobs in order in forked children; returns (results, errors)
    where results[i] is bytes or None and errors maps index -> description of how the child died."""
    results = [None] * len(jobs)
    errors = {}
    start = 0
    while start < len(jobs):
        r, w = os.pipe()
        errf = tempfile.TemporaryFile()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(r)
                os.dup2(errf.fileno(), 1)
                os.dup2(errf.fileno(), 2)
                for i in range(start, len(jobs)):
                    out = work(jobs[i])
                    msg = struct.pack("<II", i, len(out)) + out
                    mv = memoryview(msg)
                    while mv:
                        n = os.write(w, mv)
                        mv = mv[n:]
            except BaseException as e:  # noqa: BLE001
                os.write(2, f"python exception {e!r}\n".encode())
                os._exit(3)
            os._exit(0)
        os.close(w)
        chunks = []
        while True:
            b = os.read(r, 1 << 20)
            if not b:
                break
            chunks.append(b)
        os.close(r)
        _, status = os.waitpid(pid, 0)
        data = b"".join(chunks)
        off = 0
        last = start - 1
        while off + 8 <= len(data):
            i, n = struct.unpack_from("<II", data, off)
            if off + 8 + n > len(data):
                break
            results[i] = data[off + 8:off + 8 + n]
            last = i
            off += 8 + n
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 and last == len(jobs) - 1:
            errf.close()
            break
        errf.seek(0)
        tail = errf.read().decode(errors="replace").strip().splitlines()
        errf.close()
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"
        msg = tail[-1] if tail else ""
        if "GGML_ASSERT" in " ".join(tail) or "error" in " ".join(tail):
            msg = next((t for t in tail if "GGML_ASSERT" in t or "error" in t), msg)
        msg = msg.strip()
        if "/ggml/src/" in msg:  # drop the build directory from ggml's "file:line: message"
            msg = msg[msg.index("/ggml/src/") + len("/ggml/src/"):]
        errors[last + 1] = f"{how}: {msg}"
        start = last + 2
    return results, errors


def ptr(a):
    return ctypes.c_void_p(a.ctypes.data) if a is not None else None


def quantize_once(t, kind, x, im, fill):
    nrows, n = x.shape
    nbytes = nrows * (n // t.blck) * t.size
    dst = np.full(nbytes, fill, dtype=np.uint8)
    if kind == "chunk":
        r = lib.ggml_quantize_chunk(t.id, ptr(x), ptr(dst), 0, nrows, n, ptr(im))
        assert r == nbytes
    else:
        t.ref(ptr(x), ptr(dst), nrows * n)
    return dst.tobytes()


def dequantize_once(t, data, fill):
    nblocks = len(data) // t.size
    k = nblocks * t.blck
    src = np.frombuffer(data, dtype=np.uint8).copy()
    y = np.full(k, fill, dtype=np.uint32)
    t.deq(ptr(src), ptr(y), k)
    return y.tobytes()


NONDET = b"\x00NONDETERMINISTIC"
UNWRITTEN = b"\x00UNWRITTEN"


def q_work(job):
    """Two calls with dst pre-filled 0x00 and 0xA5.  Equal: the output.  Different only in bytes that
    kept the pre-fill in both calls (ggml did not write them): UNWRITTEN + the 0x00-prefilled output
    + the list of unwritten byte offsets.  Otherwise NONDET."""
    t, kind, x, im = job
    a = quantize_once(t, kind, x, im, 0x00)
    b = quantize_once(t, kind, x, im, 0xA5)
    c = in_fresh_thread(lambda: quantize_once(t, kind, x, im, 0x00))
    if a != c:
        return NONDET  # depends on stack contents (uninitialised locals)
    if a == b:
        return a
    av = np.frombuffer(a, np.uint8)
    bv = np.frombuffer(b, np.uint8)
    diff = np.nonzero(av != bv)[0]
    if np.all(av[diff] == 0x00) and np.all(bv[diff] == 0xA5):
        return UNWRITTEN + struct.pack("<I", len(a)) + a + diff.astype(np.uint32).tobytes()
    return NONDET


def d_work(job):
    t, data = job
    a = dequantize_once(t, data, 0x00000000)
    b = dequantize_once(t, data, 0xFFFFFFFF)
    c = in_fresh_thread(lambda: dequantize_once(t, data, 0x00000000))
    return a if a == b == c else NONDET


def in_fresh_thread(f):
    """Run f in a new thread: its C stack is fresh (zero) memory, unlike the main thread's, so a
    result that differs from the main-thread call reveals reads of uninitialised stack memory."""
    out = []
    th = threading.Thread(target=lambda: out.append(f()))
    th.start()
    th.join()
    return out[0]


# ----------------------------------------------------------------------------------------------
# helpers

FNV_OFF = 0xcbf29ce484222325
FNV_PRIME = 0x100000001b3
M64 = (1 << 64) - 1


def fnv1a(b):
    h = FNV_OFF
    for c in b:
        h = ((h ^ c) * FNV_PRIME) & M64
    return f"{h:016x}"


def f32hex(a):
    return "".join(f"{v:08x}" for v in np.asarray(a, dtype=np.float32).view(np.uint32).reshape(-1))


def f32hex_bytes(b):
    return f32hex(np.frombuffer(b, dtype=np.float32))


def random_blocks(t, nblocks, rng):
    bs = t.size
    raw = bytearray(rng.integers(0, 256, nblocks * bs, dtype=np.uint8).tobytes())
    for b in range(nblocks):
        for off, kind in SCALE_FIELDS.get(t.name, []):
            o = b * bs + off
            mode = rng.integers(0, 4)
            if kind == "f16" or kind == "iq1m":
                if mode <= 1:
                    h = F16_SPECIAL[int(rng.integers(0, len(F16_SPECIAL)))]
                elif mode == 2:  # ordinary magnitudes, either sign
                    h = int(rng.integers(0x2000, 0x5000)) | (0x8000 if rng.integers(0, 2) else 0)
                else:
                    h = int(rng.integers(0, 0x10000))
                if kind == "f16":
                    raw[o:o + 2] = struct.pack("<H", h)
                else:  # iq1_m: f16 bits in the top nibble of the 4 u16 scale words (bytes 48..55)
                    for w in range(4):
                        old = struct.unpack_from("<H", raw, o + 2 * w)[0]
                        struct.pack_into("<H", raw, o + 2 * w, (old & 0x0FFF) | (((h >> (4 * w)) & 0xF) << 12))
            elif kind == "f32":
                if mode <= 1:
                    u = F32_SPECIAL[int(rng.integers(0, len(F32_SPECIAL)))]
                elif mode == 2:
                    u = int(np.array([rng.uniform(-1, 1) * 2.0 ** rng.integers(-20, 5)],
                                     dtype=np.float32).view(np.uint32)[0])
                else:
                    u = int(rng.integers(0, 1 << 32, dtype=np.uint64))
                raw[o:o + 4] = struct.pack("<I", u)
            else:  # e8m0 / ue4m3 byte
                if mode <= 1:
                    raw[o] = BYTE_SPECIAL[int(rng.integers(0, len(BYTE_SPECIAL)))]
                elif mode == 2:
                    raw[o] = int(rng.integers(100, 140)) if kind == "e8m0" else int(rng.integers(0x20, 0x60))
    return bytes(raw)


# ----------------------------------------------------------------------------------------------
# main


def main():
    os.makedirs(OUT, exist_ok=True)
    types = load_types()
    by_name = {t.name: t for t in types}
    for name, nb in BLOCK_BYTES.items():
        assert by_name[name].size == nb, (name, by_name[name].size, nb)
    for name in ("iq2_xxs", "iq2_xs", "iq2_s", "iq1_s", "iq1_m", "iq3_xxs", "iq3_s"):
        lib.ggml_quantize_init(by_name[name].id)  # in the parent, so every child inherits the tables

    # types.txt
    with open(os.path.join(OUT, "types.txt"), "w") as f:
        header(f, "ggml type table (ggml_type_name / ggml_blck_size / ggml_type_size / "
                  "ggml_quantize_requires_imatrix / ggml_get_type_traits)",
               "id name blck_size type_size is_quantized requires_imatrix has_to_float has_from_float_ref",
               [f"GGML_TYPE_COUNT = {ggml_type_count()}; ids whose type_name is NULL or DEPRECATED are omitted"])
        for t in types:
            f.write(f"{t.id} {t.name} {t.blck} {t.size} {int(t.is_quantized)} {int(t.requires_imatrix)} "
                    f"{int(t.has_to_float)} {int(t.has_from_float_ref)}\n")

    inputs = make_inputs()
    widths = sorted({x.shape[1] for _, _, x in inputs})
    imats = make_imatrices(widths)
    im_by_w = {w: (iid, v) for iid, w, v in imats}
    n_floats = sum(x.size for _, _, x in inputs)

    with open(os.path.join(OUT, "inputs.txt"), "w") as f:
        header(f, f"shared f32 input tensors ({len(inputs)} tensors, {n_floats} floats)",
               "tensor_id label n_per_row nrows F32HEX(row-major)",
               ["F32HEX: 8 hex digits of each value's u32 bit pattern, most significant first, concatenated",
                "labels narrow_*: n_per_row is not a multiple of 256; only for types whose block size divides it"])
        for i, label, x in inputs:
            f.write(f"{i} {label} {x.shape[1]} {x.shape[0]} {f32hex(x)}\n")
    with open(os.path.join(OUT, "imatrix.txt"), "w") as f:
        header(f, "importance-matrix vectors (one per n_per_row, applied to every row)",
               "imatrix_id n_per_row F32HEX")
        for iid, w, v in imats:
            f.write(f"{iid} {w} {f32hex(v)}\n")

    # ------------------------------------------------------------------ quantize
    def fits(t, x):
        return x.shape[1] % t.blck == 0

    qtypes = [by_name[n] for n in CHUNK_TYPES if n in by_name] + [by_name[n] for n in REF_ONLY_TYPES]
    jobs, keys = [], []
    for t in qtypes:
        for i, label, x in inputs:
            if not fits(t, x):
                continue
            im = im_by_w[x.shape[1]]
            if t.name in CHUNK_TYPES:
                if not t.requires_imatrix:
                    jobs.append((t, "chunk", x, None))
                    keys.append((t.name, "chunk", i, "-"))
                jobs.append((t, "chunk", x, im[1]))
                keys.append((t.name, "chunk", i, im[0]))
            if t.ref is not None:
                jobs.append((t, "ref", x, None))
                keys.append((t.name, "ref", i, "-"))
    print(f"quantize: {len(jobs)} calls", file=sys.stderr)
    res, errs = run_isolated(jobs, q_work)
    got = {}
    aborts, nondet, unwritten = [], [], []
    for j, k in enumerate(keys):
        if j in errs:
            aborts.append((k, errs[j]))
        elif res[j] == NONDET:
            nondet.append(k)
        elif res[j].startswith(UNWRITTEN):
            r = res[j][len(UNWRITTEN):]
            n = struct.unpack_from("<I", r)[0]
            got[k] = r[4:4 + n]
            unwritten.append((k, np.frombuffer(r[4 + n:], np.uint32)))
        else:
            got[k] = res[j]

    labels = {i: label for i, label, _ in inputs}
    notes = []
    records = []
    ignores_im, uses_im, ref_same, ref_diff = [], [], [], []
    for t in qtypes:
        tk = [k for k in got if k[0] == t.name]
        chunk0 = {k[2]: got[k] for k in tk if k[1] == "chunk" and k[3] == "-"}
        chunki = {k[2]: got[k] for k in tk if k[1] == "chunk" and k[3] != "-"}
        refs = {k[2]: got[k] for k in tk if k[1] == "ref"}
        if t.name in CHUNK_TYPES and not t.requires_imatrix:
            same = [i for i in chunki if i in chunk0 and chunki[i] == chunk0[i]]
            if len(same) == len(chunki) and chunki:
                ignores_im.append(t.name)
            else:
                uses_im.append(t.name)
        elif t.requires_imatrix:
            uses_im.append(t.name)
        if refs and t.name in CHUNK_TYPES:
            if all(i in chunk0 and refs[i] == chunk0[i] for i in refs) and len(refs) == len(chunk0):
                ref_same.append(t.name)
            else:
                ref_diff.append(t.name)
        for k in sorted(tk, key=lambda k: (k[1] == "ref", k[3] != "-", k[2])):
            if k[1] == "chunk" and k[3] != "-" and t.name in ignores_im:
                continue
            if k[1] == "ref" and t.name in ref_same:
                continue
            records.append(k)

    qextra = [
        "BYTEHEX: raw block bytes in memory order; imatrix_id '-' = NULL",
        "types whose chunk output ignores the imatrix (checked on every tensor, imatrix records omitted): "
        + " ".join(ignores_im),
        "types whose output depends on the imatrix (imatrix records written): " + " ".join(uses_im),
        "types whose quantize_row_<type>_ref(whole tensor) == chunk(NULL) on every tensor (ref records omitted): "
        + " ".join(ref_same),
        "types whose _ref differs from chunk(NULL) on some tensor (ref records written): " + " ".join(ref_diff),
        "types with only a _ref quantizer (no ggml_quantize_chunk case): " + " ".join(REF_ONLY_TYPES),
        "types that require an imatrix (chunk(NULL) not attempted): "
        + " ".join(t.name for t in qtypes if t.requires_imatrix),
    ]
    for k, e in aborts:
        qextra.append(f"ABORTED (no record): {k[0]} {k[1]} tensor {k[2]} ({labels[k[2]]}) imatrix {k[3]}: {e}")
    for k in nondet:
        qextra.append(f"NON-DETERMINISTIC (no record): {k[0]} {k[1]} tensor {k[2]} ({labels[k[2]]}) imatrix {k[3]}")
    for k, offs in unwritten:
        bs = by_name[k[0]].size
        spans = []
        for o in offs.tolist():
            if spans and spans[-1][1] == o:
                spans[-1][1] = o + 1
            else:
                spans.append([o, o + 1])
        where = ", ".join(f"block {a // bs} bytes [{a % bs},{a % bs + (b - a)})" for a, b in spans)
        qextra.append(f"UNWRITTEN BYTES (record written with dst pre-filled 00; ggml leaves these bytes as the "
                      f"caller's buffer had them): {k[0]} {k[1]} tensor {k[2]} ({labels[k[2]]}) imatrix {k[3]}: {where}")
    if not nondet:
        qextra.append("non-determinism: none found (every call made three times: dst 0x00, dst 0xA5, fresh thread)")
    with open(os.path.join(OUT, "quantize.txt"), "w") as f:
        header(f, "ggml quantizer outputs", "type fn tensor_id imatrix_id BYTEHEX", qextra)
        for k in records:
            f.write(f"{k[0]} {k[1]} {k[2]} {k[3]} {got[k].hex()}\n")

    # ------------------------------------------------------------------ dequantize
    rng = np.random.default_rng(0x64657175)
    dtypes = [t for t in types if t.deq is not None and t.is_quantized or t.name == "q8_K"]
    dtypes = [t for t in dtypes if t.deq is not None]
    djobs, dkeys = [], []
    for t in dtypes:
        counts = [4, 8, 16, 4, 8, 4] if t.blck >= 256 else [16, 8, 4, 16, 8, 16]
        for r, nb in enumerate(counts):
            data = random_blocks(t, nb, rng)
            djobs.append((t, data))
            dkeys.append((t.name, f"rand:{r}", data))
    for k in records:
        t = by_name[k[0]]
        if t.deq is None:
            continue
        djobs.append((t, got[k]))
        dkeys.append((t.name, f"q:{k[1]}:{k[2]}:{k[3]}", None))
    print(f"dequantize: {len(djobs)} calls", file=sys.stderr)
    dres, derrs = run_isolated(djobs, d_work)
    dextra = [
        "input: BYTEHEX of the random blocks, or '=' = the bytes of quantize.txt record <type> <fn> <tensor> <imatrix>",
        "fnv_total / fnv_per_256: 64-bit FNV-1a (offset 0xcbf29ce484222325, prime 0x100000001b3) of the "
        "little-endian bytes of the f32 output (whole / each 256-element chunk, comma-separated)",
        "head: F32HEX of the first min(2 blocks, all) output values (rand records); '-' for q records",
        "random scale fields include NaN (quiet and signalling), +-inf, subnormals, +-0, negatives",
        "types without a dequantizer: " + " ".join(t.name for t in qtypes if t.deq is None),
    ]
    dlines = []
    for j, (name, src, data) in enumerate(dkeys):
        t = by_name[name]
        if j in derrs:
            dextra.append(f"ABORTED (no record): {name} {src}: {derrs[j]}")
            continue
        if dres[j] == NONDET:
            dextra.append(f"NON-DETERMINISTIC (no record): {name} {src}")
            continue
        out = dres[j]
        nb = len(djobs[j][1]) // t.size
        per = ",".join(fnv1a(out[o:o + 1024]) for o in range(0, len(out), 1024))
        head = f32hex_bytes(out[:min(len(out), 2 * t.blck * 4)]) if data is not None else "-"
        inp = data.hex() if data is not None else "="
        dlines.append(f"{name} {src} {nb} {inp} {fnv1a(out)} {per} {head}\n")
    with open(os.path.join(OUT, "dequantize.txt"), "w") as f:
        header(f, "ggml dequantizer outputs", "type source nblocks input fnv_total fnv_per_256 head", dextra)
        f.writelines(dlines)

    total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
    print(f"wrote {OUT}: {total} bytes; {len(records)} quantize records, {len(dlines)} dequantize records, "
          f"{len(aborts)} aborts, {len(nondet)} non-deterministic", file=sys.stderr)


if __name__ == "__main__":
    main()
