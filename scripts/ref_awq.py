#!/usr/bin/env python3
"""AutoAWQ 0.2.9 checkpoint-path reference vectors (CPU), from the installed package's functions.

    .refenv-awq/bin/python scripts/ref_awq.py      -> tests/vectors/profiles/awq_0.2.9.txt

Mode f16 (AutoAWQ's own path): awq/quantize/quantizer.py AwqQuantizer._apply_quant(module,
  {"lin": linear}) with w_bit=4, zero_point=True, version="gemm": it casts the nn.Linear to
  float16 (linear.to(get_best_device()).half(), CPU here), runs pseudo_quantize_tensor on the
  f16 weight, transposes scales/zeros and calls WQLinear_GEMM.from_linear (awq/modules/linear/
  gemm.py), which packs qweight/qzeros and stores scales.half().  The AwqQuantizer object is made
  with object.__new__ and only the attributes _apply_quant reads (w_bit, group_size, zero_point,
  version): no calibration / scale search is run (that only changes the weight fed in).
Mode f32direct (NOT a path AutoAWQ itself takes; recorded because the question "codes from the
  f32 scale, f16 scale stored" is about it): pseudo_quantize_tensor on the float32 weight, then
  WQLinear_GEMM.from_linear(float32 linear, scales.t(), zeros.t()) directly.
Dequantize: awq/utils/packing_utils.py dequantize_gemm(qweight, qzeros, scales, 4, group) (it
  returns [in, out]; written transposed back to the input's [rows=out, cols=in] order).
"""

import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import (  # noqa: E402
    Writer, f16s, f32s, i32s, load_inputs, twice, versions)

from awq.modules.linear.gemm import WQLinear_GEMM  # noqa: E402
from awq.quantize.quantizer import AwqQuantizer  # noqa: E402
from awq.utils.packing_utils import dequantize_gemm  # noqa: E402

VERS = versions("torch", "autoawq", "transformers")
SCRIPT = "scripts/ref_awq.py"


def quantizer(group):
    q = object.__new__(AwqQuantizer)
    q.w_bit, q.group_size, q.zero_point, q.version = 4, group, True, "gemm"
    return q


def run_f16(x, group):
    rows, cols = x.shape
    mod = torch.nn.Module()
    mod.lin = torch.nn.Linear(cols, rows, bias=False)
    mod.lin.weight.data.copy_(x)
    quantizer(group)._apply_quant(mod, {"lin": mod.lin})
    ql = mod.lin
    assert isinstance(ql, WQLinear_GEMM)
    y = dequantize_gemm(ql.qweight, ql.qzeros, ql.scales, 4, group)
    return ql.scales.clone(), ql.qzeros.clone(), ql.qweight.clone(), y.t().contiguous()


def run_f32direct(x, group):
    rows, cols = x.shape
    lin = torch.nn.Linear(cols, rows, bias=False)
    lin.weight.data.copy_(x)
    w, scales, zeros = quantizer(group).pseudo_quantize_tensor(lin.weight.data)
    lin.weight.data = w
    ql = WQLinear_GEMM.from_linear(lin, 4, group, False, scales.t().contiguous(),
                                   zeros.t().contiguous())
    y = dequantize_gemm(ql.qweight, ql.qzeros, ql.scales, 4, group)
    return ql.scales.clone(), ql.qzeros.clone(), ql.qweight.clone(), y.t().contiguous()


def main():
    w = Writer("awq_0.2.9.txt", [
        f"{SCRIPT} ({VERS}); CPU, no awq_ext kernels (dequantize_gemm is the pure-torch unpacker)",
        "w_bit 4, zero_point=True (asymmetric; WQLinear_GEMM requires zeros), group 128 and 64",
        "modes: f16 = AwqQuantizer._apply_quant (the checkpoint path; all arithmetic in float16); "
        "f32direct = pseudo_quantize_tensor(f32 weight) + WQLinear_GEMM.from_linear(f32 linear) "
        "(see the script docstring)",
        "columns: tensor_id group mode | scales (float16, [cols/group, rows] = "
        "[in/g, out], as stored) | qzeros (int32 words, [in/g, out/8]) | qweight (int32 words, "
        "[in, out/8]) | dequantize_gemm output (float16, written as f32, transposed to "
        "[rows, cols])",
        "packing: word k of an in-row holds out-columns 8k..8k+7; nibble i (bits 4i..4i+3) holds "
        "out-column 8k + [0,2,4,6,1,3,5,7][i]; values are unsigned 0..15 (q), zeros 0..15; "
        "dequant = (q - z) * scale",
    ])
    for t in load_inputs():
        x = torch.from_numpy(t["data"].copy())
        for group in (128, 64):
            for mode, fn in (("f16", run_f16), ("f32direct", run_f32direct)):
                what = f"{t['id']} {group} {mode}"
                r, det, err = twice(lambda: fn(x.clone(), group))
                if err:
                    w.skip(what, err)
                    continue
                if not det:
                    w.skip(what, "two runs differed")
                    continue
                s, z, q, y = r
                w.add(f"{what} | {f16s(s)} | {i32s(z)} | {i32s(q)} | {f32s(y.float())}")
    w.close()


if __name__ == "__main__":
    main()
