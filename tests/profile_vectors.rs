//! Library profiles against the libraries themselves: every record in
//! `tests/vectors/profiles/` was written by running torchao, ModelOpt, compressed-tensors,
//! AutoAWQ, transformers and gpt-oss on CPU (`scripts/ref_all.sh`; inputs from
//! `scripts/gen_profile_inputs.py`). Each test quantizes the same input with the profile and
//! compares every stored byte (scale bytes, packed codes, tensor scales, zero points) and
//! every dequantized value bit for bit, the sign of zero included (NaN payloads of
//! dequantized values are not compared: NaN is NaN), both through `quantize_rows` +
//! `dequantize_rows` and through `quantize_dequantize_rows`.
//!
//! Record files: `KEY | field | ...`, each field the base64 of little-endian bytes, `-` for
//! absent, `=` for "as the base record" (`#! base FILE`: the record with the same key there;
//! `KEY < KEY2`: record KEY2 of this file).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use half::{bf16, f16};
use lowbit::BlockFormat;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/profiles")
}

/// RFC 4648 base64 (with padding).
fn b64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let s = s.as_bytes();
    assert_eq!(s.len() % 4, 0, "base64 length");
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for q in s.chunks(4) {
        let pad = q.iter().filter(|&&c| c == b'=').count();
        let mut v = 0u32;
        for &c in &q[..4 - pad] {
            v = v << 6 | val(c);
        }
        v <<= 6 * pad as u32;
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

type Fields = Vec<Option<Vec<u8>>>;

/// The records of a file, `=` fields resolved: key → fields (`None` for `-`).
fn records(name: &str) -> Vec<(String, Fields)> {
    let text = std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut base: Option<HashMap<String, Fields>> = None;
    let mut mine: HashMap<String, Fields> = HashMap::new();
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(b) = line.strip_prefix("#! base ") {
            base = Some(records(b.trim()).into_iter().collect());
        }
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.split(" | ");
        let head = parts.next().unwrap();
        let (key, like) = match head.split_once(" < ") {
            Some((k, l)) => (k.to_string(), Some(l.to_string())),
            None => (head.to_string(), None),
        };
        let raw: Vec<&str> = parts.collect();
        let reference = match &like {
            Some(l) => mine.get(l).cloned(),
            None => base.as_ref().and_then(|b| b.get(&key).cloned()),
        };
        let fields: Fields = raw
            .iter()
            .enumerate()
            .map(|(i, f)| match *f {
                "-" => None,
                "=" => reference.as_ref().expect("a base record")[i].clone(),
                f => Some(b64(f)),
            })
            .collect();
        mine.insert(key.clone(), fields.clone());
        out.push((key, fields));
    }
    out
}

struct Input {
    rows: usize,
    cols: usize,
    bf16: bool,
    data: Vec<f32>,
}

fn inputs() -> HashMap<String, Input> {
    let text = std::fs::read_to_string(dir().join("inputs.txt")).unwrap();
    let mut m = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let (head, vals) = line.split_once(" | ").unwrap();
        let h: Vec<&str> = head.split_whitespace().collect();
        let data = f32s(&b64(vals.trim()));
        let (rows, cols) = (h[1].parse().unwrap(), h[2].parse().unwrap());
        assert_eq!(data.len(), rows * cols);
        m.insert(
            h[0].to_string(),
            Input {
                rows,
                cols,
                bf16: h[3] == "1",
                data,
            },
        );
    }
    m
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn f16s(b: &[u8]) -> Vec<f32> {
    b.chunks(2)
        .map(|c| f16::from_le_bytes(c.try_into().unwrap()).to_f32())
        .collect()
}

fn u32s(b: &[u8]) -> Vec<u32> {
    b.chunks(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

/// Bits for comparison: every NaN as one pattern, the sign of zero kept.
fn vbits(v: &[f32]) -> Vec<u32> {
    v.iter()
        .map(|x| if x.is_nan() { 0x7FC0_0000 } else { x.to_bits() })
        .collect()
}

/// The first difference of two sequences, for messages.
fn first_diff<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T]) -> String {
    if a.len() != b.len() {
        return format!("lengths {} vs {}", a.len(), b.len());
    }
    let n = a.iter().zip(b).filter(|(x, y)| x != y).count();
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(i) => format!(
            "{n} differ, first at {i}: {:x?} vs library {:x?}",
            a[i], b[i]
        ),
        None => "equal".into(),
    }
}

/// The stored form of `x` (`rows × cols`) and the values both ways: dequantize of the stored
/// form and quantize_dequantize (which must agree).
struct Run {
    codes: Vec<u8>,
    scales: Vec<u8>,
    tensor_scale: f32,
    deq: Vec<f32>,
}

fn run(bf: &BlockFormat, x: &[f32], cols: usize) -> Run {
    let rows = x.len() / cols;
    let mut codes = vec![0u8; bf.codes_len_rows(rows, cols).unwrap()];
    let mut scales = vec![0u8; bf.scales_len_rows(rows, cols).unwrap()];
    let t = bf.quantize_rows(x, cols, &mut codes, &mut scales).unwrap();
    let mut deq = vec![0f32; x.len()];
    bf.dequantize_rows(&codes, &scales, t, cols, &mut deq)
        .unwrap();
    let mut qdq = vec![0f32; x.len()];
    bf.quantize_dequantize_rows(x, cols, &mut qdq).unwrap();
    assert_eq!(
        vbits(&deq),
        vbits(&qdq),
        "{bf}: dequantize(quantize) != quantize_dequantize"
    );
    Run {
        codes,
        scales,
        tensor_scale: t,
        deq,
    }
}

/// Per-profile tallies and the failures, reported together.
#[derive(Default)]
struct Tally {
    counts: std::collections::BTreeMap<String, (usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn check(&mut self, profile: &str, what: &str, diffs: Vec<(&str, String)>) {
        let e = self.counts.entry(profile.to_string()).or_default();
        e.1 += 1;
        let bad: Vec<_> = diffs.into_iter().filter(|(_, d)| d != "equal").collect();
        if bad.is_empty() {
            e.0 += 1;
        } else {
            let mut m = format!("{profile} {what}:");
            for (f, d) in bad {
                let _ = write!(m, " [{f}: {d}]");
            }
            self.failures.push(m);
        }
    }

    fn finish(self, min_records: usize) {
        let mut total = 0;
        for (p, (ok, n)) in &self.counts {
            println!("{p}: {ok}/{n} records match");
            total += n;
        }
        assert!(total >= min_records, "only {total} records");
        assert!(
            self.failures.is_empty(),
            "{} mismatches:\n{}",
            self.failures.len(),
            self.failures[..self.failures.len().min(40)].join("\n")
        );
    }
}

fn unpack(codes: &[u8], bits: u32, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    lowbit::pack::unpack(codes, bits, lowbit::pack::Layout::Dense, &mut out).unwrap();
    out
}

fn mx_name(elem: &str) -> &'static str {
    match elem {
        "fp8e4m3" => "mxfp8_e4m3",
        "fp8e5m2" => "mxfp8_e5m2",
        "fp6e2m3" => "mxfp6_e2m3",
        "fp6e3m2" => "mxfp6_e3m2",
        "fp4e2m1" => "mxfp4",
        _ => panic!("{elem}"),
    }
}

/// torchao `MXTensor.to_mx` (0.18, 0.15, 0.14), every element format and scale rule.
#[test]
fn mx_torchao() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (ver, suffix) in [
        ("0.18", "torchao"),
        ("0.15", "torchao15"),
        ("0.14", "torchao14"),
    ] {
        for elem in ["fp8e4m3", "fp8e5m2", "fp6e2m3", "fp6e3m2", "fp4e2m1"] {
            for (key, f) in records(&format!("torchao_{ver}_mx_{elem}.txt")) {
                let (tid, mode) = key.split_once(' ').unwrap();
                let name = format!("{}_{mode}_{suffix}", mx_name(elem));
                let bf: BlockFormat = name.parse().unwrap();
                let x = &inp[tid];
                let r = run(&bf, &x.data, x.cols);
                let n = x.data.len();
                // torchao keeps FP6 codes unpacked, one per byte.
                let codes = if elem.starts_with("fp6") {
                    unpack(&r.codes, 6, n)
                } else {
                    r.codes.clone()
                };
                let want_y = f32s(f[2].as_ref().unwrap());
                tally.check(
                    &format!("torchao {ver} {elem}"),
                    &key,
                    vec![
                        ("scales", first_diff(&r.scales, f[0].as_ref().unwrap())),
                        ("codes", first_diff(&codes, f[1].as_ref().unwrap())),
                        ("dequantized", first_diff(&vbits(&r.deq), &vbits(&want_y))),
                    ],
                );
            }
        }
    }
    tally.finish(2000);
}

/// ModelOpt `MXFP4QTensor` / `MXFP8QTensor` (0.47).
#[test]
fn mx_modelopt() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (key, f) in records("modelopt_0.47_mx.txt") {
        let (tid, prof) = key.split_once(' ').unwrap();
        let x = &inp[tid];
        let (bf, cols): (BlockFormat, usize) = match prof {
            // MXFP4QTensor views the whole tensor as (-1, 32): one long row.
            "mxfp4" => ("mxfp4_modelopt".parse().unwrap(), x.data.len()),
            _ => ("mxfp8_e4m3_modelopt".parse().unwrap(), x.cols),
        };
        let r = run(&bf, &x.data, cols);
        let want_y = f32s(f[2].as_ref().unwrap());
        tally.check(
            &format!("modelopt 0.47 {prof}"),
            &key,
            vec![
                ("scales", first_diff(&r.scales, f[0].as_ref().unwrap())),
                ("codes", first_diff(&r.codes, f[1].as_ref().unwrap())),
                ("dequantized", first_diff(&vbits(&r.deq), &vbits(&want_y))),
            ],
        );
    }
    tally.finish(60);
}

/// compressed-tensors MXFP4A16 / MXFP6A16 / MXFP8A16 (0.20), float32 weights. The library
/// decompresses to bfloat16: the crate's dequantization into bf16 is compared.
#[test]
fn mx_compressed_tensors() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (key, f) in records("ct_0.20_mx.txt") {
        let k: Vec<&str> = key.split(' ').collect();
        if k[2] != "f32" {
            continue;
        }
        let x = &inp[k[0]];
        let name = match k[1] {
            "mxfp4" => "mxfp4_ct",
            "mxfp6" => "mxfp6_e2m3_ct",
            _ => "mxfp8_e4m3_ct",
        };
        let bf: BlockFormat = name.parse().unwrap();
        let r = run(&bf, &x.data, x.cols);
        let mut y16 = vec![bf16::ZERO; x.data.len()];
        bf.dequantize_rows(&r.codes, &r.scales, r.tensor_scale, x.cols, &mut y16)
            .unwrap();
        let got: Vec<f32> = y16.iter().map(|v| v.to_f32()).collect();
        let want_y = f32s(f[2].as_ref().unwrap());
        tally.check(
            &format!("ct 0.20 {}", k[1]),
            &key,
            vec![
                ("scales", first_diff(&r.scales, f[0].as_ref().unwrap())),
                ("codes", first_diff(&r.codes, f[1].as_ref().unwrap())),
                ("dequantized", first_diff(&vbits(&got), &vbits(&want_y))),
            ],
        );
    }
    tally.finish(80);
}

/// How NVFP4 codes are compared.
#[derive(Clone, Copy, PartialEq)]
enum Codes {
    Exact,
    /// torchao before 0.17 computes `p · s` with both NaN when the tensor holds a NaN; which
    /// NaN ATen's inner loop returns depends on the block's position in it (the recorded
    /// runs give either sign), and the E2M1 code torchao derives from it follows. Codes of
    /// blocks whose scale byte is NaN are compared without their sign bit.
    NanBlocksUnsigned,
}

#[allow(clippy::too_many_arguments)]
fn nvfp4_check(
    tally: &mut Tally,
    profile: &str,
    key: &str,
    bf: &BlockFormat,
    x: &Input,
    f: &Fields,
    bf16_out: bool,
    mode: Codes,
) {
    let r = run(bf, &x.data, x.cols);
    let mut diffs = vec![];
    if let Some(t) = &f[0] {
        diffs.push((
            "tensor scale",
            first_diff(&vbits(&[r.tensor_scale]), &vbits(&f32s(t))),
        ));
    }
    let want_scales = f[1].as_ref().unwrap();
    diffs.push(("scales", first_diff(&r.scales, want_scales)));
    let n = x.data.len();
    let (mut got, mut want) = (unpack(&r.codes, 4, n), unpack(f[2].as_ref().unwrap(), 4, n));
    if mode == Codes::NanBlocksUnsigned && x.data.iter().any(|v| v.is_nan()) {
        for i in 0..n {
            if want_scales[i / 16] & 0x7F == 0x7F {
                got[i] &= 7;
                want[i] &= 7;
            }
        }
    }
    diffs.push(("codes", first_diff(&got, &want)));
    if let Some(y) = &f[3] {
        let got = if bf16_out {
            let mut y16 = vec![bf16::ZERO; x.data.len()];
            bf.dequantize_rows(&r.codes, &r.scales, r.tensor_scale, x.cols, &mut y16)
                .unwrap();
            y16.iter().map(|v| v.to_f32()).collect()
        } else {
            r.deq.clone()
        };
        diffs.push(("dequantized", first_diff(&vbits(&got), &vbits(&f32s(y)))));
    }
    tally.check(profile, key, diffs);
}

/// torchao `NVFP4Tensor.to_nvfp4` 0.18 / 0.15 / 0.14, two-level and single-level.
#[test]
fn nvfp4_torchao() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (ver, name) in [
        ("0.18", "nvfp4_torchao"),
        ("0.15", "nvfp4_torchao15"),
        ("0.14", "nvfp4_torchao14"),
    ] {
        for (key, f) in records(&format!("torchao_{ver}_nvfp4.txt")) {
            let (tid, mode) = key.split_once(' ').unwrap();
            let full = if mode == "single" {
                format!("{name}_single")
            } else {
                name.to_string()
            };
            let bf: BlockFormat = full.parse().unwrap();
            let mode = if ver == "0.18" || mode == "single" {
                Codes::Exact
            } else {
                Codes::NanBlocksUnsigned
            };
            let p = format!("torchao {ver} nvfp4");
            nvfp4_check(&mut tally, &p, &key, &bf, &inp[tid], &f, false, mode);
        }
    }
    tally.finish(190);
}

/// ModelOpt `NVFP4QTensor` 0.47 (`weight`, `weight_scale`, `weight_scale_2`).
#[test]
fn nvfp4_modelopt() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (key, f) in records("modelopt_0.47_nvfp4.txt") {
        let (tid, mode) = key.split_once(' ').unwrap();
        let name = if mode == "single" {
            "nvfp4_modelopt_single"
        } else {
            "nvfp4_modelopt"
        };
        let x = &inp[tid];
        if !x.cols.is_multiple_of(16) {
            // ModelOpt pads a ragged row to 16 and cannot dequantize it: its stored form is
            // the zero-padded tensor's (compared below).
            let cols = x.cols.div_ceil(16) * 16;
            let mut padded = vec![0f32; x.rows * cols];
            for r in 0..x.rows {
                padded[r * cols..r * cols + x.cols]
                    .copy_from_slice(&x.data[r * x.cols..(r + 1) * x.cols]);
            }
            let p = Input {
                rows: x.rows,
                cols,
                bf16: x.bf16,
                data: padded,
            };
            let bf = name.parse().unwrap();
            nvfp4_check(
                &mut tally,
                "modelopt 0.47 nvfp4",
                &key,
                &bf,
                &p,
                &f,
                false,
                Codes::Exact,
            );
            continue;
        }
        let bf = name.parse().unwrap();
        nvfp4_check(
            &mut tally,
            "modelopt 0.47 nvfp4",
            &key,
            &bf,
            x,
            &f,
            false,
            Codes::Exact,
        );
    }
    tally.finish(70);
}

/// compressed-tensors NVFP4A16 0.20, float32 weights (decompressed to bfloat16).
#[test]
fn nvfp4_compressed_tensors() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (key, f) in records("ct_0.20_nvfp4.txt") {
        let (tid, wd) = key.split_once(' ').unwrap();
        if wd != "f32" {
            continue;
        }
        let bf = "nvfp4_ct".parse().unwrap();
        nvfp4_check(
            &mut tally,
            "ct 0.20 nvfp4",
            &key,
            &bf,
            &inp[tid],
            &f,
            true,
            Codes::Exact,
        );
    }
    tally.finish(30);
}

fn transpose<T: Copy>(v: &[T], rows: usize, cols: usize) -> Vec<T> {
    (0..cols * rows)
        .map(|i| v[(i % rows) * cols + i / rows])
        .collect()
}

/// The f16/bf16/f32 scales of a stored form (the first `count` records).
fn scale_values(scales: &[u8], bytes: usize, count: usize, bf16_scales: bool) -> Vec<f32> {
    scales[..count * bytes]
        .chunks(bytes)
        .map(|c| match (bytes, bf16_scales) {
            (4, _) => f32::from_le_bytes(c.try_into().unwrap()),
            (2, true) => bf16::from_le_bytes(c.try_into().unwrap()).to_f32(),
            _ => f16::from_le_bytes(c.try_into().unwrap()).to_f32(),
        })
        .collect()
}

/// AutoAWQ 0.2.9 checkpoints (`_apply_quant`, the f16 path; GEMM packing): `scales`,
/// `qzeros` and `qweight` as AutoAWQ stores them, and `dequantize_gemm`.
#[test]
fn int4_autoawq() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (key, f) in records("awq_0.2.9.txt") {
        let k: Vec<&str> = key.split(' ').collect();
        if k[2] != "f16" {
            // `f32direct` is not a path AutoAWQ takes (see scripts/ref_awq.py).
            continue;
        }
        let x = &inp[k[0]];
        let g: usize = k[1].parse().unwrap();
        let bf: BlockFormat = format!("int4_g{g}_autoawq").parse().unwrap();
        let (rows, cols) = (x.rows, x.cols);
        let r = run(&bf, &x.data, cols);
        let groups = cols / g;
        // AutoAWQ's tensors are [in, out]: transpose ours ([out, in]).
        let scales = scale_values(&r.scales, 2, rows * groups, false);
        let zeros = &r.scales[rows * groups * 2..];
        let codes = unpack(&r.codes, 4, rows * cols);
        let (mut qz, mut qw) = (vec![0u32; groups * rows / 8], vec![0u32; cols * rows / 8]);
        lowbit::pack::pack_awq(&transpose(zeros, rows, groups), groups, rows, &mut qz).unwrap();
        lowbit::pack::pack_awq(&transpose(&codes, rows, cols), cols, rows, &mut qw).unwrap();
        let mut y16 = vec![f16::ZERO; x.data.len()];
        bf.dequantize_rows(&r.codes, &r.scales, r.tensor_scale, cols, &mut y16)
            .unwrap();
        let y: Vec<f32> = y16.iter().map(|v| v.to_f32()).collect();
        tally.check(
            "autoawq 0.2.9",
            &key,
            vec![
                (
                    "scales",
                    first_diff(
                        &vbits(&transpose(&scales, rows, groups)),
                        &vbits(&f16s(f[0].as_ref().unwrap())),
                    ),
                ),
                ("qzeros", first_diff(&qz, &u32s(f[1].as_ref().unwrap()))),
                ("qweight", first_diff(&qw, &u32s(f[2].as_ref().unwrap()))),
                (
                    "dequantized",
                    first_diff(&vbits(&y), &vbits(&f32s(f[3].as_ref().unwrap()))),
                ),
            ],
        );
    }
    tally.finish(6);
}

/// compressed-tensors 0.20 pack-quantized INT4 (W4A16, W4A16_ASYM; groups 128 and 32), f32
/// and bf16 weights.
#[test]
fn int4_compressed_tensors() {
    let inp = inputs();
    let mut tally = Tally::default();
    for (key, f) in records("ct_0.20_int4.txt") {
        let k: Vec<&str> = key.split(' ').collect();
        let x = &inp[k[0]];
        let (sym, g) = k[1].split_once("_g").unwrap();
        let g: usize = g.parse().unwrap();
        let b16 = k[2] == "bf16";
        let rule = if sym == "sym" { "sym_ct" } else { "ct" };
        let st = if b16 { "bf16" } else { "f32" };
        let bf: BlockFormat = format!("int4_g{g}_{rule}_{st}").parse().unwrap();
        let (rows, cols) = (x.rows, x.cols);
        let r = run(&bf, &x.data, cols);
        let groups = cols / g;
        let sb = if b16 { 2 } else { 4 };
        let scales = scale_values(&r.scales, sb, rows * groups, true);
        let zeros = &r.scales[rows * groups * sb..];
        let mut diffs = vec![
            (
                "scales",
                first_diff(&vbits(&scales), &vbits(&f32s(f[0].as_ref().unwrap()))),
            ),
            ("codes", first_diff(&r.codes, f[2].as_ref().unwrap())),
        ];
        if let Some(zw) = &f[1] {
            // weight_zero_point [rows, groups] packed along dim 0: word (k, j) holds rows
            // 8k..8k+7 of group j, each zp + 8.
            let zw = u32s(zw);
            let want: Vec<u8> = (0..rows * groups)
                .map(|i| {
                    (zw[(i / groups) / 8 * groups + i % groups] >> (4 * ((i / groups) % 8)) & 15)
                        as u8
                })
                .collect();
            diffs.push(("zero points", first_diff(zeros, &want)));
        } else {
            diffs.push(("zero points", first_diff(zeros, &vec![8u8; rows * groups])));
        }
        if let Some(y) = &f[3] {
            let got: Vec<f32> = if b16 {
                let mut v = vec![bf16::ZERO; x.data.len()];
                bf.dequantize_rows(&r.codes, &r.scales, r.tensor_scale, cols, &mut v)
                    .unwrap();
                v.iter().map(|v| v.to_f32()).collect()
            } else {
                r.deq.clone()
            };
            diffs.push(("dequantized", first_diff(&vbits(&got), &vbits(&f32s(y)))));
        }
        tally.check(&format!("ct 0.20 int4 {} {}", k[1], k[2]), &key, diffs);
    }
    tally.finish(140);
}

/// FP8 E4M3 with per-tensor, per-row and 128×128 scales: ModelOpt 0.47 `FP8QTensor`,
/// compressed-tensors 0.20 (FP8, FP8_DYNAMIC, FP8_BLOCK; f32 and bf16 weights) and
/// transformers 5.24 `Fp8Quantize` (DeepSeek-V3's ue8m0 `weight_scale_inv`, and f32).
#[test]
fn fp8_scaled() {
    let inp = inputs();
    let mut tally = Tally::default();
    let region = |p: &str| match p {
        "tensor" => "tensor",
        "channel" => "row",
        "block128" | "128x128" => "t128x128",
        "1x32" => "t1x32",
        _ => panic!("{p}"),
    };
    let mut cases: Vec<(String, String, BlockFormat, bool, Fields, bool)> = vec![];
    for (key, f) in records("modelopt_0.47_fp8.txt") {
        let (tid, p) = key.split_once(' ').unwrap();
        let bf = format!("fp8_e4m3_{}_modelopt", region(p)).parse().unwrap();
        cases.push(("modelopt 0.47 fp8".into(), key.clone(), bf, false, f, false));
        let _ = tid;
    }
    for (key, f) in records("ct_0.20_fp8.txt") {
        let k: Vec<&str> = key.split(' ').collect();
        let b16 = k[2] == "bf16";
        let st = if b16 { "_bf16" } else { "" };
        let bf = format!("fp8_e4m3_{}_ct{st}", region(k[1])).parse().unwrap();
        cases.push((
            format!("ct 0.20 fp8 {}", k[2]),
            key.clone(),
            bf,
            b16,
            f,
            false,
        ));
    }
    for (key, f) in records("transformers_fp8_ue8m0.txt") {
        let (_, p) = key.split_once(' ').unwrap();
        let (fmt, blk) = p.split_once('_').unwrap();
        let pow2 = if fmt == "ue8m0" { "_ue8m0" } else { "" };
        let bf = format!("fp8_e4m3_{}{pow2}_transformers", region(blk))
            .parse()
            .unwrap();
        cases.push((
            format!("transformers 5.24 fp8 {fmt}"),
            key.clone(),
            bf,
            false,
            f,
            fmt == "ue8m0",
        ));
    }
    for (profile, key, bf, b16, f, e8m0) in cases {
        let tid = key.split(' ').next().unwrap();
        let x = &inp[tid];
        let r = run(&bf, &x.data, x.cols);
        let count = bf.scale_count_rows(x.rows, x.cols).unwrap();
        let scales = scale_values(&r.scales, bf.scale_bytes(), count, true);
        let scale_diff = if e8m0 {
            use lowbit::{ElementFormat, Format, Overflow, Rounding};
            let bytes: Vec<u8> = scales
                .iter()
                .map(|&v| {
                    ElementFormat::FLOAT8_E8M0FNU.encode(
                        v,
                        Rounding::NearestEven,
                        Overflow::NonFinite,
                    ) as u8
                })
                .collect();
            first_diff(&bytes, f[0].as_ref().unwrap())
        } else {
            first_diff(&vbits(&scales), &vbits(&f32s(f[0].as_ref().unwrap())))
        };
        let got: Vec<f32> = if b16 {
            let mut v = vec![bf16::ZERO; x.data.len()];
            bf.dequantize_rows(&r.codes, &r.scales, r.tensor_scale, x.cols, &mut v)
                .unwrap();
            v.iter().map(|v| v.to_f32()).collect()
        } else {
            r.deq.clone()
        };
        tally.check(
            &profile,
            &key,
            vec![
                ("scales", scale_diff),
                ("codes", first_diff(&r.codes, f[1].as_ref().unwrap())),
                (
                    "dequantized",
                    first_diff(&vbits(&got), &vbits(&f32s(f[2].as_ref().unwrap()))),
                ),
            ],
        );
    }
    tally.finish(390);
}

/// gpt-oss MXFP4 checkpoints (`*.blocks`, `*.scales`) decoded by gpt-oss 0.0.9's loader and
/// by transformers 5.24's `convert_moe_packed_tensors` (both bf16): the crate's `mxfp4`
/// dequantization into bf16 gives the same bits for every byte, except that a scale byte of
/// 255 is NaN in OCP MX (and here) while both loaders compute `ldexp(v, 128)` (±∞ for
/// |v| ≥ 1, ±2^127 for 0.5, ±0 for zero codes).
#[test]
fn mxfp4_gptoss_loaders() {
    let bf = BlockFormat::MXFP4;
    let mut n = 0;
    for file in ["gptoss_mxfp4_gptoss.txt", "gptoss_mxfp4_transformers.txt"] {
        for (key, f) in records(file) {
            let (scales, blocks) = (f[0].as_ref().unwrap(), f[1].as_ref().unwrap());
            let want = f32s(f[2].as_ref().unwrap());
            let mut y = vec![bf16::ZERO; want.len()];
            bf.dequantize(blocks, scales, 1.0, &mut y).unwrap();
            for (i, (g, w)) in y.iter().zip(&want).enumerate() {
                let g = g.to_f32();
                if scales[i / 32] == 255 {
                    assert!(g.is_nan(), "{file} row {key} element {i}");
                    let code = blocks[i / 2] >> (4 * (i % 2)) & 7;
                    let expect = match code {
                        0 => 0.0,
                        1 => 2f32.powi(127),
                        _ => f32::INFINITY,
                    };
                    assert_eq!(w.abs(), expect, "{file} row {key} element {i}");
                } else {
                    assert_eq!(g.to_bits(), w.to_bits(), "{file} row {key} element {i}");
                }
            }
            n += 1;
        }
    }
    assert_eq!(n, 34);
}
