#!/usr/bin/env python3
"""gpt-oss 0.0.9 MXFP4 loader reference vectors (CPU), from the installed gpt_oss package.

    .refenv-gptoss/bin/python scripts/ref_gptoss.py  -> tests/vectors/profiles/gptoss_mxfp4_gptoss.txt

gpt_oss/torch/weights.py Checkpoint(dir, cpu).get("block.0.mlp.mlp1_weight"), which maps the
name to ("...mlp1_weight.blocks", "...mlp1_weight.scales") and calls Checkpoint._get_mxfp4_tensor
(dtype=torch.bfloat16).  The checkpoint is a one-file safetensors directory written here (with
the safetensors package) holding the same synthetic blocks/scales as ref_transformers.py's
make_gptoss_blocks() (scripts/refvec_common.py), so the two files can be compared line by line.
gpt-oss 0.0.9 needs Python >= 3.12; it is installed without its serving/tool dependencies
(gpt_oss.torch.weights imports only torch and safetensors).
"""

import os
import sys
import tempfile

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import Writer, u8s, f32s, make_gptoss_blocks, twice, versions  # noqa: E402

from gpt_oss.torch.weights import Checkpoint  # noqa: E402

VERS = versions("torch", "gpt-oss", "safetensors")
SCRIPT = "scripts/ref_gptoss.py"


def main():
    w = Writer("gptoss_mxfp4_gptoss.txt", [
        f"{SCRIPT} ({VERS}); CPU; Python {sys.version.split()[0]}",
        "Checkpoint(dir, torch.device('cpu')).get('block.0.mlp.mlp1_weight') -> "
        "_get_mxfp4_tensor(blocks, scales, dtype=torch.bfloat16); returns [E, R, G*32]",
        "one record per row r: r | scales bytes (uint8 [G=16]) | blocks bytes (uint8 [G*16]; "
        "element 2j in the LOW nibble, 2j+1 in the HIGH nibble) | dequantized row (bf16 values "
        "as f32, [G*32])",
    ])
    blocks, scales = make_gptoss_blocks()
    with tempfile.TemporaryDirectory() as d:
        save_file({"block.0.mlp.mlp1_weight.blocks": blocks.contiguous(),
                   "block.0.mlp.mlp1_weight.scales": scales.contiguous()},
                  os.path.join(d, "model.safetensors"))
        ck = Checkpoint(d, torch.device("cpu"))
        r, det, err = twice(lambda: ck.get("block.0.mlp.mlp1_weight").clone())
    if err or not det:
        w.skip("all", err or "two runs differed")
    else:
        for i in range(blocks.shape[1]):
            w.add(f"{i} | {u8s(scales[0, i])} | {u8s(blocks[0, i])} | "
                  f"{f32s(r[0, i].float())}")
    w.close()


if __name__ == "__main__":
    main()
