//! The typed scalars' arithmetic against exact rational arithmetic.
//!
//! Every pair of codes of every typed scalar (8-bit, 6-bit and 4-bit) through `+ - * / %`,
//! every code through `powi` for small exponents, random and exhaustive triples through
//! `mul_add`, random runs through `Sum` and `Product`: each result must be the code an
//! independent oracle gives, which computes the operation exactly (big-integer rationals) and
//! rounds to nearest by comparing with the format's grid of values, ties to the even code (E8M0:
//! up), overflow to ±∞ / NaN / ±MAX as the conventional cast. The oracle uses the crate only
//! to decode codes into values and to read the format's facts (sign bit, NaN codes).
//!
//! The same loops count where `half`'s recipe (compute in f32, round the f32 once) would give
//! another code: nowhere but E8M0.

use std::cmp::Ordering;

use lowbit::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU, FloatSpec,
};
use num_traits::Float;

// ---------------------------------------------------------------------------------------------
// A small unsigned big integer: little-endian u64 limbs, no high zero limbs.

#[derive(Clone, Debug, PartialEq, Eq)]
struct Big(Vec<u64>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v]);
        b.trim();
        b
    }
    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }
    fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    fn bits(&self) -> u32 {
        match self.0.last() {
            None => 0,
            Some(&top) => (self.0.len() as u32 - 1) * 64 + 64 - top.leading_zeros(),
        }
    }
    fn shl(&self, n: u32) -> Big {
        if self.is_zero() {
            return self.clone();
        }
        let (limbs, bits) = ((n / 64) as usize, n % 64);
        let mut out = vec![0u64; limbs];
        let mut carry = 0u64;
        for &l in &self.0 {
            out.push((l << bits) | carry);
            carry = if bits == 0 { 0 } else { l >> (64 - bits) };
        }
        out.push(carry);
        let mut b = Big(out);
        b.trim();
        b
    }
    fn add(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len().max(o.0.len()) + 1);
        let mut carry = 0u128;
        for i in 0..self.0.len().max(o.0.len()) {
            let s =
                *self.0.get(i).unwrap_or(&0) as u128 + *o.0.get(i).unwrap_or(&0) as u128 + carry;
            out.push(s as u64);
            carry = s >> 64;
        }
        out.push(carry as u64);
        let mut b = Big(out);
        b.trim();
        b
    }
    /// `self − o`, which must not be negative.
    fn sub(&self, o: &Big) -> Big {
        assert!(self.cmp(o) != Ordering::Less);
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i128;
        for i in 0..self.0.len() {
            let mut d = self.0[i] as i128 - *o.0.get(i).unwrap_or(&0) as i128 - borrow;
            borrow = 0;
            if d < 0 {
                d += 1 << 64;
                borrow = 1;
            }
            out.push(d as u64);
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn mul(&self, o: &Big) -> Big {
        let mut out = vec![0u64; self.0.len() + o.0.len() + 1];
        for (i, &a) in self.0.iter().enumerate() {
            let mut carry = 0u128;
            for (j, &b) in o.0.iter().enumerate() {
                let t = out[i + j] as u128 + a as u128 * b as u128 + carry;
                out[i + j] = t as u64;
                carry = t >> 64;
            }
            let mut k = i + o.0.len();
            while carry > 0 {
                let t = out[k] as u128 + carry;
                out[k] = t as u64;
                carry = t >> 64;
                k += 1;
            }
        }
        let mut b = Big(out);
        b.trim();
        b
    }
    fn pow(&self, n: u32) -> Big {
        let mut r = Big::from_u64(1);
        for _ in 0..n {
            r = r.mul(self);
        }
        r
    }
    /// `self mod d` by shift and subtract.
    fn rem(&self, d: &Big) -> Big {
        assert!(!d.is_zero());
        let mut r = self.clone();
        if r.cmp(d) == Ordering::Less {
            return r;
        }
        let mut shift = r.bits() - d.bits();
        loop {
            let t = d.shl(shift);
            if r.cmp(&t) != Ordering::Less {
                r = r.sub(&t);
            }
            if shift == 0 {
                return r;
            }
            shift -= 1;
        }
    }
    fn cmp(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
}

// ---------------------------------------------------------------------------------------------
// Exact values.

/// Every value here is a multiple of 2^-SCALE.
const SCALE: i32 = 150;

/// `(odd m, e)` with `x = m · 2^e`, for a positive finite f64.
fn dyadic(x: f64) -> (u64, i32) {
    assert!(x > 0.0 && x.is_finite());
    let bits = x.to_bits();
    let field = (bits >> 52) as i32;
    let (mut m, mut e) = if field == 0 {
        (bits & ((1 << 52) - 1), -1074)
    } else {
        (bits & ((1 << 52) - 1) | 1 << 52, field - 1075)
    };
    let tz = m.trailing_zeros();
    m >>= tz;
    e += tz as i32;
    (m, e)
}

/// `|x| · 2^SCALE`, an integer for every value of every typed format.
fn scaled(x: f64) -> Big {
    if x == 0.0 {
        return Big(vec![]);
    }
    let (m, e) = dyadic(x.abs());
    assert!(e + SCALE >= 0);
    Big::from_u64(m).shl((e + SCALE) as u32)
}

/// The exact result of an operation.
#[derive(Clone, Debug)]
enum Exact {
    Nan,
    Inf(bool),
    /// `(−1)^neg · num / den · 2^exp`; `num = 0` is a zero of that sign.
    Num {
        neg: bool,
        num: Big,
        den: Big,
        exp: i32,
    },
}

fn num(neg: bool, num: Big, exp: i32) -> Exact {
    Exact::Num {
        neg,
        num,
        den: Big::from_u64(1),
        exp,
    }
}

fn zero(neg: bool) -> Exact {
    num(neg, Big(vec![]), 0)
}

/// An operand: NaN, ±∞, or a signed multiple of 2^-SCALE.
#[derive(Clone, Debug)]
enum Val {
    Nan,
    Inf(bool),
    Fin(bool, Big),
}

fn val(x: f64) -> Val {
    if x.is_nan() {
        Val::Nan
    } else if x.is_infinite() {
        Val::Inf(x < 0.0)
    } else {
        Val::Fin(x.is_sign_negative(), scaled(x))
    }
}

/// `±a ± b` for signed magnitudes.
fn signed_add(an: bool, a: &Big, bn: bool, b: &Big) -> (bool, Big) {
    if an == bn {
        (an, a.add(b))
    } else if a.cmp(b) != Ordering::Less {
        (an, a.sub(b))
    } else {
        (bn, b.sub(a))
    }
}

fn add(a: &Val, b: &Val) -> Exact {
    match (a, b) {
        (Val::Nan, _) | (_, Val::Nan) => Exact::Nan,
        (Val::Inf(x), Val::Inf(y)) if x != y => Exact::Nan,
        (Val::Inf(x), _) | (_, Val::Inf(x)) => Exact::Inf(*x),
        (Val::Fin(an, a), Val::Fin(bn, b)) => {
            let (neg, s) = signed_add(*an, a, *bn, b);
            if s.is_zero() {
                // Round to nearest: an exact zero sum is +0 unless both are −0.
                zero(*an && *bn)
            } else {
                num(neg, s, -SCALE)
            }
        }
    }
}

fn negate(a: &Val) -> Val {
    match a {
        Val::Nan => Val::Nan,
        Val::Inf(n) => Val::Inf(!n),
        Val::Fin(n, m) => Val::Fin(!n, m.clone()),
    }
}

fn mul(a: &Val, b: &Val) -> Exact {
    match (a, b) {
        (Val::Nan, _) | (_, Val::Nan) => Exact::Nan,
        (Val::Inf(_), Val::Fin(_, m)) | (Val::Fin(_, m), Val::Inf(_)) if m.is_zero() => Exact::Nan,
        (Val::Inf(x), Val::Inf(y)) => Exact::Inf(x != y),
        (Val::Inf(x), Val::Fin(y, _)) | (Val::Fin(y, _), Val::Inf(x)) => Exact::Inf(x != y),
        (Val::Fin(x, a), Val::Fin(y, b)) => num(x != y, a.mul(b), -2 * SCALE),
    }
}

fn div(a: &Val, b: &Val) -> Exact {
    match (a, b) {
        (Val::Nan, _) | (_, Val::Nan) | (Val::Inf(_), Val::Inf(_)) => Exact::Nan,
        (Val::Inf(x), Val::Fin(y, _)) => Exact::Inf(x != y),
        (Val::Fin(x, _), Val::Inf(y)) => zero(x != y),
        (Val::Fin(x, a), Val::Fin(y, b)) => {
            if b.is_zero() {
                if a.is_zero() {
                    Exact::Nan
                } else {
                    Exact::Inf(x != y)
                }
            } else {
                Exact::Num {
                    neg: x != y,
                    num: a.clone(),
                    den: b.clone(),
                    exp: 0,
                }
            }
        }
    }
}

/// IEEE `fmod`: `a − trunc(a / b) · b`, the sign of `a`.
fn rem(a: &Val, b: &Val) -> Exact {
    match (a, b) {
        (Val::Nan, _) | (_, Val::Nan) | (Val::Inf(_), _) => Exact::Nan,
        (Val::Fin(x, a), Val::Inf(_)) => num(*x, a.clone(), -SCALE),
        (Val::Fin(x, a), Val::Fin(_, b)) => {
            if b.is_zero() {
                Exact::Nan
            } else {
                num(*x, a.rem(b), -SCALE)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The oracle's rounding: nearest, by comparison with the grid of values.

struct Grid {
    spec: FloatSpec,
    /// Positive finite values in increasing order with their codes (+0 first where the format
    /// has a zero).
    values: Vec<(f64, u32)>,
    /// The value after MAX if the format continued, and whether its code would be even.
    vnext: f64,
    vnext_even: bool,
}

impl Grid {
    fn new(spec: FloatSpec, decode: impl Fn(u32) -> f64) -> Grid {
        let mut values: Vec<(f64, u32)> = (0..1u32 << spec.bits())
            .filter(|&c| c & spec.sign_bit() == 0)
            .map(|c| (decode(c), c))
            .filter(|(v, _)| v.is_finite())
            .collect();
        values.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let (max, max_code) = *values.last().unwrap();
        let (_, e) = dyadic(max);
        let (m, _) = dyadic(max);
        // The binade of max: 2^floor(log2 max); its step is 2^(binade − M).
        let binade = e + 63 - m.leading_zeros() as i32;
        let step = 2f64.powi(binade - spec.man_bits() as i32);
        Grid {
            spec,
            values,
            vnext: max + step,
            vnext_even: (max_code + 1) % 2 == 0,
        }
    }

    /// The sign of `r − v` for the magnitude `r = num/den · 2^exp` and a value `v ≥ 0`.
    fn cmp(num: &Big, den: &Big, exp: i32, v: f64) -> Ordering {
        if v == 0.0 {
            return if num.is_zero() {
                Ordering::Equal
            } else {
                Ordering::Greater
            };
        }
        let (m, e) = dyadic(v);
        let k = exp.min(e);
        let lhs = num.shl((exp - k) as u32);
        let rhs = den.mul(&Big::from_u64(m)).shl((e - k) as u32);
        lhs.cmp(&rhs)
    }

    fn nan(&self) -> u32 {
        self.spec.nan_code(false).unwrap_or(0)
    }

    /// The code a conventional overflow (or ±∞) gives.
    fn overflow(&self, neg: bool) -> u32 {
        let s = &self.spec;
        if !s.is_signed() && neg {
            return self.nan();
        }
        let sign = if neg { s.sign_bit() } else { 0 };
        match (s.inf_code(), s.nan_code(neg)) {
            (Some(inf), _) => sign | inf,
            (None, Some(nan)) => nan,
            (None, None) => sign | s.max_code(),
        }
    }

    fn zero(&self, neg: bool) -> u32 {
        let s = &self.spec;
        if !s.has_zero() {
            self.nan()
        } else if neg && s.has_neg_zero() {
            s.sign_bit()
        } else {
            0
        }
    }

    /// The code of the exact result, rounded to nearest.
    fn round(&self, x: &Exact) -> u32 {
        let (neg, num, den, exp) = match x {
            Exact::Nan => return self.nan(),
            Exact::Inf(neg) => return self.overflow(*neg),
            Exact::Num { neg, num, den, exp } => (*neg, num, den, *exp),
        };
        if num.is_zero() {
            return self.zero(neg);
        }
        let s = &self.spec;
        if neg && !s.is_signed() {
            return self.nan();
        }
        // The largest grid value ≤ r.
        let i = self
            .values
            .partition_point(|&(v, _)| Grid::cmp(num, den, exp, v) != Ordering::Less);
        if i == 0 {
            // Below the smallest value of a format without zero: that value.
            return self.values[0].1;
        }
        let (lo, lo_code) = self.values[i - 1];
        if Grid::cmp(num, den, exp, lo) == Ordering::Equal {
            return self.sign(neg, lo_code);
        }
        let (hi, hi_code, hi_even) = match self.values.get(i) {
            Some(&(v, c)) => (v, Some(c), c % 2 == 0),
            None => (self.vnext, None, self.vnext_even),
        };
        let up = match Grid::cmp(num, den, exp, (lo + hi) / 2.0) {
            Ordering::Less => false,
            Ordering::Greater => true,
            // Ties: E8M0 rounds up, everything else to the even code.
            Ordering::Equal => !s.has_zero() || hi_even,
        };
        match (up, hi_code) {
            (false, _) => self.sign(neg, lo_code),
            (true, Some(c)) => self.sign(neg, c),
            (true, None) => self.overflow(neg),
        }
    }

    fn sign(&self, neg: bool, mag: u32) -> u32 {
        if mag == 0 && self.spec.has_zero() {
            self.zero(neg)
        } else if neg {
            mag | self.spec.sign_bit()
        } else {
            mag
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The types under test, as plain function pointers.

type Bin = fn(u8, u8) -> u8;
type Oracle = fn(&Val, &Val) -> Exact;

struct Ty {
    name: &'static str,
    spec: FloatSpec,
    decode: fn(u8) -> f64,
    ops: [(&'static str, Bin, Oracle); 5],
    /// half's recipe for the same five operations: f32 arithmetic, rounded once.
    f32_ops: [Bin; 5],
    powi: fn(u8, i32) -> u8,
    mul_add: fn(u8, u8, u8) -> u8,
    sum: fn(&[u8]) -> u8,
    product: fn(&[u8]) -> u8,
}

macro_rules! ty {
    ($t:ident) => {
        Ty {
            name: stringify!($t),
            spec: $t::SPEC,
            decode: |c| $t::from_bits(c).to_f64(),
            ops: [
                (
                    "+",
                    |a, b| ($t::from_bits(a) + $t::from_bits(b)).to_bits(),
                    add,
                ),
                (
                    "-",
                    |a, b| ($t::from_bits(a) - $t::from_bits(b)).to_bits(),
                    |a, b| add(a, &negate(b)),
                ),
                (
                    "*",
                    |a, b| ($t::from_bits(a) * $t::from_bits(b)).to_bits(),
                    mul,
                ),
                (
                    "/",
                    |a, b| ($t::from_bits(a) / $t::from_bits(b)).to_bits(),
                    div,
                ),
                (
                    "%",
                    |a, b| ($t::from_bits(a) % $t::from_bits(b)).to_bits(),
                    rem,
                ),
            ],
            f32_ops: [
                |a, b| f32_result::<$t>($t::from_bits(a).to_f32() + $t::from_bits(b).to_f32()),
                |a, b| f32_result::<$t>($t::from_bits(a).to_f32() - $t::from_bits(b).to_f32()),
                |a, b| f32_result::<$t>($t::from_bits(a).to_f32() * $t::from_bits(b).to_f32()),
                |a, b| f32_result::<$t>($t::from_bits(a).to_f32() / $t::from_bits(b).to_f32()),
                |a, b| f32_result::<$t>($t::from_bits(a).to_f32() % $t::from_bits(b).to_f32()),
            ],
            powi: |a, n| Float::powi($t::from_bits(a), n).to_bits(),
            mul_add: |a, b, c| {
                Float::mul_add($t::from_bits(a), $t::from_bits(b), $t::from_bits(c)).to_bits()
            },
            sum: |xs| xs.iter().map(|&c| $t::from_bits(c)).sum::<$t>().to_bits(),
            product: |xs| {
                xs.iter()
                    .map(|&c| $t::from_bits(c))
                    .product::<$t>()
                    .to_bits()
            },
        }
    };
}

/// An f32 result rounded once, a NaN as the canonical positive NaN (as the operators do).
fn f32_result<T: FromF32>(x: f32) -> u8 {
    if x.is_nan() {
        T::from_f32_(f32::NAN.abs())
    } else {
        T::from_f32_(x)
    }
}

trait FromF32 {
    fn from_f32_(x: f32) -> u8;
}

macro_rules! from_f32 {
    ($($t:ident),*) => {$(
        impl FromF32 for $t {
            fn from_f32_(x: f32) -> u8 {
                $t::from_f32(x).to_bits()
            }
        }
    )*};
}
from_f32!(
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

fn types() -> Vec<Ty> {
    vec![
        ty!(Float8E4M3FN),
        ty!(Float8E5M2),
        ty!(Float8E4M3FNUZ),
        ty!(Float8E5M2FNUZ),
        ty!(Float8E4M3B11FNUZ),
        ty!(Float8E3M4),
        ty!(Float8E4M3),
        ty!(Float8E8M0FNU),
        ty!(Float6E2M3FN),
        ty!(Float6E3M2FN),
        ty!(Float4E2M1FN),
    ]
}

fn grid(t: &Ty) -> Grid {
    Grid::new(t.spec, |c| (t.decode)(c as u8))
}

/// Results are compared code for code: a NaN result is the canonical positive NaN on both
/// sides, an overflow to NaN carries the sign the conversion gives it.
fn same(_t: &Ty, got: u8, want: u32) -> bool {
    got as u32 == want
}

#[test]
fn binary_operators_are_correctly_rounded_for_every_pair_of_codes() {
    let mut report = Vec::new();
    for t in types() {
        let g = grid(&t);
        let n = 1u32 << t.spec.bits();
        let vals: Vec<Val> = (0..n).map(|c| val((t.decode)(c as u8))).collect();
        let mut f32_differs = [0usize; 5];
        for a in 0..n {
            for b in 0..n {
                for (k, (op, f, exact)) in t.ops.iter().enumerate() {
                    let got = f(a as u8, b as u8);
                    let want = g.round(&exact(&vals[a as usize], &vals[b as usize]));
                    assert!(
                        same(&t, got, want),
                        "{} {a:#04x} {op} {b:#04x}: got {got:#04x} ({}), want {want:#04x} ({})",
                        t.name,
                        (t.decode)(got),
                        (t.decode)(want as u8)
                    );
                    if (t.f32_ops[k])(a as u8, b as u8) != got {
                        f32_differs[k] += 1;
                    }
                }
            }
        }
        if t.spec.has_zero() {
            assert_eq!(f32_differs, [0; 5], "{}: f32 recipe differs", t.name);
        }
        report.push(format!("{} {:?}", t.name, f32_differs));
    }
    // E8M0's products and quotients leave f32's range; everywhere else f32 agrees.
    println!("pairs where the f32 recipe differs (+ - * / %): {report:?}");
}

#[test]
fn powi_is_the_exact_power_rounded_once() {
    for t in types() {
        let g = grid(&t);
        for a in 0..1u32 << t.spec.bits() {
            let v = (t.decode)(a as u8);
            for n in -5i32..=7 {
                let got = (t.powi)(a as u8, n);
                let exact = if v.is_finite() && v != 0.0 {
                    let m = scaled(v);
                    let neg = v < 0.0 && n % 2 != 0;
                    if n >= 0 {
                        num(neg, m.pow(n as u32), -SCALE * n)
                    } else {
                        Exact::Num {
                            neg,
                            num: Big::from_u64(1),
                            den: m.pow(n.unsigned_abs()),
                            exp: -SCALE * n,
                        }
                    }
                } else {
                    // Zeros, infinities, NaN: as f64's powi (IEEE pown).
                    val_exact(v.powi(n))
                };
                let want = g.round(&exact);
                assert!(
                    same(&t, got, want),
                    "{} {a:#04x}^{n}: got {got:#04x}, want {want:#04x}",
                    t.name
                );
            }
        }
    }
}

fn val_exact(x: f64) -> Exact {
    match val(x) {
        Val::Nan => Exact::Nan,
        Val::Inf(n) => Exact::Inf(n),
        Val::Fin(n, m) => num(n, m, -SCALE),
    }
}

/// xorshift64*, for reproducible samples.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn mul_add_is_fused_and_rounded_once() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for t in types() {
        let g = grid(&t);
        let n = 1u64 << t.spec.bits();
        let vals: Vec<Val> = (0..n).map(|c| val((t.decode)(c as u8))).collect();
        let check = |a: u64, b: u64, c: u64| {
            let got = (t.mul_add)(a as u8, b as u8, c as u8);
            let p = mul(&vals[a as usize], &vals[b as usize]);
            let want = match (p, &vals[c as usize]) {
                (Exact::Nan, _) | (_, Val::Nan) => Exact::Nan,
                (Exact::Inf(x), Val::Inf(y)) if x != *y => Exact::Nan,
                (Exact::Inf(x), _) => Exact::Inf(x),
                (_, Val::Inf(y)) => Exact::Inf(*y),
                (Exact::Num { neg, num: pm, .. }, Val::Fin(cn, cm)) => {
                    // p = pm · 2^-2S, c = cm · 2^-S.
                    let (sn, s) = signed_add(neg, &pm, *cn, &cm.shl(SCALE as u32));
                    if s.is_zero() {
                        zero(neg && *cn)
                    } else {
                        num(sn, s, -2 * SCALE)
                    }
                }
            };
            let want = g.round(&want);
            assert!(
                same(&t, got, want),
                "{} fma({a:#04x}, {b:#04x}, {c:#04x}): got {got:#04x}, want {want:#04x}",
                t.name
            );
        };
        if n <= 64 {
            for a in 0..n {
                for b in 0..n {
                    for c in 0..n {
                        check(a, b, c);
                    }
                }
            }
        } else {
            for _ in 0..100_000 {
                check(rng.next() % n, rng.next() % n, rng.next() % n);
            }
        }
    }
}

#[test]
fn sum_and_product_are_exact_then_rounded_once() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for t in types() {
        let g = grid(&t);
        let n = 1u64 << t.spec.bits();
        let finite: Vec<u8> = (0..n as u32)
            .filter(|&c| (t.decode)(c as u8).is_finite())
            .map(|c| c as u8)
            .collect();
        for round in 0..3000 {
            let len = (rng.next() % if round % 2 == 0 { 40 } else { 12 }) as usize;
            let xs: Vec<u8> = (0..len)
                .map(|_| finite[(rng.next() % finite.len() as u64) as usize])
                .collect();
            // Exact sum: positive and negative parts in units of 2^-S.
            let (mut pos, mut neg) = (Big(vec![]), Big(vec![]));
            let mut all_neg_zero = true;
            let (mut prod, mut prod_neg, mut prod_zero) = (Big::from_u64(1), false, false);
            for &c in &xs {
                let v = (t.decode)(c);
                let m = scaled(v);
                if !(v == 0.0 && v.is_sign_negative()) {
                    all_neg_zero = false;
                }
                if v < 0.0 {
                    neg = neg.add(&m);
                } else {
                    pos = pos.add(&m);
                }
                prod_neg ^= v.is_sign_negative();
                prod_zero |= v == 0.0;
                prod = prod.mul(&m);
            }
            let (sn, s) = signed_add(false, &pos, true, &neg);
            let want_sum = g.round(&if s.is_zero() {
                zero(all_neg_zero)
            } else {
                num(sn, s, -SCALE)
            });
            let got_sum = (t.sum)(&xs);
            assert!(
                same(&t, got_sum, want_sum),
                "{} sum {xs:x?}: got {got_sum:#04x}, want {want_sum:#04x}",
                t.name
            );
            if round % 2 == 0 {
                continue;
            }
            let want_prod = g.round(&if prod_zero {
                zero(prod_neg)
            } else {
                num(prod_neg, prod, -SCALE * xs.len() as i32)
            });
            let got_prod = (t.product)(&xs);
            // Exact while the significand product fits in 64 bits: runs of fewer than 12.
            assert!(
                same(&t, got_prod, want_prod),
                "{} product {xs:x?}: got {got_prod:#04x}, want {want_prod:#04x}",
                t.name
            );
        }
    }
}
