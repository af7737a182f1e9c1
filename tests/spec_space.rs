//! Every backend against the scalar definition on the whole space of float specs, not only
//! the named formats: every valid spec of at most 8 bits (each (E, M, sign, zero, NonFinite)
//! combination with the biases at both ends of its valid range, around the default, and
//! around the thresholds where f32's exponent range ends), plus a sample of 16-bit specs (the wider width slices pack);
//! every deterministic rounding mode and the stochastic one; both overflow policies. Inputs:
//! every f32 exponent with several mantissas, every code value of the spec, every midpoint of
//! neighbours and one f32 ulp either side. Decode of every code.
//!
//! The default run takes a lighter input set; the full one is behind `--ignored`:
//!
//!     cargo test --release --test spec_space -- --ignored

mod common;

use common::backends;
use lowbit::pack::{self, Layout};
use lowbit::{Backend, ElementFormat, FloatSpec, Format, NonFinite, Overflow, Rounding};

/// Every valid spec of at most `max_bits` bits, each with a selection of biases.
fn specs(max_bits: u32, sample: u32) -> Vec<FloatSpec> {
    let mut out = Vec::new();
    let mut n = 0u32;
    for signed in [true, false] {
        for e in 1..=8u32 {
            for m in 0..=15u32 {
                let bits = e + m + signed as u32;
                // Slices pack widths 1..=8 and 16.
                if bits > max_bits || (bits > 8 && bits != 16) {
                    continue;
                }
                for nf in [
                    NonFinite::Ieee,
                    NonFinite::Fn,
                    NonFinite::Fnuz,
                    NonFinite::Finite,
                    NonFinite::P3109,
                ] {
                    for zin in [false, true] {
                        let valid: Vec<i32> = (-300..=300)
                            .filter(|&b| FloatSpec::new(e, m, b, signed, zin, nf).is_ok())
                            .collect();
                        let (Some(&lo), Some(&hi)) = (valid.first(), valid.last()) else {
                            continue;
                        };
                        let def = lowbit::spec::default_bias(e).unwrap_or(0);
                        let mut biases: Vec<i32> = (lo..=lo + 2)
                            .chain(hi - 2..=hi)
                            .chain(def - 2..=def + 2)
                            .chain(124..=131)
                            .chain([-126, -125, 0, 1])
                            .filter(|b| (lo..=hi).contains(b))
                            .collect();
                        // Where the smallest step crosses 2^104 (the nearest-even kernel's
                        // magic constant 2^(emin - m + 23) reaches f32's largest binade).
                        let q104 = 1 - 104 - m as i32;
                        biases.extend((q104 - 2..=q104 + 2).filter(|b| (lo..=hi).contains(b)));
                        biases.sort_unstable();
                        biases.dedup();
                        for b in biases {
                            n += 1;
                            if bits <= 8 || n.is_multiple_of(sample) {
                                out.push(FloatSpec::new(e, m, b, signed, zin, nf).unwrap());
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// f32 inputs for one format: every f32 exponent with `per_exp` mantissas (both signs), the
/// specials, and every code value with its midpoints and their f32 neighbours.
fn inputs(f: &ElementFormat, per_exp: u32) -> Vec<f32> {
    let mut x = vec![
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        -f32::NAN,
    ];
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    for e in 0..=255u32 {
        for k in 0..per_exp {
            let m = match k {
                0 => 0,
                1 => 0x7F_FFFF,
                2 => 0x40_0000,
                3 => 1,
                _ => {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    (s >> 20) as u32 & 0x7F_FFFF
                }
            };
            let v = f32::from_bits(e << 23 | m);
            x.extend([v, -v]);
        }
    }
    let mut vals: Vec<f64> = f
        .codes()
        .map(|c| f.decode_f64(c))
        .filter(|v| v.is_finite())
        .collect();
    vals.sort_by(|a, b| a.partial_cmp(b).unwrap());
    vals.dedup();
    let near = |v: f64, x: &mut Vec<f32>| {
        let r = v as f32;
        x.extend([
            r,
            f32::from_bits(r.to_bits().wrapping_add(1)),
            f32::from_bits(r.to_bits().wrapping_sub(1)),
        ]);
    };
    for w in vals.windows(2) {
        near(w[0], &mut x);
        near((w[0] + w[1]) / 2.0, &mut x);
    }
    if let Some(&last) = vals.last() {
        near(last, &mut x);
        near(last * 1.5, &mut x);
    }
    x
}

const MODES: [Rounding; 6] = [
    Rounding::NearestEven,
    Rounding::NearestAway,
    Rounding::TowardZero,
    Rounding::TowardPositive,
    Rounding::TowardNegative,
    Rounding::Stochastic(0x5EED),
];

/// Compares every backend with the definition for one spec; returns the mismatches found.
fn check_spec(spec: FloatSpec, per_exp: u32, full: bool, bs: &[Backend]) -> Vec<String> {
    let f = ElementFormat::Float(spec);
    let x = inputs(&f, per_exp);
    let bits = f.bits();
    let mut bad = Vec::new();
    for r in MODES {
        for o in [Overflow::NonFinite, Overflow::Saturate] {
            let codes: Vec<u16> = x
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    let r = match r {
                        Rounding::Stochastic(seed) => {
                            Rounding::Stochastic(lowbit::stochastic_bits(seed, i as u64))
                        }
                        r => r,
                    };
                    f.encode(v, r, o) as u16
                })
                .collect();
            let mut want = vec![0u8; f.packed_len(x.len()).unwrap()];
            pack::pack(&codes, bits, Layout::Dense, &mut want).unwrap();
            for &b in bs {
                let mut got = vec![0u8; want.len()];
                f.encode_slice_with(b, &x, r, o, &mut got).unwrap();
                if got != want {
                    let mut gc = vec![0u16; x.len()];
                    pack::unpack(&got, bits, Layout::Dense, &mut gc).unwrap();
                    let i = (0..x.len()).find(|&i| gc[i] != codes[i]).unwrap();
                    bad.push(format!(
                        "{f} {b:?} {r:?} {o:?}: encode {:e} ({:#010x}) = {:#x}, want {:#x}",
                        x[i],
                        x[i].to_bits(),
                        gc[i],
                        codes[i]
                    ));
                }
            }
        }
    }
    // Scaled encode (`x / s` in f64, one rounding) against the definition, for an inexact
    // scale (the quotient rounded to odd) and powers of two (the format's grid moved),
    // small and large enough to move it past f32's range.
    // The full sweep runs every pair below; the default run one power of two and two pairs
    // per spec, rotating with the spec.
    let pow2 = [0.125f32, 2f32.powi(40), 2f32.powi(-90)];
    let pairs = [
        (Rounding::NearestEven, Overflow::Saturate),
        (Rounding::NearestEven, Overflow::NonFinite),
        (Rounding::TowardZero, Overflow::NonFinite),
        (Rounding::NearestAway, Overflow::Saturate),
        (Rounding::TowardPositive, Overflow::NonFinite),
        (Rounding::TowardNegative, Overflow::Saturate),
    ];
    let key = (spec.exp_bits() as i32 * 7 + spec.man_bits() as i32 * 3 + spec.bias()).rem_euclid(6)
        as usize;
    let (scales, pairs) = if full {
        ([&[0.37f32][..], &pow2[..]].concat(), pairs.to_vec())
    } else {
        (
            vec![0.37, pow2[key % 3]],
            vec![pairs[key], pairs[(key + 3) % 6]],
        )
    };
    for &s in &scales {
        for &(r, o) in &pairs {
            let codes: Vec<u16> = x
                .iter()
                .map(|&v| {
                    let q = v as f64 / s as f64;
                    if q.is_nan() {
                        f.stored_nan() as u16
                    } else {
                        f.encode_f64(q, r, o) as u16
                    }
                })
                .collect();
            let mut want = vec![0u8; f.packed_len(x.len()).unwrap()];
            pack::pack(&codes, bits, Layout::Dense, &mut want).unwrap();
            for &b in bs {
                let mut got = vec![0u8; want.len()];
                f.encode_slice_scaled_with(b, &x, s, r, o, &mut got)
                    .unwrap();
                if got != want {
                    bad.push(format!(
                        "{f} {b:?} {r:?}: encode_slice_scaled by {s:e} differs"
                    ));
                }
            }
        }
    }
    // Decode of every code, packed densely.
    let all: Vec<u16> = f.codes().map(|c| c as u16).collect();
    let mut bytes = vec![0u8; f.packed_len(all.len()).unwrap()];
    pack::pack(&all, bits, Layout::Dense, &mut bytes).unwrap();
    for &b in bs {
        let mut got = vec![0f32; all.len()];
        f.decode_slice_with(b, &bytes, &mut got).unwrap();
        for (c, g) in got.iter().enumerate() {
            let want = f.decode(c as u32);
            if g.to_bits() != want.to_bits() {
                bad.push(format!("{f} {b:?}: decode {c:#x} = {g:e}, want {want:e}"));
                break;
            }
        }
    }
    bad
}

fn run(max_bits: u32, sample: u32, per_exp: u32, full: bool) {
    let bs = backends();
    let all = specs(max_bits, sample);
    let bad: Vec<String> = std::thread::scope(|s| {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunks: Vec<&[FloatSpec]> = all.chunks(all.len().div_ceil(threads)).collect();
        let hs: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                let bs = &bs;
                s.spawn(move || {
                    c.iter()
                        .flat_map(|&spec| check_spec(spec, per_exp, full, bs))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        hs.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    println!("{} specs, {} mismatches", all.len(), bad.len());
    assert!(
        bad.is_empty(),
        "{} mismatches, first {}:\n{}",
        bad.len(),
        bad.len().min(40),
        bad[..bad.len().min(40)].join("\n")
    );
}

#[test]
fn every_backend_equals_the_definition_on_every_spec() {
    run(16, 16, 6, false);
}

#[test]
#[ignore = "about three minutes in release on 2 cores; run by .ci/run"]
fn every_backend_equals_the_definition_on_every_spec_full() {
    run(16, 8, 24, true);
}
