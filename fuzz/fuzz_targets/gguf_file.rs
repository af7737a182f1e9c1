//! The GGUF file reader on arbitrary bytes: `GgufFile::parse` (a slice) and `GgufReader`
//! (a stream) never panic and agree — the same error, or the same header; a file that parses
//! is consistent (every tensor's data in bounds, aligned, found by its name; every value
//! readable), and written again with `GgufWriter::from_file` it reads back the same and
//! writes the same bytes a second time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lowbit::Error;
use lowbit::gguf::{GgufFile, GgufReader, GgufValue, GgufWriter, MAX_TENSOR_NAME};
use std::io::Cursor;

/// A value's exact content (float bits, array encodings), for comparisons.
fn exact(v: &GgufValue<'_>) -> (u32, Vec<u8>) {
    let bytes = match *v {
        GgufValue::U8(x) => vec![x],
        GgufValue::I8(x) => x.to_le_bytes().to_vec(),
        GgufValue::U16(x) => x.to_le_bytes().to_vec(),
        GgufValue::I16(x) => x.to_le_bytes().to_vec(),
        GgufValue::U32(x) => x.to_le_bytes().to_vec(),
        GgufValue::I32(x) => x.to_le_bytes().to_vec(),
        GgufValue::F32(x) => x.to_bits().to_le_bytes().to_vec(),
        GgufValue::Bool(x) => vec![x as u8],
        GgufValue::String(s) => s.as_bytes().to_vec(),
        GgufValue::Array(a) => {
            let mut b = a.value_type().id().to_le_bytes().to_vec();
            b.extend((a.len() as u64).to_le_bytes());
            b.extend(a.raw());
            b
        }
        GgufValue::U64(x) => x.to_le_bytes().to_vec(),
        GgufValue::I64(x) => x.to_le_bytes().to_vec(),
        GgufValue::F64(x) => x.to_bits().to_le_bytes().to_vec(),
    };
    (v.value_type().id(), bytes)
}

/// Reads every element of every (nested) array.
fn visit(v: &GgufValue<'_>, budget: &mut usize) {
    let _ = (v.as_u64(), v.as_i64(), v.as_f64(), v.as_str(), v.as_bool());
    if let GgufValue::Array(a) = v {
        let n = a.len();
        assert_eq!(a.iter().len(), n);
        let mut seen = 0;
        for (i, e) in a.iter().enumerate() {
            seen += 1;
            assert_eq!(e.value_type(), a.value_type());
            if i < 4 || i + 1 == n {
                assert_eq!(a.get(i).map(|g| exact(&g)), Some(exact(&e)));
            }
            if *budget == 0 {
                return;
            }
            *budget -= 1;
            visit(&e, budget);
        }
        assert_eq!(seen, n);
        assert!(a.get(n).is_none());
    }
}

fuzz_target!(|data: &[u8]| {
    let slice = GgufFile::parse(data);
    let stream = GgufReader::new(Cursor::new(data));
    let f = match (slice, stream) {
        (Ok(f), Ok(r)) => {
            assert_eq!(
                (f.version(), f.alignment(), f.data_offset()),
                (r.version(), r.alignment(), r.data_offset())
            );
            assert!(
                f.metadata()
                    .map(|(k, v)| (k, exact(&v)))
                    .eq(r.metadata().map(|(k, v)| (k, exact(&v))))
            );
            assert!(f.tensors().map(|t| *t.info()).eq(r.tensor_infos()));
            f
        }
        (Err(e), Err(io)) => {
            let inner = io.get_ref().and_then(|e| e.downcast_ref::<Error>());
            assert_eq!(Some(&e), inner, "slice and stream disagree: {io}");
            return;
        }
        (a, b) => panic!("slice {:?} and stream {:?} disagree", a.err(), b.err()),
    };

    let mut budget = 100_000;
    for (k, v) in f.metadata() {
        assert!(!k.is_empty());
        assert_eq!(f.get(k).map(|g| exact(&g)), Some(exact(&v)));
        visit(&v, &mut budget);
        let _ = v.to_string().len();
    }
    let align = u64::from(f.alignment());
    assert!(align.is_power_of_two() && f.data_offset() % align == 0);
    let mut r = GgufReader::new(Cursor::new(data)).unwrap();
    for t in f.tensors() {
        let info = t.info();
        assert_eq!(info.offset() % align, 0);
        assert_eq!(info.byte_len(), t.data().len() as u64);
        let start = (f.data_offset() + info.offset()) as usize;
        assert_eq!(&data[start..start + t.data().len()], t.data());
        assert_eq!(f.tensor(t.name()), Some(t));
        assert_eq!(info.n_elements(), info.row_len() * info.n_rows());
        assert_eq!(info.row_len() % t.ggml_type().block_len() as u64, 0);
        assert_eq!(r.read_tensor(t.name()).unwrap(), t.data());
        if info.n_elements() <= 1 << 14 {
            match t.to_f32() {
                Ok(y) => assert_eq!(y.len() as u64, info.n_elements()),
                Err(e) => assert!(matches!(e, Error::Unsupported(_))),
            }
        }
    }

    // Written again, the file reads back the same; written a second time, the same bytes.
    if f.tensors().any(|t| t.name().len() > MAX_TENSOR_NAME) {
        assert!(GgufWriter::from_file(&f).is_err());
        return;
    }
    let w = GgufWriter::from_file(&f).unwrap();
    let again = w.to_bytes().unwrap();
    let g = GgufFile::parse(&again).unwrap();
    assert_eq!(g.alignment(), f.alignment());
    assert!(
        f.metadata()
            .map(|(k, v)| (k, exact(&v)))
            .eq(g.metadata().map(|(k, v)| (k, exact(&v))))
    );
    assert!(
        f.tensors()
            .map(|t| (t.name(), t.ggml_type(), t.dims().to_vec(), t.data()))
            .eq(g.tensors().map(|t| (t.name(), t.ggml_type(), t.dims().to_vec(), t.data())))
    );
    assert_eq!(GgufWriter::from_file(&g).unwrap().to_bytes().unwrap(), again);
});
