//! Names of scaled formats: `Display` prints one that `FromStr` parses back.
//!
//! ```text
//! name      = head [_rule | _single] [_mxlib] [_region] [_arule] [_ue8m0] [_fp8lib] [_f16 | _bf16 | _f32] [_rounding]
//! head      = mxfp8_e4m3 | mxfp8_e5m2 | mxfp6_e2m3 | mxfp6_e3m2 | mxfp4 | mxint8
//!           | nvfp4 | nvfp4_torchao | nvfp4_modelopt | nvfp4_ct
//!           | int{2..8}                 (group-wise INT: affine, a region is required)
//!           | fp8_e4m3 | fp8_e5m2 | absmax_<an 8-bit float or signed int element name>
//!           | bitnet_b158 | bitnet_a8
//! rule      = floor | ceil | even | rceil  (MX)
//! mxlib     = torchao | torchao15 | torchao14 | modelopt | ct  (MX profiles, see MxProfile;
//!             modelopt and ct take no rule: theirs is fixed)
//! arule     = awq | sym | autoawq | ct | sym_ct  (group-wise INT rules, see AffineRule)
//! fp8lib    = modelopt | ct | transformers  (absmax profiles, see AbsmaxProfile)
//! region    = k{N} | g{N}  (blocks of N along a row) | row | tensor | t{R}x{C}  (tiles)
//! rounding  = rna | rz | rup | rdn | sr{seed}
//! ```
//!
//! Defaults are not printed: MX FLOOR in blocks of 32, NVFP4 two-level in blocks of 16,
//! GPTQ's rule with f16 scales, f32 absmax and absmean scales, nearest-even elements.
//! MX and NVFP4 print block lengths as `k{N}` (OCP's k), the others as `g{N}` (GPTQ's g).

use core::fmt;
use core::str::FromStr;

use super::{
    AbsmaxProfile, AffineRule, BlockFormat, MxProfile, MxScaleRule, Region, ScaleType, Scheme,
};
use crate::element::ElementFormat;
use crate::element::name::{NAME_LEN, normalize};
use crate::error::{Error, NameBuf};
use crate::round::Rounding;

/// Name suffixes of the element roundings other than nearest-even.
const ROUNDING_SUFFIXES: [(&str, Rounding); 4] = [
    ("rna", Rounding::NearestAway),
    ("rz", Rounding::TowardZero),
    ("rup", Rounding::TowardPositive),
    ("rdn", Rounding::TowardNegative),
];

const MX_RULES: [MxScaleRule; 4] = [
    MxScaleRule::Floor,
    MxScaleRule::Ceil,
    MxScaleRule::Even,
    MxScaleRule::RCeil,
];

/// The absmax heads with their own short names.
const FP8_HEADS: [(&str, ElementFormat); 2] = [
    ("fp8_e4m3", ElementFormat::FLOAT8_E4M3FN),
    ("fp8_e5m2", ElementFormat::FLOAT8_E5M2),
];

/// The region a format's name leaves out.
fn default_region(bf: &BlockFormat) -> Option<Region> {
    match bf.scheme {
        Scheme::Mx(_) | Scheme::MxProfiled { .. } => Some(Region::Block(32)),
        Scheme::Nvfp4 { .. } => Some(Region::Block(16)),
        Scheme::Absmean { .. } => Some(Region::Tensor),
        Scheme::Absmax {
            profile: AbsmaxProfile::BitNet,
            ..
        } => Some(Region::Row),
        _ => None,
    }
}

fn default_scale_type(scheme: Scheme) -> ScaleType {
    match scheme {
        Scheme::Affine { .. } => ScaleType::F16,
        _ => ScaleType::F32,
    }
}

impl fmt::Display for BlockFormat {
    /// See the module grammar; parses back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = BlockFormat {
            rounding: Rounding::NearestEven,
            ..*self
        };
        match self.scheme {
            Scheme::Mx(rule) | Scheme::MxProfiled { rule, .. } => {
                let base = BlockFormat {
                    region: Region::Block(32),
                    scheme: Scheme::Mx(MxScaleRule::Floor),
                    ..plain
                };
                let name = BlockFormat::NAMED
                    .iter()
                    .find(|(_, b)| *b == base)
                    .map(|(n, _)| *n)
                    .ok_or(fmt::Error)?;
                f.write_str(name)?;
                let profile = self.mx_profile();
                let fixed = profile.and_then(MxProfile::fixed_rule).is_some();
                if rule != MxScaleRule::Floor && !fixed {
                    write!(f, "_{}", rule.suffix())?;
                }
                if let Some(p) = profile {
                    write!(f, "_{}", p.suffix())?;
                }
            }
            Scheme::Nvfp4 { profile, two_level } => {
                f.write_str(profile.name())?;
                if !two_level {
                    f.write_str("_single")?;
                }
            }
            Scheme::Affine { .. } => {
                write!(f, "int{}", crate::element::Format::bits(&self.element))?
            }
            Scheme::Absmean { .. } => f.write_str("bitnet_b158")?,
            Scheme::Absmax { profile, .. } => {
                if profile == AbsmaxProfile::BitNet {
                    f.write_str("bitnet_a8")?;
                } else {
                    match FP8_HEADS.iter().find(|(_, e)| *e == self.element) {
                        Some((n, _)) => f.write_str(n)?,
                        None => write!(f, "absmax_{}", self.element)?,
                    }
                }
            }
        }
        if default_region(self) != Some(self.region) {
            let block = if matches!(
                self.scheme,
                Scheme::Mx(_) | Scheme::MxProfiled { .. } | Scheme::Nvfp4 { .. }
            ) {
                "k"
            } else {
                "g"
            };
            match self.region {
                Region::Block(n) => write!(f, "_{block}{n}")?,
                Region::Row => f.write_str("_row")?,
                Region::Tensor => f.write_str("_tensor")?,
                Region::Tile { rows, cols } => write!(f, "_t{rows}x{cols}")?,
            }
        }
        match self.scheme {
            Scheme::Affine { rule, .. } => f.write_str(rule.suffix())?,
            Scheme::Absmax { pow2, profile, .. } => {
                if pow2 {
                    f.write_str("_ue8m0")?;
                }
                if let Some(p) = profile.suffix() {
                    write!(f, "_{p}")?;
                }
            }
            _ => {}
        }
        if let Some(t) = self.scale_type()
            && t != default_scale_type(self.scheme)
        {
            write!(f, "_{}", t.suffix())?;
        }
        match self.rounding {
            Rounding::NearestEven => Ok(()),
            Rounding::Stochastic(seed) => write!(f, "_sr{seed}"),
            Rounding::StochasticFrom { seed, first } => write!(f, "_sr{seed}+{first}"),
            r => {
                let s = ROUNDING_SUFFIXES
                    .iter()
                    .find(|(_, q)| *q == r)
                    .ok_or(fmt::Error)?;
                write!(f, "_{}", s.0)
            }
        }
    }
}

/// Parses 1..=10 decimal digits.
fn digits(r: &str) -> Option<u64> {
    if r.is_empty() || r.len() > 10 || !r.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    r.parse().ok()
}

/// A region token: `k{N}`, `g{N}`, `row`, `tensor`, `t{R}x{C}`.
fn region_token(t: &str) -> Option<Region> {
    match t {
        "row" => return Some(Region::Row),
        "tensor" => return Some(Region::Tensor),
        _ => {}
    }
    if let Some(n) = t.strip_prefix('k').or_else(|| t.strip_prefix('g')) {
        return Some(Region::Block(digits(n)? as usize));
    }
    let (r, c) = t.strip_prefix('t')?.split_once('x')?;
    Some(Region::Tile {
        rows: digits(r)? as usize,
        cols: digits(c)? as usize,
    })
}

/// The format a head names, with the rest of the name (starting with `_` or empty).
fn head(s: &str) -> Option<(BlockFormat, &str)> {
    let after = |name: &str| {
        s.strip_prefix(name)
            .filter(|r| r.is_empty() || r.starts_with('_'))
    };
    // The longest table name that fits (nvfp4_modelopt before nvfp4).
    let named = BlockFormat::NAMED
        .iter()
        .filter_map(|(n, b)| after(n).map(|r| (n.len(), *b, r)))
        .max_by_key(|(len, ..)| *len);
    if let Some((_, b, r)) = named {
        return Some((b, r));
    }
    for (n, e) in FP8_HEADS {
        if let Some(r) = after(n) {
            return Some((BlockFormat::FP8_E4M3_TENSOR.with_element(e), r));
        }
    }
    if let Some(r) = s.strip_prefix("int") {
        let end = r.find('_').unwrap_or(r.len());
        let bits = digits(&r[..end])? as u32;
        let g = BlockFormat::int_groups(bits, 1, AffineRule::Gptq, ScaleType::F16).ok()?;
        return Some((g, &r[end..]));
    }
    // absmax_ and any element name (which may hold underscores), for absmax formats.
    let r = s.strip_prefix("absmax_")?;
    r.match_indices('_').find_map(|(i, _)| {
        let e: ElementFormat = r[..i].parse().ok()?;
        Some((BlockFormat::FP8_E4M3_TENSOR.with_element(e), &r[i..]))
    })
}

impl BlockFormat {
    /// This format's scheme and region with another element (unchecked: [`FromStr`]
    /// validates the result).
    const fn with_element(self, element: ElementFormat) -> BlockFormat {
        BlockFormat { element, ..self }
    }
}

impl FromStr for BlockFormat {
    type Err = Error;

    /// Parses the names of the module grammar, e.g. `mxfp4`, `mxfp8_e4m3_rceil_k64_sr42`,
    /// `nvfp4_modelopt_single`, `int4_g128_awq`, `fp8_e4m3_t128x128_ue8m0`, `bitnet_b158_row`.
    ///
    /// ```
    /// use lowbit::{BlockFormat, MxScaleRule, Rounding};
    /// let bf: BlockFormat = "mxfp8_e4m3_rceil_k64_sr42".parse().unwrap();
    /// assert_eq!(bf, BlockFormat::MXFP8_E4M3
    ///     .with_scale_rule(MxScaleRule::RCeil).unwrap()
    ///     .with_block_len(64).unwrap()
    ///     .with_rounding(Rounding::Stochastic(42)));
    /// assert!("mxfp4_single".parse::<BlockFormat>().is_err());
    /// assert_eq!("MXFP4".parse::<BlockFormat>().unwrap(), BlockFormat::MXFP4);
    /// assert_eq!("int4_g128".parse::<BlockFormat>().unwrap(), BlockFormat::INT4_G128);
    /// assert_eq!("fp8_e4m3_t128x128".parse::<BlockFormat>().unwrap(), BlockFormat::FP8_E4M3_DEEPSEEK_WEIGHTS);
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        let bad = || Error::UnknownName(NameBuf::new(s));
        // Names are matched trimmed and in lowercase: `MXFP4`, `NVFP4_Single` parse too.
        let mut buf = [0u8; NAME_LEN];
        let name = normalize(s, &mut buf).ok_or_else(bad)?;
        let (mut bf, rest) = head(name).ok_or_else(bad)?;
        let mut toks = rest.split('_').skip(1).peekable();
        let mut region = default_region(&bf);
        let mut rule_given = false;
        if let Some(&t) = toks.peek() {
            if let Some(rule) = MX_RULES.iter().find(|r| r.suffix() == t) {
                bf = bf.with_scale_rule(*rule).map_err(|_| bad())?;
                rule_given = true;
                toks.next();
            } else if t == "single" {
                bf = bf.with_tensor_scale(false).map_err(|_| bad())?;
                toks.next();
            }
        }
        if let (Some(&t), Scheme::Mx(_)) = (toks.peek(), bf.scheme)
            && let Some(p) = MxProfile::ALL.iter().find(|p| p.suffix() == t)
        {
            // A library with its own rule takes no rule token (one spelling per format).
            if rule_given && p.fixed_rule().is_some() {
                return Err(bad());
            }
            bf = bf.with_mx_profile(Some(*p)).map_err(|_| bad())?;
            toks.next();
        }
        if let Some(r) = toks.peek().and_then(|t| region_token(t)) {
            region = Some(r);
            toks.next();
        }
        let region = region.ok_or_else(bad)?;
        bf = BlockFormat::new(bf.element, region, bf.scheme).map_err(|e| match e {
            Error::Parameter { .. } => e,
            _ => bad(),
        })?;
        if let (Some(&t), Scheme::Affine { scale, .. }) = (toks.peek(), bf.scheme) {
            let rule = match t {
                "awq" => Some(AffineRule::Awq),
                "sym" => Some(AffineRule::Symmetric),
                "autoawq" => Some(AffineRule::AutoAwq),
                "ct" => Some(AffineRule::CompressedTensors),
                _ => None,
            };
            if let Some(mut rule) = rule {
                toks.next();
                if rule == AffineRule::Symmetric && toks.peek() == Some(&"ct") {
                    rule = AffineRule::CompressedTensorsSym;
                    toks.next();
                }
                bf.scheme = Scheme::Affine { rule, scale };
            }
        }
        if toks.peek() == Some(&"ue8m0") {
            bf = bf.with_pow2_scales(true).map_err(|_| bad())?;
            toks.next();
        }
        if let (
            Some(&t),
            Scheme::Absmax {
                profile: AbsmaxProfile::DeepSeek,
                scale,
                pow2,
            },
        ) = (toks.peek(), bf.scheme)
            && let Some(p) = AbsmaxProfile::LIBRARIES
                .iter()
                .find(|p| p.suffix() == Some(t))
        {
            let scheme = Scheme::Absmax {
                profile: *p,
                scale,
                pow2,
            };
            bf = BlockFormat::new(bf.element, bf.region, scheme).map_err(|_| bad())?;
            toks.next();
        }
        if let Some(&t) = toks.peek() {
            let st = [ScaleType::F16, ScaleType::Bf16, ScaleType::F32]
                .into_iter()
                .find(|st| st.suffix() == t);
            if let Some(st) = st {
                bf = bf.with_scale_type(st).map_err(|_| bad())?;
                toks.next();
            }
        }
        if let Some(t) = toks.next() {
            bf = match t.strip_prefix("sr") {
                Some(rest) => {
                    // `sr{seed}`, or `sr{seed}+{first}` for a piece starting at element
                    // `first` (`Rounding::offset`).
                    let (seed, first) = match rest.split_once('+') {
                        Some((s, f)) => (s, Some(f)),
                        None => (rest, None),
                    };
                    let seed = digits(seed)
                        .filter(|&v| v <= u32::MAX as u64)
                        .ok_or_else(bad)?;
                    let r = Rounding::Stochastic(seed as u32);
                    match first {
                        None => bf.with_rounding(r),
                        Some(f) => {
                            let ok = !f.is_empty()
                                && f.len() <= 20
                                && f.bytes().all(|b| b.is_ascii_digit());
                            let first: u64 = f.parse().ok().filter(|_| ok).ok_or_else(bad)?;
                            bf.with_rounding(r.offset(first))
                        }
                    }
                }
                None => {
                    let r = ROUNDING_SUFFIXES
                        .iter()
                        .find(|(n, _)| *n == t)
                        .ok_or_else(bad)?;
                    bf.with_rounding(r.1)
                }
            };
        }
        if toks.next().is_some() {
            return Err(bad());
        }
        Ok(bf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_and_built_format_round_trips() {
        let mut all: std::vec::Vec<BlockFormat> =
            BlockFormat::NAMED.iter().map(|(_, b)| *b).collect();
        all.extend([
            BlockFormat::INT4_G128,
            BlockFormat::FP8_E4M3_TENSOR,
            BlockFormat::FP8_E4M3_CHANNEL,
            BlockFormat::FP8_E4M3_DEEPSEEK_WEIGHTS,
            BlockFormat::FP8_E4M3_DEEPSEEK_ACTIVATIONS,
            BlockFormat::FP8_E4M3_CHANNEL
                .with_pow2_scales(true)
                .unwrap(),
            BlockFormat::int_groups(3, 64, AffineRule::Awq, ScaleType::Bf16).unwrap(),
            BlockFormat::int_groups(8, 7, AffineRule::Symmetric, ScaleType::F32).unwrap(),
            BlockFormat::INT4_G128.with_region(Region::Row).unwrap(),
            BlockFormat::BITNET_B158
                .with_region(Region::Block(64))
                .unwrap(),
            BlockFormat::BITNET_A8.with_region(Region::Tensor).unwrap(),
            BlockFormat::new(
                ElementFormat::FLOAT8_E4M3FNUZ,
                Region::Tile { rows: 2, cols: 3 },
                BlockFormat::FP8_E4M3_TENSOR.scheme(),
            )
            .unwrap(),
            BlockFormat::NVFP4
                .with_tensor_scale(false)
                .unwrap()
                .with_block_len(32)
                .unwrap()
                .with_rounding(Rounding::TowardZero),
        ]);
        for p in MxProfile::ALL {
            for rule in MX_RULES {
                for e in [
                    BlockFormat::MXFP4,
                    BlockFormat::MXFP6_E3M2,
                    BlockFormat::MXFP8_E4M3,
                ] {
                    if let Ok(bf) = e
                        .with_scale_rule(rule)
                        .and_then(|b| b.with_mx_profile(Some(p)))
                    {
                        all.push(bf);
                        all.push(
                            bf.with_block_len(7)
                                .unwrap()
                                .with_rounding(Rounding::Stochastic(3)),
                        );
                    }
                }
            }
        }
        for name in [
            "int4_g128_autoawq",
            "int3_g5_ct_bf16",
            "int8_g16_sym_ct_f32",
            "fp8_e4m3_t3x5_ue8m0_transformers_rz",
            "fp8_e4m3_tensor_ct_f16",
        ] {
            all.push(name.parse().unwrap());
        }
        for bf in all {
            let name = std::format!("{bf}");
            assert_eq!(name.parse::<BlockFormat>().unwrap(), bf, "{name}");
        }
    }
}
