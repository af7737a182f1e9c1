//! Codebook element formats: the definition against the brute-force oracle of `common` on
//! named and random tables (sorted, unsorted, with repeats and both zeros), and every backend's
//! slice encode and decode against `Backend::Scalar` (the definition) bit for bit, over
//! every mode, lengths, offsets and input types. The bitsandbytes tables themselves are
//! checked in `bnb_vectors.rs`, IQ4_NL's against ggml's in `ggml_vectors.rs`.

mod common;

use common::{backends, ref_encode_codebook};
use half::{bf16, f16};
use lowbit::{Backend, Codebook, ElementFormat, Error, Format, Overflow, Rounding};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Random tables of every width: values over a few binades (so the oracle's sums stay
/// exact), unsorted, with repeats, ±0, and tables without zero.
fn random_tables(seed: u64) -> Vec<Vec<f32>> {
    let mut r = Rng(seed | 1);
    let mut out = Vec::new();
    for bits in 1..=8u32 {
        for kind in 0..4 {
            let n = 1usize << bits;
            let mut t: Vec<f32> = (0..n)
                .map(|_| {
                    let m = (r.next() % 2000) as f32 - 1000.0;
                    m / [1.0, 8.0, 64.0, 1024.0][(r.next() % 4) as usize]
                })
                .collect();
            match kind {
                0 => t.sort_by(|a, b| a.partial_cmp(b).unwrap()),
                // Repeats and both zeros.
                1 if n >= 4 => {
                    t[1] = t[0];
                    t[2] = -0.0;
                    t[3] = 0.0;
                }
                2 => {
                    // No zero; symmetric pairs (zero inputs tie).
                    for v in t.iter_mut() {
                        if *v == 0.0 {
                            *v = 0.5;
                        }
                    }
                    t[1] = -t[0];
                }
                _ => {}
            }
            out.push(t);
        }
    }
    out
}

fn named() -> Vec<&'static Codebook> {
    vec![
        Codebook::NF4,
        Codebook::BNB_FP4,
        Codebook::IQ4_NL,
        Codebook::BNB_DYNAMIC,
    ]
}

fn modes(draw: u32) -> [Rounding; 6] {
    [
        Rounding::NearestEven,
        Rounding::NearestAway,
        Rounding::TowardZero,
        Rounding::TowardPositive,
        Rounding::TowardNegative,
        Rounding::Stochastic(draw),
    ]
}

fn next_up(x: f32) -> f32 {
    if x == 0.0 {
        return f32::from_bits(1);
    }
    let b = x.to_bits();
    f32::from_bits(if x > 0.0 { b + 1 } else { b - 1 })
}

/// Every value, every midpoint of neighbours, their f32 neighbours, beyond the ends, zeros,
/// specials, and random values.
fn inputs(t: &[f32], seed: u64) -> Vec<f32> {
    let mut v: Vec<f64> = t.iter().map(|&x| x as f64).collect();
    let mut s: Vec<f64> = v.clone();
    s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    s.dedup();
    for w in s.windows(2) {
        v.push((w[0] + w[1]) / 2.0);
    }
    v.push(s[0] * 2.0 - 1.0);
    v.push(s[s.len() - 1] * 2.0 + 1.0);
    let mut out = Vec::new();
    for x in v {
        let f = x as f32;
        for y in [f, next_up(f), -next_up(-f)] {
            out.push(y);
            out.push(-y);
        }
    }
    let mut r = Rng(seed | 1);
    for _ in 0..200 {
        out.push(
            ((r.next() >> 11) as f64 / (1u64 << 53) as f64 * 3.0 - 1.5) as f32
                * s[s.len() - 1].abs().max(1.0) as f32,
        );
        out.push(f32::from_bits(r.next() as u32));
    }
    out.extend([
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
        f32::from_bits(1),
        -f32::from_bits(1),
        f32::MAX,
        f32::MIN,
    ]);
    out
}

#[test]
fn definition_equals_the_oracle() {
    let mut tables: Vec<Vec<f32>> = named().iter().map(|c| c.values().to_vec()).collect();
    tables.extend(random_tables(0xC0DE));
    let mut checked = 0;
    for t in &tables {
        let cb = Codebook::new(t).unwrap();
        for (i, &x) in inputs(t, checked as u64 + 5).iter().enumerate() {
            // Random f32 bit patterns far outside the table's range still compare exactly
            // in the oracle only when lo + hi is exact; inside the range they are fine.
            let draw = lowbit::stochastic_bits(3, i as u64);
            for r in modes(draw) {
                let got = cb.encode(x, r, Overflow::Saturate);
                let want = ref_encode_codebook(t, x as f64, r);
                assert_eq!(
                    got,
                    want,
                    "{t:?}: encode({x:e} = {:#x}, {r:?})",
                    x.to_bits()
                );
                assert_eq!(cb.encode_f64(x as f64, r, Overflow::NonFinite), want);
                checked += 1;
            }
        }
        // Every code decodes to its table value and (unless a lower code holds the value)
        // encodes back to itself in every mode.
        for c in 0..t.len() as u32 {
            assert_eq!(cb.decode(c).to_bits(), t[c as usize].to_bits());
            if !t[..c as usize].contains(&t[c as usize]) {
                for r in modes(7) {
                    assert_eq!(cb.encode(t[c as usize], r, Overflow::Saturate), c);
                }
            }
        }
        assert!(cb.try_decode(t.len() as u32).is_err());
    }
    println!(
        "{} tables, {checked} encodings equal to the oracle",
        tables.len()
    );
}

#[test]
fn ties_are_documented() {
    // NF4: 0.5 · (code 7 + code 8) is a tie of 0 (code 7, odd) and 0.0796 (code 8, even).
    let nf4 = Codebook::NF4;
    let t = nf4.values();
    let mid = (t[7] + t[8]) / 2.0;
    assert_eq!((mid as f64) * 2.0, t[7] as f64 + t[8] as f64);
    assert_eq!(
        nf4.encode(mid, Rounding::NearestEven, Overflow::Saturate),
        8
    );
    assert_eq!(
        nf4.encode(mid, Rounding::NearestAway, Overflow::Saturate),
        8
    );
    assert_eq!(
        nf4.encode(-0.0, Rounding::NearestEven, Overflow::Saturate),
        7
    );
    // bitsandbytes FP4: +0 twice (codes 0 and 8); a negative zero result is +0 (code 0).
    let fp4 = Codebook::BNB_FP4;
    assert_eq!(
        fp4.encode(-1e-9, Rounding::NearestEven, Overflow::Saturate),
        0
    );
    assert_eq!(
        fp4.encode(f32::NAN, Rounding::TowardPositive, Overflow::Saturate),
        0
    );
    // A table with both zeros keeps the sign; one without zero takes the nearer entry.
    let z = Codebook::new(&[-0.0, 0.0, 1.0, -2.0]).unwrap();
    assert_eq!(z.encode(-0.0, Rounding::NearestEven, Overflow::Saturate), 0);
    assert_eq!(z.encode(0.0, Rounding::NearestEven, Overflow::Saturate), 1);
    assert_eq!(
        z.encode(-0.25, Rounding::NearestEven, Overflow::Saturate),
        0
    );
    let nz = Codebook::new(&[-1.0, 1.0]).unwrap();
    assert_eq!(nz.encode(0.0, Rounding::TowardZero, Overflow::Saturate), 1);
    assert_eq!(nz.encode(-0.0, Rounding::TowardZero, Overflow::Saturate), 0);
}

#[test]
fn bad_tables_are_errors() {
    for t in [&[][..], &[1.0][..], &[0.0; 3][..], &[0.0; 512][..]] {
        assert!(
            matches!(Codebook::new(t), Err(Error::Parameter { .. })),
            "{}",
            t.len()
        );
    }
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let e = Codebook::new(&[0.0, bad]).unwrap_err();
        assert!(e.to_string().contains("not finite"), "{e}");
    }
    // A user table prints a label that does not parse, with a reason.
    let cb = Box::leak(Box::new(Codebook::new(&[0.0, 3.0]).unwrap()));
    let f = ElementFormat::Codebook(cb);
    let name = f.to_string();
    assert!(name.starts_with("codebook1_"), "{name}");
    assert!(matches!(
        name.parse::<ElementFormat>(),
        Err(Error::NotAFormat { .. })
    ));
    // The same table as a named one is that one.
    let again = Box::leak(Box::new(Codebook::new(Codebook::NF4.values()).unwrap()));
    assert_eq!(ElementFormat::Codebook(again), ElementFormat::NF4);
    assert_eq!(ElementFormat::Codebook(again).to_string(), "nf4");
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn every_backend_equals_the_definition() {
    let bs = backends();
    let mut tables: Vec<Codebook> = named().into_iter().cloned().collect();
    tables.extend(
        random_tables(0xBEEF)
            .iter()
            .map(|t| Codebook::new(t).unwrap()),
    );
    let mut runs = 0;
    for (ti, cb) in tables.iter().enumerate() {
        let base = inputs(cb.values(), ti as u64);
        for r in modes(0x5EED) {
            for &len in &[0usize, 1, 2, 3, 31, 64, 513, base.len()] {
                for off in [0usize, 1] {
                    let x: Vec<f32> = base.iter().cycle().skip(off).take(len).copied().collect();
                    let n = cb.packed_len(len).unwrap();
                    let mut want = vec![0u8; n];
                    cb.encode_slice_with(Backend::Scalar, &x, r, Overflow::Saturate, &mut want)
                        .unwrap();
                    // The ElementFormat form is the same function.
                    let h: Vec<f16> = x.iter().map(|&v| f16::from_f32(v)).collect();
                    let hf: Vec<f32> = h.iter().map(|v| v.to_f32()).collect();
                    let mut want_h = vec![0u8; n];
                    cb.encode_slice_with(Backend::Scalar, &hf, r, Overflow::Saturate, &mut want_h)
                        .unwrap();
                    for &b in &bs {
                        let mut got = vec![0u8; n];
                        cb.encode_slice_with(b, &x, r, Overflow::NonFinite, &mut got)
                            .unwrap();
                        assert_eq!(got, want, "{cb:?} {r:?} {b:?} len {len}");
                        let mut got_h = vec![0u8; n];
                        cb.encode_slice_with(b, &h, r, Overflow::Saturate, &mut got_h)
                            .unwrap();
                        assert_eq!(got_h, want_h, "{cb:?} f16 {r:?} {b:?}");
                        let d: Vec<f64> = x.iter().map(|&v| v as f64).collect();
                        let mut got_d = vec![0u8; n];
                        cb.encode_slice_with(b, &d, r, Overflow::Saturate, &mut got_d)
                            .unwrap();
                        assert_eq!(got_d, want, "{cb:?} f64 {r:?} {b:?}");
                        runs += 1;
                    }
                    // Decode every byte string of this length.
                    let mut dw = vec![0f32; len];
                    cb.decode_slice_with(Backend::Scalar, &want, &mut dw)
                        .unwrap();
                    for (i, v) in dw.iter().enumerate() {
                        let c = lowbit::pack::PackedSlice::new(
                            &want,
                            cb.bits(),
                            Default::default(),
                            len,
                        )
                        .unwrap()
                        .get(i)
                        .unwrap();
                        assert_eq!(v.to_bits(), cb.values()[c as usize].to_bits());
                    }
                    for &b in &bs {
                        let mut dg = vec![0f32; len];
                        cb.decode_slice_with(b, &want, &mut dg).unwrap();
                        assert_eq!(bits(&dg), bits(&dw), "{cb:?} decode {b:?}");
                        let mut db = vec![bf16::ZERO; len];
                        cb.decode_slice_with(b, &want, &mut db).unwrap();
                        assert!(db.iter().zip(&dw).all(|(g, w)| *g == bf16::from_f32(*w)));
                    }
                }
            }
        }
    }
    // The named ones through ElementFormat: the same bytes.
    for f in [
        ElementFormat::NF4,
        ElementFormat::BNB_FP4,
        ElementFormat::IQ4_NL,
        ElementFormat::BNB_DYNAMIC,
    ] {
        let cb = f.codebook().unwrap();
        let x = inputs(cb.values(), 9);
        let n = f.packed_len(x.len()).unwrap();
        for &b in &bs {
            let (mut a, mut c) = (vec![0u8; n], vec![0u8; n]);
            f.encode_slice_with(b, &x, Rounding::NearestEven, Overflow::Saturate, &mut a)
                .unwrap();
            cb.encode_slice_with(b, &x, Rounding::NearestEven, Overflow::Saturate, &mut c)
                .unwrap();
            assert_eq!(a, c);
            let (mut ya, mut yc) = (vec![0f32; x.len()], vec![0f32; x.len()]);
            f.decode_slice_with(b, &a, &mut ya).unwrap();
            cb.decode_slice_with(b, &a, &mut yc).unwrap();
            assert_eq!(bits(&ya), bits(&yc));
        }
    }
    println!("{runs} slice encodings equal to the definition");
}

#[test]
fn wrong_lengths_are_errors() {
    let cb = Codebook::NF4;
    let mut out = [0u8; 1];
    assert!(matches!(
        cb.encode_slice(
            &[0f32; 3],
            Rounding::NearestEven,
            Overflow::Saturate,
            &mut out
        ),
        Err(Error::Length { .. })
    ));
    let mut y = [0f32; 3];
    assert!(cb.decode_slice(&[0u8; 1], &mut y).is_err());
    assert!(cb.packed_len(usize::MAX).is_err());
}

/// The IQ4_NL codebook is GGUF IQ4_NL's grid: ggml's dequantizer (`gguf::dequantize`, held
/// to ggml's own outputs in `ggml_vectors.rs`) gives `d · IQ4_NL[q]` for every code.
#[test]
fn iq4_nl_is_the_grid_of_gguf_iq4_nl() {
    use lowbit::gguf::{self, GgufType};
    let t: GgufType = "iq4_nl".parse().unwrap();
    let mut block = vec![0u8; 18];
    for (d, seed) in [(0x3C00u16, 1u8), (0xB555, 7), (0x0401, 200)] {
        block[..2].copy_from_slice(&d.to_le_bytes());
        for (j, b) in block[2..].iter_mut().enumerate() {
            *b = (j as u8).wrapping_mul(17).wrapping_add(seed);
        }
        let mut y = [0f32; 32];
        gguf::dequantize(t, &block, &mut y).unwrap();
        let d = f16::from_bits(d).to_f32();
        for j in 0..16 {
            let (lo, hi) = (block[2 + j] & 15, block[2 + j] >> 4);
            assert_eq!(y[j], d * Codebook::IQ4_NL.values()[lo as usize]);
            assert_eq!(y[j + 16], d * Codebook::IQ4_NL.values()[hi as usize]);
        }
    }
}
