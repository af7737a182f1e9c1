//! Names of element formats: the table of canonical names, the aliases people type
//! (safetensors, PyTorch, ONNX, short forms), the `e{E}m{M}` grammar, `Display` and `FromStr`.
//!
//! [`ElementFormat::from_str`](core::str::FromStr) tries, in order and ASCII
//! case-insensitively after trimming whitespace and a `torch.` prefix: the canonical names of
//! [`ElementFormat::NAMED`], the aliases of [`ElementFormat::ALIASES`], a short list of names
//! that are refused with a reason ([`Error::NotAFormat`]: `fp8`, `f32`, …), and the grammars.
//! `Display` always prints the canonical name.

use core::fmt;
use core::str::FromStr;

use super::{ElementFormat, int};
use crate::error::{Error, NameBuf, SpecError};
use crate::spec::NonFinite::{Finite, Fn, Fnuz, Ieee, P3109};
use crate::spec::{FloatSpec, IntSpec};

/// The longest name [`normalize`] accepts.
pub(crate) const NAME_LEN: usize = 80;

/// `s` trimmed and ASCII-lowercased into `buf`, or `None` if it is longer than [`NAME_LEN`]
/// bytes or not ASCII. Element names and block-format names are matched on this form, so that
/// `MXFP4`, `NVFP4` and `F8_E4M3` parse as `mxfp4`, `nvfp4` and `f8_e4m3` do.
pub(crate) fn normalize<'a>(s: &str, buf: &'a mut [u8; NAME_LEN]) -> Option<&'a str> {
    let s = s.trim();
    if s.len() > NAME_LEN || !s.is_ascii() {
        return None;
    }
    buf[..s.len()].copy_from_slice(s.as_bytes());
    buf[..s.len()].make_ascii_lowercase();
    core::str::from_utf8(&buf[..s.len()]).ok()
}

impl ElementFormat {
    /// Every named format with its canonical name and where it is defined.
    ///
    /// `Display` prints the first name listed for a format; `FromStr` accepts every name here.
    pub const NAMED: &'static [(&'static str, ElementFormat, &'static str)] = &[
        (
            "float8_e4m3fn",
            Self::FLOAT8_E4M3FN,
            "OCP OFP8 v1.0; ml_dtypes",
        ),
        ("float8_e5m2", Self::FLOAT8_E5M2, "OCP OFP8 v1.0; ml_dtypes"),
        (
            "float8_e4m3fnuz",
            Self::FLOAT8_E4M3FNUZ,
            "Graphcore/AMD; ml_dtypes",
        ),
        (
            "float8_e5m2fnuz",
            Self::FLOAT8_E5M2FNUZ,
            "Graphcore/AMD; ml_dtypes",
        ),
        (
            "float8_e4m3b11fnuz",
            Self::FLOAT8_E4M3B11FNUZ,
            "Graphcore; ml_dtypes",
        ),
        (
            "float8_e3m4",
            Self::FLOAT8_E3M4,
            "IEEE P3109-style; ml_dtypes",
        ),
        (
            "float8_e4m3",
            Self::FLOAT8_E4M3,
            "IEEE P3109-style; ml_dtypes",
        ),
        (
            "float8_e8m0fnu",
            Self::FLOAT8_E8M0FNU,
            "OCP MX v1.0 §5.4; ml_dtypes",
        ),
        (
            "float6_e2m3fn",
            Self::FLOAT6_E2M3FN,
            "OCP MX v1.0 §5.3.2; ml_dtypes",
        ),
        (
            "float6_e3m2fn",
            Self::FLOAT6_E3M2FN,
            "OCP MX v1.0 §5.3.2; ml_dtypes",
        ),
        (
            "float4_e2m1fn",
            Self::FLOAT4_E2M1FN,
            "OCP MX v1.0 §5.3.3; ml_dtypes",
        ),
        ("float16", Self::FLOAT16, "IEEE 754-2019 binary16"),
        ("bfloat16", Self::BFLOAT16, "Google Brain bfloat16"),
        (
            "ue4m3",
            Self::UE4M3,
            "NVFP4 scale as ggml stores it (ggml-common.h)",
        ),
        ("int1", int(1, true), "ml_dtypes int1"),
        ("int2", int(2, true), "ml_dtypes int2"),
        ("int3", int(3, true), "two's complement"),
        ("int4", Self::INT4, "ml_dtypes int4"),
        ("int5", int(5, true), "two's complement"),
        ("int6", int(6, true), "two's complement"),
        ("int7", int(7, true), "two's complement"),
        ("int8", Self::INT8, "two's complement"),
        ("int16", int(16, true), "two's complement"),
        ("uint1", int(1, false), "ml_dtypes uint1"),
        ("uint2", int(2, false), "ml_dtypes uint2"),
        ("uint3", int(3, false), "unsigned"),
        ("uint4", Self::UINT4, "ml_dtypes uint4"),
        ("uint5", int(5, false), "unsigned"),
        ("uint6", int(6, false), "unsigned"),
        ("uint7", int(7, false), "unsigned"),
        ("uint8", Self::UINT8, "unsigned"),
        ("uint16", int(16, false), "unsigned"),
        (
            "ternary",
            Self::Ternary,
            "BitNet b1.58 {-1, 0, +1}, code = value + 1",
        ),
        (
            "nf4",
            Self::NF4,
            "QLoRA NF4 codebook; bitsandbytes 0.50.2 get_4bit_type('nf4')",
        ),
        (
            "bnb_fp4",
            Self::BNB_FP4,
            "bitsandbytes FP4 codebook; bitsandbytes 0.50.2 get_4bit_type('fp4')",
        ),
        (
            "iq4_nl",
            Self::IQ4_NL,
            "IQ4_NL codebook; ggml kvalues_iq4nl (GGUF IQ4_NL, IQ4_XS)",
        ),
        (
            "bnb_dynamic",
            Self::BNB_DYNAMIC,
            "bitsandbytes 8-bit dynamic map; bitsandbytes 0.50.2 create_dynamic_map()",
        ),
    ];

    /// Other names that parse to a format, with where they come from. `Display` keeps the
    /// canonical name of [`NAMED`](Self::NAMED).
    ///
    /// Names that look alike but mean different formats:
    /// - `e4m3` is the grammar with its default `ieee` variant: ml_dtypes' `float8_e4m3` (max
    ///   240, ±∞). OCP's E4M3 (max 448, no ∞) is `e4m3fn`, `float8_e4m3fn`, and also
    ///   `fp8_e4m3` and safetensors' `F8_E4M3`, which name the OCP format in their ecosystems.
    /// - `e2m1` is the grammar's IEEE-style E2M1 (values up to 3, ±∞); the OCP MX element
    ///   (max 6, every code finite) is `e2m1fn`, `float4_e2m1fn`, `fp4_e2m1`, `fp4`, `F4`.
    /// - The suffixes written without an underscore (`e4m3fnuz`, `e5m2fnuz`) are ml_dtypes'
    ///   and ONNX's type names and carry their biases (8 and 16); the grammar's `e5m2_fnuz`
    ///   keeps the default bias 15.
    /// - `e8m0` and `ue8m0` are the OCP MX scale `float8_e8m0fnu` (the signed IEEE-style
    ///   `e8m0` the grammar would describe cannot exist).
    pub const ALIASES: &'static [(&'static str, ElementFormat, &'static str)] = &[
        // safetensors dtype names (huggingface/safetensors `Dtype`).
        (
            "f4",
            Self::FLOAT4_E2M1FN,
            "safetensors F4 (packed two per byte)",
        ),
        ("f6_e2m3", Self::FLOAT6_E2M3FN, "safetensors F6_E2M3"),
        ("f6_e3m2", Self::FLOAT6_E3M2FN, "safetensors F6_E3M2"),
        (
            "f8_e4m3",
            Self::FLOAT8_E4M3FN,
            "safetensors F8_E4M3 (torch.float8_e4m3fn)",
        ),
        ("f8_e5m2", Self::FLOAT8_E5M2, "safetensors F8_E5M2"),
        (
            "f8_e8m0",
            Self::FLOAT8_E8M0FNU,
            "safetensors F8_E8M0 (torch.float8_e8m0fnu)",
        ),
        (
            "f8_e4m3fnuz",
            Self::FLOAT8_E4M3FNUZ,
            "safetensors F8_E4M3FNUZ",
        ),
        (
            "f8_e5m2fnuz",
            Self::FLOAT8_E5M2FNUZ,
            "safetensors F8_E5M2FNUZ",
        ),
        (
            "f8_e4m3fn",
            Self::FLOAT8_E4M3FN,
            "F8_E4M3 with torch's suffix (MLX loaders)",
        ),
        (
            "f8_e8m0fnu",
            Self::FLOAT8_E8M0FNU,
            "F8_E8M0 with torch's suffix (MLX loaders)",
        ),
        ("f16", Self::FLOAT16, "safetensors F16; Rust's f16"),
        ("bf16", Self::BFLOAT16, "safetensors BF16; half::bf16"),
        ("i8", Self::INT8, "safetensors I8; Rust's i8"),
        ("u8", Self::UINT8, "safetensors U8; Rust's u8"),
        ("i16", int(16, true), "safetensors I16; Rust's i16"),
        ("u16", int(16, false), "safetensors U16; Rust's u16"),
        // PyTorch dtypes (`torch.` is stripped before lookup) beyond the ml_dtypes names.
        (
            "float4_e2m1fn_x2",
            Self::FLOAT4_E2M1FN,
            "torch.float4_e2m1fn_x2 (two per byte)",
        ),
        ("half", Self::FLOAT16, "torch.half"),
        // ONNX TensorProto data types.
        ("float8e4m3fn", Self::FLOAT8_E4M3FN, "ONNX FLOAT8E4M3FN"),
        (
            "float8e4m3fnuz",
            Self::FLOAT8_E4M3FNUZ,
            "ONNX FLOAT8E4M3FNUZ",
        ),
        ("float8e5m2", Self::FLOAT8_E5M2, "ONNX FLOAT8E5M2"),
        (
            "float8e5m2fnuz",
            Self::FLOAT8_E5M2FNUZ,
            "ONNX FLOAT8E5M2FNUZ",
        ),
        ("float8e8m0", Self::FLOAT8_E8M0FNU, "ONNX FLOAT8E8M0"),
        ("float4e2m1", Self::FLOAT4_E2M1FN, "ONNX FLOAT4E2M1"),
        // Short forms: ml_dtypes names without the `floatN_` prefix, and common spellings.
        ("e4m3fn", Self::FLOAT8_E4M3FN, "ml_dtypes float8_e4m3fn"),
        (
            "e4m3fnuz",
            Self::FLOAT8_E4M3FNUZ,
            "ml_dtypes float8_e4m3fnuz (bias 8)",
        ),
        (
            "e5m2fnuz",
            Self::FLOAT8_E5M2FNUZ,
            "ml_dtypes float8_e5m2fnuz (bias 16)",
        ),
        (
            "e4m3b11fnuz",
            Self::FLOAT8_E4M3B11FNUZ,
            "ml_dtypes float8_e4m3b11fnuz",
        ),
        ("e8m0fnu", Self::FLOAT8_E8M0FNU, "ml_dtypes float8_e8m0fnu"),
        ("e8m0", Self::FLOAT8_E8M0FNU, "OCP MX E8M0 scale"),
        (
            "ue8m0",
            Self::FLOAT8_E8M0FNU,
            "OCP MX scale as DeepSeek and vLLM name it",
        ),
        ("e2m3fn", Self::FLOAT6_E2M3FN, "ml_dtypes float6_e2m3fn"),
        ("e3m2fn", Self::FLOAT6_E3M2FN, "ml_dtypes float6_e3m2fn"),
        ("e2m1fn", Self::FLOAT4_E2M1FN, "ml_dtypes float4_e2m1fn"),
        ("fp16", Self::FLOAT16, "IEEE binary16"),
        (
            "fp8_e4m3",
            Self::FLOAT8_E4M3FN,
            "OCP E4M3 (vLLM, TensorRT, Transformer Engine)",
        ),
        ("fp8_e4m3fn", Self::FLOAT8_E4M3FN, "OCP E4M3"),
        ("fp8_e5m2", Self::FLOAT8_E5M2, "OCP E5M2"),
        ("fp8_e8m0", Self::FLOAT8_E8M0FNU, "OCP MX E8M0 scale"),
        ("fp6_e2m3", Self::FLOAT6_E2M3FN, "OCP MX FP6 E2M3"),
        ("fp6_e3m2", Self::FLOAT6_E3M2FN, "OCP MX FP6 E3M2"),
        ("fp4_e2m1", Self::FLOAT4_E2M1FN, "OCP MX FP4 E2M1"),
        (
            "fp4",
            Self::FLOAT4_E2M1FN,
            "OCP MX FP4 E2M1, the one FP4 in use",
        ),
    ];

    /// The safetensors dtype name of the format, where safetensors has one (as its `Dtype`
    /// enum spells it), else `None`. The inverse of parsing those names.
    ///
    /// ```
    /// use lowbit::ElementFormat;
    /// assert_eq!(ElementFormat::FLOAT8_E4M3FN.safetensors_dtype(), Some("F8_E4M3"));
    /// assert_eq!("F8_E4M3".parse::<ElementFormat>().unwrap(), ElementFormat::FLOAT8_E4M3FN);
    /// assert_eq!(ElementFormat::FLOAT8_E4M3.safetensors_dtype(), None); // the IEEE-style one
    /// ```
    #[must_use]
    pub fn safetensors_dtype(&self) -> Option<&'static str> {
        const TABLE: &[(ElementFormat, &str)] = &[
            (ElementFormat::FLOAT4_E2M1FN, "F4"),
            (ElementFormat::FLOAT6_E2M3FN, "F6_E2M3"),
            (ElementFormat::FLOAT6_E3M2FN, "F6_E3M2"),
            (ElementFormat::FLOAT8_E4M3FN, "F8_E4M3"),
            (ElementFormat::FLOAT8_E5M2, "F8_E5M2"),
            (ElementFormat::FLOAT8_E8M0FNU, "F8_E8M0"),
            (ElementFormat::FLOAT8_E4M3FNUZ, "F8_E4M3FNUZ"),
            (ElementFormat::FLOAT8_E5M2FNUZ, "F8_E5M2FNUZ"),
            (ElementFormat::FLOAT16, "F16"),
            (ElementFormat::BFLOAT16, "BF16"),
            (ElementFormat::INT8, "I8"),
            (ElementFormat::UINT8, "U8"),
            (int(16, true), "I16"),
            (int(16, false), "U16"),
        ];
        TABLE.iter().find(|(f, _)| f == self).map(|(_, n)| *n)
    }
}

/// Names that are refused with a reason rather than guessed.
const NOT_FORMATS: &[(&str, &str)] = &[
    ("fp8", FP8),
    ("f8", FP8),
    ("float8", FP8),
    ("fp6", FP6),
    ("f6", FP6),
    ("float6", FP6),
    ("f32", WIDE),
    ("fp32", WIDE),
    ("float32", WIDE),
    ("float", WIDE),
    ("tf32", WIDE),
    ("f64", WIDE),
    ("fp64", WIDE),
    ("float64", WIDE),
    ("double", WIDE),
    ("i32", WIDE),
    ("u32", WIDE),
    ("i64", WIDE),
    ("u64", WIDE),
    ("c64", WIDE),
    ("bool", BOOL),
];

const FP8: &str = "ambiguous: say float8_e4m3fn (OCP E4M3, max 448, safetensors F8_E4M3) or \
                   float8_e5m2 (OCP E5M2, max 57344, F8_E5M2)";
const FP6: &str =
    "ambiguous: say float6_e2m3fn (max 7.5, F6_E2M3) or float6_e3m2fn (max 28, F6_E3M2)";
const WIDE: &str = "not a low-bit format: element formats here have at most 16 bits, and f32/f64 \
                    are what they convert from and to (encode, decode, encode_f64, decode_f64)";
const BOOL: &str = "not a number format; a 1-bit integer is uint1";

impl fmt::Display for ElementFormat {
    /// The table name where the format has one; an IEEE P3109 format's gfloat name
    /// `p3109_k{K}p{P}{s|u}{e|f}`; else the grammar
    /// `[u]e{E}m{M}[b{BIAS}]_{ieee|fn|fnuz|finite|p3109}[_nozero]` or `[u]int{N}[_sym]`; a
    /// codebook without a name prints a label that does not parse (see
    /// [`ElementFormat::Codebook`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some((name, _, _)) = Self::NAMED.iter().find(|(_, fmt, _)| fmt == self) {
            return f.write_str(name);
        }
        match self {
            ElementFormat::Float(s) if s.p3109_params().is_some() => {
                write!(f, "{}", s.p3109_params().ok_or(fmt::Error)?)
            }
            ElementFormat::Codebook(c) => write!(f, "{c}"),
            ElementFormat::Float(s) => {
                let u = if s.is_signed() { "" } else { "u" };
                write!(f, "{u}e{}m{}", s.exp_bits(), s.man_bits())?;
                if Some(s.bias()) != crate::spec::default_bias(s.exp_bits()) {
                    write!(f, "b{}", s.bias())?;
                }
                write!(f, "_{}", s.non_finite().suffix())?;
                if s.zero_is_normal() {
                    f.write_str("_nozero")?;
                }
                Ok(())
            }
            ElementFormat::Int(s) => {
                let u = if s.is_signed() { "" } else { "u" };
                let n = if s.is_narrow() { "_sym" } else { "" };
                write!(f, "{u}int{}{n}", s.bits())
            }
            ElementFormat::Ternary => f.write_str("ternary"),
        }
    }
}

/// Parses a decimal integer with an optional leading `-`.
fn parse_int(s: &str) -> Option<i32> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s),
    };
    if digits.is_empty() || digits.len() > 6 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i32 = digits.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// gfloat's P3109 names, `p3109_k{K}p{P}{s|u}{e|f}`.
fn parse_p3109(name: &str) -> Result<Option<ElementFormat>, SpecError> {
    let Some(rest) = name.strip_prefix("p3109_k") else {
        return Ok(None);
    };
    let Some((k, rest)) = rest.split_once('p') else {
        return Ok(None);
    };
    if rest.len() < 3 || !rest.is_char_boundary(rest.len() - 2) {
        return Ok(None);
    }
    let (p, sd) = rest.split_at(rest.len() - 2);
    let (signed, extended) = match sd {
        "se" => (true, true),
        "sf" => (true, false),
        "ue" => (false, true),
        "uf" => (false, false),
        _ => return Ok(None),
    };
    let (Some(k), Some(p)) = (parse_int(k), parse_int(p)) else {
        return Ok(None);
    };
    if k < 0 || p < 0 {
        return Ok(None);
    }
    FloatSpec::p3109(k as u32, p as u32, signed, extended).map(|s| Some(s.into()))
}

fn parse_grammar(name: &str) -> Result<Option<ElementFormat>, SpecError> {
    if name.starts_with("p3109_") {
        return parse_p3109(name);
    }
    // Integers: [u]int{N}[_sym]
    let (unsigned, rest) = match name.strip_prefix('u') {
        Some(r) => (true, r),
        None => (false, name),
    };
    if let Some(n) = rest.strip_prefix("int") {
        let (n, narrow) = match n.strip_suffix("_sym") {
            Some(n) => (n, true),
            None => (n, false),
        };
        return match parse_int(n) {
            Some(bits) if bits > 0 => {
                IntSpec::new(bits as u32, !unsigned, narrow).map(|s| Some(s.into()))
            }
            _ => Ok(None),
        };
    }
    // Floats: [u]e{E}m{M}[b{BIAS}][_{variant}][_nozero]
    let Some(rest) = rest.strip_prefix('e') else {
        return Ok(None);
    };
    let (rest, nozero) = match rest.strip_suffix("_nozero") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let (body, variant) = match rest.split_once('_') {
        Some((b, v)) => (b, Some(v)),
        None => (rest, None),
    };
    let nf = match variant {
        None | Some("ieee") => Ieee,
        Some("fn") => Fn,
        Some("fnuz") => Fnuz,
        Some("finite") => Finite,
        Some("p3109") => P3109,
        Some(_) => return Ok(None),
    };
    let Some((e, rest)) = body.split_once('m') else {
        return Ok(None);
    };
    let (m, bias) = match rest.split_once('b') {
        Some((m, b)) => (m, Some(b)),
        None => (rest, None),
    };
    let (Some(e), Some(m)) = (parse_int(e), parse_int(m)) else {
        return Ok(None);
    };
    if e < 0 || m < 0 {
        return Ok(None);
    }
    if e == 0 || e > 8 {
        return Err(SpecError::ExponentBits(e as u32));
    }
    let bias = match bias {
        None => match crate::spec::default_bias(e as u32) {
            Some(b) => b,
            None => return Err(SpecError::ExponentBits(e as u32)),
        },
        Some(b) => match parse_int(b) {
            Some(b) => b,
            None => return Ok(None),
        },
    };
    FloatSpec::new(e as u32, m as u32, bias, !unsigned, nozero, nf).map(|s| Some(s.into()))
}

impl FromStr for ElementFormat {
    type Err = Error;

    /// Accepts every name in [`ElementFormat::NAMED`] and [`ElementFormat::ALIASES`], and the
    /// grammars `[u]e{E}m{M}[b{BIAS}][_{ieee|fn|fnuz|finite|p3109}][_nozero]` (variant `ieee`
    /// by default), `[u]int{N}[_sym]` and gfloat's IEEE P3109 names
    /// `p3109_k{K}p{P}{s|u}{e|f}` (see [`FloatSpec::p3109`]); ASCII case-insensitive, surrounding whitespace and a
    /// `torch.` prefix ignored. Ambiguous short names (`fp8`, `fp6`) and types that are not
    /// element formats of this crate (`F32`, `F64`, `BOOL`) are [`Error::NotAFormat`] with a
    /// reason.
    ///
    /// ```
    /// use lowbit::{ElementFormat, Error};
    /// let f = |s: &str| s.parse::<ElementFormat>();
    /// assert_eq!(f("F8_E4M3").unwrap(), ElementFormat::FLOAT8_E4M3FN); // safetensors
    /// assert_eq!(f("torch.float8_e5m2").unwrap(), ElementFormat::FLOAT8_E5M2);
    /// assert_eq!(f("BF16").unwrap().to_string(), "bfloat16"); // Display: the canonical name
    /// assert_eq!(f("e4m3").unwrap(), ElementFormat::FLOAT8_E4M3); // grammar: IEEE-style, max 240
    /// assert!(matches!(f("fp8"), Err(Error::NotAFormat { .. })));
    /// assert_eq!(f("p3109_k8p3se").unwrap().to_string(), "p3109_k8p3se");
    /// assert_eq!(f("e5m2b16_p3109").unwrap(), f("p3109_k8p3se").unwrap());
    /// assert_eq!(f("p3109_k8p4sf").unwrap(), ElementFormat::FLOAT8_E4M3FNUZ);
    /// assert_eq!(f("NF4").unwrap(), ElementFormat::NF4);
    /// assert!(f("F32").unwrap_err().to_string().contains("at most 16 bits"));
    /// ```
    fn from_str(s: &str) -> Result<Self, Error> {
        let mut buf = [0u8; NAME_LEN];
        let Some(lower) = normalize(s, &mut buf) else {
            return Err(Error::UnknownName(NameBuf::new(s)));
        };
        let lower = lower.strip_prefix("torch.").unwrap_or(lower);
        let table = Self::NAMED.iter().chain(Self::ALIASES);
        if let Some((_, f, _)) = table.into_iter().find(|(n, _, _)| *n == lower) {
            return Ok(*f);
        }
        if let Some((_, reason)) = NOT_FORMATS.iter().find(|(n, _)| *n == lower) {
            return Err(Error::NotAFormat {
                name: NameBuf::new(s),
                reason,
            });
        }
        if lower.starts_with("codebook") {
            return Err(Error::NotAFormat {
                name: NameBuf::new(s),
                reason: "the label of a user codebook: a name cannot carry a table; build it with \
                         Codebook::new",
            });
        }
        match parse_grammar(lower) {
            Ok(Some(f)) => Ok(f),
            Ok(None) => Err(Error::UnknownName(NameBuf::new(s))),
            Err(e) => Err(Error::Spec(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_matched_trimmed_and_lowercased() {
        let mut buf = [0u8; NAME_LEN];
        assert_eq!(
            normalize("MXFP4_RCEIL_K64", &mut buf),
            Some("mxfp4_rceil_k64")
        );
        assert_eq!(normalize(&"x".repeat(NAME_LEN + 1), &mut buf), None);
        assert_eq!(normalize("é", &mut buf), None);
    }
}
