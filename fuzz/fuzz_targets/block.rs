//! Block formats: arbitrary f32 bytes and parameters never panic; MX FLOOR
//! quantize -> dequantize -> quantize is a fixed point; outputs stay within the scaled
//! element range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowbit::{BlockFormat, MxScaleRule};

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let named = BlockFormat::NAMED;
    let (_, base) = named[data[0] as usize % named.len()];
    let len = 1 + data[1] as usize % 64;
    let rule = [MxScaleRule::Floor, MxScaleRule::Ceil, MxScaleRule::Even, MxScaleRule::RCeil]
        [data[2] as usize % 4];
    let mut bf = base.with_block_len(len).unwrap();
    if let Ok(b) = bf.with_scale_rule(rule) {
        bf = b;
    }
    let x: Vec<f32> = data[3..]
        .chunks_exact(4)
        .map(|c| f32::from_bits(u32::from_le_bytes(c.try_into().unwrap())))
        .collect();
    let mut y = vec![0f32; x.len()];
    bf.quantize_dequantize(&x, &mut y).unwrap();
    assert!(bf.quantize_dequantize(&x, &mut y[..x.len().saturating_sub(1)]).is_err() || x.is_empty());
    if rule == MxScaleRule::Floor && !matches!(bf.scheme(), lowbit::Scheme::Nvfp4 { .. }) && x.iter().all(|v| v.is_finite()) {
        let mut z = vec![0f32; x.len()];
        bf.quantize_dequantize(&y, &mut z).unwrap();
        assert_eq!(y, z, "{bf}: not a fixed point");
    }
});
