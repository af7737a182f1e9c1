//! Codebooks from arbitrary tables: `Codebook::new` never panics; a valid table encodes every
//! input to a code within its width, nearest (nearest-even) and monotone, every first holder
//! of a value round-trips, and every backend's slices equal the definition.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowbit::{Backend, Codebook, Format, Overflow, Rounding};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let k = (data[0] % 9) as usize; // 0 (invalid) ..= 8
    let words: Vec<f32> = data[1..]
        .chunks_exact(4)
        .map(|w| f32::from_bits(u32::from_le_bytes(w.try_into().unwrap())))
        .collect();
    let n = (1usize << k).min(words.len());
    let Ok(cb) = Codebook::new(&words[..n]) else { return };
    let rest = &words[n..];
    let modes = [
        Rounding::NearestEven,
        Rounding::NearestAway,
        Rounding::TowardZero,
        Rounding::TowardPositive,
        Rounding::TowardNegative,
        Rounding::Stochastic(data[0] as u32 * 0x0101_0101),
    ];
    let vals = cb.values();
    for &x in rest.iter().take(64) {
        for r in modes {
            let c = cb.encode(x, r, Overflow::Saturate);
            assert!(c >> cb.bits() == 0);
        }
        if !x.is_nan() {
            // Nearest: no entry is strictly nearer (distances in f64; the inputs and entries
            // are f32, so the subtraction is exact when both are within 2^29 of each other,
            // and ties compare equal either way).
            let c = cb.encode(x, Rounding::NearestEven, Overflow::Saturate);
            let d = |v: f32| ((v as f64) - (x as f64)).abs();
            let got = d(vals[c as usize]);
            assert!(vals.iter().all(|&v| d(v) >= got || !(d(v) - got).is_finite()), "{cb:?} {x:e}");
        }
    }
    // Monotone in nearest-even, with −0 below +0: a zero input where the table has no zero
    // takes the entry nearest zero on its own sign's side (documented on `Codebook`).
    let mut xs: Vec<f32> = rest.iter().copied().filter(|x| !x.is_nan()).take(64).collect();
    xs.sort_by(|a, b| a.total_cmp(b));
    let q: Vec<f32> = xs.iter().map(|&x| vals[cb.encode(x, Rounding::NearestEven, Overflow::Saturate) as usize]).collect();
    assert!(q.windows(2).all(|w| w[0] <= w[1]));
    for (c, &v) in vals.iter().enumerate() {
        if !vals[..c].contains(&v) {
            assert_eq!(cb.encode(v, Rounding::TowardZero, Overflow::Saturate), c as u32);
        }
    }
    // Slices on every backend.
    let x: Vec<f32> = rest.iter().copied().take(300).collect();
    let m = cb.packed_len(x.len()).unwrap();
    for r in modes {
        let mut want = vec![0u8; m];
        cb.encode_slice_with(Backend::Scalar, &x, r, Overflow::Saturate, &mut want).unwrap();
        for b in Backend::available() {
            let mut got = vec![0u8; m];
            cb.encode_slice_with(b, &x, r, Overflow::Saturate, &mut got).unwrap();
            assert_eq!(got, want, "{cb:?} {r:?} {b:?}");
            let mut y = vec![0f32; x.len()];
            cb.decode_slice_with(b, &got, &mut y).unwrap();
        }
    }
});
