//! GGUF blocks against the `gguf` 0.19.0 package (scripts/gen_gguf_vectors.py).

use lowbit::gguf::{GgufProfile, GgufType, dequantize, quantize, quantize_profile};
use lowbit::{ElementFormat, Format};

fn f32s(cells: &[&str]) -> Vec<f32> {
    cells
        .iter()
        .map(|c| f32::from_bits(u32::from_str_radix(c, 16).unwrap()))
        .collect()
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn gguf_blocks_match_the_gguf_package() {
    let path = format!(
        "{}/tests/vectors/gguf_blocks.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let (mut rows, mut log2_quirk, mut argmin_ties, mut neg_zeros) = (0, 0, 0, 0);
    let mut nvfp4_rows = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let c: Vec<&str> = line.split_whitespace().collect();
        let n: usize = c[1].parse().unwrap();
        let x = f32s(&c[2..2 + n]);
        let hex = c[2 + n];
        let want_q: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        let want_y = f32s(&c[3 + n..3 + 2 * n]);
        let t = match c[0] {
            "q4_0" => GgufType::Q4_0,
            "q4_1" => GgufType::Q4_1,
            "q8_0" => GgufType::Q8_0,
            "nvfp4" => GgufType::Nvfp4,
            _ => GgufType::Mxfp4,
        };
        // Dequantizing gguf's own bytes is exact for every type.
        let mut y = vec![0f32; n];
        dequantize(t, &want_q, &mut y).unwrap();
        for i in 0..n {
            assert!(
                same(y[i], want_y[i]),
                "{} dequantize [{i}]: {} vs {}",
                c[0],
                y[i],
                want_y[i]
            );
        }
        // The default (ggml's quantizers) gives gguf's bytes, for every type.
        let mut q = vec![0u8; want_q.len()];
        quantize(t, &x, &mut q).unwrap();
        assert_eq!(q, want_q, "{} quantize", c[0]);
        quantize_profile(t, GgufProfile::Ggml, &x, &mut q).unwrap();
        assert_eq!(q, want_q, "{} ggml profile", c[0]);
        // The exact profile rounds MXFP4 and NVFP4 correctly; the rest are ggml's.
        quantize_profile(t, GgufProfile::Exact, &x, &mut q).unwrap();
        if t == GgufType::Nvfp4 {
            nvfp4_exact_check(&x, &q);
            nvfp4_rows += 1;
        } else if t != GgufType::Mxfp4 {
            assert_eq!(q, want_q, "{} quantize", c[0]);
        } else {
            // Where the bytes differ, it must be one of ggml's two documented behaviours.
            let e2m1 = ElementFormat::FLOAT4_E2M1FN;
            for (b, (ours, theirs)) in q.chunks(17).zip(want_q.chunks(17)).enumerate() {
                let xb = &x[b * 32..b * 32 + 32];
                let amax = xb.iter().fold(0f32, |m, v| m.max(v.abs()));
                if ours[0] != theirs[0] {
                    // floor(log2f(amax)) rounds up just below a power of two.
                    assert_eq!(theirs[0], ours[0] + 1, "block {b}");
                    assert!(
                        amax.to_bits() & 0x7F_FFFF >= 0x7F_FF00,
                        "amax {amax:e} not just below 2^k"
                    );
                    log2_quirk += 1;
                    continue;
                }
                let scale = 2f32.powi(ours[0] as i32 - 127);
                for i in 0..32 {
                    let (a, t) = (
                        ours[1 + i % 16] >> (4 * (i / 16)) & 15,
                        theirs[1 + i % 16] >> (4 * (i / 16)) & 15,
                    );
                    if a != t && a == 8 && t == 0 {
                        // A negative value that rounds to zero: -0 here, +0 from argmin.
                        assert!(xb[i] < 0.0);
                        neg_zeros += 1;
                    } else if a != t {
                        // argmin picks the smaller magnitude at an exact midpoint; we pick even.
                        let v = xb[i] / scale;
                        let (va, vt) = (e2m1.decode(a as u32), e2m1.decode(t as u32));
                        assert_eq!(
                            v,
                            (va + vt) / 2.0,
                            "not a tie: x={} ours {va} theirs {vt}",
                            xb[i]
                        );
                        assert!(vt.abs() < va.abs() && a % 2 == 0);
                        argmin_ties += 1;
                    }
                }
            }
        }
        rows += 1;
    }
    assert_eq!(rows, 227);
    assert_eq!(nvfp4_rows, 40);
    assert!(
        log2_quirk > 0 && argmin_ties > 0,
        "the vectors exercise both differences"
    );
    println!(
        "MXFP4: {log2_quirk} blocks with ggml's log2f scale, {argmin_ties} argmin ties, {neg_zeros} -0/+0"
    );
}

/// The exact NVFP4 profile: each sub-block's UE4M3 scale is amax/6 rounded once to nearest
/// even (saturating at 448), each element x/d rounded once to nearest even on the E2M1 grid
/// (saturating at ±6), checked here with f64 arithmetic on the decoded bytes.
fn nvfp4_exact_check(x: &[f32], q: &[u8]) {
    let (e4m3, e2m1) = (ElementFormat::FLOAT8_E4M3FN, ElementFormat::FLOAT4_E2M1FN);
    let grid: Vec<f64> = (0..8).map(|c| e2m1.decode(c) as f64).collect();
    for (b, xb) in x.chunks(64).enumerate() {
        let blk = &q[b * 36..b * 36 + 36];
        for (s, xs) in xb.chunks(16).enumerate() {
            let amax = xs.iter().fold(0f64, |m, v| m.max(v.abs() as f64));
            let d = e4m3.decode(blk[s] as u32) as f64;
            // d is the E4M3 value nearest amax/6 (the smaller magnitude of two only on a tie).
            let target = (amax / 6.0).min(448.0);
            for c in 0..0x7Fu32 {
                let v = e4m3.decode(c) as f64;
                assert!(
                    (v - target).abs() >= (d - target).abs(),
                    "scale of block {b}.{s}"
                );
            }
            for (j, &v) in xs.iter().enumerate() {
                let nib = blk[4 + 8 * s + j % 8] >> (4 * (j / 8)) & 15;
                let got = grid[(nib & 7) as usize];
                if d == 0.0 {
                    assert_eq!(nib & 7, 0);
                    continue;
                }
                let t = (v as f64 / d).abs().min(6.0);
                let best = grid
                    .iter()
                    .map(|g| (g - t).abs())
                    .fold(f64::INFINITY, f64::min);
                assert_eq!((got - t).abs(), best, "element {j} of block {b}.{s}");
                if (got - t).abs() == best
                    && grid.iter().filter(|g| (*g - t).abs() == best).count() == 2
                {
                    assert_eq!(nib & 1, 0, "tie not to even");
                }
            }
        }
    }
}

#[test]
fn gguf_lengths_are_checked() {
    assert!(quantize(GgufType::Nvfp4, &[0.0; 32], &mut [0u8; 18]).is_err());
    assert!(dequantize(GgufType::Nvfp4, &[0u8; 36], &mut [0f32; 64]).is_ok());
    assert!(quantize(GgufType::Q4_0, &[0.0; 31], &mut [0u8; 18]).is_err());
    assert!(quantize(GgufType::Q8_0, &[0.0; 32], &mut [0u8; 33]).is_err());
    assert!(dequantize(GgufType::Mxfp4, &[0u8; 17], &mut [0f32; 64]).is_err());
    assert!(dequantize(GgufType::Q4_1, &[], &mut []).is_ok());
}

#[test]
fn gpt_oss_and_gguf_mxfp4_convert_losslessly() {
    use lowbit::BlockFormat;
    use lowbit::gguf::{mxfp4_from_ocp, mxfp4_to_ocp};
    let x: Vec<f32> = (0..32 * 9)
        .map(|i| ((i * 7919) % 1013) as f32 * 0.013 - 6.0)
        .collect();
    let bf = BlockFormat::MXFP4;
    let (mut blocks, mut scales) = (
        vec![0u8; bf.codes_len(x.len()).unwrap()],
        vec![0u8; bf.scale_count(x.len())],
    );
    bf.quantize(&x, &mut blocks, &mut scales).unwrap();
    let mut g = vec![0u8; 9 * 17];
    mxfp4_from_ocp(&blocks, &scales, &mut g).unwrap();
    // The GGUF form is exactly what the exact profile writes, and decodes to the same values.
    let mut direct = vec![0u8; 9 * 17];
    quantize_profile(GgufType::Mxfp4, GgufProfile::Exact, &x, &mut direct).unwrap();
    assert_eq!(g, direct);
    let (mut y1, mut y2) = (vec![0f32; x.len()], vec![0f32; x.len()]);
    bf.dequantize(&blocks, &scales, 1.0, &mut y1).unwrap();
    dequantize(GgufType::Mxfp4, &g, &mut y2).unwrap();
    // The same values; only code 8 differs in sign: OCP's −0, ggml's table's +0.
    for (a, b) in y1.iter().zip(&y2) {
        assert!(a.to_bits() == b.to_bits() || (a.to_bits() == 0x8000_0000 && b.to_bits() == 0));
    }
    assert!(
        y1.iter().any(|a| a.to_bits() == 0x8000_0000),
        "the data has code 8"
    );
    let (mut b2, mut s2) = (vec![0u8; blocks.len()], vec![0u8; scales.len()]);
    mxfp4_to_ocp(&g, &mut b2, &mut s2).unwrap();
    assert_eq!((b2, s2), (blocks, scales));
    // Every byte value survives the round trip.
    let all: Vec<u8> = (0..=255u8).cycle().take(16 * 16).collect();
    let sc: Vec<u8> = (0..16).collect();
    let mut g = vec![0u8; 16 * 17];
    mxfp4_from_ocp(&all, &sc, &mut g).unwrap();
    let (mut b3, mut s3) = (vec![0u8; all.len()], vec![0u8; 16]);
    mxfp4_to_ocp(&g, &mut b3, &mut s3).unwrap();
    assert_eq!((b3, s3), (all, sc));
    assert!(mxfp4_from_ocp(&[0u8; 15], &[0u8; 1], &mut [0u8; 17]).is_err());
}
