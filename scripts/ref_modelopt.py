#!/usr/bin/env python3
"""NVIDIA ModelOpt reference vectors from the installed package's own QTensor classes (CPU).

    .refenv-torch/bin/python scripts/ref_modelopt.py
      -> modelopt_0.47_nvfp4.txt, modelopt_0.47_mx.txt, modelopt_0.47_fp8.txt

Calls (modelopt/torch/quantization/qtensor/):
  nvfp4_tensor.py  NVFP4QTensor.quantize(x, 16) -> (qt, weight_scale, weight_scale_2);
                   mode 'single': NVFP4QTensor.quantize(x, 16, weights_scaling_factor_2=1.0);
                   qt.dequantize(torch.float32, scale=weight_scale, double_scale=weight_scale_2,
                   block_sizes={-1: 16})
  mxfp4_tensor.py  MXFP4QTensor.quantize(x, 32) -> (qt, e8m0); qt.dequantize(torch.float32,
                   scale=e8m0, block_sizes={-1: 32})
  mxfp8_tensor.py  MXFP8QTensor.quantize(x) -> (qt, e8m0); qt.dequantize(torch.float32, scale=e8m0)
  fp8_tensor.py    FP8QTensor.quantize(x, axis=None | axis=0 | block_sizes={-1:128,-2:128})
                   -> (qt, scales); qt.dequantize(torch.float32, scale=scales[, block_sizes])
These are the functions ModelOpt's HF export (modelopt/torch/export/quant_utils.py
to_quantized_weight) calls for NVFP4 / MXFP4 / FP8_PB_WO; the export's per-tensor FP8 path is
(weight / (amax/448)).to(float8_e4m3fn), the same arithmetic as FP8QTensor.quantize(axis=None).
"""

import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import Writer, u8s, f32s, load_inputs, twice, versions  # noqa: E402

import modelopt  # noqa: E402
from modelopt.torch.quantization.qtensor import (  # noqa: E402
    FP8QTensor,
    MXFP4QTensor,
    MXFP8QTensor,
    NVFP4QTensor,
)

MO = ".".join(modelopt.__version__.split(".")[:2])
VERS = versions("torch", "nvidia-modelopt")
SCRIPT = "scripts/ref_modelopt.py"


def _ok(w, what, r, det, err):
    if err:
        w.skip(what, err)
        return False
    if not det:
        w.skip(what, "two runs differed")
        return False
    return True


def nvfp4(inputs):
    w = Writer(f"modelopt_{MO}_nvfp4.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "NVFP4QTensor.quantize(x_f32, 16[, weights_scaling_factor_2=1.0 for mode single]) -> "
        "(qt, weight_scale, weight_scale_2); qt.dequantize(torch.float32, scale=weight_scale, "
        "double_scale=weight_scale_2, block_sizes={-1: 16})",
        "mode two: weight_scale_2 = reduce_amax(x) / (6*448) computed by the library; mode single: "
        "weight_scale_2 = tensor(1.0) passed in",
        "columns: tensor_id mode | weight_scale_2 (f32, DECODE convention: dequant multiplies "
        "by it) | weight_scale bytes (float8_e4m3fn codes, row-major [rows, cols/16]) | "
        "_quantized_data bytes (row-major [rows, cols/2]; element 2j in the LOW nibble, 2j+1 in "
        "the HIGH nibble) | dequantized values (f32)",
    ])
    for t in inputs:
        if "big" in t["tags"]:
            continue
        x = torch.from_numpy(t["data"].copy())
        for mode in ("two", "single"):
            def run():
                kw = {} if mode == "two" else {"weights_scaling_factor_2": torch.tensor(1.0)}
                qt, s, s2 = NVFP4QTensor.quantize(x.clone(), 16, **kw)
                try:
                    y = qt.dequantize(torch.float32, scale=s, double_scale=s2,
                                      block_sizes={-1: 16})
                except RuntimeError as e:  # padded (ragged) input: dequantize cannot reshape
                    y = "dequantize raised " + type(e).__name__ + ": " + str(e).splitlines()[0]
                return (s2.float().clone(), s.view(torch.uint8).clone(),
                        qt._quantized_data.view(torch.uint8).clone(), y)
            r, det, err = twice(run)
            if not _ok(w, f"{t['id']} {mode}", r, det, err):
                continue
            s2, s, d, y = r
            if isinstance(y, str):
                w.skip(f"{t['id']} {mode} dequantize", y + " (quantize outputs recorded, "
                       "dequant column '-'; scales/codes cover the zero-padded width)")
                ys = "-"
            else:
                ys = f32s(y)
            w.add(f"{t['id']} {mode} | {f32s(s2)} | {u8s(s)} | {u8s(d)} | {ys}")
    w.close()


def mx(inputs):
    w = Writer(f"modelopt_{MO}_mx.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "profile mxfp4: MXFP4QTensor.quantize(x_f32, 32) -> (qt, e8m0); qt.dequantize(torch.float32, "
        "scale=e8m0, block_sizes={-1: 32}). NOTE: it views the whole tensor as (-1, 32), so a row "
        "length that is not a multiple of 32 makes blocks that straddle rows (ragged_8x200).",
        "profile mxfp8: MXFP8QTensor.quantize(x_f32) -> (qt, e8m0); qt.dequantize(torch.float32, "
        "scale=e8m0) (pads the last dim to 32 with zeros, crops back)",
        "columns: tensor_id profile | scale bytes (uint8 E8M0 biased exponents, in the library's "
        "order: mxfp4 flat [numel/32], mxfp8 [rows, ceil(cols/32)]) | element bytes (mxfp4: packed, "
        "element 2j LOW nibble, 2j+1 HIGH nibble; mxfp8: float8_e4m3fn bytes, [rows, cols]) | "
        "dequantized values (f32)",
    ])
    for t in inputs:
        if "big" in t["tags"]:
            continue
        x = torch.from_numpy(t["data"].copy())

        def run4():
            qt, s = MXFP4QTensor.quantize(x.clone(), 32)
            y = qt.dequantize(torch.float32, scale=s, block_sizes={-1: 32})
            return s.clone(), qt._quantized_data.view(torch.uint8).clone(), y

        def run8():
            qt, s = MXFP8QTensor.quantize(x.clone())
            y = qt.dequantize(torch.float32, scale=s)
            return s.clone(), qt._quantized_data.view(torch.uint8).clone(), y

        for prof, fn in (("mxfp4", run4), ("mxfp8", run8)):
            r, det, err = twice(fn)
            if not _ok(w, f"{t['id']} {prof}", r, det, err):
                continue
            s, d, y = r
            w.add(f"{t['id']} {prof} | {u8s(s)} | {u8s(d)} | {f32s(y)}")
    w.close()


def fp8(inputs):
    w = Writer(f"modelopt_{MO}_fp8.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "FP8QTensor.quantize(x_f32, axis=A | block_sizes=B) -> (qt, scales); "
        "qt.dequantize(torch.float32, scale=scales[, block_sizes=B])",
        "profiles: tensor (axis=None: one scale = amax/448), channel (axis=0: one scale per row, "
        "shape [rows,1]), block128 (block_sizes={-1:128,-2:128}: [ceil(rows/128), ceil(cols/128)], "
        "zero padding)",
        "columns: tensor_id profile | scales (f32, DECODE convention: x_q = x / scale, "
        "dequant = q * scale; row-major) | float8_e4m3fn bytes (row-major [rows, cols]) | "
        "dequantized values (f32)",
    ])
    for t in inputs:
        x = torch.from_numpy(t["data"].copy())
        for prof, kw, dkw in (("tensor", {"axis": None}, {}), ("channel", {"axis": 0}, {}),
                              ("block128", {"block_sizes": {-1: 128, -2: 128}},
                               {"block_sizes": {-1: 128, -2: 128}})):
            if "big" in t["tags"] and prof != "block128" and t["id"] != "llm_64x128":
                continue

            def run():
                qt, s = FP8QTensor.quantize(x.clone(), **kw)
                y = qt.dequantize(torch.float32, scale=s, **dkw)
                return s.float().clone(), qt._quantized_data.view(torch.uint8).clone(), y
            r, det, err = twice(run)
            if not _ok(w, f"{t['id']} {prof}", r, det, err):
                continue
            s, d, y = r
            w.add(f"{t['id']} {prof} | {f32s(s)} | {u8s(d)} | {f32s(y)}")
    w.close()


if __name__ == "__main__":
    inp = load_inputs()
    nvfp4(inp)
    mx(inp)
    fp8(inp)
