//! Group-wise INT and FP8 scaling against independent references: every f32 operation of the
//! documented recipes redone here in f64 and rounded to f32 (exact for + − × ÷ of f32
//! operands), with `round_ties_even` for torch.round.

use half::f16;
use lowbit::pack::{
    self, AWQ_ORDER, GptqZeros, Layout, gptq_zeros_v1_to_v2, gptq_zeros_v2_to_v1, pack_awq,
    pack_gptq, pack_zeros, unpack_awq, unpack_gptq,
};
use lowbit::{AffineRule, BlockFormat, ElementFormat, Format, Region, ScaleType, Scheme};

/// A stored tensor with its codes unpacked (one per element) and its scales as values.
struct Stored {
    codes: Vec<u8>,
    scales: Vec<f32>,
    zeros: Vec<u8>,
}

/// `bf.quantize_rows`, its stored form read back as codes, scale values and zero points.
fn quantize(bf: &BlockFormat, x: &[f32], cols: usize) -> Stored {
    let rows = x.len().checked_div(cols).unwrap_or(0);
    let mut codes = vec![0u8; bf.codes_len_rows(rows, cols).unwrap()];
    let mut scales = vec![0u8; bf.scales_len_rows(rows, cols).unwrap()];
    bf.quantize_rows(x, cols, &mut codes, &mut scales).unwrap();
    let bits = bf.element().bits();
    let per = bf.codes_len(cols).unwrap();
    let mut unpacked = vec![0u8; x.len()];
    for (u, c) in unpacked
        .chunks_mut(cols.max(1))
        .zip(codes.chunks(per.max(1)))
    {
        pack::unpack(c, bits, Layout::Dense, u).unwrap();
    }
    let n = bf.scale_count_rows(rows, cols).unwrap();
    let sb = bf.scale_bytes();
    let t = bf.scale_type().unwrap();
    let value = |b: &[u8]| match t {
        ScaleType::F16 => f16::from_le_bytes([b[0], b[1]]).to_f32(),
        ScaleType::Bf16 => half::bf16::from_le_bytes([b[0], b[1]]).to_f32(),
        _ => f32::from_le_bytes(b.try_into().unwrap()),
    };
    Stored {
        codes: unpacked,
        scales: scales[..n * sb].chunks_exact(sb).map(value).collect(),
        zeros: scales[n * sb..].to_vec(),
    }
}

/// The stored form of `s` in `bf`'s layout.
fn pack_stored(bf: &BlockFormat, s: &Stored, cols: usize) -> (Vec<u8>, Vec<u8>) {
    let rows = s.codes.len().checked_div(cols).unwrap_or(0);
    let per = bf.codes_len(cols).unwrap();
    let mut codes = vec![0u8; rows * per];
    for (c, u) in codes
        .chunks_mut(per.max(1))
        .zip(s.codes.chunks(cols.max(1)))
    {
        pack::pack(u, bf.element().bits(), Layout::Dense, c).unwrap();
    }
    let mut scales = Vec::new();
    for &v in &s.scales {
        match bf.scale_type().unwrap() {
            ScaleType::F16 => scales.extend(f16::from_f32(v).to_le_bytes()),
            ScaleType::Bf16 => scales.extend(half::bf16::from_f32(v).to_le_bytes()),
            _ => scales.extend(v.to_le_bytes()),
        }
    }
    scales.extend(&s.zeros);
    (codes, scales)
}

fn rule(g: &BlockFormat) -> AffineRule {
    match g.scheme() {
        Scheme::Affine { rule, .. } => rule,
        _ => unreachable!(),
    }
}

fn tensor(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let u = (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            match i % 97 {
                3 => u * 50.0,                 // outliers
                7 => 0.0,                      // zeros
                11 => (u * 8.0).round() / 8.0, // grid-aligned values (ties)
                _ => u * if i % 3 == 0 { 0.01 } else { 1.0 },
            }
        })
        .collect()
}

fn q(a: f64) -> f32 {
    a as f32
}

/// The group recipes, transcribed from the module table.
fn reference_group(g: &BlockFormat, xg: &[f32]) -> (f32, u8, Vec<u8>) {
    let bits = g.element().bits();
    let maxq = ((1u32 << bits) - 1) as f64;
    let lo = xg.iter().cloned().fold(f32::INFINITY, f32::min) as f64;
    let hi = xg.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
    let round_scale = |v: f32| match g.scale_type().unwrap() {
        ScaleType::F16 => f16::from_f32(v).to_f32(),
        ScaleType::Bf16 => half::bf16::from_f32(v).to_f32(),
        _ => v,
    };
    let (s, z) = match rule(g) {
        AffineRule::Gptq => {
            let (mut l, mut h) = (lo.min(0.0), hi.max(0.0));
            if l == 0.0 && h == 0.0 {
                (l, h) = (-1.0, 1.0);
            }
            let s = round_scale(q(q(h - l) as f64 / maxq));
            let z = (q(-l / s as f64) as f64).round_ties_even().clamp(0.0, maxq);
            (s, z as u8)
        }
        AffineRule::Awq => {
            let r = q(hi - lo).max(1e-5) as f64;
            let s = round_scale(q(r / maxq));
            let z = (-(q(lo / s as f64) as f64).round_ties_even()).clamp(0.0, maxq);
            (s, z as u8)
        }
        _ => {
            let mut a = lo.abs().max(hi.abs());
            if a == 0.0 {
                a = 1.0;
            }
            let s = round_scale(q(q(2.0 * a) as f64 / maxq));
            (s, 1u8 << (bits - 1))
        }
    };
    let codes = xg
        .iter()
        .map(|&v| {
            let t = (q(v as f64 / s as f64) as f64).round_ties_even() + z as f64;
            t.clamp(0.0, maxq) as u8
        })
        .collect();
    (s, z, codes)
}

#[test]
fn group_formats_match_the_reference() {
    for name in [
        "int4_g128",
        "int4_g32_awq",
        "int4_g64_sym",
        "int2_g16",
        "int3_g128_awq_bf16",
        "int8_g32_sym_f32",
        "int8_g7",
        "int5_g100_awq",
    ] {
        let g: BlockFormat = name.parse().unwrap();
        assert_eq!(g.to_string(), name);
        let group = g.block_len().unwrap();
        for cols in [128usize, 300, 7] {
            let rows = 6;
            let x = tensor(rows * cols, cols as u64 + g.element().bits() as u64);
            let gpr = g.scale_count_rows(1, cols).unwrap();
            let st = quantize(&g, &x, cols);
            let (codes, scales, zeros) = (&st.codes, &st.scales, &st.zeros);
            for r in 0..rows {
                for (j, xg) in x[r * cols..(r + 1) * cols].chunks(group).enumerate() {
                    let (s, z, c) = reference_group(&g, xg);
                    let k = r * gpr + j;
                    assert_eq!(
                        (scales[k].to_bits(), zeros[k]),
                        (s.to_bits(), z),
                        "{name} {cols} {r}.{j}"
                    );
                    let start = r * cols + j * group;
                    assert_eq!(
                        &codes[start..start + xg.len()],
                        &c[..],
                        "{name} {cols} {r}.{j}"
                    );
                }
            }
            let (pc, ps) = pack_stored(&g, &st, cols);
            let (mut y, mut yq) = (vec![0f32; x.len()], vec![0f32; x.len()]);
            g.dequantize_rows(&pc, &ps, 1.0, cols, &mut y).unwrap();
            g.quantize_dequantize_rows(&x, cols, &mut yq).unwrap();
            assert_eq!(
                y, yq,
                "{name}: fake quantization differs from the stored form"
            );
            for (k, &v) in y.iter().enumerate() {
                let (s, z) = (
                    scales[k / cols * gpr + k % cols / group],
                    zeros[k / cols * gpr + k % cols / group],
                );
                assert_eq!(v, s * (codes[k] as i32 - z as i32) as f32);
            }
        }
    }
    assert!("int9_g32".parse::<BlockFormat>().is_err());
    assert!("int4_g0".parse::<BlockFormat>().is_err());
    assert!("int4_g32_f32_sym".parse::<BlockFormat>().is_err());
    let g = BlockFormat::INT4_G128;
    assert!(
        g.quantize_rows(&[0.0f32; 10], 3, &mut [0; 5], &mut [0; 12])
            .is_err()
    );
    assert!(
        g.quantize_rows(&[0.0f32; 10], 0, &mut [0; 10], &mut [0; 12])
            .is_err()
    );
    assert!(
        g.quantize_rows(&[0.0f32; 10], 5, &mut [0; 5], &mut [0; 6])
            .is_err()
    );
    assert!(g.quantize_dequantize_rows(&[0f32; 0], 0, &mut []).is_ok());
    // NaN inputs code as the zero point.
    let st = quantize(&g, &[1.0, f32::NAN, -1.0, 0.5], 4);
    assert_eq!(st.codes[1], st.zeros[0]);
}

/// The packers against literal transcriptions of AutoGPTQ's and AutoAWQ's packing loops,
/// and v1/v2 zero points.
#[test]
fn gptq_and_awq_layouts() {
    for bits in [2u32, 4, 8] {
        let per = 32 / bits as usize;
        let (k, n) = (per * 3, 5);
        let codes: Vec<u8> = (0..k * n).map(|i| (i * 37 % (1 << bits)) as u8).collect();
        let mut w = vec![0u32; k / per * n];
        pack_gptq(&codes, k, n, bits, &mut w).unwrap();
        // AutoGPTQ: for row in packed rows, qweight[row] |= intweight[j] << (bits * (j - i)).
        let mut want = vec![0u32; k / per * n];
        for (row, i) in (0..k).step_by(per).enumerate() {
            for j in i..i + per {
                for col in 0..n {
                    want[row * n + col] |= (codes[j * n + col] as u32) << (bits as usize * (j - i));
                }
            }
        }
        assert_eq!(w, want, "{bits}-bit qweight");
        let mut back = vec![0u8; k * n];
        unpack_gptq(&w, k, n, bits, &mut back).unwrap();
        assert_eq!(back, codes);
        // qzeros v1 stores z - 1; v1 -> v2 adds one to every field; and back.
        let zeros: Vec<u8> = (0..2 * per * 2)
            .map(|i| (i * 5 % (1 << bits)) as u8)
            .collect();
        let (mut v1, mut v2) = (vec![0u32; 2 * 2], vec![0u32; 2 * 2]);
        pack_zeros(&zeros, 2, per * 2, bits, GptqZeros::V1, &mut v1).unwrap();
        pack_zeros(&zeros, 2, per * 2, bits, GptqZeros::V2, &mut v2).unwrap();
        let mask = (1u32 << bits) - 1;
        for (i, &z) in zeros.iter().enumerate() {
            let f = |w: &[u32]| w[i / per] >> (bits * (i % per) as u32) & mask;
            assert_eq!(f(&v2), z as u32);
            assert_eq!(f(&v1), (z as u32).wrapping_sub(1) & mask);
        }
        let mut conv = v1.clone();
        gptq_zeros_v1_to_v2(&mut conv, bits).unwrap();
        assert_eq!(conv, v2);
        gptq_zeros_v2_to_v1(&mut conv, bits).unwrap();
        assert_eq!(conv, v1);
    }
    // 3-bit: AutoGPTQ's loop, written out: per 32 rows, three words; values 10 and 21
    // straddle word boundaries.
    let (k, n) = (64, 3);
    let codes: Vec<u8> = (0..k * n).map(|i| (i * 5 % 8) as u8).collect();
    let mut want = vec![0u32; k / 32 * 3 * n];
    for col in 0..n {
        let iw = |j: usize| codes[j * n + col] as u32;
        let (mut i, mut row) = (0usize, 0usize);
        while row < k / 32 * 3 {
            let q = |r: usize| r * n + col;
            for j in i..i + 10 {
                want[q(row)] |= iw(j) << (3 * (j - i));
            }
            i += 10;
            want[q(row)] |= iw(i) << 30;
            row += 1;
            want[q(row)] |= (iw(i) >> 2) & 1;
            i += 1;
            for j in i..i + 10 {
                want[q(row)] |= iw(j) << (3 * (j - i) + 1);
            }
            i += 10;
            want[q(row)] |= iw(i) << 31;
            row += 1;
            want[q(row)] |= (iw(i) >> 1) & 3;
            i += 1;
            for j in i..i + 10 {
                want[q(row)] |= iw(j) << (3 * (j - i) + 2);
            }
            i += 10;
            row += 1;
        }
    }
    let mut w = vec![0u32; want.len()];
    pack_gptq(&codes, k, n, 3, &mut w).unwrap();
    assert_eq!(w, want, "3-bit qweight");
    let mut back = vec![0u8; k * n];
    unpack_gptq(&w, k, n, 3, &mut back).unwrap();
    assert_eq!(back, codes);
    let zeros: Vec<u8> = (0..64).map(|i| (i * 3 % 8) as u8).collect();
    let (mut v1, mut v2) = (vec![0u32; 6], vec![0u32; 6]);
    pack_zeros(&zeros, 1, 64, 3, GptqZeros::V1, &mut v1).unwrap();
    pack_zeros(&zeros, 1, 64, 3, GptqZeros::V2, &mut v2).unwrap();
    gptq_zeros_v1_to_v2(&mut v1, 3).unwrap();
    assert_eq!(v1, v2, "3-bit v1 -> v2");
    assert!(pack_gptq(&[0; 48], 16, 3, 3, &mut [0; 3]).is_err());
    assert!(pack_gptq(&[0; 9], 3, 3, 5, &mut [0; 1]).is_err());
    assert!(pack_gptq(&[0; 12], 4, 3, 4, &mut [0; 1]).is_err());
    // AutoAWQ: qweight[:, col] |= intweight[:, col * 8 + order_map[i]] << (i * 4).
    let (rows, n) = (3, 16);
    let vals: Vec<u8> = (0..rows * n).map(|i| (i * 7 % 16) as u8).collect();
    let mut w = vec![0u32; rows * n / 8];
    pack_awq(&vals, rows, n, &mut w).unwrap();
    for r in 0..rows {
        for col in 0..n / 8 {
            let mut want = 0u32;
            for (i, &o) in AWQ_ORDER.iter().enumerate() {
                want |= (vals[r * n + col * 8 + o] as u32) << (i * 4);
            }
            assert_eq!(w[r * n / 8 + col], want);
        }
    }
    let mut back = vec![0u8; rows * n];
    unpack_awq(&w, rows, n, &mut back).unwrap();
    assert_eq!(back, vals);
    assert!(pack_awq(&[0; 12], 1, 12, &mut [0; 1]).is_err());
}

/// FP8 scaling: scale = max(amax, 1e-4)/fmax (or the least power of two at or above it),
/// codes = RNE-saturated fp8 of the f32 quotient, per region; dequantize = code · scale.
#[test]
fn fp8_scaling_matches_the_reference() {
    let e4m3 = ElementFormat::FLOAT8_E4M3FN;
    let e5m2 = ElementFormat::FLOAT8_E5M2;
    let absmax = BlockFormat::FP8_E4M3_TENSOR.scheme();
    let act_pow2 = BlockFormat::FP8_E4M3_DEEPSEEK_ACTIVATIONS
        .with_pow2_scales(true)
        .unwrap();
    let schemes = [
        BlockFormat::FP8_E4M3_TENSOR,
        BlockFormat::FP8_E4M3_CHANNEL,
        BlockFormat::FP8_E4M3_DEEPSEEK_WEIGHTS,
        BlockFormat::FP8_E4M3_DEEPSEEK_ACTIVATIONS,
        act_pow2,
        BlockFormat::new(e5m2, Region::Tile { rows: 3, cols: 5 }, absmax).unwrap(),
        BlockFormat::new(e5m2, Region::Row, absmax)
            .unwrap()
            .with_pow2_scales(true)
            .unwrap(),
    ];
    for sc in schemes {
        for (rows, cols) in [(130, 200), (1, 128), (7, 3), (0, 5)] {
            let mut x = tensor(rows * cols, 77);
            if rows > 2 {
                x[..cols].iter_mut().for_each(|v| *v = 0.0); // an all-zero row
            }
            let st = quantize(&sc, &x, cols);
            let (codes, scales) = (&st.codes, &st.scales);
            assert_eq!(scales.len(), sc.scale_count_rows(rows, cols).unwrap());
            let (tr, tc) = match sc.region() {
                Region::Tensor => (rows.max(1), cols.max(1)),
                Region::Row => (1, cols),
                Region::Tile { rows, cols } => (rows, cols),
                _ => unreachable!(),
            };
            let fmax = sc.element().max_value();
            let tcols = cols.div_ceil(tc);
            for (ti, &s) in scales.iter().enumerate() {
                let (r0, c0) = (ti / tcols * tr, ti % tcols * tc);
                let mut amax = 0f64;
                for r in r0..(r0 + tr).min(rows) {
                    for c in c0..(c0 + tc).min(cols) {
                        amax = amax.max(x[r * cols + c].abs() as f64);
                    }
                }
                let a = q(amax).max(1e-4) as f64;
                let want = if sc == act_pow2 || (sc.element() == e5m2 && sc.region() == Region::Row)
                {
                    let mut p = 2f64.powi(-149);
                    while p * fmax < a {
                        p *= 2.0;
                    }
                    p as f32
                } else {
                    q(a / fmax)
                };
                assert_eq!(
                    s.to_bits(),
                    want.to_bits(),
                    "scale {sc:?} {rows}x{cols} tile {ti}"
                );
                for r in r0..(r0 + tr).min(rows) {
                    for c in c0..(c0 + tc).min(cols) {
                        let i = r * cols + c;
                        let t = q(x[i] as f64 / s as f64);
                        // Nearest-even saturating, by search over all codes.
                        let got = sc.element().decode(codes[i] as u32) as f64;
                        let t = (t as f64).clamp(-fmax, fmax);
                        let best = (0..256u32)
                            .map(|cd| sc.element().decode(cd) as f64)
                            .filter(|v| v.is_finite())
                            .map(|v| (v - t).abs())
                            .fold(f64::INFINITY, f64::min);
                        assert_eq!((got - t).abs(), best, "code at {i}");
                    }
                }
            }
            let (pc, ps) = pack_stored(&sc, &st, cols);
            let mut y = vec![0f32; x.len()];
            sc.dequantize_rows(&pc, &ps, 1.0, cols, &mut y).unwrap();
            for i in 0..x.len() {
                let s = scales[i / cols / tr * tcols + i % cols / tc];
                assert_eq!(y[i], sc.element().decode(codes[i] as u32) * s);
            }
            let mut z = vec![0f32; x.len()];
            sc.quantize_dequantize_rows(&x, cols, &mut z).unwrap();
            assert_eq!(y, z);
        }
    }
    // Absmax takes floats of at most 8 bits (FP4 and FP6 too, for power-of-two group scales).
    assert!(BlockFormat::new(ElementFormat::FLOAT16, Region::Row, absmax).is_err());
    assert!(BlockFormat::new(ElementFormat::FLOAT4_E2M1FN, Region::Row, absmax).is_ok());
    assert!(BlockFormat::new(e4m3, Region::Tile { rows: 0, cols: 1 }, absmax).is_err());
    let sc = BlockFormat::FP8_E4M3_CHANNEL;
    assert!(
        sc.quantize_rows(&[0.0f32; 6], 4, &mut [0; 6], &mut [0; 8])
            .is_err()
    );
    assert!(
        sc.quantize_rows(&[0.0f32; 8], 4, &mut [0; 8], &mut [0; 4])
            .is_err()
    );
    assert!(sc.scale_count_rows(usize::MAX, 4).is_err());
}
