//! Every GGUF type on every backend this CPU has equals [`Backend::Scalar`] (the definition:
//! ggml's C rules, operation by operation) bit for bit: dequantization of random block bytes
//! (NaN, infinite and subnormal scales included, every fp16 and bf16 code), quantization of
//! hostile floats (NaN, ±inf, ±0, huge, tiny and subnormal values, constant and zero blocks,
//! ties, magnitudes at the kernels' thresholds), over lengths that cross the kernels' chunks
//! and unaligned starts.
//!
//! `common::backends` fails if a backend the CPU lists is missing from the run.

mod common;

use common::backends;
use lowbit::Backend;
use lowbit::gguf::{self, GgufProfile, GgufType};

fn rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    }
}

/// The types with a conversion (all but the integer and f64 storage types).
fn types() -> Vec<GgufType> {
    use GgufType::*;
    GgufType::ALL
        .into_iter()
        .filter(|t| !matches!(t, I8 | I16 | I32 | I64 | F64))
        .collect()
}

fn same_bits(a: &[f32], b: &[f32]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
}

/// Random block bytes whose scale fields are often special (the fp16 scales of every type
/// sit at the offsets below; random bytes already give an inf/NaN exponent 1 in 32 times).
fn block_bytes(t: GgufType, blocks: usize, seed: u64) -> Vec<u8> {
    let mut next = rng(seed);
    let bb = t.block_bytes();
    let mut v: Vec<u8> = (0..blocks * bb).map(|_| next() as u8).collect();
    let specials: [u16; 8] = [
        0x7c00, 0xfc00, 0x7e00, 0xfc01, 0x0001, 0x8000, 0x0000, 0x7bff,
    ];
    let scale_at: &[usize] = match t {
        GgufType::Q2K => &[80, 82],
        GgufType::Q3K => &[108],
        GgufType::Q6K => &[208],
        GgufType::Tq1_0 => &[52],
        GgufType::Tq2_0 => &[64],
        GgufType::Q4_1 | GgufType::Q5_1 | GgufType::Q4K | GgufType::Q5K => &[0, 2],
        GgufType::Mxfp4 | GgufType::Nvfp4 | GgufType::Iq1M => &[],
        _ => &[0],
    };
    for b in 0..blocks {
        let r = next();
        if r.is_multiple_of(3) {
            for &at in scale_at {
                let h = specials[(next() % 8) as usize];
                if bb >= at + 2 && t.block_len() > 1 {
                    v[b * bb + at..b * bb + at + 2].copy_from_slice(&h.to_le_bytes());
                }
            }
            if t == GgufType::Q8K {
                let f =
                    [f32::NAN, f32::INFINITY, -f32::INFINITY, 1e-45, -0.0, 3e38][(r % 6) as usize];
                v[b * bb..b * bb + 4].copy_from_slice(&f.to_bits().to_le_bytes());
            }
        }
    }
    v
}

#[test]
fn dequantize_every_type_every_backend_equals_the_definition() {
    let bs = backends();
    for t in types() {
        for (seed, blocks) in [
            (1u64, 0usize),
            (2, 1),
            (3, 2),
            (4, 63),
            (5, 64),
            (6, 65),
            (7, 131),
        ] {
            let blocks = if t.block_len() == 1 {
                blocks * 37
            } else {
                blocks
            };
            let bytes = block_bytes(t, blocks, seed + 100 * t.id() as u64);
            let n = blocks * t.block_len();
            let mut want = vec![0f32; n];
            gguf::dequantize_with(Backend::Scalar, t, &bytes, &mut want).unwrap();
            for &b in &bs {
                let mut got = vec![f32::from_bits(0x7fa5_a5a5); n];
                gguf::dequantize_with(b, t, &bytes, &mut got).unwrap();
                assert!(same_bits(&got, &want), "{t} {b:?} {blocks} blocks");
                // The same bytes at an odd address.
                let mut shifted = vec![0u8; bytes.len() + 1];
                shifted[1..].copy_from_slice(&bytes);
                let mut got2 = vec![0f32; n + 1];
                gguf::dequantize_with(b, t, &shifted[1..], &mut got2[1..]).unwrap();
                assert!(
                    same_bits(&got2[1..], &want),
                    "{t} {b:?} {blocks} blocks, unaligned"
                );
            }
            // Wrong lengths are errors on every backend.
            for &b in &bs {
                if !bytes.is_empty() {
                    let mut y = vec![0f32; n];
                    assert!(gguf::dequantize_with(b, t, &bytes[1..], &mut y).is_err());
                }
                let mut y = vec![0f32; n + 1];
                assert!(gguf::dequantize_with(b, t, &bytes, &mut y).is_err());
            }
        }
    }
}

#[test]
fn half_codes_every_backend_equal_the_definition() {
    let bs = backends();
    let bytes: Vec<u8> = (0..=u16::MAX).flat_map(|h| h.to_le_bytes()).collect();
    for t in [GgufType::F16, GgufType::Bf16] {
        let mut want = vec![0f32; 65536];
        gguf::dequantize_with(Backend::Scalar, t, &bytes, &mut want).unwrap();
        for &b in &bs {
            let mut got = vec![0f32; 65536];
            gguf::dequantize_with(b, t, &bytes, &mut got).unwrap();
            assert!(same_bits(&got, &want), "{t} {b:?}");
        }
    }
    // Every f16 value (and NaN payloads) back to f16, and random bit patterns to f16/bf16.
    let mut next = rng(77);
    let mut x: Vec<f32> = want_f16_values();
    x.extend((0..70_000).map(|_| f32::from_bits(next() as u32)));
    for t in [GgufType::F16, GgufType::Bf16, GgufType::F32] {
        let mut want = vec![0u8; t.bytes_len(x.len()).unwrap()];
        gguf::quantize_with(Backend::Scalar, t, &x, &mut want).unwrap();
        for &b in &bs {
            let mut got = vec![0u8; want.len()];
            gguf::quantize_with(b, t, &x, &mut got).unwrap();
            assert!(got == want, "{t} {b:?}");
        }
    }
}

/// Every f16 value as f32, their midpoints and their neighbours.
fn want_f16_values() -> Vec<f32> {
    let mut v = Vec::new();
    for h in 0..=u16::MAX {
        let f = half::f16::from_bits(h).to_f32();
        v.push(f);
        if f.is_finite() {
            let b = f.to_bits();
            v.push(f32::from_bits(b.wrapping_add(1 << 12)));
            v.push(f32::from_bits(b.wrapping_add((1 << 12) + 1)));
            v.push(f32::from_bits(b.wrapping_sub(1)));
        }
    }
    v
}

/// Hostile f32 data: each 32-element block follows one of the patterns below.
fn hostile(seed: u64, n: usize) -> Vec<f32> {
    let mut next = rng(seed);
    let mut x = vec![0f32; n];
    for (bi, blk) in x.chunks_mut(32).enumerate() {
        let pat = (next() % 18) as usize;
        let scale = 2f32.powi((next() % 40) as i32 - 20);
        for (j, v) in blk.iter_mut().enumerate() {
            let r = next();
            let u = ((r >> 11) as f64 / (1u64 << 53) as f64 - 0.5) as f32;
            *v = match pat {
                0 => u * scale,
                1 => {
                    if j == (r % 32) as usize {
                        u * scale * 1000.0
                    } else {
                        u * scale
                    }
                }
                2 => 0.0,
                3 => [0.0, -0.0][(r % 2) as usize],
                4 => scale * 0.3,
                5 => [u, f32::NAN, -f32::NAN, f32::from_bits(0x7f80_0001)][(r % 4) as usize],
                6 => [u, f32::INFINITY, -f32::INFINITY][(r % 3) as usize],
                7 => u * 1e-38,
                8 => f32::from_bits((r as u32) & 0x807f_ffff), // subnormals and ±0
                9 => u * 3e38,
                10 => u * 2f32.powi(-100) * 2.0, // around the kernels' tiny threshold
                11 => u * 2f32.powi(100) * 2.0,  // around the overflow bounds
                12 => {
                    let k = (bi as i32 % 200) - 100;
                    f32::from_bits(2f32.powi(k).to_bits() - (r % 3) as u32) * [1.0, -1.0][j % 2]
                }
                13 => ((u * 32.0).round() / 2.0) * scale, // ties
                14 => [u.abs() * scale, 0.0, -0.0][(r % 3) as usize],
                15 => [-u.abs() * scale, 0.0, -0.0][(r % 3) as usize],
                16 => u * 2f32.powi((r >> 40) as i32 % 60 - 30),
                _ => [65504.0, -65520.0, 1e5, 6e-8, -3e-5][(r % 5) as usize] * (1.0 + u * 1e-3),
            };
        }
    }
    x
}

/// Quantizes on backend `b`, the bytes or the error's text.
fn q(b: Backend, t: GgufType, p: GgufProfile, x: &[f32]) -> Result<Vec<u8>, String> {
    let mut out = vec![0xa5u8; t.bytes_len(x.len()).map_err(|e| e.to_string())?];
    gguf::quantize_profile_with(b, t, p, x, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

#[test]
fn quantize_every_type_every_backend_equals_the_definition() {
    let bs = backends();
    for t in types() {
        // The IQ1/IQ2/IQ3 quantizers are slow; fewer blocks suffice for them.
        let slow = matches!(
            t,
            GgufType::Iq2Xxs
                | GgufType::Iq2Xs
                | GgufType::Iq2S
                | GgufType::Iq3Xxs
                | GgufType::Iq3S
                | GgufType::Iq1S
                | GgufType::Iq1M
        );
        let sizes: &[usize] = if slow {
            &[256, 1024]
        } else {
            &[0, 256, 2304, 4608 + 256]
        };
        let profiles: &[GgufProfile] = match t {
            GgufType::Iq4Nl => &[GgufProfile::Ggml, GgufProfile::GgmlRef],
            GgufType::Mxfp4 | GgufType::Nvfp4 => &[GgufProfile::Ggml, GgufProfile::Exact],
            _ => &[GgufProfile::Ggml],
        };
        for (seed, &n) in sizes.iter().enumerate() {
            let x = hostile(seed as u64 + 7 * t.id() as u64, n + 1);
            for off in [0, 1] {
                let xs = &x[off..off + n];
                for &p in profiles {
                    let want = q(Backend::Scalar, t, p, xs);
                    for &b in &bs {
                        assert!(q(b, t, p, xs) == want, "{t} {p:?} {b:?} n {n} offset {off}");
                    }
                }
            }
        }
    }
}

/// Blocks of plain LLM-like data (the kernels' fast path on every block) agree too, and the
/// round trip is close.
#[test]
fn quantize_plain_data_every_backend_equals_the_definition() {
    let bs = backends();
    let mut next = rng(5);
    let x: Vec<f32> = (0..8192)
        .map(|i| {
            let u = ((next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) as f32;
            u * if i % 97 == 0 { 20.0 } else { 1.0 }
        })
        .collect();
    for t in types() {
        if t.requires_imatrix()
            || t.block_len() == 256 && t.to_string().starts_with("iq") && t != GgufType::Iq4Xs
        {
            continue;
        }
        let want = q(Backend::Scalar, t, GgufProfile::Ggml, &x).unwrap();
        for &b in &bs {
            assert!(q(b, t, GgufProfile::Ggml, &x).unwrap() == want, "{t} {b:?}");
        }
    }
}

/// Quantizes with an importance matrix on backend `b`, the bytes or the error's text.
fn qi(b: Backend, t: GgufType, x: &[f32], w: &[f32]) -> Result<Vec<u8>, String> {
    let mut out = vec![0xa5u8; t.bytes_len(x.len()).map_err(|e| e.to_string())?];
    gguf::quantize_imatrix_with(b, t, x, w, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Importance weights: mostly positive of many magnitudes, with zeros, subnormals, huge
/// values and (pattern 5) NaN and infinities.
fn hostile_weights(seed: u64, n: usize) -> Vec<f32> {
    let mut next = rng(seed);
    (0..n)
        .map(|_| {
            let r = next();
            let u = (r >> 40) as f32 / (1u64 << 24) as f32;
            match r % 23 {
                0 => 0.0,
                1 => f32::from_bits((r >> 8) as u32 & 0x007f_ffff),
                2 => 3e38 * u,
                3 => [f32::NAN, f32::INFINITY, -1.0][(r >> 5) as usize % 3],
                4..=8 => u * 2f32.powi((r >> 20) as i32 % 40 - 20),
                _ => 0.25 + u,
            }
        })
        .collect()
}

#[test]
fn quantize_imatrix_every_type_every_backend_equals_the_definition() {
    let bs = backends();
    for t in types() {
        let slow =
            t.to_string().starts_with("iq") && !matches!(t, GgufType::Iq4Nl | GgufType::Iq4Xs);
        // (elements per row, rows)
        let shapes: &[(usize, usize)] = if slow {
            &[(256, 2)]
        } else {
            &[(256, 1), (512, 3), (2304, 2), (4608 + 256, 1)]
        };
        for (seed, &(row, rows)) in shapes.iter().enumerate() {
            let s = seed as u64 + 11 * t.id() as u64;
            let x = hostile(s, row * rows + 1);
            let w = hostile_weights(s, row);
            // The same weights made plain (`f32::min` drops a NaN): the kernels' path.
            let plain: Vec<f32> = w.iter().map(|v| 0.5 + v.abs().min(4.0)).collect();
            for ws in [&w, &plain] {
                for off in [0, 1] {
                    let xs = &x[off..off + row * rows];
                    let want = qi(Backend::Scalar, t, xs, ws);
                    for &b in &bs {
                        assert!(qi(b, t, xs, ws) == want, "{t} {b:?} row {row} offset {off}");
                    }
                }
            }
        }
    }
}

/// Plain LLM-like data and weights with an importance matrix (the kernels' fast path).
#[test]
fn quantize_imatrix_plain_data_every_backend_equals_the_definition() {
    let bs = backends();
    let mut next = rng(9);
    let mut u = move || ((next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) as f32;
    let x: Vec<f32> = (0..8192)
        .map(|i| u() * if i % 97 == 0 { 20.0 } else { 1.0 })
        .collect();
    let w: Vec<f32> = (0..4096).map(|_| 0.01 + u().abs() * 3.0).collect();
    for t in types() {
        if t.to_string().starts_with("iq") && !matches!(t, GgufType::Iq4Nl | GgufType::Iq4Xs) {
            continue;
        }
        let want = qi(Backend::Scalar, t, &x, &w).unwrap();
        for &b in &bs {
            assert!(qi(b, t, &x, &w).unwrap() == want, "{t} {b:?}");
        }
    }
}

/// Ternary-like data (each element −c, 0 or +c, give or take a little) makes every
/// five-trit byte value of TQ1_0 and every bit pattern of TQ2_0: the packing arithmetic of
/// each backend is checked on all of them (LLM-like data gives mostly zero trits).
#[test]
fn ternary_data_every_backend_equals_the_definition() {
    let bs = backends();
    let mut next = rng(11);
    let n = 256 * 64;
    let x: Vec<f32> = (0..n)
        .map(|_| {
            let r = next();
            let c = [-1.0f32, 0.0, 1.0][(r % 3) as usize];
            c * (1.0 + ((r >> 20) % 64) as f32 * 0.004) + ((r >> 40) % 64) as f32 * 0.002 - 0.06
        })
        .collect();
    for t in [GgufType::Tq1_0, GgufType::Tq2_0] {
        let want = q(Backend::Scalar, t, GgufProfile::Ggml, &x).unwrap();
        let mut seen = [false; 256];
        for blk in want.chunks(t.block_bytes()) {
            let body = if t == GgufType::Tq1_0 {
                &blk[..48]
            } else {
                &blk[..64]
            };
            for &c in body {
                seen[c as usize] = true;
            }
        }
        // TQ1_0's 243 values (5 trits scaled by 256/243, rounded up), TQ2_0's 81 patterns
        // of trits 0..=2 in each 2-bit field.
        let expect = if t == GgufType::Tq1_0 { 243 } else { 81 };
        assert_eq!(seen.iter().filter(|&&s| s).count(), expect, "{t} coverage");
        for &b in &bs {
            assert!(q(b, t, GgufProfile::Ggml, &x).unwrap() == want, "{t} {b:?}");
        }
    }
}
