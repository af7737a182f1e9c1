//! Exhaustive element tests against the oracle in `common`:
//! - every code of every named format decodes to the oracle's value;
//! - every f32 that is an exact f16 or bf16 value, every midpoint between adjacent values of
//!   the target and its f32 neighbours, the overflow/underflow thresholds, ±0, ±∞ and NaN
//!   encode like the oracle — for every named format, rounding mode and overflow policy.

mod common;

use common::*;
use lowbit::{ElementFormat, Format, Overflow, Rounding};

fn next_up(x: f32) -> f32 {
    if x.is_nan() || x == f32::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let b = x.to_bits();
    f32::from_bits(if x > 0.0 { b + 1 } else { b - 1 })
}

fn next_down(x: f32) -> f32 {
    -next_up(-x)
}

/// Inputs that exercise every decision of `fmt`: midpoints, thresholds and their neighbours.
fn edge_inputs(fmt: &ElementFormat) -> Vec<f32> {
    let mut v: Vec<f64> = Vec::new();
    let vals: Vec<f64> = fmt
        .codes()
        .map(|c| fmt.decode_f64(c))
        .filter(|x| x.is_finite())
        .collect();
    let mut sorted = vals.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    sorted.dedup();
    for w in sorted.windows(2) {
        v.push(w[0]);
        v.push((w[0] + w[1]) / 2.0);
    }
    let max = fmt.max_value();
    let top_ulp = if let Some(s) = fmt.float_spec() {
        2f64.powi(max.log2().floor() as i32 - s.man_bits() as i32)
    } else {
        1.0
    };
    for k in 0..4 {
        v.push(max + top_ulp * k as f64 / 2.0);
    }
    v.push(fmt.min_positive() / 2.0);
    v.push(fmt.min_positive() / 4.0);
    v.push(fmt.min_positive_normal());
    let mut out = Vec::new();
    for x in v {
        let f = x as f32;
        for y in [f, next_up(f), next_down(f)] {
            out.push(y);
            out.push(-y);
        }
    }
    out.extend([
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
    ]);
    out
}

fn check_inputs(inputs: &[f32], name: &str, fmt: &ElementFormat, table: Option<&FloatTable>) {
    let mut failures = 0;
    for (i, &x) in inputs.iter().enumerate() {
        let draw = lowbit::stochastic_bits(7, i as u64);
        for r in modes(draw) {
            for o in OVERFLOWS {
                let got = fmt.encode(x, r, o);
                let want = ref_encode(fmt, table, x as f64, r, o);
                if got != want {
                    failures += 1;
                    if failures < 10 {
                        eprintln!(
                            "{name}: encode({x:e} = {:#x}, {r:?}, {o:?}) = {got:#x}, oracle {want:#x}",
                            x.to_bits()
                        );
                    }
                }
            }
        }
    }
    assert_eq!(failures, 0, "{name}: {failures} mismatches");
}

#[test]
fn decode_every_code_of_every_named_format() {
    for (name, fmt, _) in named() {
        for code in fmt.codes() {
            let got = fmt.decode_f64(code);
            let want = ref_decode(&fmt, code);
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{name} code {code:#x}: {got} vs oracle {want}"
            );
            // f32 decode is the same value.
            let f = fmt.decode(code);
            assert!(
                f as f64 == got || (f.is_nan() && got.is_nan()),
                "{name} {code:#x}"
            );
            // Out-of-range codes are an error, not a panic.
            assert!(fmt.try_decode(code | (1 << fmt.bits())).is_err());
        }
    }
}

#[test]
fn round_trip_every_non_nan_code() {
    for (name, fmt, _) in named() {
        for code in fmt.codes() {
            let v = fmt.decode(code);
            if v.is_nan() {
                continue;
            }
            // A codebook value held by a lower code too encodes to that code (documented).
            if let Some(cb) = fmt.codebook()
                && cb.values()[..code as usize].contains(&v)
            {
                continue;
            }
            for r in modes(0x1234_5678) {
                for o in OVERFLOWS {
                    if v.is_infinite() && o == Overflow::Saturate {
                        continue; // ±∞ saturates to ±max by definition
                    }
                    assert_eq!(fmt.encode(v, r, o), code, "{name} {code:#x} {r:?} {o:?}");
                    assert_eq!(fmt.encode_f64(v as f64, r, o), code, "{name} {code:#x}");
                }
            }
        }
    }
}

#[test]
fn encode_edges_of_every_named_format() {
    for (name, fmt, table) in named() {
        check_inputs(&edge_inputs(&fmt), name, &fmt, table.as_ref());
    }
}

/// Every f32 that is exactly an f16 or a bf16 value.
fn half_inputs() -> Vec<f32> {
    let mut v = Vec::with_capacity(1 << 17);
    for b in 0..=u16::MAX {
        v.push(half::f16::from_bits(b).to_f32());
        v.push(half::bf16::from_bits(b).to_f32());
    }
    v
}

#[test]
fn encode_every_f16_and_bf16_value_into_8_bit_and_narrower_floats() {
    let inputs = half_inputs();
    for (name, fmt, table) in named() {
        if fmt.bits() <= 8 && fmt.float_spec().is_some() {
            check_inputs(&inputs, name, &fmt, table.as_ref());
        }
    }
}

#[test]
fn encode_every_f16_and_bf16_value_into_integers_and_16_bit_floats() {
    let inputs = half_inputs();
    for (name, fmt, table) in named() {
        if !(fmt.bits() <= 8 && fmt.float_spec().is_some()) {
            check_inputs(&inputs, name, &fmt, table.as_ref());
        }
    }
}

#[test]
fn f16_and_bf16_inputs_encode_like_their_f32_values() {
    for (name, fmt, _) in named() {
        for b in (0..=u16::MAX).step_by(3) {
            let h = half::f16::from_bits(b);
            let g = half::bf16::from_bits(b);
            for r in modes((b as u32).wrapping_mul(0x9E37_79B9)) {
                let o = Overflow::NonFinite;
                assert_eq!(
                    fmt.encode_f16(h, r, o),
                    fmt.encode(h.to_f32(), r, o),
                    "{name} f16 {b:#x}"
                );
                assert_eq!(
                    fmt.encode_bf16(g, r, o),
                    fmt.encode(g.to_f32(), r, o),
                    "{name} bf16 {b:#x}"
                );
            }
        }
    }
}

#[test]
fn float16_and_bfloat16_agree_with_the_half_crate() {
    let f16f = ElementFormat::FLOAT16;
    let bf16f = ElementFormat::BFLOAT16;
    for b in 0..=u16::MAX {
        let h = half::f16::from_bits(b);
        if !h.is_nan() {
            assert_eq!(f16f.decode(b as u32).to_bits(), h.to_f32().to_bits());
        }
        let g = half::bf16::from_bits(b);
        if !g.is_nan() {
            assert_eq!(bf16f.decode(b as u32).to_bits(), g.to_f32().to_bits());
        }
    }
    // half's f32 → f16/bf16 conversions are correctly rounded (RNE, overflow to ∞).
    let mut x = 0x0000_0001u32;
    while x < 0x7f80_0000 {
        for s in [0, 0x8000_0000] {
            let f = f32::from_bits(x | s);
            let r = (Rounding::NearestEven, Overflow::NonFinite);
            assert_eq!(
                f16f.encode(f, r.0, r.1),
                half::f16::from_f32(f).to_bits() as u32,
                "{f:e}"
            );
            assert_eq!(
                bf16f.encode(f, r.0, r.1),
                half::bf16::from_f32(f).to_bits() as u32,
                "{f:e}"
            );
        }
        x += 0x1357;
    }
}
