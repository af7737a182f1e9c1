//! Rounding modes, overflow policies and the status flags a conversion reports.

use core::fmt;

/// How a value between two representable values is resolved.
///
/// ```
/// use lowbit::{ElementFormat, Format, Overflow, Rounding};
/// let e2m1 = ElementFormat::FLOAT4_E2M1FN;
/// let q = |r| e2m1.decode(e2m1.encode(2.5, r, Overflow::Saturate));
/// assert_eq!(q(Rounding::NearestEven), 2.0);
/// assert_eq!(q(Rounding::NearestAway), 3.0);
/// assert_eq!(q(Rounding::TowardZero), 2.0);
/// assert_eq!(q(Rounding::TowardPositive), 3.0);
/// assert_eq!(q(Rounding::TowardNegative), 2.0);
/// // A stochastic draw below half the gap rounds down, above it up.
/// assert_eq!(q(Rounding::Stochastic(0)), 2.0);
/// assert_eq!(q(Rounding::Stochastic(u32::MAX)), 3.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Rounding {
    /// Round to nearest, ties to the even code (IEEE 754 `roundTiesToEven`). The default.
    #[default]
    NearestEven,
    /// Round to nearest, ties away from zero (IEEE 754 `roundTiesToAway`).
    NearestAway,
    /// Truncate toward zero.
    TowardZero,
    /// Round toward +∞.
    TowardPositive,
    /// Round toward −∞.
    TowardNegative,
    /// Stochastic rounding: round away from zero with probability equal to the discarded
    /// fraction of an ulp, measured to 32 bits.
    ///
    /// In scalar calls the `u32` *is* the random draw: the result rounds up in magnitude when
    /// `discarded_fraction · 2^32 + draw ≥ 2^32`. Slice and block functions treat it as a
    /// seed and draw element `i`'s bits from [`stochastic_bits`]`(seed, i)`, so a run is
    /// reproducible.
    Stochastic(u32),
    /// [`Rounding::Stochastic`]`(seed)` for a piece of a larger slice whose element 0 is
    /// element `first` of the whole: element `i` of the piece draws
    /// [`stochastic_bits`]`(seed, first + i)`, so a tensor converted in pieces (on several
    /// threads, or streamed) gets the bits of one call. Made by [`Rounding::offset`]; in a
    /// scalar call the draw is `stochastic_bits(seed, first)`.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Overflow, Rounding};
    /// let f = ElementFormat::FLOAT4_E2M1FN;
    /// let x: Vec<f32> = (0..64).map(|i| i as f32 * 0.1).collect();
    /// let r = Rounding::Stochastic(9);
    /// let mut whole = [0u8; 32];
    /// f.encode_slice(&x, r, Overflow::Saturate, &mut whole).unwrap();
    /// let mut pieces = [0u8; 32];
    /// for (k, (xc, oc)) in x.chunks(16).zip(pieces.chunks_mut(8)).enumerate() {
    ///     f.encode_slice(xc, r.offset(16 * k as u64), Overflow::Saturate, oc).unwrap();
    /// }
    /// assert_eq!(pieces, whole);
    /// ```
    StochasticFrom {
        /// The seed of the whole slice.
        seed: u32,
        /// The index, in the whole slice, of this piece's element 0.
        first: u64,
    },
}

/// The random draw used for element `index` of a slice converted with
/// [`Rounding::Stochastic`]`(seed)`.
///
/// A counter-based generator (the SplitMix64 finalizer of `seed · 2^32 + index`, after
/// Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014):
/// stateless, so any element can be drawn independently and every backend sees the same bits.
///
/// ```
/// use lowbit::stochastic_bits;
/// // Deterministic per (seed, index); different indices give different draws.
/// assert_eq!(stochastic_bits(7, 3), stochastic_bits(7, 3));
/// assert_ne!(stochastic_bits(7, 3), stochastic_bits(7, 4));
/// ```
#[inline]
#[must_use]
pub const fn stochastic_bits(seed: u32, index: u64) -> u32 {
    let mut z = ((seed as u64) << 32 ^ index).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) as u32
}

impl Rounding {
    /// This rounding for a piece that starts at element `n` of the slice it was meant for:
    /// stochastic rounding continues the whole slice's draws
    /// ([`Rounding::StochasticFrom`]); every other mode is unchanged.
    ///
    /// ```
    /// use lowbit::Rounding;
    /// assert_eq!(Rounding::Stochastic(3).offset(10), Rounding::StochasticFrom { seed: 3, first: 10 });
    /// assert_eq!(Rounding::Stochastic(3).offset(10).offset(5), Rounding::Stochastic(3).offset(15));
    /// assert_eq!(Rounding::TowardZero.offset(10), Rounding::TowardZero);
    /// ```
    #[must_use]
    pub const fn offset(self, n: u64) -> Rounding {
        match self {
            Rounding::Stochastic(seed) => Rounding::StochasticFrom { seed, first: n },
            Rounding::StochasticFrom { seed, first } => Rounding::StochasticFrom {
                seed,
                first: first.wrapping_add(n),
            },
            r => r,
        }
    }

    /// Whether this is a stochastic mode.
    ///
    /// ```
    /// use lowbit::Rounding;
    /// assert!(Rounding::Stochastic(1).offset(4).is_stochastic());
    /// assert!(!Rounding::NearestAway.is_stochastic());
    /// ```
    #[must_use]
    pub const fn is_stochastic(self) -> bool {
        matches!(
            self,
            Rounding::Stochastic(_) | Rounding::StochasticFrom { .. }
        )
    }

    /// Every mode, with `Stochastic(0)` standing for the stochastic family.
    pub const ALL: [Rounding; 6] = [
        Rounding::NearestEven,
        Rounding::NearestAway,
        Rounding::TowardZero,
        Rounding::TowardPositive,
        Rounding::TowardNegative,
        Rounding::Stochastic(0),
    ];

    /// Whether a result whose magnitude rounds past the largest finite value becomes infinite
    /// (IEEE 754 §7.4): always for the nearest and stochastic modes, never toward zero, and
    /// only in the direction of rounding for the directed modes.
    #[inline(always)]
    pub(crate) const fn overflows_to_inf(self, negative: bool) -> bool {
        match self {
            Rounding::NearestEven
            | Rounding::NearestAway
            | Rounding::Stochastic(_)
            | Rounding::StochasticFrom { .. } => true,
            Rounding::TowardZero => false,
            Rounding::TowardPositive => !negative,
            Rounding::TowardNegative => negative,
        }
    }

    /// The draw a scalar conversion in a stochastic mode uses (`Stochastic(draw)`'s own, or
    /// [`stochastic_bits`]`(seed, first)`); `None` in the other modes.
    #[inline(always)]
    pub(crate) const fn draw(self) -> Option<u32> {
        match self {
            Rounding::Stochastic(draw) => Some(draw),
            Rounding::StochasticFrom { seed, first } => Some(stochastic_bits(seed, first)),
            _ => None,
        }
    }

    /// Whether to add one unit to a truncated magnitude.
    ///
    /// `frac` holds the discarded bits right below the kept ones (bit 63 is worth half a
    /// unit), `sticky` whether anything nonzero lies below those 64 bits.
    #[inline(always)]
    pub(crate) const fn round_up(self, negative: bool, odd: bool, frac: u64, sticky: bool) -> bool {
        const HALF: u64 = 1 << 63;
        let inexact = frac != 0 || sticky;
        match self {
            Rounding::NearestEven => frac > HALF || (frac == HALF && (sticky || odd)),
            Rounding::NearestAway => frac >= HALF,
            Rounding::TowardZero => false,
            Rounding::TowardPositive => inexact && !negative,
            Rounding::TowardNegative => inexact && negative,
            Rounding::Stochastic(draw) => ((frac >> 32) + draw as u64) >> 32 != 0,
            Rounding::StochasticFrom { seed, first } => {
                ((frac >> 32) + stochastic_bits(seed, first) as u64) >> 32 != 0
            }
        }
    }
}

/// What happens to values beyond the largest finite value of the target format.
///
/// ```
/// use lowbit::{ElementFormat, Format, Overflow, Rounding};
/// let e4m3 = ElementFormat::FLOAT8_E4M3FN;
/// assert_eq!(e4m3.decode(e4m3.encode(1000.0, Rounding::NearestEven, Overflow::Saturate)), 448.0);
/// assert!(e4m3.decode(e4m3.encode(1000.0, Rounding::NearestEven, Overflow::NonFinite)).is_nan());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Overflow {
    /// Clamp every finite or infinite input to ±max; NaN stays NaN where the format has one.
    Saturate,
    /// The conventional cast (IEEE 754, ml_dtypes): overflow gives ±∞ where the format has
    /// infinities, else NaN where it has NaN, else saturates. The default.
    #[default]
    NonFinite,
}

/// IEEE 754-style exception flags of one conversion (or the union over a slice).
///
/// ```
/// use lowbit::{ElementFormat, Format, Overflow, Rounding, Status};
/// let (_, st) = ElementFormat::FLOAT8_E4M3FN.encode_status(1000.0, Rounding::NearestEven, Overflow::Saturate);
/// assert!(st.contains(Status::OVERFLOW | Status::INEXACT));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Status(u8);

impl Status {
    /// No flag.
    pub const OK: Status = Status(0);
    /// The result differs from the input.
    pub const INEXACT: Status = Status(1);
    /// The input's magnitude exceeded the largest finite value.
    pub const OVERFLOW: Status = Status(2);
    /// The input was nonzero and below the smallest normal value, and the result is inexact.
    pub const UNDERFLOW: Status = Status(4);
    /// The input has no value in the format (NaN into a format without NaN, a negative into
    /// an unsigned float, zero into E8M0).
    pub const INVALID: Status = Status(8);

    /// The raw flag bits.
    ///
    /// ```
    /// use lowbit::Status;
    /// assert_eq!((Status::INEXACT | Status::INVALID).bits(), 9);
    /// ```
    #[must_use]
    pub const fn bits(self) -> u8 {
        self.0
    }
    /// Whether every flag in `other` is set.
    ///
    /// ```
    /// use lowbit::Status;
    /// assert!(Status::OVERFLOW.union(Status::INEXACT).contains(Status::INEXACT));
    /// assert!(!Status::OK.contains(Status::INEXACT));
    /// ```
    #[must_use]
    pub const fn contains(self, other: Status) -> bool {
        self.0 & other.0 == other.0
    }
    /// The union of two sets of flags.
    ///
    /// ```
    /// use lowbit::Status;
    /// assert_eq!(Status::OVERFLOW.union(Status::INEXACT), Status::OVERFLOW | Status::INEXACT);
    /// ```
    #[must_use]
    pub const fn union(self, other: Status) -> Status {
        Status(self.0 | other.0)
    }
    /// Whether no flag is set.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Format, Overflow, Rounding};
    /// let (_, st) = ElementFormat::FLOAT8_E4M3FN.encode_status(1.5, Rounding::NearestEven, Overflow::Saturate);
    /// assert!(st.is_ok());
    /// ```
    #[must_use]
    pub const fn is_ok(self) -> bool {
        self.0 == 0
    }
}

impl core::ops::BitOr for Status {
    type Output = Status;
    fn bitor(self, rhs: Status) -> Status {
        self.union(rhs)
    }
}

impl core::ops::BitOrAssign for Status {
    fn bitor_assign(&mut self, rhs: Status) {
        *self = self.union(rhs);
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Status::INEXACT, "INEXACT"),
            (Status::OVERFLOW, "OVERFLOW"),
            (Status::UNDERFLOW, "UNDERFLOW"),
            (Status::INVALID, "INVALID"),
        ];
        let mut first = true;
        f.write_str("Status(")?;
        for (flag, name) in names {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        if first {
            f.write_str("OK")?;
        }
        f.write_str(")")
    }
}

/// The rounding for element `i` of a slice: a stochastic seed becomes that element's draw.
#[inline(always)]
pub(crate) fn per_element(r: Rounding, i: u64) -> Rounding {
    match r {
        Rounding::Stochastic(seed) => Rounding::Stochastic(stochastic_bits(seed, i)),
        Rounding::StochasticFrom { seed, first } => {
            Rounding::Stochastic(stochastic_bits(seed, first.wrapping_add(i)))
        }
        r => r,
    }
}
