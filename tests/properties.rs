//! Property tests: random valid specs and arbitrary f32/f64 inputs against the oracle.

mod common;

use common::*;
use lowbit::{ElementFormat, FloatSpec, Format, IntSpec, NonFinite, Overflow, Rounding};
use proptest::prelude::*;

fn any_variant() -> impl Strategy<Value = NonFinite> {
    prop_oneof![
        Just(NonFinite::Ieee),
        Just(NonFinite::Fn),
        Just(NonFinite::Fnuz),
        Just(NonFinite::Finite),
    ]
}

/// A valid float spec: E in 1..=8, M in 0..=10, any variant, sign, bias near the default.
fn any_spec() -> impl Strategy<Value = FloatSpec> {
    (
        1u32..=8,
        0u32..=10,
        any_variant(),
        any::<bool>(),
        any::<bool>(),
        -20i32..=20,
    )
        .prop_filter_map("invalid combination", |(e, m, nf, signed, nozero, db)| {
            let bias = (1i32 << (e - 1)) - 1 + db;
            FloatSpec::new(e, m, bias, signed, nozero, nf).ok()
        })
}

fn any_rounding() -> impl Strategy<Value = Rounding> {
    prop_oneof![
        Just(Rounding::NearestEven),
        Just(Rounding::NearestAway),
        Just(Rounding::TowardZero),
        Just(Rounding::TowardPositive),
        Just(Rounding::TowardNegative),
        any::<u32>().prop_map(Rounding::Stochastic),
    ]
}

fn any_overflow() -> impl Strategy<Value = Overflow> {
    prop_oneof![Just(Overflow::NonFinite), Just(Overflow::Saturate)]
}

/// f64 values concentrated around a format's range, plus raw bit patterns.
fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<u64>().prop_map(f64::from_bits),
        (any::<bool>(), -160i32..=140, any::<u64>()).prop_map(|(neg, e, m)| {
            let v = f64::from_bits((1023u64 << 52) | (m >> 12)) * 2f64.powi(e);
            if neg { -v } else { v }
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn random_spec_f32_matches_oracle(spec in any_spec(), bits in any::<u32>(), r in any_rounding(), o in any_overflow()) {
        let table = FloatTable::new(spec);
        let x = f32::from_bits(bits);
        let got = spec.encode(x, r, o);
        let want = table.encode(x as f64, r, o);
        prop_assert_eq!(got, want, "{} x={:e} {:?} {:?}", ElementFormat::Float(spec), x, r, o);
    }

    #[test]
    fn random_spec_near_range_f32_matches_oracle(spec in any_spec(), x in any_f64(), r in any_rounding(), o in any_overflow()) {
        let table = FloatTable::new(spec);
        let x = x as f32;
        prop_assert_eq!(spec.encode(x, r, o), table.encode(x as f64, r, o));
    }

    #[test]
    fn random_spec_f64_matches_oracle(spec in any_spec(), x in any_f64(), r in any_rounding(), o in any_overflow()) {
        let table = FloatTable::new(spec);
        let got = spec.encode_f64(x, r, o);
        let want = table.encode(x, r, o);
        prop_assert_eq!(got, want, "{} x={:e} {:?} {:?}", ElementFormat::Float(spec), x, r, o);
    }

    #[test]
    fn random_spec_decode_matches_oracle(spec in any_spec(), code in any::<u32>()) {
        let fmt = ElementFormat::Float(spec);
        let code = code & ((1 << spec.bits()) - 1);
        let got = fmt.decode_f64(code);
        let want = ref_decode(&fmt, code);
        prop_assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
    }

    #[test]
    fn random_spec_names_round_trip(spec in any_spec()) {
        let fmt = ElementFormat::Float(spec);
        let name = fmt.to_string();
        prop_assert_eq!(name.parse::<ElementFormat>().unwrap(), fmt, "{}", name);
    }

    #[test]
    fn integers_match_oracle(bits in prop_oneof![1u32..=8, Just(16)], signed in any::<bool>(), narrow in any::<bool>(), x in any_f64(), r in any_rounding()) {
        let Ok(spec) = IntSpec::new(bits, signed, narrow) else { return Ok(()) };
        let x = x / 2f64.powi(100); // bring most values near the integer range
        let got = spec.encode_f64(x, r, Overflow::NonFinite);
        let want = ref_encode_int(bits, signed, narrow, x, r);
        prop_assert_eq!(got, want, "int{} s={} n={} x={:e} {:?}", bits, signed, narrow, x, r);
        prop_assert_eq!(spec.encode(x as f32, r, Overflow::Saturate), ref_encode_int(bits, signed, narrow, x as f32 as f64, r));
    }

    #[test]
    fn f64_is_rounded_once(spec in any_spec(), code in any::<u32>(), frac in 1u64..(1u64 << 40), r in any_rounding()) {
        // x = a value of the format plus a tiny bit: through f32 it would lose the tiny bit
        // and could land on a tie; the crate must see it.
        let fmt = ElementFormat::Float(spec);
        let code = code & spec.mag_mask();
        let v = fmt.decode_f64(code);
        prop_assume!(v.is_finite() && v > 0.0);
        let x = v * (1.0 + frac as f64 * 2f64.powi(-52));
        let table = FloatTable::new(spec);
        prop_assert_eq!(spec.encode_f64(x, r, Overflow::NonFinite), table.encode(x, r, Overflow::NonFinite));
    }
}

#[test]
fn stochastic_rounding_is_unbiased() {
    // E[round(x)] = x: average many draws for values between two codes.
    let fmt = ElementFormat::FLOAT8_E4M3FN;
    for &x in &[1.03f32, 1.1, 1.2, -3.3, 0.0021, 300.0, 447.0] {
        let n = 200_000u64;
        let mut sum = 0f64;
        for i in 0..n {
            let draw = lowbit::stochastic_bits(99, i);
            sum += fmt.decode(fmt.encode(x, Rounding::Stochastic(draw), Overflow::Saturate)) as f64;
        }
        let mean = sum / n as f64;
        // The two candidates are one ulp apart; the mean of n Bernoulli draws has standard
        // deviation ≤ ulp/(2√n). Allow 6 sigma.
        let ulp = {
            let c = fmt.encode(x.abs(), Rounding::TowardZero, Overflow::Saturate);
            (fmt.decode(c + 1) - fmt.decode(c)) as f64
        };
        let tol = 6.0 * ulp / (2.0 * (n as f64).sqrt());
        assert!((mean - x as f64).abs() < tol, "x={x} mean={mean} tol={tol}");
    }
}

#[test]
fn stochastic_rounding_on_integers_is_unbiased() {
    let fmt = ElementFormat::INT8;
    for &x in &[0.3f32, -0.3, 2.75, -100.01] {
        let n = 100_000u64;
        let sum: f64 = (0..n)
            .map(|i| {
                let r = Rounding::Stochastic(lowbit::stochastic_bits(5, i));
                fmt.decode(fmt.encode(x, r, Overflow::Saturate)) as f64
            })
            .sum();
        let mean = sum / n as f64;
        assert!(
            (mean - x as f64).abs() < 6.0 / (2.0 * (n as f64).sqrt()),
            "x={x} mean={mean}"
        );
    }
}
