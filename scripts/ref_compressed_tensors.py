#!/usr/bin/env python3
"""compressed-tensors reference vectors from the installed package's own functions (CPU).

    .refenv-torch/bin/python scripts/ref_compressed_tensors.py
      -> ct_0.20_nvfp4.txt ct_0.20_mx.txt ct_0.20_int4.txt ct_0.20_fp8.txt

Flow per tensor, module level, as a calibration tool (llm-compressor) drives it:
  1. m = torch.nn.Linear(cols, rows, bias=False, dtype=WDTYPE); m.weight = x (float32, or the
     tensor cast to bfloat16 for the bf16 rows, only for bf16-representable inputs)
  2. initialize_module_for_quantization(m, scheme)       (quantization/lifecycle/initialize.py:
     registers weight_scale with the weight's dtype, weight_zero_point zeros of zp_dtype, and
     weight_global_scale f32 for TENSOR_GROUP)
  3. qparams with the library's functions (quantization/utils/helpers.py):
       TENSOR_GROUP: g = generate_gparam(torch.amin(x), torch.amax(x));
                     scale, zp = compute_dynamic_scales_and_zp(x, args, m, global_scale=g)
       GROUP / TENSOR: scale, zp = compute_dynamic_scales_and_zp(x, args, m)
       CHANNEL / BLOCK (compute_dynamic_scales_and_zp refuses these strategies): the script
                     reduces min/max itself with torch.amin/torch.amax per row (keepdim) or per
                     128x128 block of maybe_pad_tensor_for_block_quant(x) (zero padding), then
                     scale, zp = calculate_qparams(min, max, args)
     copied into the module's registered parameters (Parameter.data.copy_, which casts to the
     parameter dtype: this is where a bf16 model's scales get rounded to bf16).
  4. compress_module(m, FORMAT)   (compressors/base.py -> the format's compressor .compress)
  5. decompress_module(m)         (-> .decompress, the library's own dequantize)
Presets from quantization/quant_scheme.py: NVFP4A16, MXFP4A16, MXFP6A16, MXFP8A16, W4A16,
W4A16_ASYM, FP8 (weights), FP8_DYNAMIC (weights, CHANNEL), FP8_BLOCK (weights); group-32 int4
variants are the W4A16 / W4A16_ASYM args with group_size=32.
"""

import copy
import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refvec_common import (  # noqa: E402
    Writer, u8s, f32s, i32s, load_inputs, twice, versions)

import compressed_tensors  # noqa: E402
from compressed_tensors.compressors.base import compress_module, decompress_module  # noqa: E402
from compressed_tensors.quantization import QuantizationScheme  # noqa: E402
from compressed_tensors.quantization import quant_scheme as qs  # noqa: E402
from compressed_tensors.quantization.lifecycle.initialize import (  # noqa: E402
    initialize_module_for_quantization)
from compressed_tensors.quantization.quant_args import QuantizationStrategy  # noqa: E402
from compressed_tensors.quantization.utils.helpers import (  # noqa: E402
    calculate_qparams, compute_dynamic_scales_and_zp, generate_gparam,
    maybe_pad_tensor_for_block_quant)

try:
    from loguru import logger
    logger.remove()
except Exception:
    pass

CT = ".".join(compressed_tensors.__version__.split(".")[:2])
VERS = versions("torch", "compressed-tensors")
SCRIPT = "scripts/ref_compressed_tensors.py"


def _args(preset, **over):
    a = copy.deepcopy(preset["weights"])
    for k, v in over.items():
        setattr(a, k, v)
    return a


def quantize_module(x, args, fmt, wdtype):
    """Steps 1-5 above. -> (state after compress: dict name->tensor, dequantized weight)."""
    rows, cols = x.shape
    m = torch.nn.Linear(cols, rows, bias=False, dtype=wdtype)
    w = x.to(wdtype)
    m.weight.data.copy_(w)
    scheme = QuantizationScheme(targets=["Linear"], weights=copy.deepcopy(args))
    initialize_module_for_quantization(m, scheme)
    a = scheme.weights
    g = None
    if a.strategy == QuantizationStrategy.TENSOR_GROUP:
        g = generate_gparam(torch.amin(w), torch.amax(w))
        m.weight_global_scale.data.copy_(g)
        # as an observer would: the global scale the module holds is the one used next
        g = m.weight_global_scale.data.clone()
        scale, zp = compute_dynamic_scales_and_zp(w, a, m, global_scale=g)
    elif a.strategy in (QuantizationStrategy.GROUP, QuantizationStrategy.TENSOR):
        scale, zp = compute_dynamic_scales_and_zp(w, a, m)
    elif a.strategy == QuantizationStrategy.CHANNEL:
        scale, zp = calculate_qparams(torch.amin(w, dim=1, keepdim=True),
                                      torch.amax(w, dim=1, keepdim=True), a)
    elif a.strategy == QuantizationStrategy.BLOCK:
        bh, bw = a.block_structure
        p = maybe_pad_tensor_for_block_quant(w, tuple(a.block_structure))
        R, C = p.shape
        b = p.reshape(R // bh, bh, C // bw, bw)
        scale, zp = calculate_qparams(torch.amin(b, dim=(1, 3)), torch.amax(b, dim=(1, 3)), a)
    else:
        raise ValueError(a.strategy)
    m.weight_scale.data.copy_(scale.reshape(m.weight_scale.shape))
    if hasattr(m, "weight_zero_point"):
        m.weight_zero_point.data.copy_(zp.reshape(m.weight_zero_point.shape))
    compress_module(m, fmt)
    comp = {k: v.detach().clone() for k, v in list(m.named_parameters()) + list(m.named_buffers())}
    try:
        decompress_module(m)
    except RuntimeError as e:
        return comp, "decompress raised " + type(e).__name__ + ": " + str(e).splitlines()[0]
    return comp, m.weight.detach().clone()


def _deq(w, what, y):
    """dequant column; a decompress failure is noted in the header and written as '-'."""
    if isinstance(y, str):
        w.skip(what + " decompress", y + " (compressed tensors recorded, dequant column '-')")
        return "-"
    return f32s(y.float())


def _rows(inputs, want_big=False):
    for t in inputs:
        if "big" in t["tags"] and not want_big:
            continue
        x = torch.from_numpy(t["data"].copy())
        yield t, x, "f32", torch.float32
        if t["bf16"]:
            yield t, x, "bf16", torch.bfloat16


def _like(w, key, wd):
    """bf16 records are written as differences from the same tensor's f32 record."""
    k = f"{key} f32"
    return k if wd == "bf16" and k in w.mine else None


def _run(w, what, fn):
    r, det, err = twice(fn)
    if err:
        w.skip(what, err)
        return None
    if not det:
        w.skip(what, "two runs differed")
        return None
    return r


COMMON = ("wdtype: f32 = the module weight is the float32 tensor; bf16 = the module weight is the "
          "tensor as torch.bfloat16 (only bf16-representable inputs), so qparams are computed in "
          "bf16 and stored in bf16 parameters")


def nvfp4(inputs):
    w = Writer(f"ct_{CT}_nvfp4.txt", [
        f"{SCRIPT} ({VERS}); CPU (torch fallbacks, no triton)",
        "preset NVFP4A16 weights (FLOAT 4-bit, TENSOR_GROUP, group 16, scale_dtype "
        "float8_e4m3fn), format nvfp4-pack-quantized (NVFP4PackedCompressor)",
        COMMON,
        "columns: tensor_id wdtype | weight_global_scale (f32; ENCODE convention: "
        "2688/amax; dequant uses weight_scale / weight_global_scale) | weight_scale bytes "
        "(float8_e4m3fn, row-major [rows, cols/16]) | weight_packed bytes (uint8 [rows, cols/2]; "
        "element 2j in the LOW nibble, 2j+1 in the HIGH nibble) | decompressed weight (the "
        "library returns bfloat16; written as f32)",
    ])
    a = _args(qs.NVFP4A16)
    for t, x, wd, dt in _rows(inputs):
        r = _run(w, f"{t['id']} {wd}", lambda: quantize_module(x, a, "nvfp4-pack-quantized", dt))
        if r is None:
            continue
        c, y = r
        w.add(f"{t['id']} {wd} | {f32s(c['weight_global_scale'])} | "
              f"{u8s(c['weight_scale'])} | {u8s(c['weight_packed'])} | "
              f"{_deq(w, t['id'] + ' ' + wd, y)}", like=_like(w, f"{t['id']}", wd))
    w.close()


def mx(inputs):
    w = Writer(f"ct_{CT}_mx.txt", [
        f"{SCRIPT} ({VERS}); CPU (torch fallbacks, no triton)",
        "profiles: mxfp4 = preset MXFP4A16 weights, format mxfp4-pack-quantized; mxfp6 = MXFP6A16 "
        "(FP6 E2M3 only: compressed-tensors 0.20.1 has no E3M2), format mxfp6-pack-quantized; "
        "mxfp8 = MXFP8A16 (E4M3), format mxfp8-quantized. All GROUP 32, scale_dtype uint8.",
        COMMON,
        "columns: tensor_id profile wdtype | weight_scale bytes (uint8 E8M0 biased exponents, "
        "[rows, cols/32]) | element bytes: mxfp4 weight_packed [rows, cols/2] (element 2j LOW "
        "nibble, 2j+1 HIGH nibble); mxfp6 weight_packed [rows, 3*cols/4]: 4 codes c0..c3 "
        "(6 bits, sign bit 5) form word = c0 | c1<<6 | c2<<12 | c3<<18, stored as bytes "
        "word&255, word>>8&255, word>>16&255; mxfp8 weight (float8_e4m3fn bytes [rows, cols]) | "
        "decompressed weight (library returns bfloat16; f32)",
    ])
    profs = [("mxfp4", _args(qs.MXFP4A16), "mxfp4-pack-quantized", "weight_packed"),
             ("mxfp6", _args(qs.MXFP6A16), "mxfp6-pack-quantized", "weight_packed"),
             ("mxfp8", _args(qs.MXFP8A16), "mxfp8-quantized", "weight")]
    for t, x, wd, dt in _rows(inputs):
        for name, a, fmt, key in profs:
            r = _run(w, f"{t['id']} {name} {wd}", lambda: quantize_module(x, a, fmt, dt))
            if r is None:
                continue
            c, y = r
            w.add(f"{t['id']} {name} {wd} | {u8s(c['weight_scale'])} | {u8s(c[key])} | "
                  f"{_deq(w, t['id'] + ' ' + name + ' ' + wd, y)}",
                  like=_like(w, f"{t['id']} {name}", wd))
    w.close()


def int4(inputs):
    w = Writer(f"ct_{CT}_int4.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "profiles: sym_g128 = preset W4A16 weights (INT 4, GROUP 128, symmetric); asym_g128 = "
        "W4A16_ASYM; sym_g32 / asym_g32 = the same args with group_size=32. format pack-quantized "
        "(PackedQuantizationCompressor)",
        COMMON,
        "columns: tensor_id profile wdtype | weight_scale (values as f32, [rows, cols/g]; "
        "DECODE convention x ~ (q - zp) * scale) | weight_zero_point (asym: int32 words, packed "
        "along dim 0 = rows; '-' for sym) | weight_packed (int32 words, row-major [rows, "
        "cols/8]; word k of a row holds elements 8k..8k+7, element 8k+i in bits 4i..4i+3, stored "
        "as q+8) | decompressed weight (f32 of the library's output dtype = scale dtype)",
    ])
    profs = [("sym_g128", _args(qs.W4A16)), ("asym_g128", _args(qs.W4A16_ASYM)),
             ("sym_g32", _args(qs.W4A16, group_size=32)),
             ("asym_g32", _args(qs.W4A16_ASYM, group_size=32))]
    for t, x, wd, dt in _rows(inputs, want_big=True):
        for name, a in profs:
            if "big" in t["tags"] and t["id"] not in ("llm_64x128", "int_ties_32x128"):
                continue
            r = _run(w, f"{t['id']} {name} {wd}", lambda: quantize_module(x, a, "pack-quantized",
                                                                         dt))
            if r is None:
                continue
            c, y = r
            zp = i32s(c["weight_zero_point"]) if "weight_zero_point" in c else "-"
            w.add(f"{t['id']} {name} {wd} | {f32s(c['weight_scale'].float())} | {zp} | "
                  f"{i32s(c['weight_packed'])} | {_deq(w, t['id'] + ' ' + name + ' ' + wd, y)}",
                  like=_like(w, f"{t['id']} {name}", wd))
    w.close()


def fp8(inputs):
    w = Writer(f"ct_{CT}_fp8.txt", [
        f"{SCRIPT} ({VERS}); CPU",
        "profiles: tensor = preset FP8 weights (TENSOR); channel = FP8_DYNAMIC weights (CHANNEL, "
        "[rows,1]); block128 = FP8_BLOCK weights (BLOCK 128x128, [ceil(rows/128), "
        "ceil(cols/128)]). format naive-quantized (same compress/decompress as float-quantized)",
        COMMON,
        "columns: tensor_id profile wdtype | weight_scale (values as f32; DECODE convention "
        "x ~ q * scale) | weight bytes (float8_e4m3fn [rows, cols]) | decompressed weight (f32 "
        "of the library's output dtype = scale dtype)",
    ])
    profs = [("tensor", _args(qs.FP8)), ("channel", _args(qs.FP8_DYNAMIC)),
             ("block128", _args(qs.FP8_BLOCK))]
    for t, x, wd, dt in _rows(inputs, want_big=True):
        for name, a in profs:
            if "big" in t["tags"] and name != "block128" and t["id"] != "llm_64x128":
                continue
            r = _run(w, f"{t['id']} {name} {wd}", lambda: quantize_module(x, a, "naive-quantized",
                                                                         dt))
            if r is None:
                continue
            c, y = r
            w.add(f"{t['id']} {name} {wd} | {f32s(c['weight_scale'].float())} | "
                  f"{u8s(c['weight'])} | {_deq(w, t['id'] + ' ' + name + ' ' + wd, y)}",
                  like=_like(w, f"{t['id']} {name}", wd))
    w.close()


if __name__ == "__main__":
    inp = load_inputs()
    nvfp4(inp)
    mx(inp)
    int4(inp)
    fp8(inp)
