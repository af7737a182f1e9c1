//! A tour of lowbit on built-in data: `cargo run --release --example tour`.
//!
//! 1. Every named element format: width, range, precision and special values.
//! 2. The error of an LLM-like weight tensor (Gaussian weights with a few outlier input
//!    channels) stored in each element format (per-tensor absmax scaling) and in each block
//!    format.

use lowbit::metrics::ErrorStats;
use lowbit::{BlockFormat, ElementFormat, Format, Overflow, Rounding};

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

/// BitNet b1.58: W_q = clamp(round(W / mean|W|), -1, 1), dequantized with mean|W|.
fn ternary_roundtrip(x: &[f32]) -> Vec<f32> {
    let t = ElementFormat::Ternary;
    let mean = (x.iter().map(|v| v.abs() as f64).sum::<f64>() / x.len() as f64).max(1e-5);
    x.iter()
        .map(|&v| {
            let c = t.encode_f64(v as f64 / mean, Rounding::NearestEven, Overflow::Saturate);
            (t.decode_f64(c) * mean) as f32
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
    row("ternary (b1.58 absmean)", 2.0, &ternary_roundtrip(&w));
    for (name, bf) in BlockFormat::NAMED {
        let mut y = vec![0f32; w.len()];
        bf.quantize_dequantize(&w, &mut y).unwrap();
        // One 8-bit scale per block (E8M0 for MX, E4M3 for NVFP4).
        let bits = bf.element().bits() as f64 + 8.0 / bf.block_len() as f64;
        row(name, bits, &y);
    }
}
