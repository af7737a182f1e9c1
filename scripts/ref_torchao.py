#!/usr/bin/env python3
"""torchao NVFP4 and MX reference vectors, from the installed torchao's own functions (CPU, eager).

    .refenv-torch/bin/python  scripts/ref_torchao.py   -> torchao_0.18_nvfp4.txt, torchao_0.18_mx_*.txt
    .refenv-ao14/bin/python   scripts/ref_torchao.py   -> torchao_0.14_nvfp4.txt, torchao_0.14_mx_*.txt

Calls (torchao/prototype/mx_formats/):
  NVFP4  nvfp4_tensor.py  NVFP4Tensor.to_nvfp4(x, block_size=16, per_tensor_scale=p)
         two-level: p = per_tensor_amax_to_scale(torch.max(torch.abs(x)))  (as inference_workflow.py
         does for weights); single-level: p = None.  Dequantize: NVFP4Tensor.dequantize(float32)
         (0.18) / .to_dtype(float32) (older).
  MX     mx_tensor.py  MXTensor.to_mx(x, elem_dtype, block_size=32, scaling_mode=mode)  (eager,
         KernelPreference.EMULATED); dequantize: MXTensor.dequantize(float32) / .to_dtype(float32).
Inputs: tests/vectors/profiles/inputs.txt, each tensor as float32 (rows, cols); tensors tagged
'big' are skipped here (file size).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import Writer, u8s, f32s, load_inputs, twice, versions  # noqa: E402

import torchao  # noqa: E402
from torchao.prototype.mx_formats import nvfp4_tensor as nv  # noqa: E402
from torchao.prototype.mx_formats.config import ScaleCalculationMode  # noqa: E402
from torchao.prototype.mx_formats.constants import DTYPE_FP6_E2M3, DTYPE_FP6_E3M2  # noqa: E402
from torchao.prototype.mx_formats.mx_tensor import MXTensor  # noqa: E402

AO = ".".join(torchao.__version__.split("+")[0].split(".")[:2])
VERS = versions("torch", "torchao")
SCRIPT = "scripts/ref_torchao.py"


def _base(what):
    """Older torchao versions are written as differences from 0.18's file (run 0.18 first)."""
    return None if AO == "0.18" else f"torchao_0.18_{what}.txt"


def _attr(t, *names):
    for n in names:
        if hasattr(t, n):
            return getattr(t, n)
    raise AttributeError(names)


def _deq(t):
    if hasattr(t, "dequantize") and type(t).__name__ in ("MXTensor", "NVFP4Tensor"):
        try:
            return t.dequantize(torch.float32)
        except (NotImplementedError, TypeError, AttributeError):
            pass
    return t.to_dtype(torch.float32)


def nvfp4(inputs):
    w = Writer(f"torchao_{AO}_nvfp4.txt", base=_base("nvfp4"), header_lines=[
        f"{SCRIPT} ({VERS}); CPU eager",
        "NVFP4Tensor.to_nvfp4(x_f32, block_size=16, per_tensor_scale=p), then .dequantize(float32)",
        "mode two: p = per_tensor_amax_to_scale(torch.max(torch.abs(x))) = amax / (448*6)",
        "mode single: p = None",
        "columns: tensor_id mode | per_tensor_scale (f32, DECODE convention: dequant multiplies "
        "by it; '-' for single) | scale bytes (E4M3 codes as stored in .scale, row-major "
        "[rows, cols/16]) | qdata bytes (row-major [rows, cols/2]; byte j holds element 2j in its "
        "LOW nibble, element 2j+1 in its HIGH nibble; E2M1 code = sign<<3 | exp<<1 | mant) | "
        "dequantized values (f32, row-major)",
    ])
    for t in inputs:
        if "big" in t["tags"]:
            continue
        x = torch.from_numpy(t["data"].copy())
        for mode in ("two", "single"):
            def run():
                p = None
                if mode == "two":
                    p = nv.per_tensor_amax_to_scale(torch.max(torch.abs(x)))
                q = nv.NVFP4Tensor.to_nvfp4(x.clone(), block_size=16, per_tensor_scale=p)
                return (p, _attr(q, "scale", "_scale_e4m3").view(torch.uint8).clone(),
                        q.qdata.view(torch.uint8).clone(), _deq(q))
            r, det, err = twice(run)
            if err:
                w.skip(f"{t['id']} {mode}", err)
                continue
            if not det:
                w.skip(f"{t['id']} {mode}", "two runs differed")
                continue
            p, s, d, y = r
            w.add(f"{t['id']} {mode} | {f32s(p) if p is not None else '-'} | {u8s(s)} | "
                  f"{u8s(d)} | {f32s(y)}")
    w.close()


ELEMS = [
    ("fp8e4m3", torch.float8_e4m3fn, "qdata is float8_e4m3fn, one byte per element"),
    ("fp8e5m2", torch.float8_e5m2, "qdata is float8_e5m2, one byte per element"),
    ("fp6e2m3", DTYPE_FP6_E2M3, "qdata is uint8, one element per byte, 6-bit code in bits 5..0 "
                                "(sign bit 5), unpacked"),
    ("fp6e3m2", DTYPE_FP6_E3M2, "qdata is uint8, one element per byte, 6-bit code in bits 5..0 "
                                "(sign bit 5), unpacked"),
    ("fp4e2m1", torch.float4_e2m1fn_x2, "qdata packed two per byte: element 2j in the LOW nibble, "
                                        "2j+1 in the HIGH nibble"),
]
MODES = [("floor", ScaleCalculationMode.FLOOR), ("ceil", ScaleCalculationMode.CEIL),
         ("even", ScaleCalculationMode.EVEN), ("rceil", ScaleCalculationMode.RCEIL)]


def mx(inputs):
    for name, dt, layout in ELEMS:
        w = Writer(f"torchao_{AO}_mx_{name}.txt", base=_base(f"mx_{name}"), header_lines=[
            f"{SCRIPT} ({VERS}); CPU eager",
            f"MXTensor.to_mx(x_f32, {dt!s}, block_size=32, scaling_mode=MODE), then "
            ".dequantize(float32) (older torchao: .to_dtype(float32))",
            "columns: tensor_id mode | scale bytes (E8M0 biased exponents as stored, row-major "
            "[rows, cols/32]) | element bytes (" + layout + "; row-major) | dequantized values "
            "(f32, row-major)",
        ])
        for t in inputs:
            if "big" in t["tags"]:
                continue
            x = torch.from_numpy(t["data"].copy())
            for mname, mode in MODES:
                def run():
                    q = MXTensor.to_mx(x.clone(), dt, 32, mode)
                    sc = _attr(q, "scale", "_scale_e8m0").view(torch.uint8).clone()
                    return sc, q.qdata.view(torch.uint8).clone(), _deq(q)
                r, det, err = twice(run)
                if err:
                    w.skip(f"{t['id']} {mname}", err)
                    continue
                if not det:
                    w.skip(f"{t['id']} {mname}", "two runs differed")
                    continue
                s, d, y = r
                w.add(f"{t['id']} {mname} | {u8s(s)} | {u8s(d)} | {f32s(y)}")
        w.close()


if __name__ == "__main__":
    torch.manual_seed(0)
    inp = load_inputs()
    nvfp4(inp)
    mx(inp)
