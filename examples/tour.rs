//! A tour of lowbit on built-in data: `cargo run --release --example tour`.
//!
//! 1. Every named element format: width, range, precision and special values.
//! 2. The error of an LLM-like weight tensor (Gaussian weights with a few outlier input
//!    channels) stored in each element format (per-tensor absmax scaling) and in each block
//!    format; then the 4-bit grids (NF4, E2M1, INT4, IQ4_NL, bitsandbytes FP4) side by side
//!    with the same block-64 absmax scaling, and bitsandbytes' and GGUF's own stored forms.
//! 3. The library profiles on the same tensor: their error, and how many element codes
//!    differ from the crate's exact definition of the same format (`docs/profiles.md`).
//! 4. A small GGUF file written and read back.
//! 5. Single-thread throughput of the main kernels beside a copy of the same bytes.

#[path = "common/svg.rs"]
mod svg;

use lowbit::metrics::ErrorStats;
use lowbit::ternary::{self, TritLayout};
use lowbit::{Backend, BlockFormat, ElementFormat, Format, Overflow, Rounding};
use std::hint::black_box;
use std::time::Instant;

/// A small deterministic generator (xorshift64*), so the tour prints the same every run.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
    /// Box–Muller.
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.uniform(), self.uniform());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// 256 output rows × 1024 input channels, N(0, 0.02²), with 8 outlier channels ×25:
/// the activation-outlier pattern that LLM.int8() and SmoothQuant describe, seen in weights
/// after the usual smoothing migration.
fn llm_like_tensor() -> Vec<f32> {
    let (rows, cols) = (256, 1024);
    let mut rng = Rng(0x1B17_1AB0);
    let outliers = [3usize, 77, 190, 404, 511, 640, 777, 1000];
    let mut w = Vec::with_capacity(rows * cols);
    for _ in 0..rows {
        for c in 0..cols {
            let scale = if outliers.contains(&c) { 25.0 } else { 1.0 };
            w.push((rng.normal() * 0.02 * scale) as f32);
        }
    }
    w
}

fn specials(f: &ElementFormat) -> String {
    let mut s = Vec::new();
    if f.has_inf() {
        s.push("±inf");
    }
    if f.has_nan() {
        s.push("NaN");
    }
    if let Some(spec) = f.float_spec() {
        if spec.has_neg_zero() {
            s.push("-0");
        }
        if !spec.has_zero() {
            s.push("no zero");
        }
    }
    if s.is_empty() {
        "-".into()
    } else {
        s.join(" ")
    }
}

/// Per-tensor absmax scaling into an element format: the simplest way to store a tensor.
fn element_roundtrip(f: &ElementFormat, x: &[f32]) -> Vec<f32> {
    let amax = x.iter().fold(0f32, |m, v| m.max(v.abs())) as f64;
    let scale = amax / f.max_value();
    x.iter()
        .map(|&v| {
            let c = f.encode_f64(v as f64 / scale, Rounding::NearestEven, Overflow::Saturate);
            (f.decode_f64(c) * scale) as f32
        })
        .collect()
}

fn main() {
    println!("lowbit tour — every named element format\n");
    println!(
        "{:<20} {:>4} {:>12} {:>12} {:>12} {:>10}  specials",
        "format", "bits", "max", "min normal", "min subnorm", "epsilon"
    );
    for (name, f, _) in ElementFormat::NAMED {
        println!(
            "{:<20} {:>4} {:>12.6e} {:>12.6e} {:>12.6e} {:>10.3e}  {}",
            name,
            f.bits(),
            f.max_value(),
            f.min_positive_normal(),
            f.min_positive(),
            f.epsilon(),
            specials(f)
        );
    }

    write_value_grids();

    let w = llm_like_tensor();
    println!(
        "\nQuantization error on a built-in LLM-like weight tensor ({} values: N(0, 0.02²), \
         8 of 1024 input channels ×25)\n",
        w.len()
    );
    println!(
        "{:<34} {:>6} {:>12} {:>10}",
        "format", "bits", "RMSE", "SQNR dB"
    );
    let row = |name: &str, bits: f64, y: &[f32]| {
        let s = ErrorStats::of(&w, y).unwrap();
        println!(
            "{:<34} {:>6.2} {:>12.4e} {:>10.2}",
            name, bits, s.rmse, s.sqnr_db
        );
    };
    for (name, f, _) in ElementFormat::NAMED {
        // Skip the scale format, ternary (its own row below), 1-bit integers, and unsigned
        // formats, which need a zero point rather than symmetric absmax scaling.
        let unsigned = f.min_value() >= 0.0;
        if *f == ElementFormat::FLOAT8_E8M0FNU || *name == "ternary" || f.bits() == 1 || unsigned {
            continue;
        }
        row(
            &format!("{name} (per-tensor)"),
            f.bits() as f64,
            &element_roundtrip(f, &w),
        );
    }
    // Every scaled format on the [256, 1024] weight, blocks along its rows. Bits per
    // element: codes, scales and zero points as stored (plus NVFP4's f32 tensor scale).
    let cols = 1024;
    let rows = w.len() / cols;
    let mut scaled: Vec<BlockFormat> = BlockFormat::NAMED.iter().map(|(_, b)| *b).collect();
    scaled.insert(
        scaled.len() - 2,
        BlockFormat::NVFP4.with_tensor_scale(false).unwrap(),
    );
    for name in [
        "int4_g128",
        "int4_g128_awq",
        "int4_g32_sym",
        "int8_g128_sym",
        "fp8_e4m3_tensor",
        "fp8_e4m3_row",
        "fp8_e4m3_t128x128",
    ] {
        scaled.push(name.parse().unwrap());
    }
    for bf in scaled {
        if is_profile(&bf) {
            continue;
        }
        let mut y = vec![0f32; w.len()];
        bf.quantize_dequantize_rows(&w, cols, &mut y).unwrap();
        let bytes =
            bf.codes_len_rows(rows, cols).unwrap() + bf.scales_len_rows(rows, cols).unwrap();
        let tensor = if matches!(
            bf.scheme(),
            lowbit::Scheme::Nvfp4 {
                two_level: true,
                ..
            }
        ) {
            32.0
        } else {
            0.0
        };
        row(
            &bf.to_string(),
            (8.0 * bytes as f64 + tensor) / w.len() as f64,
            &y,
        );
    }

    four_bit_codebooks(&w, cols);
    profiles(&w, cols);
    gguf_file(&w);
    throughput();
}

/// Writes the weight tensor into a GGUF file (as llama.cpp would name it, in three types)
/// and reads it back: metadata, tensor infos, and the dequantized values' error.
fn gguf_file(w: &[f32]) {
    use lowbit::gguf::{GgufFile, GgufType, GgufWriter};
    let (rows, cols) = (w.len() as u64 / 1024, 1024u64);
    let mut out = GgufWriter::new();
    let written = (|| -> Result<Vec<u8>, lowbit::Error> {
        out.set("general.architecture", "llama")?
            .set("general.name", "lowbit tour")?
            .set("llama.embedding_length", cols as u32)?;
        for (name, t) in [
            ("blk.0.attn_q.weight", GgufType::Q4K),
            ("blk.0.attn_k.weight", GgufType::Q8_0),
            ("blk.0.attn_v.weight", GgufType::Iq4Xs),
        ] {
            // ne[0] first: a row of 1024 input channels, then the 256 rows.
            out.add_tensor(name, &[cols, rows], t, w)?;
        }
        out.to_bytes()
    })()
    .expect("the tour's tensor fits every type");
    let path = std::env::temp_dir().join("lowbit-tour.gguf");
    std::fs::write(&path, &written).expect("write into the temp dir");
    let bytes = std::fs::read(&path).expect("read it back");
    let f = GgufFile::parse(&bytes).expect("a file the crate wrote");
    println!(
        "\nGGUF file {} ({} bytes, version {}, {} metadata pairs, data at byte {})\n",
        path.display(),
        bytes.len(),
        f.version(),
        f.metadata().len(),
        f.data_offset()
    );
    for (k, v) in f.metadata() {
        println!("  {k} = {v}");
    }
    println!(
        "\n  {:<22} {:>7} {:>12} {:>8} {:>12}",
        "tensor", "type", "ne", "bytes", "RMSE"
    );
    for t in f.tensors() {
        let y = t.to_f32().expect("every block type dequantizes");
        let s = ErrorStats::of(w, &y).unwrap();
        println!(
            "  {:<22} {:>7} {:>12} {:>8} {:>12.4e}",
            t.name(),
            t.ggml_type().to_string(),
            format!("{:?}", t.dims()),
            t.data().len(),
            s.rmse
        );
    }
}

/// Whether a format follows another library's recipe (printed in [`profiles`]).
fn is_profile(bf: &BlockFormat) -> bool {
    use lowbit::{AbsmaxProfile as A, AffineRule as R, Nvfp4Profile as N, Scheme as S};
    match bf.scheme() {
        S::MxProfiled { .. } => true,
        S::Nvfp4 { profile, .. } => profile != N::TransformerEngine,
        S::Affine { rule, .. } => matches!(
            rule,
            R::AutoAwq | R::CompressedTensors | R::CompressedTensorsSym
        ),
        S::Absmax { profile, .. } => !matches!(profile, A::DeepSeek | A::BitNet),
        _ => false,
    }
}

/// The crate's exact format a profile is a variant of: the same element, region, scale rule
/// and scale type, computed by the crate's definition (NVFP4: TransformerEngine's recipe;
/// AutoAWQ: the `_awq` rule; compressed-tensors INT: GPTQ's asymmetric or the symmetric rule;
/// FP8: DeepSeek's `amax / 448`).
fn exact_of(bf: &BlockFormat) -> BlockFormat {
    use lowbit::{AbsmaxProfile as A, AffineRule as R, Nvfp4Profile as N, Scheme as S};
    let scheme = match bf.scheme() {
        S::MxProfiled { .. } => return bf.with_mx_profile(None).unwrap(),
        S::Nvfp4 { two_level, .. } => S::Nvfp4 {
            profile: N::TransformerEngine,
            two_level,
        },
        S::Affine { rule, scale } => S::Affine {
            rule: match rule {
                R::AutoAwq => R::Awq,
                R::CompressedTensorsSym => R::Symmetric,
                _ => R::Gptq,
            },
            scale,
        },
        S::Absmax { scale, pow2, .. } => S::Absmax {
            profile: A::DeepSeek,
            scale,
            pow2,
        },
        s => s,
    };
    BlockFormat::new(bf.element(), bf.region(), scheme).unwrap()
}

/// The element codes of `x` (rows of `cols`) in `bf`'s stored form, one per element.
fn element_codes(bf: &BlockFormat, x: &[f32], cols: usize) -> Vec<u8> {
    let rows = x.len() / cols;
    let mut codes = vec![0u8; bf.codes_len_rows(rows, cols).unwrap()];
    let mut scales = vec![0u8; bf.scales_len_rows(rows, cols).unwrap()];
    bf.quantize_rows(x, cols, &mut codes, &mut scales).unwrap();
    let high_first = bf.to_string().contains("torchao14") && bf.element().bits() == 4;
    if high_first {
        codes.iter_mut().for_each(|b| *b = b.rotate_left(4));
    }
    let bits = bf.element().bits();
    let mut out = vec![0u8; x.len()];
    let row_bytes = codes.len() / rows;
    for (r, o) in out.chunks_mut(cols).enumerate() {
        let row = &codes[r * row_bytes..(r + 1) * row_bytes];
        lowbit::pack::unpack(row, bits, lowbit::pack::Layout::Dense, o).unwrap();
    }
    out
}

/// One line per library profile on the built-in tensor: its SQNR beside the exact format's,
/// and the element codes that differ from the exact format's codes.
fn profiles(w: &[f32], cols: usize) {
    println!(
        "
Library profiles on the same tensor (docs/profiles.md): SQNR, and the element codes \
         that differ from the crate's exact definition of the same format\n"
    );
    println!(
        "{:<38} {:<22} {:>8} {:>8} {:>12}",
        "profile", "exact counterpart", "SQNR dB", "exact", "codes differ"
    );
    let names = [
        "mxfp4_torchao",
        "mxfp4_ceil_torchao",
        "mxfp4_even_torchao",
        "mxfp4_rceil_torchao",
        "mxfp6_e2m3_torchao",
        "mxfp6_e3m2_rceil_torchao",
        "mxfp8_e4m3_torchao",
        "mxfp8_e4m3_rceil_torchao",
        "mxfp8_e5m2_torchao",
        "mxfp4_torchao15",
        "mxfp4_torchao14",
        "mxfp4_modelopt",
        "mxfp8_e4m3_modelopt",
        "mxfp4_ct",
        "mxfp6_e2m3_ct",
        "mxfp6_e3m2_ct",
        "mxfp8_e4m3_ct",
        "nvfp4_torchao",
        "nvfp4_torchao_single",
        "nvfp4_torchao15",
        "nvfp4_torchao14",
        "nvfp4_modelopt",
        "nvfp4_ct",
        "int4_g128_autoawq",
        "int4_g128_ct_bf16",
        "int4_g128_sym_ct_bf16",
        "fp8_e4m3_tensor_modelopt",
        "fp8_e4m3_row_ct_bf16",
        "fp8_e4m3_t128x128_ct",
        "fp8_e4m3_t128x128_transformers",
        "fp8_e4m3_t128x128_ue8m0_transformers",
    ];
    let sqnr = |bf: &BlockFormat| {
        let mut y = vec![0f32; w.len()];
        bf.quantize_dequantize_rows(w, cols, &mut y).unwrap();
        ErrorStats::of(w, &y).unwrap().sqnr_db
    };
    for name in names {
        let bf: BlockFormat = name.parse().unwrap();
        let exact = exact_of(&bf);
        let (a, b) = (element_codes(&bf, w, cols), element_codes(&exact, w, cols));
        let differ = a.iter().zip(&b).filter(|(p, q)| p != q).count();
        println!(
            "{:<38} {:<22} {:>8.2} {:>8.2} {:>12}",
            name,
            exact.to_string(),
            sqnr(&bf),
            sqnr(&exact),
            differ
        );
    }
}

/// 4-bit element grids side by side on the same tensor with the same scaling (an f32 absmax
/// per block of 64 along each row), then the two ecosystems' own stored forms: bitsandbytes
/// NF4 (blocks of 64 of the flattened tensor) and GGUF IQ4_NL (ggml's blocks of 32).
fn four_bit_codebooks(w: &[f32], cols: usize) {
    println!("\n4-bit grids, each with an f32 absmax scale per block of 64 (same tensor)\n");
    println!(
        "{:<34} {:>6} {:>12} {:>10}",
        "format", "bits", "RMSE", "SQNR dB"
    );
    let row = |name: &str, bits: f64, y: &[f32]| {
        let s = ErrorStats::of(w, y).unwrap();
        println!(
            "{:<34} {:>6.2} {:>12.4e} {:>10.2}",
            name, bits, s.rmse, s.sqnr_db
        );
    };
    let rows = w.len() / cols;
    for name in [
        "absmax_nf4_g64",
        "absmax_float4_e2m1fn_g64",
        "absmax_int4_g64",
        "absmax_iq4_nl_g64",
        "absmax_bnb_fp4_g64",
    ] {
        let bf: BlockFormat = name.parse().unwrap();
        let mut y = vec![0f32; w.len()];
        bf.quantize_dequantize_rows(w, cols, &mut y).unwrap();
        let bytes =
            bf.codes_len_rows(rows, cols).unwrap() + bf.scales_len_rows(rows, cols).unwrap();
        row(name, 8.0 * bytes as f64 / w.len() as f64, &y);
    }
    let q = lowbit::bnb::Bnb4bit::NF4;
    let (mut p, mut a) = (
        vec![0u8; q.packed_len(w.len())],
        vec![0f32; q.absmax_len(w.len())],
    );
    q.quantize(w, &mut p, &mut a).unwrap();
    let mut y = vec![0f32; w.len()];
    q.dequantize(&p, &a, &mut y).unwrap();
    row(
        "bitsandbytes nf4 (blocksize 64)",
        8.0 * (p.len() + 4 * a.len()) as f64 / w.len() as f64,
        &y,
    );
    let t: lowbit::gguf::GgufType = "iq4_nl".parse().unwrap();
    let mut blocks = vec![0u8; w.len() / t.block_len() * t.block_bytes()];
    lowbit::gguf::quantize(t, w, &mut blocks).unwrap();
    lowbit::gguf::dequantize(t, &blocks, &mut y).unwrap();
    row(
        "gguf iq4_nl (ggml, blocks of 32)",
        8.0 * blocks.len() as f64 / w.len() as f64,
        &y,
    );
}

/// Writes `docs/img/grid-<format>.svg`: every non-negative finite value of the main formats
/// on a linear and a log2 number line. Deterministic, so re-running leaves the committed
/// files unchanged.
fn write_value_grids() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/img");
    let names = [
        "float4_e2m1fn",
        "float6_e2m3fn",
        "float6_e3m2fn",
        "float8_e4m3fn",
        "float8_e4m3fnuz",
        "float8_e5m2",
        "float8_e8m0fnu",
        "int4",
        "ternary",
        "nf4",
        "iq4_nl",
        "bnb_fp4",
        "p3109_k8p3se",
    ];
    let mut written = 0;
    for name in names {
        let f: ElementFormat = name.parse().unwrap();
        let mut vals: Vec<f64> = (0..1u32 << f.bits())
            .map(|c| f.decode_f64(c))
            .filter(|v| v.is_finite() && *v >= 0.0)
            .collect();
        vals.sort_by(|a, b| a.partial_cmp(b).unwrap());
        vals.dedup();
        let normal = f.min_positive_normal();
        let points: Vec<svg::Point> = vals
            .iter()
            .map(|&v| svg::Point {
                value: v,
                subnormal: v > 0.0 && v < normal && matches!(f, ElementFormat::Float(_)),
            })
            .collect();
        let sub = format!(
            "{} non-negative values, max {}, smallest positive {}",
            vals.len(),
            f.max_value(),
            f.min_positive()
        );
        let svg = svg::value_grid(&format!("{name}: every non-negative value"), &sub, &points);
        if std::fs::create_dir_all(&dir).is_ok()
            && std::fs::write(dir.join(format!("grid-{name}.svg")), svg).is_ok()
        {
            written += 1;
        }
    }
    println!("\nwrote {written} value-grid pictures to {}", dir.display());
}

/// Best of five runs, in G elements per second.
fn rate(n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let best = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    n as f64 / best / 1e9
}

/// Copies `src` into `dst` (repeating or truncating it): the memory traffic of a kernel that
/// turns `src` into `dst`.
fn copy_like(src: &[u8], dst: &mut [u8]) {
    if src.len() >= dst.len() {
        let ratio = src.len() / dst.len().max(1);
        for (d, s) in dst.chunks_mut(4096).zip(src.chunks(4096 * ratio)) {
            let acc = s.iter().fold(0u8, |a, &b| a ^ b);
            d.copy_from_slice(&s[..d.len()]);
            d[0] ^= acc;
        }
    } else {
        let ratio = dst.len().div_ceil(src.len().max(1));
        for (s, d) in src.chunks(4096).zip(dst.chunks_mut(4096 * ratio)) {
            for part in d.chunks_mut(s.len()) {
                part.copy_from_slice(&s[..part.len()]);
            }
        }
    }
}

fn throughput() {
    let n = 1 << 22;
    let x: Vec<f32> = llm_like_tensor().into_iter().cycle().take(n).collect();
    println!(
        "\nSingle-thread throughput, {n} elements, backend {:?} (G elements/s; copy = the same \
         bytes in and out)\n",
        Backend::best()
    );
    println!(
        "{:<34} {:>9} {:>9} {:>7}",
        "kernel", "lowbit", "copy", "ratio"
    );
    let chart = std::cell::RefCell::new(Vec::new());
    let line = |name: &str, ours: f64, copy: f64| {
        chart.borrow_mut().push((
            name.to_string(),
            vec![
                ("lowbit".to_string(), ours),
                ("copy of the same bytes".to_string(), copy),
            ],
        ));
        println!(
            "{:<34} {:>9.2} {:>9.2} {:>6.0}%",
            name,
            ours,
            copy,
            100.0 * ours / copy
        );
    };
    let mut out = vec![0f32; n];
    let r = (Rounding::NearestEven, Overflow::NonFinite);
    for (name, f) in [
        ("decode E2M1 -> f32", ElementFormat::FLOAT4_E2M1FN),
        ("decode INT4 -> f32", ElementFormat::INT4),
        ("decode E4M3 -> f32", ElementFormat::FLOAT8_E4M3FN),
    ] {
        let packed = f.encode_vec(&x, r.0, Overflow::Saturate).unwrap();
        let ours = rate(n, || f.decode_slice(black_box(&packed), &mut out).unwrap());
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
        let copy = rate(n, || copy_like(black_box(&packed), bytes));
        line(name, ours, copy);
    }
    for (name, f) in [
        ("encode f32 -> E4M3", ElementFormat::FLOAT8_E4M3FN),
        ("encode f32 -> E2M1", ElementFormat::FLOAT4_E2M1FN),
        ("encode f32 -> float16", ElementFormat::FLOAT16),
    ] {
        let mut packed = vec![0u8; f.packed_len(n).unwrap()];
        let ours = rate(n, || {
            f.encode_slice(black_box(&x), r.0, r.1, &mut packed)
                .unwrap()
        });
        let src: &[u8] = bytemuck::cast_slice(&x);
        let copy = rate(n, || copy_like(black_box(src), &mut packed));
        line(name, ours, copy);
    }
    let src: &[u8] = bytemuck::cast_slice(&x);
    for (name, bf) in [
        ("fake-quant MXFP4", BlockFormat::MXFP4),
        ("fake-quant NVFP4", BlockFormat::NVFP4),
    ] {
        let ours = rate(n, || {
            bf.quantize_dequantize(black_box(&x), &mut out).unwrap()
        });
        let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut out);
        let copy = rate(n, || copy_like(black_box(src), bytes));
        line(name, ours, copy);
    }
    let q: Vec<i8> = x
        .iter()
        .map(|v| (v.signum() * (v.abs() > 0.02) as i32 as f32) as i8)
        .collect();
    let mut packed = vec![0u8; n / 4];
    ternary::pack_trits(&q, TritLayout::TwoBit, &mut packed).unwrap();
    let a: Vec<i8> = (0..n).map(|i| (i * 31) as i8).collect();
    let ours = rate(n, || {
        black_box(ternary::dot_i8(black_box(&packed), TritLayout::TwoBit, &a).unwrap());
    });
    let mut sink = vec![0u8; 1];
    let both: Vec<u8> = packed
        .iter()
        .chain(bytemuck::cast_slice::<i8, u8>(&a))
        .copied()
        .collect();
    let copy = rate(n, || copy_like(black_box(&both), &mut sink));
    line("ternary 2-bit x i8 dot", ours, copy);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/lowbit-tour");
    let svg = svg::bars(
        "lowbit tour: single-thread throughput",
        &format!("{n} elements, backend {:?}, this machine", Backend::best()),
        "G elements per second",
        &chart.borrow(),
    );
    if std::fs::create_dir_all(&dir).is_ok()
        && std::fs::write(dir.join("throughput.svg"), svg).is_ok()
    {
        println!(
            "\nwrote the throughput chart to {}",
            dir.join("throughput.svg").display()
        );
    }
}
