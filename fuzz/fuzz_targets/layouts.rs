//! Checkpoint layouts and the scaled integer / FP8 / ternary schemes on arbitrary bytes:
//! GGUF blocks (both profiles), GPTQ / AWQ packings, group-wise INT, FP8 and BitNet scaling
//! never panic, wrong sizes are errors, decoding GGUF MXFP4 bytes and re-quantizing the
//! result reproduces those values, each scheme's stored form equals its fake quantization
//! on every backend, and packings round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowbit::gguf::{self, GgufProfile, GgufType};
use lowbit::pack as group;
use lowbit::{AbsmaxProfile, AffineRule, Backend, BlockFormat, ElementFormat, Region, ScaleType, Scheme};

/// The IQ1/IQ2/IQ3 types, whose ggml quantizers abort on some inputs.
fn lattice(t: GgufType) -> bool {
    use GgufType::*;
    matches!(t, Iq1S | Iq1M | Iq2Xxs | Iq2Xs | Iq2S | Iq3Xxs | Iq3S)
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 6 {
        return;
    }
    let (head, body) = data.split_at(6);
    // GGUF: arbitrary bytes decode; decoded MXFP4 values re-quantize (exact profile) to
    // blocks that decode to the same values (power-of-two scales make MXFP4 values a fixed
    // point; NVFP4's E4M3 scales do not: a block without a ±6 code gets a finer scale).
    let t = GgufType::ALL[head[0] as usize % GgufType::ALL.len()];
    let nb = body.len() / t.block_bytes();
    let n = nb * t.block_len();
    let mut y = vec![0f32; n];
    // The integer and f64 types are stored as they are: no conversion, an error.
    let plain = {
        use GgufType::*;
        matches!(t, I8 | I16 | I32 | I64 | F64)
    };
    let r = gguf::dequantize(t, &body[..nb * t.block_bytes()], &mut y);
    assert_eq!(r.is_err(), plain, "{t:?}: {r:?}");
    assert!(gguf::dequantize(t, body, &mut y).is_err() || body.len() % t.block_bytes() == 0);
    for profile in [GgufProfile::Exact, GgufProfile::Ggml] {
        if plain {
            break;
        }
        let mut q = vec![0u8; nb * t.block_bytes()];
        match gguf::quantize_profile(t, profile, &y, &mut q) {
            Ok(()) => {}
            // Documented errors: the types ggml quantizes only with an importance matrix,
            // and the IQ1/IQ2/IQ3 lattice quantizers where ggml aborts (NaN or overflowing
            // group scales, tests/ggml_vectors.rs `ggml_aborts_are_errors`).
            Err(lowbit::Error::Unsupported(_)) if t.requires_imatrix() || lattice(t) => continue,
            Err(e) => panic!("{t:?} {profile:?}: {e}"),
        }
        let mut z = vec![0f32; n];
        gguf::dequantize(t, &q, &mut z).unwrap();
        if profile == GgufProfile::Exact
            && t == GgufType::Mxfp4
            && y.iter().all(|v| v.is_finite() && v.abs() < 1e30 && (*v == 0.0 || v.abs() > 1e-30))
        {
            assert!(y.iter().zip(&z).all(|(a, b)| a == b), "{t:?}: decoded values do not re-quantize to themselves");
        }
    }
    // GPTQ / AWQ packings of arbitrary words round-trip.
    let words: Vec<u32> = body.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect();
    let bits = [2u32, 4, 8, 3][head[1] as usize % 4];
    let ncols = 1 + head[2] as usize % 8;
    if bits != 3 && words.len() % ncols == 0 {
        let per = 32 / bits as usize;
        let k = words.len() / ncols * per;
        let mut codes = vec![0u8; k * ncols];
        group::unpack_gptq(&words, k, ncols, bits, &mut codes).unwrap();
        let mut back = vec![0u32; words.len()];
        group::pack_gptq(&codes, k, ncols, bits, &mut back).unwrap();
        assert_eq!(back, words);
    } else {
        let _ = group::unpack_gptq(&words, ncols, ncols, bits, &mut vec![0u8; ncols * ncols]);
    }
    let mut vals = vec![0u8; words.len() * 8];
    group::unpack_awq(&words, words.len(), 8, &mut vals).unwrap();
    let mut back = vec![0u32; words.len()];
    group::pack_awq(&vals, words.len(), 8, &mut back).unwrap();
    assert_eq!(back, words);
    // Group-wise INT, FP8 and BitNet scaling on arbitrary f32 values.
    let x: Vec<f32> = words.iter().map(|&w| f32::from_bits(w)).collect();
    let rule = [AffineRule::Gptq, AffineRule::Awq, AffineRule::Symmetric][head[3] as usize % 3];
    let st = [ScaleType::F16, ScaleType::Bf16, ScaleType::F32][head[4] as usize % 3];
    let region = [
        Region::Tensor,
        Region::Row,
        Region::Block(1 + head[4] as usize % 70),
        Region::Tile { rows: 1 + head[1] as usize % 5, cols: 1 + head[2] as usize % 9 },
    ][head[5] as usize % 4];
    let elem = [ElementFormat::FLOAT8_E4M3FN, ElementFormat::FLOAT8_E5M2][head[0] as usize & 1];
    let absmax = Scheme::Absmax { profile: AbsmaxProfile::DeepSeek, scale: st, pow2: head[4] & 1 == 1 };
    let formats = [
        BlockFormat::int_groups(2 + head[3] as u32 % 7, 1 + head[4] as usize % 70, rule, st).unwrap(),
        BlockFormat::new(elem, region, absmax).unwrap(),
        BlockFormat::BITNET_B158.with_region(region).unwrap(),
        BlockFormat::BITNET_A8.with_region(region).unwrap(),
    ];
    let bf = formats[head[2] as usize % formats.len()];
    let cols = 1 + head[5] as usize % 50;
    let mut out = vec![0f32; x.len()];
    if x.len() % cols == 0 {
        let rows = x.len() / cols;
        let (mut c, mut s) = (
            vec![0u8; bf.codes_len_rows(rows, cols).unwrap()],
            vec![0u8; bf.scales_len_rows(rows, cols).unwrap()],
        );
        let mut want = None;
        for b in Backend::available() {
            let t = bf.quantize_rows_with(b, &x, cols, &mut c, &mut s).unwrap();
            bf.dequantize_rows_with(b, &c, &s, t, cols, &mut out).unwrap();
            let mut fq = vec![0f32; x.len()];
            bf.quantize_dequantize_rows_with(b, &x, cols, &mut fq).unwrap();
            let same = |p: &[f32], q: &[f32]| {
                p.iter().zip(q).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()))
            };
            assert!(same(&out, &fq), "{bf} {b:?}: stored form differs from fake quantization");
            match &want {
                None => want = Some((c.clone(), s.clone(), fq)),
                Some((wc, ws, wf)) => {
                    assert_eq!((wc, ws), (&c, &s), "{bf} {b:?}: stored bytes differ from Scalar");
                    assert!(same(wf, &fq), "{bf} {b:?}: values differ from Scalar");
                }
            }
        }
    } else {
        assert!(bf.quantize_dequantize_rows(&x, cols, &mut out).is_err());
    }
});
