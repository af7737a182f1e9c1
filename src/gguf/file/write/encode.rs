//! The metadata values [`GgufWriter::set`](super::GgufWriter::set) takes ([`ToGgufValue`]) and
//! how each is encoded.

use alloc::string::String;
use alloc::vec::Vec;

use super::super::{GgufArray, GgufValue, GgufValueType};

pub(super) mod sealed {
    use super::{GgufValueType, Vec};

    /// How a value is written.
    pub trait Encode {
        /// The GGUF type of this value.
        fn gguf_type(&self) -> GgufValueType;
        /// Appends the value's encoding (without its type) to `out`.
        fn encode(&self, out: &mut Vec<u8>);
    }

    /// A type whose values all have one GGUF type, so that a slice of them is an array
    /// (even an empty one).
    pub trait Elem: Encode {
        const TYPE: GgufValueType;
    }
}
pub(super) use sealed::{Elem, Encode};

/// A value [`GgufWriter::set`](crate::gguf::GgufWriter::set) can store as metadata: the integers `u8` … `i64`, `f32`,
/// `f64`, `bool`, `str`/`String` (STRING), slices, arrays and `Vec`s of those (ARRAY, with
/// that element type; nested: `Vec<Vec<u32>>`, `[&[u8]; 2]`, …), references to any of these,
/// and a [`GgufValue`] or [`GgufArray`] read from a file (copied as it is).
///
/// An unsuffixed integer literal is an `i32` (INT32), as in gguf-py, where a Python `int`
/// becomes INT32; write `4096u32` for UINT32.
///
/// ```
/// use lowbit::gguf::{GgufFile, GgufValueType, GgufWriter};
/// let mut w = GgufWriter::new();
/// w.set("a", 1)?.set("b", 1u64)?.set("c", "text")?.set("d", vec![0.5f64])?;
/// w.set("e", &[[1i8, 2], [3, 4]])?;
/// let bytes = w.to_bytes()?;
/// let f = GgufFile::parse(&bytes)?;
/// let types: Vec<GgufValueType> = f.metadata().map(|(_, v)| v.value_type()).collect();
/// use GgufValueType as T;
/// assert_eq!(types, [T::I32, T::U64, T::String, T::Array, T::Array]);
/// # Ok::<(), lowbit::Error>(())
/// ```
pub trait ToGgufValue: Encode {}

impl<T: Encode + ?Sized> ToGgufValue for T {}

macro_rules! scalar {
    ($($t:ty => $v:ident),* $(,)?) => {$(
        impl Encode for $t {
            fn gguf_type(&self) -> GgufValueType {
                GgufValueType::$v
            }
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
        impl Elem for $t {
            const TYPE: GgufValueType = GgufValueType::$v;
        }
    )*};
}

scalar!(u8 => U8, i8 => I8, u16 => U16, i16 => I16, u32 => U32, i32 => I32, f32 => F32,
    u64 => U64, i64 => I64, f64 => F64);

impl Encode for bool {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::Bool
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}
impl Elem for bool {
    const TYPE: GgufValueType = GgufValueType::Bool;
}

impl Encode for str {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::String
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        out.extend_from_slice(self.as_bytes());
    }
}
impl Elem for str {
    const TYPE: GgufValueType = GgufValueType::String;
}

impl Encode for String {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::String
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_str().encode(out);
    }
}
impl Elem for String {
    const TYPE: GgufValueType = GgufValueType::String;
}

impl<T: Encode + ?Sized> Encode for &T {
    fn gguf_type(&self) -> GgufValueType {
        (**self).gguf_type()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
}
impl<T: Elem + ?Sized> Elem for &T {
    const TYPE: GgufValueType = T::TYPE;
}

impl<T: Elem> Encode for [T] {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::Array
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&T::TYPE.id().to_le_bytes());
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        for v in self {
            v.encode(out);
        }
    }
}
impl<T: Elem> Elem for [T] {
    const TYPE: GgufValueType = GgufValueType::Array;
}

impl<T: Elem, const N: usize> Encode for [T; N] {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::Array
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_slice().encode(out);
    }
}
impl<T: Elem, const N: usize> Elem for [T; N] {
    const TYPE: GgufValueType = GgufValueType::Array;
}

impl<T: Elem> Encode for Vec<T> {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::Array
    }
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_slice().encode(out);
    }
}
impl<T: Elem> Elem for Vec<T> {
    const TYPE: GgufValueType = GgufValueType::Array;
}

impl Encode for GgufValue<'_> {
    fn gguf_type(&self) -> GgufValueType {
        self.value_type()
    }
    fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            GgufValue::U8(v) => v.encode(out),
            GgufValue::I8(v) => v.encode(out),
            GgufValue::U16(v) => v.encode(out),
            GgufValue::I16(v) => v.encode(out),
            GgufValue::U32(v) => v.encode(out),
            GgufValue::I32(v) => v.encode(out),
            GgufValue::F32(v) => v.encode(out),
            GgufValue::Bool(v) => v.encode(out),
            GgufValue::String(v) => v.encode(out),
            GgufValue::Array(a) => a.encode(out),
            GgufValue::U64(v) => v.encode(out),
            GgufValue::I64(v) => v.encode(out),
            GgufValue::F64(v) => v.encode(out),
        }
    }
}

impl Encode for GgufArray<'_> {
    fn gguf_type(&self) -> GgufValueType {
        GgufValueType::Array
    }
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.value_type().id().to_le_bytes());
        out.extend_from_slice(&(self.len() as u64).to_le_bytes());
        out.extend_from_slice(self.raw());
    }
}
