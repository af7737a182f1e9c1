//! serde for the typed scalars (feature `serde`), in `half`'s shape.
//!
//! `Serialize` writes the code as a newtype struct around a `u8` (`serialize_newtype_struct`
//! with the type's name), so every format round-trips every code exactly, NaN payloads
//! included; JSON shows the bare integer. [`serialize_as_f32`](crate::Float8E4M3FN::serialize_as_f32)
//! and [`serialize_as_string`](crate::Float8E4M3FN::serialize_as_string) write the value
//! instead, for `#[serde(serialize_with = "…")]`.
//!
//! `Deserialize` accepts what either writes: a newtype or bare integer is the code (an error if
//! it does not fit the width); a float is a value, rounded once; a string is a value, parsed
//! as [`FromStr`](core::str::FromStr) does. Inside the newtype, human-readable formats (JSON,
//! TOML, …) are read with `deserialize_any`, so the value forms work there too; compact binary
//! formats read a `u8`.

use core::fmt;

use serde::de::{self, Deserializer, Unexpected, Visitor};
use serde::{Deserialize, Serialize, Serializer};

use super::{Typed, fmt_impls, round_f64};

use super::{
    Float4E2M1FN, Float6E2M3FN, Float6E3M2FN, Float8E3M4, Float8E4M3, Float8E4M3B11FNUZ,
    Float8E4M3FN, Float8E4M3FNUZ, Float8E5M2, Float8E5M2FNUZ, Float8E8M0FNU,
};

/// Reads a code, a value or a decimal string.
struct Any<T>(core::marker::PhantomData<T>);

impl<T: Typed> Any<T> {
    fn new() -> Self {
        Any(core::marker::PhantomData)
    }
}

fn code<T: Typed, E: de::Error>(v: u64, unexpected: Unexpected<'_>) -> Result<T, E> {
    match u8::try_from(v) {
        Ok(c) if (c as u32) >> T::SPEC.bits() == 0 => Ok(T::with_code(c)),
        _ => Err(E::invalid_value(
            unexpected,
            &"a code that fits the format's width",
        )),
    }
}

impl<'de, T: Typed> Visitor<'de> for Any<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: its code as an integer, or its value as a float or a string",
            T::NAME
        )
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(Any::new())
        } else {
            let c = u8::deserialize(d)?;
            code(c as u64, Unexpected::Unsigned(c as u64))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        code(v, Unexpected::Unsigned(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        match u64::try_from(v) {
            Ok(u) => code(u, Unexpected::Signed(v)),
            Err(_) => Err(E::invalid_value(
                Unexpected::Signed(v),
                &"a code that fits the format's width",
            )),
        }
    }

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<T, E> {
        Ok(round_f64(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Ok(round_f64(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        fmt_impls::parse(v).map_err(|_| E::invalid_value(Unexpected::Str(v), &"a number"))
    }
}

macro_rules! serde_impls {
    ($($name:ident),*) => {$(
        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl Serialize for $name {
            /// The code, as a newtype struct around a `u8`.
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_newtype_struct(stringify!($name), &self.0)
            }
        }

        #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
        impl<'de> Deserialize<'de> for $name {
            /// A code (newtype or integer), a float value or a decimal string.
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_newtype_struct(stringify!($name), Any::new())
            }
        }

        impl $name {
            /// Serializes the value as an `f32` (exact), for
            /// `#[serde(serialize_with = "…::serialize_as_f32")]`; the default `Deserialize`
            /// reads it back.
            ///
            /// # Errors
            /// Those of the serializer.
            #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
            pub fn serialize_as_f32<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f32(self.to_f32())
            }

            /// Serializes the value as a string (`Display`: the shortest decimal that reads
            /// back to the same `f32`, hence the same code), for
            /// `#[serde(serialize_with = "…::serialize_as_string")]`; the default
            /// `Deserialize` reads it back.
            ///
            /// # Errors
            /// Those of the serializer.
            #[cfg(feature = "alloc")]
            #[cfg_attr(docsrs, doc(cfg(all(feature = "serde", feature = "alloc"))))]
            pub fn serialize_as_string<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&alloc::string::ToString::to_string(self))
            }
        }
    )*};
}

super::for_all!(serde_impls);
