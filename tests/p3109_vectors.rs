//! IEEE P3109 formats against gfloat 0.5.2 (`tests/vectors/p3109/`, written by
//! `scripts/gen_p3109_vectors.py` from `format_info_p3109`, `decode_float`, `round_ndarray`
//! and `encode_ndarray`): all 140 formats with 2 ≤ K ≤ 8, every code's value and class, and
//! every recorded input under every rounding mode this crate has, saturating and not.
//!
//! Mode map: TowardZero, TowardPositive, TowardNegative, TiesToEven, TiesToAway are
//! `Rounding`'s five deterministic modes; gfloat's `StochasticFastest` with `srnumbits = 4`
//! (round away iff `delta + srbits · 2^−4 ≥ 1`) is `Rounding::Stochastic(srbits << 28)`
//! (away iff `frac · 2^32 + draw ≥ 2^32`). gfloat's other stochastic variants (Stochastic,
//! StochasticOdd, StochasticFast: the discarded fraction first rounded to 4 bits, or offset
//! by half a step) are not modes of this crate and are not compared. `sat=False` is
//! `Overflow::NonFinite`, `sat=True` is `Overflow::Saturate`. Entries gfloat leaves undefined
//! (`--`: unsigned formats given negatives; gfloat's wrong `max` of p3109_k2p1se and
//! p3109_k2p2ue) are skipped and counted.

use lowbit::{ElementFormat, Format, Overflow, Rounding, SpecError};

const DECODE: &str = include_str!("vectors/p3109/p3109_decode.txt");
const ROUND8: &str = include_str!("vectors/p3109/p3109_round_k8.txt");
const ROUND27: &str = include_str!("vectors/p3109/p3109_round_k2_7.txt");

/// The format a gfloat name describes, or the reason it has none here.
fn format(name: &str) -> Result<ElementFormat, lowbit::Error> {
    name.parse::<ElementFormat>()
}

#[test]
fn every_code_of_every_format_decodes_as_gfloat() {
    let (mut formats, mut codes, mut refused) = (0, 0, Vec::new());
    let mut lines = DECODE.lines().filter(|l| !l.starts_with('#'));
    while let Some(fmt) = lines.next() {
        let dec = lines.next().unwrap();
        let cls = lines.next().unwrap();
        let w: Vec<&str> = fmt.split_whitespace().collect();
        assert_eq!(w[0], "fmt");
        let name = w[1];
        let f = match format(name) {
            Ok(f) => f,
            Err(e) => {
                // Only the formats without a finite nonzero value are refused.
                assert_eq!(e, lowbit::Error::Spec(SpecError::NoFiniteValue), "{name}");
                refused.push(name);
                continue;
            }
        };
        // The name prints as gfloat's, except formats with an ml_dtypes name
        // (float8_e4m3fnuz = p3109_k8p4sf, float8_e5m2fnuz = p3109_k8p3sf) and signed P = K,
        // which is the same format as P = K − 1.
        let (k, p): (u32, u32) = (w[2].parse().unwrap(), w[3].parse().unwrap());
        let expect = match ElementFormat::NAMED.iter().find(|(_, g, _)| *g == f) {
            Some((n, _, _)) => n.to_string(),
            None if w[4] == "s" && p == k => format!("p3109_k{k}p{}s{}", k - 1, w[5]),
            None => name.to_string(),
        };
        let shown = f.to_string();
        assert_eq!(shown, expect, "{name}");
        assert_eq!(shown.parse::<ElementFormat>().unwrap(), f, "{name}");
        assert_eq!(f.bits(), w[2].parse::<u32>().unwrap(), "{name}");
        let vals: Vec<&str> = dec.split_whitespace().skip(2).collect();
        let classes: Vec<char> = cls.split_whitespace().nth(2).unwrap().chars().collect();
        assert_eq!(vals.len(), 1 << f.bits());
        for (c, (v, k)) in vals.iter().zip(&classes).enumerate() {
            let got = f.decode_f64(c as u32);
            let want = match *v {
                "nan" => f64::NAN,
                "inf" => f64::INFINITY,
                "-inf" => f64::NEG_INFINITY,
                h => f64::from_bits(u64::from_str_radix(h, 16).unwrap()),
            };
            assert!(
                got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                "{name} code {c:#x}: {got:e} vs gfloat {want:e}"
            );
            assert_eq!(f.is_nan_code(c as u32), *k == 'q', "{name} {c:#x} class");
            codes += 1;
        }
        // The largest value and the special codes.
        let max = f64::from_bits(u64::from_str_radix(&w[8][4..], 16).unwrap());
        if !["p3109_k2p2ue"].contains(&name) {
            assert_eq!(f.max_value(), max, "{name} max");
        }
        formats += 1;
    }
    println!("{formats} formats, {codes} codes equal to gfloat; refused: {refused:?}");
    assert_eq!(formats + refused.len(), 140);
    assert_eq!(refused, ["p3109_k2p1se", "p3109_k2p2se"]);
}

fn mode(name: &str) -> Option<bool> {
    // Some(stochastic?) for the compared modes.
    match name {
        "TowardZero" | "TowardPositive" | "TowardNegative" | "TiesToEven" | "TiesToAway" => {
            Some(false)
        }
        "StochasticFastest" => Some(true),
        _ => None,
    }
}

fn rounding(name: &str, sr: u32) -> Rounding {
    match name {
        "TowardZero" => Rounding::TowardZero,
        "TowardPositive" => Rounding::TowardPositive,
        "TowardNegative" => Rounding::TowardNegative,
        "TiesToEven" => Rounding::NearestEven,
        "TiesToAway" => Rounding::NearestAway,
        "StochasticFastest" => Rounding::Stochastic(sr << 28),
        _ => unreachable!(),
    }
}

/// Checks one file; returns (compared, skipped).
fn check_round(text: &str) -> (usize, usize) {
    let (mut compared, mut skipped) = (0, 0);
    let mut f: Option<ElementFormat> = None;
    let mut name = "";
    let mut inputs: Vec<f32> = Vec::new();
    let mut sr: Vec<u32> = Vec::new();
    let mut last_q: Vec<Option<u32>> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w[0] {
            "fmt" => {
                name = w[1];
                f = format(name).ok();
            }
            "in" => {
                inputs = w[3..]
                    .iter()
                    .map(|h| f32::from_bits(u32::from_str_radix(h, 16).unwrap()))
                    .collect();
                assert_eq!(inputs.len(), w[2].parse::<usize>().unwrap());
            }
            "sr" => {
                sr = w[3].chars().map(|c| c.to_digit(16).unwrap()).collect();
            }
            "q" | "qs" => {
                let Some(fmt) = f else {
                    continue;
                };
                let m = w[2];
                let codes: Vec<Option<u32>> = if w[0] == "q" {
                    let s = w[4];
                    (0..inputs.len())
                        .map(|i| u32::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
                        .collect()
                } else {
                    let mut c = last_q.clone();
                    for d in &w[4..] {
                        let (i, cc) = d.split_once(':').unwrap();
                        c[i.parse::<usize>().unwrap()] = u32::from_str_radix(cc, 16).ok();
                    }
                    c
                };
                if w[0] == "q" {
                    last_q = codes.clone();
                }
                if mode(m).is_none() {
                    continue;
                }
                let o = if w[0] == "q" {
                    Overflow::NonFinite
                } else {
                    Overflow::Saturate
                };
                for (i, (&x, want)) in inputs.iter().zip(&codes).enumerate() {
                    let Some(want) = *want else {
                        skipped += 1;
                        continue;
                    };
                    let r = rounding(m, sr[i]);
                    let got = fmt.encode(x, r, o);
                    assert_eq!(
                        got,
                        want,
                        "{name} {m} {o:?}: input {i} {x:e} ({:#x}): {got:#x} vs gfloat {want:#x}",
                        x.to_bits()
                    );
                    // f64 input: the same value, the same code.
                    assert_eq!(fmt.encode_f64(x as f64, r, o), want);
                    compared += 1;
                }
            }
            _ => panic!("line {}", w[0]),
        }
    }
    (compared, skipped)
}

#[test]
fn every_input_rounds_as_gfloat_k8() {
    let (c, s) = check_round(ROUND8);
    println!("K = 8: {c} encodings equal to gfloat's, {s} undefined in gfloat");
    assert!(c > 100_000);
}

#[test]
fn every_input_rounds_as_gfloat_k2_to_7() {
    let (c, s) = check_round(ROUND27);
    println!("K = 2..7: {c} encodings equal to gfloat's, {s} undefined in gfloat");
    assert!(c > 100_000);
}

#[test]
fn slices_on_every_backend_equal_the_scalar_encoder() {
    use lowbit::Backend;
    let mut inputs = Vec::new();
    for line in ROUND8.lines().filter(|l| l.starts_with("in ")) {
        inputs.extend(
            line.split_whitespace()
                .skip(3)
                .map(|h| f32::from_bits(u32::from_str_radix(h, 16).unwrap())),
        );
    }
    for k in [4u32, 6, 8] {
        for p in 1..k {
            for (s, e) in [(true, true), (true, false), (false, true), (false, false)] {
                let f = ElementFormat::Float(lowbit::FloatSpec::p3109(k, p, s, e).unwrap());
                for r in [
                    Rounding::NearestEven,
                    Rounding::NearestAway,
                    Rounding::TowardZero,
                    Rounding::TowardPositive,
                    Rounding::TowardNegative,
                ] {
                    for o in [Overflow::NonFinite, Overflow::Saturate] {
                        let n = f.packed_len(inputs.len()).unwrap();
                        let mut want = vec![0u8; n];
                        f.encode_slice_with(Backend::Scalar, &inputs, r, o, &mut want)
                            .unwrap();
                        for b in Backend::available() {
                            let mut got = vec![0u8; n];
                            f.encode_slice_with(b, &inputs, r, o, &mut got).unwrap();
                            assert_eq!(got, want, "{f} {r:?} {o:?} {b:?}");
                        }
                        let mut dw = vec![0f32; inputs.len()];
                        f.decode_slice_with(Backend::Scalar, &want, &mut dw)
                            .unwrap();
                        for b in Backend::available() {
                            let mut dg = vec![0f32; inputs.len()];
                            f.decode_slice_with(b, &want, &mut dg).unwrap();
                            let bits =
                                |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                            assert_eq!(bits(&dg), bits(&dw), "{f} decode {b:?}");
                        }
                    }
                }
            }
        }
    }
}
