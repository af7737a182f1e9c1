//! Exact transcoding, exhaustively: every code of every pair of formats (every named format,
//! the codebooks, P3109 binary8p3/p4 extended) transcodes to what the oracle of `common`
//! gives for that code's oracle value, in every mode and overflow policy; whether a pair is
//! exact (`transcodes_exactly_to`) agrees with the oracle's round trip; and every backend's
//! slice transcoding equals `Backend::Scalar` bit for bit. `exactness_table` prints the
//! table `docs/formats.md` shows.

mod common;

use common::{FloatTable, OVERFLOWS, backends, modes, ref_decode, ref_encode};
use lowbit::{Backend, ElementFormat, FloatSpec, Format, Overflow, Rounding};

fn formats() -> Vec<(String, ElementFormat, Option<FloatTable>)> {
    let mut v: Vec<(String, ElementFormat, Option<FloatTable>)> = common::named()
        .into_iter()
        .map(|(n, f, t)| (n.to_string(), f, t))
        .collect();
    for (k, p) in [(8, 3), (8, 4), (4, 2)] {
        let s = FloatSpec::p3109(k, p, true, true).unwrap();
        let f = ElementFormat::Float(s);
        v.push((f.to_string(), f, Some(FloatTable::new(s))));
    }
    v
}

/// Every code of every pair in every mode (`all_modes`) or nearest-even and toward zero,
/// against the oracle; returns the pairs checked.
fn check_pairs(wide_sources: bool, all_modes: bool) -> usize {
    let fs = formats();
    let mut pairs = 0;
    for (fname, from, _) in &fs {
        if (from.bits() > 8) != wide_sources {
            continue;
        }
        for (tname, to, table) in &fs {
            for (ci, c) in from.codes().enumerate() {
                let v = ref_decode(from, c);
                // A NaN carries the sign `decode` gives it (the negative-zero NaN of fnuz and
                // P3109 formats decodes as -NaN): documented, not the oracle's business.
                let v = if v.is_nan() { from.decode_f64(c) } else { v };
                let ms: Vec<Rounding> = if all_modes {
                    modes(lowbit::stochastic_bits(11, ci as u64)).to_vec()
                } else {
                    vec![Rounding::NearestEven, Rounding::TowardZero]
                };
                for &r in &ms {
                    for o in OVERFLOWS {
                        let got = from.transcode(to, c, r, o).unwrap();
                        let want = ref_encode(to, table.as_ref(), v, r, o);
                        assert_eq!(got, want, "{fname} {c:#x} -> {tname} {r:?} {o:?}");
                    }
                }
            }
            pairs += 1;
        }
    }
    pairs
}

#[test]
fn every_code_of_every_pair_up_to_8_bits() {
    let n = check_pairs(false, true);
    println!("{n} pairs, every code, every mode");
}

#[test]
fn every_code_of_every_pair_from_16_bits() {
    let n = check_pairs(true, true);
    println!("{n} pairs from 16-bit formats, every code, every mode");
}

/// The oracle's verdict: every value survives the round trip into `to`.
fn exact_by_oracle(from: &ElementFormat, to: &ElementFormat, table: Option<&FloatTable>) -> bool {
    from.codes().all(|c| {
        let v = ref_decode(from, c);
        let back = ref_decode(
            to,
            ref_encode(to, table, v, Rounding::NearestEven, Overflow::NonFinite),
        );
        back == v || (back.is_nan() && v.is_nan())
    })
}

#[test]
fn exactness_agrees_with_the_oracle_and_the_stated_pairs() {
    let fs = formats();
    for (fname, from, _) in &fs {
        for (tname, to, table) in &fs {
            assert_eq!(
                from.transcodes_exactly_to(to),
                exact_by_oracle(from, to, table.as_ref()),
                "{fname} -> {tname}"
            );
        }
    }
    use ElementFormat as F;
    let exact = |a: ElementFormat, b: ElementFormat| a.transcodes_exactly_to(&b);
    // The pairs the docs state.
    assert!(exact(F::FLOAT4_E2M1FN, F::FLOAT8_E4M3FN));
    assert!(exact(F::FLOAT4_E2M1FN, F::FLOAT6_E2M3FN));
    assert!(exact(F::FLOAT4_E2M1FN, F::FLOAT8_E5M2));
    assert!(exact(F::INT4, F::FLOAT8_E4M3FN));
    assert!(exact(F::INT4, F::FLOAT8_E5M2)); // at most 3 significant bits
    assert!(!exact(F::INT8, F::FLOAT8_E4M3FN)); // 17 needs 5
    assert!(!exact(F::FLOAT8_E4M3FN, F::FLOAT8_E5M2));
    assert!(!exact(F::FLOAT8_E5M2, F::FLOAT8_E4M3FN));
    assert!(exact(F::FLOAT8_E4M3FN, F::FLOAT16) && exact(F::FLOAT8_E4M3FN, F::BFLOAT16));
    assert!(exact(F::FLOAT8_E5M2, F::FLOAT16) && !exact(F::FLOAT16, F::BFLOAT16));
    assert!(!exact(F::NF4, F::FLOAT8_E4M3FN) && !exact(F::NF4, F::FLOAT16));
    assert!(exact(F::IQ4_NL, F::INT8) && exact(F::IQ4_NL, F::FLOAT16));
    // E2M1 -> E4M3FNUZ is exact up to the sign of zero (-0 becomes +0).
    assert!(exact(F::FLOAT4_E2M1FN, F::FLOAT8_E4M3FNUZ));
}

#[test]
fn exactness_table() {
    use ElementFormat as F;
    let names = [
        ("E2M1", F::FLOAT4_E2M1FN),
        ("E2M3", F::FLOAT6_E2M3FN),
        ("E3M2", F::FLOAT6_E3M2FN),
        ("E4M3FN", F::FLOAT8_E4M3FN),
        ("E4M3FNUZ", F::FLOAT8_E4M3FNUZ),
        ("E5M2", F::FLOAT8_E5M2),
        ("P3109 p3", "p3109_k8p3se".parse().unwrap()),
        ("P3109 p4", "p3109_k8p4se".parse().unwrap()),
        ("INT4", F::INT4),
        ("INT8", F::INT8),
        ("NF4", F::NF4),
        ("bnb FP4", F::BNB_FP4),
        ("IQ4_NL", F::IQ4_NL),
        ("f16", F::FLOAT16),
        ("bf16", F::BFLOAT16),
    ];
    print!("| from \\ to |");
    for (n, _) in &names {
        print!(" {n} |");
    }
    println!();
    for (a, fa) in &names {
        print!("| {a} |");
        for (_, fb) in &names {
            print!(
                " {} |",
                if fa.transcodes_exactly_to(fb) {
                    "exact"
                } else {
                    "·"
                }
            );
        }
        println!();
    }
}

#[test]
fn every_backend_equals_the_definition() {
    let bs = backends();
    let fs = formats();
    let small: Vec<&ElementFormat> = fs
        .iter()
        .map(|(_, f, _)| f)
        .filter(|f| f.bits() <= 8)
        .collect();
    let mut s = 0x1234_5678_9ABC_DEF1u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut runs = 0;
    for from in &small {
        for to in &small {
            for n in [0usize, 1, 2, 3, 31, 32, 33, 64, 100, 1025] {
                let bytes: Vec<u8> = (0..from.packed_len(n).unwrap())
                    .map(|_| next() as u8)
                    .collect();
                for r in [
                    Rounding::NearestEven,
                    Rounding::TowardZero,
                    Rounding::Stochastic(3),
                ] {
                    for o in [Overflow::NonFinite, Overflow::Saturate] {
                        let m = to.packed_len(n).unwrap();
                        let mut want = vec![0u8; m];
                        from.transcode_slice_with(Backend::Scalar, to, &bytes, n, r, o, &mut want)
                            .unwrap();
                        for &b in &bs {
                            let mut got = vec![0xA5u8; m];
                            from.transcode_slice_with(b, to, &bytes, n, r, o, &mut got)
                                .unwrap();
                            assert_eq!(got, want, "{from} -> {to} n {n} {r:?} {o:?} {b:?}");
                            runs += 1;
                        }
                    }
                }
            }
        }
    }
    // 16-bit formats both ways (the definition on every backend).
    let h: Vec<u8> = (0..2 * 300).map(|_| next() as u8).collect();
    for b in &bs {
        for to in [ElementFormat::FLOAT8_E4M3FN, ElementFormat::NF4] {
            let (mut x, mut y) = (vec![0u8; 300], vec![0u8; 300]);
            let m = to.packed_len(300).unwrap();
            let (x, y) = (&mut x[..m], &mut y[..m]);
            let r = (Rounding::NearestEven, Overflow::Saturate);
            ElementFormat::BFLOAT16
                .transcode_slice_with(*b, &to, &h, 300, r.0, r.1, x)
                .unwrap();
            ElementFormat::BFLOAT16
                .transcode_slice_with(Backend::Scalar, &to, &h, 300, r.0, r.1, y)
                .unwrap();
            assert_eq!(x, y);
        }
    }
    println!("{runs} slice transcodings equal to the definition");
}

#[test]
fn wrong_lengths_are_errors() {
    let f = ElementFormat::FLOAT4_E2M1FN;
    let r = (Rounding::NearestEven, Overflow::Saturate);
    let mut out = [0u8; 3];
    assert!(
        f.transcode_slice(
            &ElementFormat::FLOAT8_E4M3FN,
            &[0u8; 2],
            4,
            r.0,
            r.1,
            &mut out
        )
        .is_err()
    );
    assert!(
        f.transcode_slice(
            &ElementFormat::FLOAT8_E4M3FN,
            &[0u8; 1],
            4,
            r.0,
            r.1,
            &mut out
        )
        .is_err()
    );
    assert!(f.transcode(&ElementFormat::INT8, 16, r.0, r.1).is_err());
    assert!(
        f.transcode_slice(&ElementFormat::INT8, &[], usize::MAX, r.0, r.1, &mut out)
            .is_err()
    );
}
