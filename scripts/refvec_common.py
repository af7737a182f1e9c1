"""Helpers shared by the scripts/ref_*.py library-profile vector generators.

Not a quantizer: this only reads tests/vectors/profiles/inputs.txt, formats hex, writes record
files and checks that two runs of a library call give the same bits.
"""

import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_profile_inputs import load_inputs  # noqa: E402,F401

OUTDIR = os.path.join(HERE, "..", "tests", "vectors", "profiles")


# Every data field of a record is the base64 (RFC 4648, with padding) of its little-endian
# bytes: f32 / f16 / i32 arrays element by element, byte arrays as they are. A field "-" is
# absent; a field "=" equals the same field of the record's base (see Writer). The test side
# (tests/profile_vectors.rs) and load_records() below decode exactly this.


def f32s(a):
    """float tensor/array -> base64 of its float32 bit patterns (sign of 0 and NaN payload kept
    as stored)."""
    a = _np(a).astype(np.float32, copy=False).reshape(-1)
    return _b64(a.astype("<f4").tobytes())


def u8s(a):
    """uint8-like tensor/array (1-byte elements) -> base64 of the bytes."""
    a = _np(a)
    if a.dtype != np.uint8:
        a = a.view(np.uint8) if a.itemsize == 1 else a
    return _b64(np.ascontiguousarray(a.reshape(-1), np.uint8).tobytes())


def i32s(a):
    """int32 tensor/array -> base64 of its two's-complement little-endian words."""
    a = _np(a).astype(np.int32, copy=False).reshape(-1)
    return _b64(a.astype("<i4").tobytes())


def f16s(a):
    """float16 tensor/array -> base64 of its little-endian bit patterns."""
    a = _np(a).astype(np.float16, copy=False).reshape(-1)
    return _b64(a.astype("<f2").tobytes())


def _b64(raw):
    import base64

    return base64.b64encode(raw).decode("ascii")


def _np(t):
    try:
        import torch

        if isinstance(t, torch.Tensor):
            t = t.detach().cpu()
            if t.dtype in (torch.bfloat16,):
                return t.float().numpy()
            if t.dtype in (torch.float8_e4m3fn, torch.float8_e5m2) or str(t.dtype).startswith(
                    ("torch.float8", "torch.float4")):
                return t.view(torch.uint8).numpy()
            return t.numpy()
    except ImportError:
        pass
    return np.asarray(t)


def same_bits(a, b):
    """Bitwise equality of two nested tuples/lists of tensors/arrays/scalars/None."""
    if isinstance(a, dict):
        return isinstance(b, dict) and sorted(a) == sorted(b) and all(
            same_bits(a[k], b[k]) for k in a)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(same_bits(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is b
    if isinstance(a, (str, int, float)):
        return a == b
    x, y = _np(a), _np(b)
    if x.shape != y.shape or x.dtype != y.dtype:
        return False
    return x.tobytes() == y.tobytes()


def twice(fn):
    """Run fn() twice; -> (result, deterministic?, error-string-or-None)."""
    try:
        r1 = fn()
    except Exception as e:  # the library refused the input: record the exact error
        msg = str(e).splitlines()[0] if str(e) else ""
        if not msg:  # bare assert: name the failing line of the library
            import traceback

            fr = traceback.extract_tb(e.__traceback__)[-1]
            msg = f"{fr.line} ({os.path.basename(fr.filename)}:{fr.lineno})"
        return None, True, f"{type(e).__name__}: {msg}"
    r2 = fn()
    return r1, same_bits(r1, r2), None


class Writer:
    """Collects record lines and the non-deterministic / refused cases for one output file.

    A record line is `KEY | field | field ...`. Two ways to leave out repeated data (the reader
    restores it exactly):
      * base=FILE: a field equal to the same field of FILE's record with the same KEY is
        written "=" (header line `#! base FILE`);
      * add(line, like=KEY2): a field equal to the same field of this file's record KEY2 is
        written "=" and the key is written `KEY < KEY2`.
    """

    def __init__(self, name, header_lines, base=None):
        self.path = os.path.join(OUTDIR, name)
        self.header = list(header_lines)
        self.lines = []
        self.skipped = []
        self.base = base
        self.base_records = load_records(base, resolve=True) if base else {}
        self.mine = {}

    def add(self, line, like=None):
        key, *fields = [p.strip() for p in line.split(" | ")]
        self.mine[key] = fields
        ref = self.mine.get(like) if like else self.base_records.get(key)
        if ref is not None and len(ref) == len(fields):
            fields = ["=" if f == r and f != "-" else f for f, r in zip(fields, ref)]
            if like:
                key = f"{key} < {like}"
        self.lines.append(" | ".join([key] + fields))

    def skip(self, what, why):
        self.skipped.append(f"{what}: {why}")

    def close(self):
        os.makedirs(OUTDIR, exist_ok=True)
        with open(self.path, "w") as f:
            f.write("# data fields: base64 of little-endian bytes; '-' absent; '=' as the base "
                    "record's field\n")
            if self.base:
                f.write(f"#! base {self.base}\n")
            for h in self.header:
                f.write(f"# {h}\n" if h else "#\n")
            if self.skipped:
                f.write("# not recorded (library refused the input, or two runs differed):\n")
                for s in self.skipped:
                    f.write(f"#   {s}\n")
            for line in self.lines:
                f.write(line + "\n")
        print(f"wrote {self.path}: {len(self.lines)} records, {len(self.skipped)} skipped, "
              f"{os.path.getsize(self.path)} bytes")


def load_records(name, resolve=True):
    """-> {KEY: [field, ...]} of a record file (fields as written; with resolve, "=" replaced by
    the base record's field, still base64 text)."""
    import base64  # noqa: F401

    path = os.path.join(OUTDIR, name)
    base, recs, likes = None, {}, {}
    for line in open(path):
        if line.startswith("#! base "):
            base = line.split()[2]
        if line.startswith("#") or not line.strip():
            continue
        key, *fields = [p.strip() for p in line.rstrip("\n").split(" | ")]
        like = None
        if " < " in key:
            key, like = key.split(" < ")
        recs[key] = fields
        likes[key] = like
    if resolve:
        base_recs = load_records(base) if base else {}
        for key, fields in recs.items():
            ref = recs[likes[key]] if likes[key] else base_recs.get(key)
            if "=" in fields:
                recs[key] = [r if f == "=" else f for f, r in zip(fields, ref)]
    return recs


def decode(field, dtype):
    """A base64 field -> numpy array of `dtype` ('<f4', '<i4', '<f2', 'u1'); None for '-'."""
    import base64

    if field == "-":
        return None
    return np.frombuffer(base64.b64decode(field), dtype)


def versions(*names):
    from importlib.metadata import version

    out = []
    for n in names:
        try:
            out.append(f"{n}=={version(n)}")
        except Exception:
            out.append(f"{n}=(not installed)")
    return " ".join(out)


SCALE_CODES = [0, 1, 2, 100, 119, 120, 125, 126, 127, 128, 129, 130, 200, 250, 253, 254, 255]


def make_gptoss_blocks():
    """Synthetic gpt-oss-layout checkpoint tensors: blocks uint8 [E=1, R=len(SCALE_CODES), G=16,
    B=16] (row r, group g holds bytes (16*g + j) for j in 0..15 rotated by r, so every byte value
    appears in every row), scales uint8 [E, R, G] = SCALE_CODES[r] in group 0..7 and
    SCALE_CODES[(r + g) % R] in groups 8..15."""
    R = len(SCALE_CODES)
    blocks = np.zeros((1, R, 16, 16), np.uint8)
    scales = np.zeros((1, R, 16), np.uint8)
    for r in range(R):
        for g in range(16):
            blocks[0, r, g] = [(16 * g + j + r) % 256 for j in range(16)]
            scales[0, r, g] = SCALE_CODES[r] if g < 8 else SCALE_CODES[(r + g) % R]
    import torch

    return torch.from_numpy(blocks), torch.from_numpy(scales)
