//! Block formats: arbitrary f32 bytes and parameters (scheme, profile, MX library profile,
//! block length, scale rule, element rounding, rows, a given tensor amax) never panic; the stored form
//! dequantizes to exactly what fake quantization gives; MX FLOOR quantize -> dequantize ->
//! quantize is a fixed point (absmean, NVFP4 and absmax scales move with the values, so only MX
//! is checked for it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowbit::{BlockFormat, MxProfile, MxScaleRule, Rounding};

fuzz_target!(|data: &[u8]| {
    if data.len() < 8 {
        return;
    }
    let named = BlockFormat::NAMED;
    let (_, base) = named[data[0] as usize % named.len()];
    let len = 1 + data[1] as usize % 64;
    let rule = [MxScaleRule::Floor, MxScaleRule::Ceil, MxScaleRule::Even, MxScaleRule::RCeil]
        [data[2] as usize % 4];
    let rounding = [
        Rounding::NearestEven,
        Rounding::NearestAway,
        Rounding::TowardZero,
        Rounding::TowardPositive,
        Rounding::TowardNegative,
        Rounding::Stochastic(data[4] as u32),
    ][data[3] as usize % 6];
    let mut bf = base.with_block_len(len).unwrap_or(base).with_rounding(rounding);
    if let Ok(b) = bf.with_scale_rule(rule) {
        bf = b;
    }
    if data[4] & 1 == 1 {
        if let Ok(b) = bf.with_tensor_scale(false) {
            bf = b;
        }
    }
    // MX library profiles (the libraries' arithmetic, NaN bits included).
    let profiles = [
        MxProfile::Torchao,
        MxProfile::Torchao15,
        MxProfile::Torchao14,
        MxProfile::ModelOpt,
        MxProfile::CompressedTensors,
    ];
    if data[6] % 3 == 0 {
        if let Ok(b) = bf.with_mx_profile(Some(profiles[data[7] as usize % 5])) {
            bf = b;
        }
    }
    // Every format's name parses back to it.
    assert_eq!(bf.to_string().parse::<BlockFormat>().unwrap(), bf);
    let x: Vec<f32> = data[8..]
        .chunks_exact(4)
        .map(|c| f32::from_bits(u32::from_le_bytes(c.try_into().unwrap())))
        .collect();
    let n = x.len();
    let mut y = vec![0f32; n];
    bf.quantize_dequantize(&x, &mut y).unwrap();
    assert!(bf.quantize_dequantize(&x, &mut y[..n.saturating_sub(1)]).is_err() || x.is_empty());
    // The stored form gives the same values (NaN where fake quantization gives NaN).
    let same = |a: &[f32], b: &[f32]| {
        a.iter().zip(b).all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()))
    };
    let (mut codes, mut scales) = (vec![0u8; bf.codes_len(n).unwrap()], vec![0u8; bf.scales_len(n).unwrap()]);
    let t = bf.quantize(&x, &mut codes, &mut scales).unwrap();
    let mut z = vec![0f32; n];
    bf.dequantize(&codes, &scales, t, &mut z).unwrap();
    assert!(same(&y, &z), "{bf}: stored form differs from fake quantization");
    // A given tensor amax and rows never panic; rows agree with their stored form.
    let amax = f32::from_bits(u32::from_le_bytes(data[4..8].try_into().unwrap()));
    bf.quantize_dequantize_shard(&x, amax, &mut z).unwrap();
    let cols = 1 + data[5] as usize % 40;
    if n % cols == 0 {
        let rows = n / cols;
        let (l, s) = (bf.codes_len_rows(rows, cols).unwrap(), bf.scales_len_rows(rows, cols).unwrap());
        let (mut c2, mut s2) = (vec![0u8; l], vec![0u8; s]);
        let t2 = bf.quantize_rows(&x, cols, &mut c2, &mut s2).unwrap();
        bf.dequantize_rows(&c2, &s2, t2, cols, &mut y).unwrap();
        bf.quantize_dequantize_rows(&x, cols, &mut z).unwrap();
        assert!(same(&y, &z), "{bf}: rows differ");
    } else {
        assert!(bf.quantize_dequantize_rows(&x, cols, &mut z).is_err());
    }
    if rounding == Rounding::NearestEven
        && rule == MxScaleRule::Floor
        && matches!(bf.scheme(), lowbit::Scheme::Mx(_))
        && x.iter().all(|v| v.is_finite())
    {
        bf.quantize_dequantize(&x, &mut y).unwrap();
        let mut z = vec![0f32; n];
        bf.quantize_dequantize(&y, &mut z).unwrap();
        assert_eq!(y, z, "{bf}: not a fixed point");
    }
});
