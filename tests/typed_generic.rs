//! The typed scalars as a user porting code from `half` meets them: through `num_traits::Float`
//! generics, serde, bytemuck, `FromStr` and the formatting traits.

use std::cmp::Ordering;

use lowbit::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU, Overflow, Rounding,
};
use num_traits::{AsPrimitive, Float, FloatConst, NumCast, ToPrimitive};

/// A function as it would be written for `half::f16`: only `num_traits::Float` bounds.
fn softmax_max<T: Float>(xs: &[T]) -> (T, T) {
    let m = xs.iter().copied().fold(T::neg_infinity(), T::max);
    let s = xs
        .iter()
        .map(|&x| (x - m).exp())
        .fold(T::zero(), |a, b| a + b);
    (m, s)
}

fn generic_checks<T: Float + FloatConst + std::fmt::Debug + NumCast>() {
    let one = T::one();
    let two = one + one;
    assert_eq!((two * two).to_f64(), Some(4.0));
    assert_eq!((two / one).to_f64(), Some(2.0));
    assert_eq!((two * two).sqrt(), two);
    assert!(T::nan().is_nan() || !T::nan().is_nan()); // defined for every format
    assert!(T::max_value() >= T::min_positive_value());
    assert!(T::infinity() >= T::max_value());
    assert!(T::epsilon() > T::zero() || T::zero().is_nan());
    let (m, _) = softmax_max(&[one, two]);
    assert_eq!(m, two);
    assert_eq!(<T as NumCast>::from(2u8), Some(two));
    assert!(T::PI() >= T::E());
    assert!(T::one().ln() == T::zero() || T::zero().is_nan()); // E8M0 has no zero
    let _ = (
        two.sin_cos(),
        two.atan2(one),
        two.hypot(one),
        two.mul_add(two, one),
    );
    let _ = (
        two.exp_m1(),
        two.ln_1p(),
        two.tanh(),
        two.cbrt(),
        two.log(two),
        two.to_degrees(),
    );
    assert_eq!(two.floor(), two);
    assert_eq!(two.max(one), two);
    assert_eq!(two.min(one), one);
    assert_eq!(
        two.integer_decode().0 as f64 * 2f64.powi(two.integer_decode().1 as i32),
        2.0
    );
}

#[test]
fn a_function_written_for_half_compiles_for_every_type() {
    generic_checks::<half::f16>();
    generic_checks::<Float8E4M3FN>();
    generic_checks::<Float8E5M2>();
    generic_checks::<Float8E4M3FNUZ>();
    generic_checks::<Float8E5M2FNUZ>();
    generic_checks::<Float8E4M3B11FNUZ>();
    generic_checks::<Float8E3M4>();
    generic_checks::<Float8E4M3>();
    generic_checks::<Float8E8M0FNU>();
    generic_checks::<Float6E2M3FN>();
    generic_checks::<Float6E3M2FN>();
    generic_checks::<Float4E2M1FN>();
}

/// For every code and every f64-libm method: the f64 result is exact, or farther than 2^-40
/// (relative) from every rounding boundary of the format, so any libm within 2^-40 of the true
/// value (std's and the `libm` crate's are within an f64 ulp) rounds to the same code, which
/// is then the correctly rounded one.
macro_rules! libm_margin {
    ($($t:ident),*) => {$(
        let unary: [(&str, fn(f64) -> f64, fn($t) -> $t); 20] = [
            ("sqrt", f64::sqrt, Float::sqrt),
            ("exp", f64::exp, Float::exp),
            ("exp2", f64::exp2, Float::exp2),
            ("ln", f64::ln, Float::ln),
            ("log2", f64::log2, Float::log2),
            ("log10", f64::log10, Float::log10),
            ("cbrt", f64::cbrt, Float::cbrt),
            ("sin", f64::sin, Float::sin),
            ("cos", f64::cos, Float::cos),
            ("tan", f64::tan, Float::tan),
            ("asin", f64::asin, Float::asin),
            ("acos", f64::acos, Float::acos),
            ("atan", f64::atan, Float::atan),
            ("exp_m1", f64::exp_m1, Float::exp_m1),
            ("ln_1p", f64::ln_1p, Float::ln_1p),
            ("sinh", f64::sinh, Float::sinh),
            ("cosh", f64::cosh, Float::cosh),
            ("tanh", f64::tanh, Float::tanh),
            ("to_degrees", f64::to_degrees, Float::to_degrees),
            ("to_radians", f64::to_radians, Float::to_radians),
        ];
        let mut ambiguous = 0;
        for c in 0..=((1u32 << $t::SPEC.bits()) - 1) as u8 {
            let x = $t::from_bits(c);
            for (name, f64f, typed) in unary {
                let y = f64f(x.to_f64());
                let got = typed(x);
                let want = $t::from_f64(y);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{} {name}({c:#x})", stringify!($t)
                );
                if !y.is_finite() || y == 0.0 {
                    continue;
                }
                let lo = $t::from_f64(y * (1.0 - 2f64.powi(-40)));
                let hi = $t::from_f64(y * (1.0 + 2f64.powi(-40)));
                // A short dyadic (at most 8 significant bits) is an exact result (exp2 of an
                // integer, sqrt of a square, log2 of a power of two); libms return those exactly.
                let short = y.to_bits().trailing_zeros() >= 45;
                if lo.to_bits() != hi.to_bits() && !short {
                    ambiguous += 1;
                    eprintln!("{} {name}({c:#x}) = {y:e} is within 2^-40 of a boundary", stringify!($t));
                }
            }
        }
        assert_eq!(ambiguous, 0, "{}", stringify!($t));
        // The FloatConst values are correctly rounded: the f64 constant is within an f64 ulp of
        // the real one and no boundary lies that close.
        for (name, k) in [("PI", f64::PI()), ("E", f64::E()), ("LN_2", f64::LN_2()), ("SQRT_2", f64::SQRT_2()), ("FRAC_1_PI", f64::FRAC_1_PI()), ("LOG2_E", f64::LOG2_E()), ("LOG10_2", f64::LOG10_2()), ("TAU", f64::TAU())] {
            let lo = $t::from_f64(k * (1.0 - 2f64.powi(-40)));
            let hi = $t::from_f64(k * (1.0 + 2f64.powi(-40)));
            assert_eq!(lo.to_bits(), hi.to_bits(), "{} {name}", stringify!($t));
        }
        assert_eq!(<$t as FloatConst>::PI().to_bits(), $t::from_f64(std::f64::consts::PI).to_bits());
        assert_eq!(<$t as FloatConst>::TAU().to_bits(), $t::from_f64(std::f64::consts::TAU).to_bits());
    )*};
}

#[test]
fn libm_methods_are_correctly_rounded_for_every_code() {
    libm_margin!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float8E3M4,
        Float8E4M3,
        Float8E8M0FNU,
        Float6E2M3FN,
        Float6E3M2FN,
        Float4E2M1FN
    );
}

macro_rules! per_type {
    ($($t:ident),*) => {$({
        let n = ((1u32 << $t::SPEC.bits()) - 1) as u8;
        for c in 0..=n {
            let x = $t::from_bits(c);
            // Neg agrees with the conversion of the negated value (NaN: stays NaN).
            let neg = -x;
            let want = $t::from_f64(-x.to_f64());
            if x.is_nan() {
                assert!(neg.is_nan());
            } else {
                assert_eq!(neg.to_bits(), want.to_bits(), "{} -{c:#x}", stringify!($t));
            }
            // abs, signum, copysign, is_sign_* agree with f64's on the value.
            if !x.is_nan() {
                assert_eq!(Float::abs(x).to_f64(), x.to_f64().abs());
                assert_eq!(Float::signum(x).to_f64(), x.to_f64().signum());
                assert_eq!(x.is_sign_negative(), x.to_f64().is_sign_negative());
            } else {
                assert!(Float::abs(x).is_nan() && Float::signum(x).is_nan());
            }
            // Formatting: the bits in hex/binary/octal, the value in exponent form.
            assert_eq!(format!("{x:x}"), format!("{c:x}"));
            assert_eq!(format!("{x:#04X}"), format!("{c:#04X}"));
            assert_eq!(format!("{x:b}"), format!("{c:b}"));
            assert_eq!(format!("{x:o}"), format!("{c:o}"));
            assert_eq!(format!("{x:e}"), format!("{:e}", x.to_f32()));
            assert_eq!(format!("{x:.2E}"), format!("{:.2E}", x.to_f32()));
            // Display parses back to the same code (NaN to the canonical NaN).
            let back: $t = x.to_string().parse().unwrap();
            if x.is_nan() {
                assert!(back.is_nan());
            } else {
                assert_eq!(back.to_f64(), x.to_f64(), "{} {c:#x} {x}", stringify!($t));
                assert_eq!(back.is_sign_negative(), x.is_sign_negative());
            }
            // total_cmp agrees with f32's wherever f32 tells the codes apart.
            for d in 0..=n {
                let y = $t::from_bits(d);
                let ours = x.total_cmp(&y);
                match x.to_f32().total_cmp(&y.to_f32()) {
                    Ordering::Equal => assert_eq!(ours == Ordering::Equal, c == d),
                    o => assert_eq!(ours, o, "{} {c:#x} {d:#x}", stringify!($t)),
                }
            }
            // AsPrimitive both ways.
            let v: f64 = x.as_();
            assert!(v.to_bits() == x.to_f64().to_bits() || v.is_nan());
            let i: i32 = x.as_();
            assert_eq!(i, x.to_f64() as i32);
            let back: $t = i.as_();
            assert_eq!(back.to_bits(), $t::from_f64(i as f64).to_bits());
            let h: half::f16 = x.as_();
            assert!(h.to_f64() == half::f16::from_f64(x.to_f64()).to_f64() || h.is_nan());
            let other: Float8E5M2 = x.as_();
            assert_eq!(other.to_bits(), Float8E5M2::from_f32(x.to_f32()).to_bits());
            // serde: the code as an integer, and the value forms.
            let json = serde_json::to_string(&x).unwrap();
            assert_eq!(json, c.to_string());
            let back: $t = serde_json::from_str(&json).unwrap();
            assert_eq!(back.to_bits(), c);
            if x.is_finite() {
                let back: $t = serde_json::from_str(&format!("{:?}", x.to_f64())).unwrap();
                assert_eq!(back.to_f64(), x.to_f64());
                let back: $t = serde_json::from_str(&format!("\"{x}\"")).unwrap();
                assert_eq!(back.to_f64(), x.to_f64());
            }
        }
        // A code past the width is refused by serde and by try_from_bits.
        if n < 0xFF {
            let bad = n + 1;
            assert!(serde_json::from_str::<$t>(&bad.to_string()).is_err());
            assert!($t::try_from_bits(bad).is_none());
            assert_eq!($t::from_bits(bad | 1).to_bits(), 1);
        }
        assert!(serde_json::from_str::<$t>("-1").is_err());
        let bytes: &[u8] = bytemuck::cast_slice(&[$t::MAX]);
        assert_eq!(bytes, [$t::MAX.to_bits()]);
        // Bincode-like compact formats go through the u8 path; JSON's value forms:
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Row {
            #[serde(serialize_with = "lowbit::Float8E4M3FN::serialize_as_f32")]
            as_value: Float8E4M3FN,
            as_code: $t,
            #[serde(serialize_with = "lowbit::Float8E4M3FN::serialize_as_string")]
            as_string: Float8E4M3FN,
        }
        let row = Row { as_value: Float8E4M3FN::from_f32(3.25), as_code: $t::MAX, as_string: Float8E4M3FN::from_f32(-0.5) };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, format!("{{\"as_value\":3.25,\"as_code\":{},\"as_string\":\"-0.5\"}}", $t::MAX.to_bits()));
        let back: Row = serde_json::from_str(&json).unwrap();
        assert_eq!((back.as_value.to_f32(), back.as_code.to_bits(), back.as_string.to_f32()), (3.25, $t::MAX.to_bits(), -0.5));
        // serde_json's Value (a self-describing tree) reads back too.
        let v = serde_json::to_value($t::MAX).unwrap();
        assert_eq!(serde_json::from_value::<$t>(v).unwrap().to_bits(), $t::MAX.to_bits());
    })*};
}

#[test]
fn every_code_through_neg_formatting_parsing_ordering_casts_and_serde() {
    per_type!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float8E3M4,
        Float8E4M3,
        Float8E8M0FNU,
        Float6E2M3FN,
        Float6E3M2FN,
        Float4E2M1FN
    );
}

#[test]
fn bytemuck_pod_for_bytes_checked_casts_below_a_byte() {
    macro_rules! pod {
        ($($t:ident),*) => {$({
            let all: Vec<u8> = (0..=255).collect();
            let xs: &[$t] = bytemuck::cast_slice(&all);
            assert!(xs.iter().enumerate().all(|(i, x)| x.to_bits() as usize == i));
            let back: &[u8] = bytemuck::cast_slice(xs);
            assert_eq!(back, &all[..]);
        })*};
    }
    macro_rules! checked {
        ($($t:ident),*) => {$({
            let n = ((1u32 << $t::SPEC.bits()) - 1) as u8;
            let ok: Vec<u8> = (0..=n).collect();
            let xs: &[$t] = bytemuck::checked::try_cast_slice(&ok).unwrap();
            assert!(xs.iter().enumerate().all(|(i, x)| x.to_bits() as usize == i));
            let back: &[u8] = bytemuck::cast_slice(xs);
            assert_eq!(back, &ok[..]);
            for bad in n + 1..=255 {
                assert!(bytemuck::checked::try_cast_slice::<u8, $t>(&[0, bad]).is_err());
                assert!(bytemuck::checked::try_cast::<u8, $t>(bad).is_err());
            }
            let z: $t = bytemuck::Zeroable::zeroed();
            assert_eq!(z.to_bits(), 0);
        })*};
    }
    pod!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float8E3M4,
        Float8E4M3,
        Float8E8M0FNU
    );
    checked!(Float6E2M3FN, Float6E3M2FN, Float4E2M1FN);
    // Today's report: a cast of 0xF2 into E2M1 no longer yields a code 0xF2.
    assert!(bytemuck::checked::try_cast::<u8, Float4E2M1FN>(0xF2).is_err());
}

/// The exact decimal expansion of an f64 (Rust prints it in full with enough precision).
fn exact(x: f64) -> String {
    let s = format!("{x:.1100}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Just below the decimal `d` in magnitude: its last digit less one, then nines.
fn below(d: &str) -> String {
    if !d.contains('.') {
        let (neg, digits) = d.strip_prefix('-').map_or((false, d), |r| (true, r));
        let n: u128 = digits.parse().unwrap();
        return format!("{}{}.{}", if neg { "-" } else { "" }, n - 1, "9".repeat(30));
    }
    let mut b = d.as_bytes().to_vec();
    let last = b.len() - 1;
    assert!(b[last] > b'0');
    b[last] -= 1;
    let point = if d.contains('.') { "" } else { "." };
    format!("{}{point}{}", String::from_utf8(b).unwrap(), "9".repeat(30))
}

macro_rules! from_str_boundaries {
    ($($t:ident),*) => {$(
        // Every rounding boundary of the format (midpoints and the overflow threshold): the
        // exact decimal ties to even, a digit more rounds away, a hair less rounds toward zero.
        let mut values: Vec<f64> = (0..=$t::MAX.to_bits())
            .map(|c| $t::from_bits(c).to_f64())
            .filter(|v| v.is_finite() && *v >= 0.0)
            .collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        let max = *values.last().unwrap();
        let step = max - values[values.len() - 2];
        let step = if $t::SPEC.man_bits() == 0 { max } else { step };
        values.push(max + step);
        let mut checked = 0;
        for w in values.windows(2) {
            let mid = (w[0] + w[1]) / 2.0;
            for sign in [1.0, -1.0] {
                let m = sign * mid;
                let d = exact(m);
                let on: $t = d.parse().unwrap();
                assert_eq!(on.to_bits(), $t::from_f64(m).to_bits(), "{} {d}", stringify!($t));
                let above: $t = format!("{d}{}1", if d.contains('.') { "0".repeat(20) } else { ".".to_string() + &"0".repeat(20) }).parse().unwrap();
                let want = $t::from_f64_rounded(m, if sign > 0.0 { Rounding::TowardPositive } else { Rounding::TowardNegative }, Overflow::NonFinite);
                assert_eq!(above.to_bits(), want.to_bits(), "{} just above {d}", stringify!($t));
                let under: $t = below(&d).parse().unwrap();
                let want = $t::from_f64_rounded(m, Rounding::TowardZero, Overflow::NonFinite);
                assert_eq!(under.to_bits(), want.to_bits(), "{} just below {d}", stringify!($t));
                // The same with an exponent and leading zeros.
                let sci: $t = format!("{}e-3", exact(m * 1000.0)).parse().unwrap();
                assert_eq!(sci.to_bits(), on.to_bits());
                checked += 1;
            }
        }
        assert!(checked > 4);
    )*};
}

#[test]
fn from_str_rounds_the_decimal_itself() {
    from_str_boundaries!(
        Float8E4M3FN,
        Float8E5M2,
        Float8E4M3FNUZ,
        Float8E5M2FNUZ,
        Float8E4M3B11FNUZ,
        Float8E3M4,
        Float8E4M3,
        Float8E8M0FNU,
        Float6E2M3FN,
        Float6E3M2FN,
        Float4E2M1FN
    );
    // half's recipe (through f32) would give 1.0 here: 1.0625000001 rounds to the f32 1.0625,
    // the midpoint of 1 and 1.125, which ties to even.
    assert_eq!(
        "1.0625000001".parse::<Float8E4M3FN>().unwrap().to_f32(),
        1.125
    );
    assert_eq!("1.0625".parse::<Float8E4M3FN>().unwrap().to_f32(), 1.0);
    assert_eq!(
        "+1.06249999999999999999"
            .parse::<Float8E4M3FN>()
            .unwrap()
            .to_f32(),
        1.0
    );
    assert_eq!(
        "0.0010625000000000000000001e3"
            .parse::<Float8E4M3FN>()
            .unwrap()
            .to_f32(),
        1.125
    );
    assert_eq!("464".parse::<Float8E4M3FN>().unwrap().to_f32(), 448.0);
    assert!(
        "464.0000000000000000001"
            .parse::<Float8E4M3FN>()
            .unwrap()
            .is_nan()
    );
    assert!("inf".parse::<Float8E5M2>().unwrap().is_infinite());
    assert!("-NaN".parse::<Float8E5M2>().unwrap().is_nan());
    assert!("1.5.".parse::<Float8E5M2>().is_err());
    assert!("".parse::<Float8E5M2>().is_err());
    assert_eq!("-0".parse::<Float4E2M1FN>().unwrap().to_bits(), 0x8);
    assert_eq!("-0".parse::<Float8E4M3FNUZ>().unwrap().to_bits(), 0);
    assert!("0".parse::<Float8E8M0FNU>().unwrap().is_nan());
    assert_eq!(
        <Float8E4M3FN as num_traits::Num>::from_str_radix("1.0625000001", 10)
            .unwrap()
            .to_f32(),
        1.125
    );
    assert_eq!(
        <Float8E4M3FN as num_traits::Num>::from_str_radix("11", 2)
            .unwrap()
            .to_f32(),
        3.0
    );
}

#[test]
fn values_a_format_lacks() {
    use num_traits::{Signed, Zero};
    // No infinity: infinity() is MAX and neg_infinity() MIN (a saturating cast of ±∞).
    assert_eq!(<Float8E4M3FN as Float>::infinity().to_f32(), 448.0);
    assert_eq!(<Float8E4M3FN as Float>::neg_infinity().to_f32(), -448.0);
    assert_eq!(<Float4E2M1FN as Float>::infinity().to_f32(), 6.0);
    assert!(<Float8E5M2 as Float>::infinity().is_infinite());
    assert_eq!(
        <Float8E8M0FNU as Float>::neg_infinity().to_f64(),
        2f64.powi(-127)
    );
    // No NaN: nan() is +0, as from_f32(NaN); 0/0 is +0 and 1/0 saturates.
    assert_eq!(<Float4E2M1FN as Float>::nan().to_bits(), 0);
    let (z, one) = (Float4E2M1FN::ZERO, Float4E2M1FN::ONE);
    assert_eq!((z / z).to_bits(), 0);
    assert_eq!((one / z).to_f32(), 6.0);
    assert_eq!((-one / z).to_f32(), -6.0);
    // E4M3FN: 1/0 is NaN (no ∞); every NaN a computation makes is the positive 0x7F.
    let (z, one) = (Float8E4M3FN::ZERO, Float8E4M3FN::ONE);
    assert_eq!((one / z).to_bits(), 0x7F);
    assert_eq!((z / z).to_bits(), 0x7F);
    assert_eq!((Float8E4M3FN::from_bits(0xFF) + one).to_bits(), 0x7F);
    assert_eq!(
        (-one / z).to_bits(),
        0xFF,
        "a negative overflow is the conversion's −NaN"
    );
    // E8M0: no zero, no negatives.
    let e = Float8E8M0FNU::ONE;
    assert!(<Float8E8M0FNU as Zero>::zero().is_nan());
    assert!(!e.is_zero());
    assert!((e - e).is_nan());
    assert!((-e).is_nan());
    assert_eq!((e + e).to_f32(), 2.0);
    assert_eq!((e * Float8E8M0FNU::MAX).to_f64(), 2f64.powi(127));
    assert!((Float8E8M0FNU::MAX * Float8E8M0FNU::MAX).is_nan());
    assert_eq!(
        (Float8E8M0FNU::MIN * Float8E8M0FNU::MIN).to_bits(),
        0,
        "underflow: the least value"
    );
    // fnuz: no −0.
    assert_eq!((-Float8E4M3FNUZ::ZERO).to_bits(), 0);
    assert_eq!(Float8E4M3FNUZ::NAN.abs().to_bits(), 0x80);
    assert_eq!(
        Float8E4M3FNUZ::ZERO
            .copysign(Float8E4M3FNUZ::NEG_ONE)
            .to_bits(),
        0
    );
    // Signed, Sum, Product.
    assert_eq!(Signed::abs(&Float8E5M2::NEG_ONE).to_f32(), 1.0);
    assert!(Signed::is_negative(&Float8E5M2::NEG_ZERO));
    assert_eq!(
        Signed::abs_sub(&Float8E5M2::ONE, &Float8E5M2::MAX).to_bits(),
        0
    );
    let xs = [
        Float8E4M3FN::from_f32(448.0),
        Float8E4M3FN::from_f32(448.0),
        Float8E4M3FN::from_f32(-448.0),
    ];
    assert_eq!(
        xs.iter().sum::<Float8E4M3FN>().to_f32(),
        448.0,
        "exact, no intermediate overflow"
    );
    assert_eq!(xs.iter().copied().product::<Float8E4M3FN>().to_bits(), 0xFF);
    assert_eq!(
        [Float8E4M3FN::NEG_ZERO; 0]
            .iter()
            .sum::<Float8E4M3FN>()
            .to_bits(),
        0x80
    );
    assert_eq!(
        [Float8E4M3FN::ZERO; 0]
            .iter()
            .product::<Float8E4M3FN>()
            .to_f32(),
        1.0
    );
    let mut x = Float8E4M3FN::ONE;
    x += Float8E4M3FN::ONE;
    x *= &Float8E4M3FN::from_f32(3.0);
    x -= Float8E4M3FN::ONE;
    x /= Float8E4M3FN::from_f32(2.0);
    x %= Float8E4M3FN::from_f32(2.0);
    assert_eq!(x.to_f32(), 0.5);
    #[allow(clippy::op_ref)] // the reference forms exist, as for half::f16
    let y = &x + &x;
    assert_eq!(y.to_f32(), 1.0);
    // Integers and u128 beyond i128 are rounded once.
    // 1.5 · 2^127 − 1 is below E8M0's overflow tie (through f64 it would round to the tie).
    let tie = 3u128 << 126;
    let from = |n| <Float8E8M0FNU as num_traits::FromPrimitive>::from_u128(n).unwrap();
    assert_eq!(from(tie - 1).to_f64(), 2f64.powi(127));
    assert!(from(tie).is_nan());
    let via: Float8E8M0FNU = (tie - 1).as_();
    assert_eq!(via.to_f64(), 2f64.powi(127));
    assert_eq!(ToPrimitive::to_u8(&Float8E4M3FN::from_f32(3.5)), Some(3));
}
