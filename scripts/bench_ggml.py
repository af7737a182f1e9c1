#!/usr/bin/env python3
"""lowbit's GGUF quantize/dequantize against ggml itself: runs benches/gguf.rs with ggml's shared
libraries loaded (dlopen) and writes the comparison table into docs/benchmarks.md.

ggml is the C code llama.cpp ships, as built by the PyPI package llama-cpp-python (pinned in
scripts/requirements-ggml.txt: 0.3.36 = llama.cpp 0c1e57098): `libggml-base.so` (the
reference quantizers `ggml_quantize_chunk` / `quantize_row_*_ref`, `dequantize_row_*`, the f16/bf16
row converters, built for plain x86-64) and `libggml-cpu.so` (the CPU backend, built with
-march=native: the SIMD `quantize_row_q8_0/q8_1/q8_K` and `ggml_cpu_fp32_to_fp16` & co.).
Nothing of ggml is compiled or copied; the bench calls the installed library's exported functions.

How to run (from the repository root):

    python3 -m venv .refenv-ggml
    CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 10 .refenv-ggml/bin/pip install -r scripts/requirements-ggml.txt
    .refenv-ggml/bin/python scripts/bench_ggml.py            # bench + table (about 20 minutes)
    .refenv-ggml/bin/python scripts/bench_ggml.py --table    # table from the last run only

Options: --types q4_0,q8_0 (a subset), --lib-dir DIR (default: the installed llama_cpp package's
lib/ folder, or $LOWBIT_GGML_LIB_DIR), --no-lock (by default the bench runs under
`flock /tmp/bench.lock`, so that no two timing runs overlap on a shared machine).

The table (between the GGUF markers in docs/benchmarks.md) gives G elements/s per backend, ggml's
functions, the same-bytes copy, and the ratios the targets are stated in: dequantize >= 3x ggml in
cache and >= 90% of the copy at DRAM size; quantize >= 2x ggml's reference quantizer and >= 1x its
SIMD CPU backend where it has one.
"""

import argparse
import glob
import importlib.util
import json
import os
import platform
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN = "<!-- GGUF TABLE BEGIN (scripts/bench_ggml.py) -->"
END = "<!-- GGUF TABLE END -->"
BACKENDS = ["Scalar", "Portable", "Avx2", "Avx512"]


def lib_dir(arg):
    if arg:
        return arg
    if os.environ.get("LOWBIT_GGML_LIB_DIR"):
        return os.environ["LOWBIT_GGML_LIB_DIR"]
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.origin:
        sys.exit("llama_cpp is not installed here: run with the .refenv-ggml python, or --lib-dir")
    return os.path.join(os.path.dirname(spec.origin), "lib")


def run_bench(libdir, types, lock):
    env = dict(os.environ, LOWBIT_GGML_LIB_DIR=libdir, OMP_NUM_THREADS="1")
    if types:
        env["LOWBIT_GGUF_TYPES"] = types
    cmd = ["cargo", "bench", "--bench", "gguf"]
    if lock:
        cmd = ["flock", "/tmp/bench.lock"] + cmd
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def results():
    """{(op, size, type): {function: G elem/s}} from criterion's files."""
    out = {}
    for bj in glob.glob(os.path.join(ROOT, "target", "criterion", "**", "new", "benchmark.json"), recursive=True):
        with open(bj) as f:
            b = json.load(f)
        gid = b.get("group_id", "")
        if not gid.startswith("gguf_"):
            continue
        with open(os.path.join(os.path.dirname(bj), "estimates.json")) as f:
            est = json.load(f)
        ns = est["median"]["point_estimate"]
        elems = (b.get("throughput") or {}).get("Elements")
        if not elems:
            continue
        op, size, ty = gid.split("/")
        fn = b["function_id"] if b.get("value_str") is None else f'{b["function_id"]}/{b["value_str"]}'
        fn = fn.replace("lowbit/", "")
        out.setdefault((op.replace("gguf_", ""), size, ty), {})[fn] = elems / ns
    return out


def fmt(v):
    return "–" if v is None else f"{v:.2f}"


def machine():
    model, flags = "?", ""
    try:
        info = open("/proc/cpuinfo").read()
        for line in info.splitlines():
            if line.startswith("model name") and model == "?":
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                fl = line.split(":", 1)[1].split()
                flags = " ".join(f for f in fl if f.startswith(("avx", "f16c", "fma", "sse4")))
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; flags: {flags}"


def table(res):
    rows = []
    head = ("| op | size | type | Scalar | Portable | AVX2 | AVX-512 | ggml | ggml-cpu | copy "
            "| best / ggml | best / ggml-cpu | best % copy | target |")
    rows.append(head)
    rows.append("|" + "---|" * 14)
    order = {"quantize": 0, "dequantize": 1}
    for (op, size, ty) in sorted(res, key=lambda k: (order.get(k[0], 9), k[1], k[2])):
        r = res[(op, size, ty)]
        be = [r.get(b) for b in BACKENDS]
        best = max([v for v in be if v is not None], default=None)
        ggml = r.get("ggml") or r.get("ggml-chunk") or r.get("ggml-ref") or r.get("ggml-base")
        cpu = r.get("ggml-cpu")
        copy = r.get("copy-same-bytes")
        ratio = best / ggml if best and ggml else None
        rcpu = best / cpu if best and cpu else None
        pc = 100 * best / copy if best and copy else None
        if op == "dequantize" and size == "cache":
            ok = ratio is not None and ratio >= 3
            tgt = ">= 3x ggml: " + ("met" if ok else "missed")
        elif op == "dequantize":
            ok = pc is not None and pc >= 90
            tgt = ">= 90% copy: " + ("met" if ok else "missed")
        else:
            parts = []
            if ratio is not None:
                parts.append(">= 2x ggml: " + ("met" if ratio >= 2 else "missed"))
            if rcpu is not None:
                parts.append(">= 1x ggml-cpu: " + ("met" if rcpu >= 1 else "missed"))
            tgt = "; ".join(parts) or "–"
        rows.append(
            f"| {op} | {size} | {ty} | " + " | ".join(fmt(v) for v in be)
            + f" | {fmt(ggml)} | {fmt(cpu)} | {fmt(copy)} | {fmt(ratio)} | {fmt(rcpu)} | "
            + ("–" if pc is None else f"{pc:.0f}%") + f" | {tgt} |"
        )
    return "\n".join(rows)


def write_doc(res):
    text = open(DOC).read() if os.path.exists(DOC) else "# Benchmarks\n"
    body = (
        f"{BEGIN}\n\nMachine: {machine()}. G elements/s, medians of criterion "
        "(10 samples of 1 s), single thread, one process per run (ggml loaded into the bench "
        "process). `ggml` is `dequantize_row_*` for dequantize and the reference quantizer for "
        "quantize (`ggml_quantize_chunk`, or `quantize_row_*_ref` for Q8_1/Q8_K, "
        "`ggml_fp32_to_fp16_row`/`ggml_fp32_to_bf16_row_ref` for the 16-bit rows); `ggml-cpu` "
        "is the CPU backend's SIMD function where it has one. At DRAM size only the best "
        "backend runs.\n\n" + table(res) + f"\n\n{END}"
    )
    if BEGIN in text and END in text:
        pre = text[: text.index(BEGIN)]
        post = text[text.index(END) + len(END):]
        text = pre + body + post
    else:
        text = text.rstrip("\n") + "\n\n## GGUF vs ggml\n\n" + body + "\n"
    with open(DOC, "w") as f:
        f.write(text)
    print(f"wrote {DOC}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--table", action="store_true", help="only tabulate the last run")
    ap.add_argument("--types", default="", help="comma-separated ggml type names")
    ap.add_argument("--lib-dir", default="")
    ap.add_argument("--no-lock", action="store_true")
    a = ap.parse_args()
    if not a.table:
        run_bench(lib_dir(a.lib_dir), a.types, not a.no_lock)
    res = results()
    if not res:
        sys.exit("no gguf results under target/criterion")
    print(table(res))
    write_doc(res)


if __name__ == "__main__":
    main()
