#!/usr/bin/env python3
"""GGUF files against the `gguf` PyPI package (gguf-py, pinned in
scripts/requirements-gguf-file.txt), both ways.

    python3 -m venv .refenv-gguf-file
    .refenv-gguf-file/bin/pip install -r scripts/requirements-gguf-file.txt

    # (a) gguf-py writes: tests/vectors/gguf_files/*.gguf with GGUFWriter, and
    #     tests/vectors/gguf_files/gguf_py_read.json: what GGUFReader reads from them
    #     (tests/gguf_file.rs checks the crate's reader against it).
    .refenv-gguf-file/bin/python scripts/gguf_files.py write

    # (b) lowbit writes, gguf-py reads: the example writes files and expected.json (what it
    #     meant to write) into DIR; GGUFReader reads the files and everything is compared.
    cargo run --release --example gguf_files -- DIR
    .refenv-gguf-file/bin/python scripts/gguf_files.py check DIR

    # (c) optional, ggml's own reader (gguf_init_from_file in the libggml-base.so that
    #     llama-cpp-python builds, see scripts/requirements-ggml.txt; GGML_BASE_LIB=path
    #     overrides where it is looked for) reads the same files:
    .refenv-ggml/bin/python scripts/gguf_files.py ggml DIR
    # (d) optional, llama.cpp (llama-cpp-python's Llama) loads the tiny llama the example
    #     writes and its logits match a numpy forward pass over the crate's dequantized weights:
    .refenv-ggml/bin/python scripts/gguf_files.py llama DIR

Encoding in the JSON files: floats as the hex of their little-endian bytes (FLOAT32 8 hex
digits, FLOAT64 16), so that NaN, inf and -0 survive; integers, booleans and strings as JSON
values. Metadata `types` is gguf-py's `ReaderField.types`: the value type, then for arrays the
element type of the first element, recursively (["ARRAY", "ARRAY", "INT32"]); `contents` is
`ReaderField.contents()`, which flattens nested arrays to their leaves. Tensor `shape` is
gguf-py's `ReaderTensor.shape`, the dimensions in GGUF order (ne[0], the row length, first);
`np_shape` is `data.shape`, reversed (numpy order), and for block types counts bytes in the
last dimension.
"""

import glob
import importlib.util
import json
import os
import struct
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V, GGUFReader, GGUFWriter

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "tests", "vectors", "gguf_files")
rng = np.random.default_rng(20260112)


# ---------------------------------------------------------------------------------------------
# encoding of values in the JSON files

def enc_scalar(v, t):
    if t == V.FLOAT32:
        return struct.pack("<f", v).hex()
    if t == V.FLOAT64:
        return struct.pack("<d", v).hex()
    if t == V.BOOL:
        return bool(v)
    if t == V.STRING:
        return v
    return int(v)


def describe_field(f):
    types = [t.name for t in f.types]
    leaf = f.types[-1]
    c = f.contents()
    if f.types[0] == V.ARRAY:
        contents = [enc_scalar(v, leaf) for v in c] if leaf != V.ARRAY else []
    else:
        contents = enc_scalar(c, f.types[0])
    return {"key": f.name, "types": types, "contents": contents}


def describe_file(path):
    r = GGUFReader(path)
    fields = [describe_field(f) for k, f in r.fields.items() if not k.startswith("GGUF.")]
    tensors = []
    for t in r.tensors:
        d = {
            "name": t.name,
            "type": int(t.tensor_type),
            "type_name": t.tensor_type.name,
            "shape": [int(x) for x in t.shape],
            "np_shape": [int(x) for x in t.data.shape],
            "n_elements": int(t.n_elements),
            "n_bytes": int(t.n_bytes),
            "data_offset": int(t.data_offset),
            "data": t.data.tobytes().hex(),
        }
        deq = dequantized(t)
        if deq is not None:
            d["dequantized"] = deq
        tensors.append(d)
    return {
        "file": os.path.basename(path),
        "size": os.path.getsize(path),
        "version": int(r.fields["GGUF.version"].contents()),
        "alignment": int(r.alignment),
        "data_offset": int(r.data_offset),
        "fields": fields,
        "tensors": tensors,
    }


# Types gguf-py dequantizes (its numpy dequantizers).
DEQUANTIZABLE = [T.F32, T.F16, T.BF16, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0, T.Q2_K, T.Q3_K,
                 T.Q4_K, T.Q5_K, T.Q6_K, T.TQ1_0, T.TQ2_0, T.MXFP4, T.NVFP4, T.IQ2_XXS, T.IQ2_XS,
                 T.IQ2_S, T.IQ3_XXS, T.IQ3_S, T.IQ1_S, T.IQ1_M, T.IQ4_NL, T.IQ4_XS]


def dequantized(t):
    """gguf-py's dequantization of a tensor, as hex f32 bits, or None."""
    if t.tensor_type not in DEQUANTIZABLE:
        return None
    raw = np.frombuffer(t.data.tobytes(), dtype=np.uint8)
    if t.tensor_type in (T.F32, T.F16):
        y = gguf.quants.dequantize(raw, t.tensor_type)
    else:
        y = gguf.quants.dequantize(raw.reshape(1, -1), t.tensor_type)
    return np.ascontiguousarray(y, dtype=np.float32).reshape(-1).tobytes().hex()


# ---------------------------------------------------------------------------------------------
# (a) fixtures written by gguf-py

def f16(x):
    return np.float16(x).tobytes()


def raw_blocks(t, n_blocks):
    """Random bytes for `n_blocks` blocks of type `t`, with finite, moderate f16 scales."""
    bs, ts = gguf.constants.GGML_QUANT_SIZES[t]
    b = bytearray(rng.integers(0, 256, n_blocks * ts, dtype=np.uint8).tobytes())
    # where the f16 scales sit (ggml-common.h)
    scales = {T.Q2_K: [80, 82], T.Q3_K: [108], T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
              T.IQ4_NL: [0], T.IQ4_XS: [0], T.IQ2_XXS: [0], T.IQ3_S: [0], T.IQ2_S: [0]}
    for i in range(n_blocks):
        for off in scales.get(t, []):
            b[i * ts + off:i * ts + off + 2] = f16(rng.uniform(0.001, 0.05))
    return np.frombuffer(bytes(b), dtype=np.uint8)


def quantized(x, t):
    """gguf-py's quantizer output: uint8 with the byte shape, for add_tensor(raw_dtype=t)."""
    return gguf.quants.quantize(x.astype(np.float32), t)


def write_metadata(path):
    w = GGUFWriter(path, "lowbit-test")
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 65535)
    w.add_int16("test.i16", -32768)
    w.add_uint32("test.u32", 4_000_000_000)
    w.add_int32("test.i32", -2_147_483_648)
    w.add_float32("test.f32", 0.1)
    w.add_float32("test.f32_inf", float("-inf"))
    w.add_float32("test.f32_nan", float("nan"))
    w.add_uint64("test.u64", 2**64 - 1)
    w.add_int64("test.i64", -2**63)
    w.add_float64("test.f64", 1e300)
    w.add_float64("test.f64_neg_zero", -0.0)
    w.add_bool("test.true", True)
    w.add_bool("test.false", False)
    w.add_string("test.string", "héllo wörld ✓ 😀")
    w.add_key_value("test.empty_string", "", V.STRING)  # add_string skips empty strings
    for name, t, vals in [
        ("u8", V.UINT8, [0, 1, 255]), ("i8", V.INT8, [-128, 0, 127]),
        ("u16", V.UINT16, [0, 65535]), ("i16", V.INT16, [-32768, 32767]),
        ("u32", V.UINT32, [0, 4294967295]), ("i32", V.INT32, [-2147483648, 2147483647]),
        ("f32", V.FLOAT32, [0.5, -0.0, float("inf"), 1e-45]), ("bool", V.BOOL, [True, False, True]),
        ("u64", V.UINT64, [0, 2**64 - 1]), ("i64", V.INT64, [-2**63, 2**63 - 1]),
        ("f64", V.FLOAT64, [0.1, -1e-300]), ("string", V.STRING, ["a", "", "ß∂ƒ", "tab\tnl\n"]),
    ]:
        w.add_key_value(f"test.array.{name}", vals, V.ARRAY, sub_type=t)
    w.add_array("test.array.python_ints", [1, 2, 3])  # gguf-py's own choice: INT32
    w.add_key_value("test.nested.int", [[1, 2, 3], [4], [5, 6]], V.ARRAY)
    w.add_key_value("test.nested.string", [["a", "b"], ["c"]], V.ARRAY)
    w.add_key_value("test.nested.depth3", [[[1], [2, 3]], [[4]]], V.ARRAY)
    w.add_token_list(["<unk>", "<s>", "</s>", "▁the", "▁a"])
    w.add_token_scores([0.0, 0.0, 0.0, -1.5, -2.25])
    w.add_token_types([2, 3, 3, 1, 1])
    w.add_tensor("tiny", np.array([1.0, -2.0, 3.5, 0.0], dtype=np.float32))
    finish(w)


def write_tensors(path):
    w = GGUFWriter(path, "lowbit-test")
    w.add_name("tensor types")
    x = lambda *shape: rng.standard_normal(shape).astype(np.float32)  # noqa: E731
    w.add_tensor("f32", x(3, 8))                      # ne = [8, 3]
    w.add_tensor("f16", x(2, 16).astype(np.float16))
    w.add_tensor("f32_3d", x(2, 3, 4))                # ne = [4, 3, 2]
    for t, shape in [(T.BF16, (2, 8)), (T.Q8_0, (2, 64)), (T.Q4_0, (3, 32)), (T.Q4_1, (2, 32)),
                     (T.Q5_0, (2, 32)), (T.Q5_1, (2, 32)), (T.MXFP4, (1, 64)),
                     (T.TQ1_0, (1, 256)), (T.TQ2_0, (1, 256)), (T.Q8_0, (2, 2, 1, 32))]:
        name = t.name.lower() + ("_4d" if len(shape) == 4 else "")
        w.add_tensor(name, quantized(x(*shape), t), raw_dtype=t)
    for t, rows, cols in [(T.Q2_K, 1, 256), (T.Q3_K, 1, 256), (T.Q4_K, 2, 256), (T.Q5_K, 1, 256),
                          (T.Q6_K, 1, 256), (T.IQ4_NL, 2, 32), (T.IQ4_XS, 1, 256),
                          (T.NVFP4, 2, 64), (T.IQ2_XXS, 1, 256)]:
        bs, ts = gguf.constants.GGML_QUANT_SIZES[t]
        b = raw_blocks(t, rows * cols // bs).reshape(rows, cols // bs * ts)
        w.add_tensor(t.name.lower(), b, raw_dtype=t)
    w.add_tensor("i8", np.array([-128, -1, 0, 1, 127], dtype=np.int8))
    w.add_tensor("i16", np.array([-32768, 7, 32767], dtype=np.int16))
    w.add_tensor("i32", np.arange(-4, 4, dtype=np.int32).reshape(2, 4))
    w.add_tensor("i64", np.array([-2**63, 2**63 - 1], dtype=np.int64))
    w.add_tensor("f64", np.array([0.1, -0.0, 1e300], dtype=np.float64))
    finish(w)


def write_aligned(path, alignment):
    w = GGUFWriter(path, "lowbit-test")
    w.add_custom_alignment(alignment)
    w.add_uint32("test.alignment_was_set", alignment)
    w.add_tensor("a", quantized(rng.standard_normal((1, 32)), T.Q8_0), raw_dtype=T.Q8_0)  # 34 bytes
    w.add_tensor("b", quantized(rng.standard_normal((3, 32)), T.Q4_0), raw_dtype=T.Q4_0)  # 54 bytes
    w.add_tensor("c", rng.standard_normal(5).astype(np.float32))                        # 20 bytes
    finish(w)


def finish(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def cmd_write():
    os.makedirs(FIXTURES, exist_ok=True)
    files = {
        "metadata.gguf": write_metadata,
        "tensors.gguf": write_tensors,
        "aligned64.gguf": lambda p: write_aligned(p, 64),
        "aligned1.gguf": lambda p: write_aligned(p, 1),
    }
    out = []
    for name, fn in files.items():
        path = os.path.join(FIXTURES, name)
        fn(path)
        out.append(describe_file(path))
        print(f"{name}: {os.path.getsize(path)} bytes, {len(out[-1]['tensors'])} tensors, "
              f"{len(out[-1]['fields'])} metadata pairs")
    doc = {
        "generator": "scripts/gguf_files.py write",
        "gguf": gguf.__version__ if hasattr(gguf, "__version__") else pkg_version("gguf"),
        "numpy": np.__version__,
        "files": out,
    }
    with open(os.path.join(FIXTURES, "gguf_py_read.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")


def pkg_version(name):
    from importlib.metadata import version
    return version(name)


# ---------------------------------------------------------------------------------------------
# (b) files written by lowbit, read by gguf-py

class Checker:
    def __init__(self):
        self.fails = []
        self.counts = {}

    def eq(self, what, got, want):
        self.counts["checks"] = self.counts.get("checks", 0) + 1
        if got != want:
            self.fails.append(f"{what}: gguf-py read {got!r}, lowbit wrote {want!r}")

    def count(self, what, n=1):
        self.counts[what] = self.counts.get(what, 0) + n


def cmd_check(d):
    with open(os.path.join(d, "expected.json")) as f:
        expected = json.load(f)
    c = Checker()
    for fe in expected["files"]:
        path = os.path.join(d, fe["file"])
        if fe.get("gguf_py_refuses"):
            try:
                GGUFReader(path)
                c.fails.append(f"{fe['file']}: gguf-py read a file it was expected to refuse")
            except Exception as e:  # noqa: BLE001
                print(f"{fe['file']}: refused by gguf-py as expected ({type(e).__name__}: {e})")
                c.count("files refused as expected")
            continue
        got = describe_file(path)
        c.count("files")
        c.eq(f"{fe['file']} alignment", got["alignment"], fe["alignment"])
        c.eq(f"{fe['file']} data_offset", got["data_offset"], fe["data_offset"])
        c.eq(f"{fe['file']} version", got["version"], 3)
        c.eq(f"{fe['file']} keys", [f["key"] for f in got["fields"]], [f["key"] for f in fe["fields"]])
        for g, w in zip(got["fields"], fe["fields"]):
            c.eq(f"{fe['file']} {w['key']} types", g["types"], w["types"])
            c.eq(f"{fe['file']} {w['key']} contents", g["contents"], w["contents"])
            c.count("metadata pairs")
        c.eq(f"{fe['file']} tensor names", [t["name"] for t in got["tensors"]],
             [t["name"] for t in fe["tensors"]])
        for g, w in zip(got["tensors"], fe["tensors"]):
            n = f"{fe['file']} tensor {w['name']}"
            c.eq(f"{n} type", g["type"], w["type"])
            c.eq(f"{n} shape", g["shape"], w["dims"])
            c.eq(f"{n} numpy shape", g["np_shape"][:-1], list(reversed(w["dims"]))[:-1])
            c.eq(f"{n} data offset", g["data_offset"], w["file_offset"])
            c.count("tensors")
            if w["type"] == T.Q8_1:
                # gguf-py 0.19.0's GGML_QUANT_SIZES has Q8_1 as 40 bytes per 32 (f32 d and s, an
                # old ggml layout); ggml's block_q8_1 is 36 (ggml_half2 ds). Assert exactly that.
                nb = len(w["data"]) // 2 // 36
                c.eq(f"{n} n_bytes (gguf-py's 40-byte Q8_1 blocks)", g["n_bytes"], nb * 40)
                c.eq(f"{n} bytes (the first {nb * 36})", g["data"][:len(w["data"])], w["data"])
                c.count("Q8_1 tensors read with gguf-py's 40-byte blocks, as expected")
                continue
            c.eq(f"{n} n_bytes", g["n_bytes"], len(w["data"]) // 2)
            c.eq(f"{n} bytes", g["data"], w["data"])
            if "dequantized" in g and w.get("dequantized") is not None:
                a = np.frombuffer(bytes.fromhex(g["dequantized"]), dtype=np.uint32)
                b = np.frombuffer(bytes.fromhex(w["dequantized"]), dtype=np.uint32)
                same = a == b
                nan = np.isnan(a.view(np.float32)) & np.isnan(b.view(np.float32))
                if a.shape != b.shape:
                    c.fails.append(f"{n}: dequantized lengths {a.shape} vs {b.shape}")
                elif not np.all(same | nan):
                    bad = int(np.sum(~(same | nan)))
                    i = int(np.argmax(~(same | nan)))
                    c.fails.append(f"{n} ({T(w['type']).name}): gguf-py dequantizes {bad} of {a.size} "
                                   f"elements differently, first [{i}]: {a.view(np.float32)[i]!r} vs "
                                   f"{b.view(np.float32)[i]!r}")
                c.count("dequantized elements compared", a.size)
                c.count("dequantized tensors compared")
    for k, v in sorted(c.counts.items()):
        print(f"{k}: {v}")
    if c.fails:
        print(f"{len(c.fails)} MISMATCHES:")
        for m in c.fails:
            print("  " + m)
        sys.exit(1)
    print("gguf-py reads every file lowbit wrote as lowbit meant it: no mismatch")


# ---------------------------------------------------------------------------------------------
# (c) ggml's own reader (gguf.cpp) through ctypes

def cmd_ggml(d):
    import ctypes

    def find_lib():
        if os.environ.get("GGML_BASE_LIB"):
            return os.environ["GGML_BASE_LIB"]
        spec = importlib.util.find_spec("llama_cpp")
        if spec is None or not spec.submodule_search_locations:
            sys.exit("llama_cpp is not installed here (see scripts/requirements-ggml.txt)")
        base = list(spec.submodule_search_locations)[0]
        c = glob.glob(os.path.join(base, "**", "libggml-base.so*"), recursive=True)
        if not c:
            sys.exit("libggml-base.so not found inside the llama_cpp package")
        return c[0]

    lib = ctypes.CDLL(find_lib())

    class Params(ctypes.Structure):
        _fields_ = [("no_alloc", ctypes.c_bool), ("ctx", ctypes.POINTER(ctypes.c_void_p))]

    P, I64, SZ, C = ctypes.c_void_p, ctypes.c_int64, ctypes.c_size_t, ctypes.c_char_p
    sig = {
        "gguf_init_from_file": (P, [C, Params]), "gguf_free": (None, [P]),
        "gguf_get_version": (ctypes.c_uint32, [P]), "gguf_get_alignment": (SZ, [P]),
        "gguf_get_data_offset": (SZ, [P]), "gguf_get_n_kv": (I64, [P]),
        "gguf_get_key": (C, [P, I64]), "gguf_get_kv_type": (ctypes.c_int, [P, I64]),
        "gguf_get_arr_type": (ctypes.c_int, [P, I64]), "gguf_get_arr_n": (SZ, [P, I64]),
        "gguf_get_arr_data": (P, [P, I64]), "gguf_get_arr_str": (C, [P, I64, SZ]),
        "gguf_get_val_str": (C, [P, I64]), "gguf_get_val_data": (P, [P, I64]),
        "gguf_get_n_tensors": (I64, [P]), "gguf_get_tensor_name": (C, [P, I64]),
        "gguf_get_tensor_offset": (SZ, [P, I64]), "gguf_get_tensor_type": (ctypes.c_int, [P, I64]),
        "gguf_get_tensor_size": (SZ, [P, I64]), "ggml_get_tensor": (P, [P, C]),
        "ggml_free": (None, [P]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args

    # struct ggml_tensor (ggml.h): type (int32) @0, buffer ptr @8, ne[4] int64 @16, nb[4] @48,
    # op @80, op_params[16] int32 @84, flags @148, src[10] @152, view_src @232, view_offs @240,
    # data @248.
    class Tensor(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int32), ("buffer", P), ("ne", I64 * 4), ("nb", SZ * 4),
                    ("op", ctypes.c_int32), ("op_params", ctypes.c_int32 * 16),
                    ("flags", ctypes.c_int32), ("src", P * 10), ("view_src", P),
                    ("view_offs", SZ), ("data", P)]

    sizes = {V.UINT8: 1, V.INT8: 1, V.UINT16: 2, V.INT16: 2, V.UINT32: 4, V.INT32: 4,
             V.FLOAT32: 4, V.BOOL: 1, V.UINT64: 8, V.INT64: 8, V.FLOAT64: 8}
    fmt = {V.UINT8: "<B", V.INT8: "<b", V.UINT16: "<H", V.INT16: "<h", V.UINT32: "<I",
           V.INT32: "<i", V.FLOAT32: "<f", V.BOOL: "<?", V.UINT64: "<Q", V.INT64: "<q",
           V.FLOAT64: "<d"}

    def scalar(ptr, t):
        return struct.unpack(fmt[t], ctypes.string_at(ptr, sizes[t]))[0]

    with open(os.path.join(d, "expected.json")) as f:
        expected = json.load(f)
    c = Checker()
    for fe in expected["files"]:
        path = os.path.join(d, fe["file"]).encode()
        ctx_data = ctypes.c_void_p()
        g = lib.gguf_init_from_file(path, Params(False, ctypes.pointer(ctx_data)))
        if not g:
            if fe.get("ggml_refuses"):
                print(f"{fe['file']}: refused by ggml as expected ({fe['ggml_refuses']})")
                c.count("files refused as expected")
            else:
                c.fails.append(f"{fe['file']}: ggml's gguf_init_from_file refused it")
            continue
        if fe.get("ggml_refuses"):
            c.fails.append(f"{fe['file']}: ggml read a file it was expected to refuse")
        c.count("files")
        c.eq(f"{fe['file']} version", lib.gguf_get_version(g), 3)
        c.eq(f"{fe['file']} alignment", lib.gguf_get_alignment(g), fe["alignment"])
        off = lib.gguf_get_data_offset(g)
        if not fe["tensors"]:
            # gguf.cpp seeks to the padded data section only when there are tensors; without
            # any it reports the header's end. The padding is there either way.
            a = fe["alignment"]
            c.eq(f"{fe['file']} data offset (no tensors: ggml's unpadded end, rounded up)",
                 (off + a - 1) // a * a, fe["data_offset"])
        else:
            c.eq(f"{fe['file']} data offset", off, fe["data_offset"])
        n_kv = lib.gguf_get_n_kv(g)
        c.eq(f"{fe['file']} n_kv", n_kv, len(fe["fields"]))
        for i, w in zip(range(n_kv), fe["fields"]):
            key = lib.gguf_get_key(g, i).decode()
            c.eq(f"{fe['file']} key {i}", key, w["key"])
            t = V(lib.gguf_get_kv_type(g, i))
            if t == V.ARRAY:
                et = V(lib.gguf_get_arr_type(g, i))
                n = lib.gguf_get_arr_n(g, i)
                c.eq(f"{key} types", ["ARRAY", et.name][:len(w["types"])], w["types"][:2])
                if et == V.STRING:
                    vals = [lib.gguf_get_arr_str(g, i, j).decode() for j in range(n)]
                else:
                    p = lib.gguf_get_arr_data(g, i)
                    vals = [enc_scalar(scalar(p + j * sizes[et], et), et) for j in range(n)]
                c.eq(f"{key} contents", vals, w["contents"])
            elif t == V.STRING:
                c.eq(f"{key} types", ["STRING"], w["types"])
                c.eq(f"{key} contents", lib.gguf_get_val_str(g, i).decode(), w["contents"])
            else:
                c.eq(f"{key} types", [t.name], w["types"])
                c.eq(f"{key} contents", enc_scalar(scalar(lib.gguf_get_val_data(g, i), t), t),
                     w["contents"])
            c.count("metadata pairs")
        n_t = lib.gguf_get_n_tensors(g)
        c.eq(f"{fe['file']} n_tensors", n_t, len(fe["tensors"]))
        for i, w in zip(range(n_t), fe["tensors"]):
            name = lib.gguf_get_tensor_name(g, i).decode()
            c.eq(f"tensor {i} name", name, w["name"])
            c.eq(f"{name} type", lib.gguf_get_tensor_type(g, i), w["type"])
            c.eq(f"{name} offset", lib.gguf_get_tensor_offset(g, i), w["offset"])
            c.eq(f"{name} size", lib.gguf_get_tensor_size(g, i), len(w["data"]) // 2)
            tp = lib.ggml_get_tensor(ctx_data, name.encode())
            tt = Tensor.from_address(tp)
            dims = list(tt.ne)
            c.eq(f"{name} ne", dims, w["dims"] + [1] * (4 - len(w["dims"])))
            c.eq(f"{name} bytes", ctypes.string_at(tt.data, len(w["data"]) // 2).hex(), w["data"])
            c.count("tensors")
        lib.ggml_free(ctx_data)
        lib.gguf_free(g)
    for k, v in sorted(c.counts.items()):
        print(f"{k}: {v}")
    if c.fails:
        print(f"{len(c.fails)} MISMATCHES:")
        for m in c.fails:
            print("  " + m)
        sys.exit(1)
    print("ggml reads every file lowbit wrote as lowbit meant it: no mismatch")


# ---------------------------------------------------------------------------------------------
# (d) llama.cpp itself loads and runs the tiny llama the example writes

def cmd_llama(d):
    """Loads DIR/lowbit_tiny_llama.gguf with llama-cpp-python's `Llama` (llama.cpp's model
    loader checks every tensor's name, type and shape against the hyperparameters), evaluates
    the BOS token and compares the logits with a float64 numpy forward pass over this crate's
    dequantized weights (from expected.json). With one token, attention is the identity on V
    and RoPE at position 0 is the identity, so the pass is short. llama.cpp's CPU matmuls
    quantize the activations (to Q8_K / Q8_0) before the dot products, so the logits agree to
    about 1% rather than exactly; a weight read in the wrong orientation would give
    uncorrelated logits."""
    from llama_cpp import Llama

    with open(os.path.join(d, "expected.json")) as f:
        expected = json.load(f)
    fe = next(f for f in expected["files"] if f["file"] == "lowbit_tiny_llama.gguf")
    W = {}
    for t in fe["tensors"]:
        y = np.frombuffer(bytes.fromhex(t["dequantized"]), dtype=np.float32).astype(np.float64)
        W[t["name"]] = y.reshape(list(reversed(t["dims"])))  # numpy order: ne[0] last

    def rms(x, g):
        return x / np.sqrt(np.mean(x * x) + 1e-5) * g

    x = W["token_embd.weight"][1]  # the row of token 1 (BOS)
    h = x + W["blk.0.attn_output.weight"] @ (W["blk.0.attn_v.weight"] @ rms(x, W["blk.0.attn_norm.weight"]))
    b = rms(h, W["blk.0.ffn_norm.weight"])
    g, u = W["blk.0.ffn_gate.weight"] @ b, W["blk.0.ffn_up.weight"] @ b
    o = h + W["blk.0.ffn_down.weight"] @ (g / (1 + np.exp(-g)) * u)
    ref = W["output.weight"] @ rms(o, W["output_norm.weight"])

    m = Llama(model_path=os.path.join(d, "lowbit_tiny_llama.gguf"), n_ctx=64, n_threads=1,
              verbose=False, logits_all=True)
    assert m.n_vocab() == 259 and m.n_embd() == 256, (m.n_vocab(), m.n_embd())
    m.eval([1])
    got = np.array(m.scores[0], dtype=np.float64)
    diff, scale = float(np.abs(got - ref).max()), float(np.abs(ref).max())
    corr = float(np.corrcoef(got, ref)[0, 1])
    print(f"llama.cpp loaded lowbit_tiny_llama.gguf (n_vocab {m.n_vocab()}, n_embd {m.n_embd()}); "
          f"BOS logits vs the numpy pass: max |diff| {diff:.4g} (max |logit| {scale:.4g}), "
          f"correlation {corr:.6f}")
    if not (corr > 0.999 and diff < 0.05 * scale):
        sys.exit("llama.cpp's logits do not match the weights lowbit wrote")


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "write":
        cmd_write()
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        cmd_check(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "ggml":
        cmd_ggml(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "llama":
        cmd_llama(sys.argv[2])
    else:
        sys.exit(__doc__)
