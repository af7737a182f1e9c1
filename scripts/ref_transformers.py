#!/usr/bin/env python3
"""transformers reference vectors (CPU): gpt-oss MXFP4 loader and block-FP8 'ue8m0' quantizer.

    .refenv-torch/bin/python scripts/ref_transformers.py
      -> tests/vectors/profiles/gptoss_mxfp4_transformers.txt, transformers_fp8_ue8m0.txt

gpt-oss MXFP4 (decode only; the checkpoint quantizer is not public):
  transformers/integrations/mxfp4.py convert_moe_packed_tensors(blocks, scales,
  dtype=torch.bfloat16) on a fixed synthetic checkpoint (make_gptoss_blocks() in refvec_common.py: every byte value,
  scale codes across the E8M0 range incl. 0, 254, 255).
Block FP8 with power-of-two ('ue8m0') scales, the DeepSeek-V3 style weight_scale_inv layout:
  transformers/integrations/finegrained_fp8.py Fp8Quantize(hf_quantizer)._quantize_one(key, w)
  with hf_quantizer.quantization_config = FineGrainedFP8Config(weight_block_size=B,
  scale_fmt=F); dequantize with Fp8Dequantize(hf_quantizer)._dequantize_one(q, scale_inv,
  output_dtype=torch.float32).  DeepSeek's own quantization code is not published as a
  package; this is the pinned package that implements the same checkpoint format.
"""

import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import (  # noqa: E402
    Writer, u8s, f32s, load_inputs, make_gptoss_blocks, twice, versions)

from transformers import FineGrainedFP8Config  # noqa: E402
from transformers.integrations.finegrained_fp8 import Fp8Dequantize, Fp8Quantize  # noqa: E402
from transformers.integrations.mxfp4 import convert_moe_packed_tensors  # noqa: E402

VERS = versions("torch", "transformers")
SCRIPT = "scripts/ref_transformers.py"

def gptoss():
    w = Writer("gptoss_mxfp4_transformers.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "convert_moe_packed_tensors(blocks, scales, dtype=torch.bfloat16) on "
        "make_gptoss_blocks() (see the script); returns [E, G*32, R] (it transposes dims 1,2)",
        "one record per row r of the checkpoint: r | scales bytes (uint8 [G=16]) | blocks bytes "
        "(uint8 [G*16]; byte j of a group holds element 2j in the LOW nibble, 2j+1 in the HIGH "
        "nibble) | dequantized row (bf16 values as f32, [G*32] = output[0, :, r])",
    ])
    blocks, scales = make_gptoss_blocks()
    r, det, err = twice(lambda: convert_moe_packed_tensors(blocks.clone(), scales.clone(),
                                                          dtype=torch.bfloat16))
    if err or not det:
        w.skip("all", err or "two runs differed")
    else:
        out = r  # [1, 512, R]
        for i in range(blocks.shape[1]):
            w.add(f"{i} | {u8s(scales[0, i])} | {u8s(blocks[0, i])} | "
                  f"{f32s(out[0, :, i].float())}")
    w.close()


class _HFQ:
    def __init__(self, cfg):
        self.quantization_config = cfg


def fp8_ue8m0():
    w = Writer("transformers_fp8_ue8m0.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "Fp8Quantize(hfq)._quantize_one('w.weight', x_f32) with FineGrainedFP8Config("
        "weight_block_size=B, scale_fmt=F) -> w.weight (float8_e4m3fn), w.weight_scale_inv; "
        "Fp8Dequantize(hfq)._dequantize_one(weight, weight_scale_inv, output_dtype=float32)",
        "profiles: ue8m0_128x128 (DeepSeek-V3 weight layout: B=(128,128), F='ue8m0', "
        "weight_scale_inv is float8_e8m0fnu), float_128x128 (F='float', f32 weight_scale_inv), "
        "ue8m0_1x32 / float_1x32 (B=(1,32): not a DeepSeek layout, exercises the special-value "
        "inputs). _quantize_one passes tensors whose shape is not a multiple of B through "
        "unquantized: those are not recorded.",
        "columns: tensor_id profile | weight_scale_inv (ue8m0: E8M0 bytes; float: f32; "
        "row-major [rows/Bm, cols/Bn]; DECODE convention: dequant multiplies by it) | weight "
        "bytes (float8_e4m3fn, [rows, cols]) | dequantized (f32)",
    ])
    profs = [("ue8m0_128x128", (128, 128), "ue8m0"), ("float_128x128", (128, 128), "float"),
             ("ue8m0_1x32", (1, 32), "ue8m0"), ("float_1x32", (1, 32), "float")]
    for t in load_inputs():
        x = torch.from_numpy(t["data"].copy())
        for name, blk, fmt in profs:
            if t["rows"] % blk[0] or t["cols"] % blk[1]:
                continue
            if blk == (1, 32) and "big" in t["tags"]:
                continue
            hfq = _HFQ(FineGrainedFP8Config(weight_block_size=blk, scale_fmt=fmt))

            def run():
                d = Fp8Quantize(hfq)._quantize_one("w.weight", x.clone())
                q, s = d["w.weight"], d["w.weight_scale_inv"]
                y = Fp8Dequantize(hfq)._dequantize_one(q, s, output_dtype=torch.float32)
                return s.clone(), q.view(torch.uint8).clone(), y
            r, det, err = twice(run)
            if err or not det:
                w.skip(f"{t['id']} {name}", err or "two runs differed")
                continue
            s, q, y = r
            sc = u8s(s.view(torch.uint8)) if fmt == "ue8m0" else f32s(s)
            w.add(f"{t['id']} {name} | {sc} | {u8s(q)} | {f32s(y)}")
    w.close()


if __name__ == "__main__":
    gptoss()
    fp8_ue8m0()
