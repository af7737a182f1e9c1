//! GGUF files: the reader against what gguf-py 0.19.0 reads from files its `GGUFWriter` wrote
//! (`tests/vectors/gguf_files`, `scripts/gguf_files.py write`), the writer against the
//! layout written out by hand from the GGUF specification, round trips of every value and
//! tensor type, and hostile files: every prefix, random mutations and hand-made bad headers
//! give errors — the right ones — without panicking or allocating more than a small multiple
//! of the input. (gguf-py reading the files this crate writes, and ggml and llama.cpp
//! loading them, are checked by `scripts/gguf_files.py check|ggml|llama`: docs/testing.md.)

use lowbit::Error;
use lowbit::gguf::{
    self, GgufError, GgufFile, GgufReader, GgufType, GgufValue, GgufValueType, GgufWriter,
};
use serde_json::{Value, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Cursor;

// ---------------------------------------------------------------------------------------------
// Bytes allocated by this thread, to bound what parsing a hostile file allocates.

struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(n: usize) {
    let _ = ALLOCATED.try_with(|a| a.set(a.get().saturating_add(n)));
}

// SAFETY: forwards every call to the system allocator unchanged; only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        count(l.size());
        // SAFETY: the caller's contract is System's.
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        count(new);
        // SAFETY: as above.
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// `f()` and the bytes it allocated on this thread.
fn allocated<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.with(Cell::get);
    let r = f();
    (r, ALLOCATED.with(Cell::get) - before)
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn fixture(name: &str) -> Vec<u8> {
    let p = format!(
        "{}/tests/vectors/gguf_files/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn description() -> Value {
    serde_json::from_slice(&fixture("gguf_py_read.json")).unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A value in the description's encoding (floats as the hex of their bytes).
fn scalar(v: &GgufValue<'_>) -> Value {
    match *v {
        GgufValue::F32(x) => json!(hex(&x.to_le_bytes())),
        GgufValue::F64(x) => json!(hex(&x.to_le_bytes())),
        GgufValue::Bool(b) => json!(b),
        GgufValue::String(s) => json!(s),
        GgufValue::Array(_) => unreachable!("arrays are flattened"),
        _ => v.as_u64().map_or_else(|| json!(v.as_i64()), |u| json!(u)),
    }
}

/// gguf-py's `ReaderField.types`: the value's type, then its first element's, recursively.
fn types(v: &GgufValue<'_>) -> Vec<String> {
    let mut out = vec![v.value_type().to_string()];
    if let GgufValue::Array(a) = v
        && let Some(first) = a.iter().next()
    {
        out.extend(types(&first));
    }
    out
}

/// gguf-py's `ReaderField.contents()`: arrays flattened to their leaves.
fn contents(v: &GgufValue<'_>) -> Value {
    fn leaves(v: &GgufValue<'_>, out: &mut Vec<Value>) {
        match v {
            GgufValue::Array(a) => a.iter().for_each(|e| leaves(&e, out)),
            _ => out.push(scalar(v)),
        }
    }
    if v.value_type() == GgufValueType::Array {
        let mut l = Vec::new();
        leaves(v, &mut l);
        Value::Array(l)
    } else {
        scalar(v)
    }
}

fn same_f32_bits(a: &[f32], b_hex: &str) -> bool {
    let b: Vec<u32> = (0..b_hex.len() / 8)
        .map(|i| {
            u32::from_le_bytes(
                u32::from_str_radix(&b_hex[8 * i..8 * i + 8], 16)
                    .unwrap()
                    .to_be_bytes(),
            )
        })
        .collect();
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, &y)| x.to_bits() == y || (x.is_nan() && f32::from_bits(y).is_nan()))
}

/// The error inside a `GgufReader` failure.
fn reader_error(e: &std::io::Error) -> Option<Error> {
    e.get_ref().and_then(|e| e.downcast_ref::<Error>()).cloned()
}

// ---------------------------------------------------------------------------------------------
// gguf-py's files

#[test]
fn gguf_py_files_read_as_gguf_py_reads_them() {
    let desc = description();
    assert_eq!(desc["gguf"], "0.19.0");
    let (mut fields, mut tensors, mut dequantized) = (0, 0, 0);
    for fd in desc["files"].as_array().unwrap() {
        let name = fd["file"].as_str().unwrap();
        let bytes = fixture(name);
        assert_eq!(bytes.len() as u64, fd["size"], "{name}");
        let f = GgufFile::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(u64::from(f.version()), fd["version"], "{name}");
        assert_eq!(u64::from(f.alignment()), fd["alignment"], "{name}");
        assert_eq!(f.data_offset(), fd["data_offset"], "{name}");

        let want = fd["fields"].as_array().unwrap();
        assert_eq!(f.metadata().len(), want.len(), "{name}");
        for ((k, v), w) in f.metadata().zip(want) {
            assert_eq!(k, w["key"], "{name}");
            assert_eq!(json!(types(&v)), w["types"], "{name} {k}");
            assert_eq!(contents(&v), w["contents"], "{name} {k}");
            assert_eq!(
                contents(&f.get(k).unwrap()),
                w["contents"],
                "{name} {k}: lookup by key"
            );
            fields += 1;
        }

        let want = fd["tensors"].as_array().unwrap();
        assert_eq!(f.tensors().len(), want.len(), "{name}");
        for (t, w) in f.tensors().zip(want) {
            let n = t.name();
            assert_eq!(n, w["name"], "{name}");
            assert_eq!(u64::from(t.ggml_type().id()), w["type"], "{name} {n}");
            assert_eq!(
                t.ggml_type().to_string().to_uppercase(),
                w["type_name"].as_str().unwrap().to_uppercase()
            );
            // gguf-py's `shape` is GGUF's order (ne[0] first) …
            assert_eq!(json!(t.dims()), w["shape"], "{name} {n}");
            // … and its numpy `data.shape` the reverse (bytes in the last one for blocks).
            let mut np: Vec<u64> = t.dims().iter().rev().copied().collect();
            if t.ggml_type().block_len() > 1 || t.ggml_type() == GgufType::Bf16 {
                let last = np.len() - 1;
                np[last] = np[last] / t.ggml_type().block_len() as u64
                    * t.ggml_type().block_bytes() as u64;
            }
            assert_eq!(json!(np), w["np_shape"], "{name} {n}");
            assert_eq!(t.info().n_elements(), w["n_elements"], "{name} {n}");
            assert_eq!(t.info().byte_len(), w["n_bytes"], "{name} {n}");
            assert_eq!(
                f.data_offset() + t.info().offset(),
                w["data_offset"],
                "{name} {n}"
            );
            assert_eq!(hex(t.data()), w["data"], "{name} {n}");
            assert_eq!(f.tensor(n).unwrap(), t, "{name} {n}: lookup by name");
            if let Some(d) = w["dequantized"].as_str() {
                let y = t.to_f32().unwrap();
                assert!(
                    same_f32_bits(&y, d),
                    "{name} {n}: gguf-py dequantizes differently"
                );
                dequantized += 1;
            }
            tensors += 1;
        }

        // The stream reader reads the same header and the same tensor bytes.
        let mut r = GgufReader::new(
            std::fs::File::open(format!(
                "{}/tests/vectors/gguf_files/{name}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            (r.version(), r.alignment(), r.data_offset()),
            (f.version(), f.alignment(), f.data_offset())
        );
        assert!(
            r.metadata()
                .map(|(k, v)| (k, contents(&v)))
                .eq(f.metadata().map(|(k, v)| (k, contents(&v)))),
            "{name}"
        );
        assert!(
            r.tensor_infos().eq(f.tensors().map(|t| *t.info())),
            "{name}"
        );
        for t in f.tensors() {
            assert_eq!(
                r.read_tensor(t.name()).unwrap(),
                t.data(),
                "{name} {}",
                t.name()
            );
        }
    }
    assert_eq!((fields, tensors, dequantized), (45, 34, 29));
}

#[test]
fn gguf_py_files_are_written_again_byte_for_byte() {
    // gguf-py and this writer lay a file out the same way: written again from what was
    // read, every fixture comes out identical.
    for fd in description()["files"].as_array().unwrap() {
        let name = fd["file"].as_str().unwrap();
        let bytes = fixture(name);
        let f = GgufFile::parse(&bytes).unwrap();
        let w = GgufWriter::from_file(&f).unwrap();
        assert_eq!(w.to_bytes().unwrap(), bytes, "{name}");
        let mut streamed = Vec::new();
        w.write_to(&mut streamed).unwrap();
        assert_eq!(streamed, bytes, "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// The layout, written out by hand from the specification (ggml/docs/gguf.md)

/// GGUF bytes assembled field by field.
#[derive(Default, Clone)]
struct Raw(Vec<u8>);

impl Raw {
    fn header(version: u32, n_tensors: u64, n_kv: u64) -> Raw {
        let mut r = Raw(b"GGUF".to_vec());
        r.u32(version).u64(n_tensors).u64(n_kv);
        r
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend(v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend(v.to_le_bytes());
        self
    }
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend(b);
        self
    }
    /// A GGUF string: u64 length, bytes.
    fn str(&mut self, s: &[u8]) -> &mut Self {
        self.u64(s.len() as u64).bytes(s)
    }
    fn kv_u32(&mut self, key: &str, v: u32) -> &mut Self {
        self.str(key.as_bytes()).u32(4).u32(v)
    }
    fn tensor(&mut self, name: &str, dims: &[u64], ty: u32, offset: u64) -> &mut Self {
        self.str(name.as_bytes()).u32(dims.len() as u32);
        for &d in dims {
            self.u64(d);
        }
        self.u32(ty).u64(offset)
    }
    fn pad(&mut self, a: usize) -> &mut Self {
        while !self.0.len().is_multiple_of(a) {
            self.0.push(0);
        }
        self
    }
}

#[test]
fn the_writer_lays_files_out_as_the_specification_says() {
    let x: Vec<f32> = (0..64).map(|i| i as f32 - 20.0).collect();
    let mut q8 = vec![0u8; 68];
    gguf::quantize(GgufType::Q8_0, &x, &mut q8).unwrap();
    let mut w = GgufWriter::new();
    w.set("general.architecture", "llama").unwrap();
    w.set("a.list", [1u16, 2]).unwrap();
    w.set("a.flag", true).unwrap();
    w.add_tensor("w", &[32, 2], GgufType::Q8_0, &x).unwrap();
    w.add_tensor("v", &[3], GgufType::F32, &[1.0, 2.0, 3.0])
        .unwrap();

    let mut r = Raw::header(3, 2, 3);
    r.str(b"general.architecture").u32(8).str(b"llama");
    r.str(b"a.list").u32(9).u32(2).u64(2).bytes(&[1, 0, 2, 0]);
    r.str(b"a.flag").u32(7).u8(1);
    r.tensor("w", &[32, 2], 8, 0); // Q8_0 = 8, 68 bytes, padded to 96
    r.tensor("v", &[3], 0, 96);
    r.pad(32).bytes(&q8).pad(32);
    for v in [1.0f32, 2.0, 3.0] {
        r.bytes(&v.to_le_bytes());
    }
    r.pad(32);
    assert_eq!(w.to_bytes().unwrap(), r.0);

    // The reader reads the hand-made file.
    let f = GgufFile::parse(&r.0).unwrap();
    assert_eq!(f.tensor("w").unwrap().data(), q8);
    assert_eq!(f.get("a.list").unwrap().to_string(), "[1, 2]");
}

#[test]
fn alignment_key_moves_the_data() {
    for a in [1u32, 2, 8, 32, 64, 4096] {
        let mut w = GgufWriter::new();
        w.set_alignment(a).unwrap();
        w.add_tensor("a", &[3], GgufType::F32, &[1.0; 3]).unwrap();
        w.add_tensor("b", &[32], GgufType::Q4_0, &[1.0; 32])
            .unwrap();
        let bytes = w.to_bytes().unwrap();
        let f = GgufFile::parse(&bytes).unwrap();
        assert_eq!(f.alignment(), a);
        assert_eq!(f.data_offset() % u64::from(a), 0);
        assert_eq!(
            f.tensor("b").unwrap().info().offset(),
            12u64.next_multiple_of(a.into())
        );
        assert_eq!(bytes.len() as u64 % u64::from(a), 0);
        assert_eq!(f.get("general.alignment"), Some(GgufValue::U32(a)));
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips

#[test]
fn every_value_type_round_trips() {
    let mut w = GgufWriter::new();
    w.set("u8", 7u8).unwrap();
    w.set("i8", -7i8).unwrap();
    w.set("u16", 700u16).unwrap();
    w.set("i16", -700i16).unwrap();
    w.set("u32", 70_000u32).unwrap();
    w.set("i32", -70_000i32).unwrap();
    w.set("f32", -0.0f32).unwrap();
    w.set("bool", false).unwrap();
    w.set("string", String::from("ü")).unwrap();
    w.set("u64", 1u64 << 40).unwrap();
    w.set("i64", -(1i64 << 40)).unwrap();
    w.set("f64", 2.5f64).unwrap();
    w.set("strings", vec![String::from("x"), String::new()])
        .unwrap();
    w.set("empty", Vec::<f64>::new()).unwrap();
    w.set("nested", vec![vec![vec![true]], vec![]]).unwrap();
    let bytes = w.to_bytes().unwrap();
    let f = GgufFile::parse(&bytes).unwrap();
    let got: Vec<String> = f
        .metadata()
        .map(|(k, v)| format!("{k}:{}={v}", v.value_type()))
        .collect();
    assert_eq!(
        got,
        [
            "u8:UINT8=7",
            "i8:INT8=-7",
            "u16:UINT16=700",
            "i16:INT16=-700",
            "u32:UINT32=70000",
            "i32:INT32=-70000",
            "f32:FLOAT32=-0",
            "bool:BOOL=false",
            "string:STRING=\"ü\"",
            "u64:UINT64=1099511627776",
            "i64:INT64=-1099511627776",
            "f64:FLOAT64=2.5",
            "strings:ARRAY=[\"x\", \"\"]",
            "empty:ARRAY=[]",
            "nested:ARRAY=[[[true]], []]",
        ]
    );
    let nested = f.get("nested").unwrap().as_array().unwrap();
    assert_eq!(
        (nested.value_type(), nested.len()),
        (GgufValueType::Array, 2)
    );
    let inner = nested.get(1).unwrap().as_array().unwrap();
    assert_eq!((inner.value_type(), inner.len()), (GgufValueType::Array, 0));
    assert_eq!(
        f.get("empty").unwrap().as_array().unwrap().value_type(),
        GgufValueType::F64
    );
    // Copying values from a file writes them unchanged.
    let mut w2 = GgufWriter::new();
    for (k, v) in f.metadata() {
        w2.set(k, v).unwrap();
    }
    assert_eq!(w2.to_bytes().unwrap(), bytes);
}

#[test]
fn every_tensor_type_round_trips() {
    let mut seed = 0x1234_5678_9abc_def0u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut w = GgufWriter::new();
    let mut want = Vec::new();
    for t in GgufType::ALL {
        let dims = [2 * t.block_len() as u64, 3];
        let n = (dims[0] * dims[1]) as usize;
        let x: Vec<f32> = (0..n)
            .map(|_| (next() >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
            .collect();
        let mut q = vec![0u8; t.bytes_len(n).unwrap()];
        let name = format!("t.{t}");
        match gguf::quantize(t, &x, &mut q) {
            Ok(()) => {
                w.add_tensor(&name, &dims, t, &x).unwrap();
            }
            Err(_) => {
                q.iter_mut().for_each(|b| *b = next() as u8);
                w.add_tensor_bytes(&name, &dims, t, q.clone()).unwrap();
                // add_tensor refuses exactly the types quantize refuses.
                assert!(w.add_tensor("other", &dims, t, &x).is_err());
            }
        }
        want.push((name, t, dims, q));
    }
    let bytes = w.to_bytes().unwrap();
    let f = GgufFile::parse(&bytes).unwrap();
    assert_eq!(f.tensors().len(), 35);
    for (t, (name, ty, dims, q)) in f.tensors().zip(&want) {
        assert_eq!(
            (t.name(), t.ggml_type(), t.dims()),
            (name.as_str(), *ty, &dims[..])
        );
        assert_eq!(t.data(), q, "{name}");
        assert_eq!(
            t.info().byte_len() as usize,
            ty.bytes_len(q.len() / ty.block_bytes() * ty.block_len())
                .unwrap()
        );
        assert_eq!(t.info().offset() % 32, 0);
    }
}

#[test]
fn streaming_writes_the_same_file() {
    // Tensors with their bytes and declared-only ones, mixed: streamed, the file is the one
    // a writer holding every tensor writes.
    let x: Vec<f32> = (0..1024)
        .map(|i| ((i * 37) % 101) as f32 / 50.0 - 1.0)
        .collect();
    let shapes: [(&str, &[u64], GgufType); 5] = [
        ("a", &[256, 2], GgufType::Q4K),
        ("b", &[7], GgufType::F32),
        ("c", &[32, 3], GgufType::Q8_0),
        ("d", &[64], GgufType::Mxfp4),
        ("e", &[0], GgufType::F16),
    ];
    let mut whole = GgufWriter::new();
    let mut lazy = GgufWriter::new();
    for w in [&mut whole, &mut lazy] {
        w.set("general.architecture", "llama").unwrap();
        w.set_alignment(64).unwrap();
    }
    for (i, (name, dims, t)) in shapes.iter().enumerate() {
        let n = dims.iter().product::<u64>() as usize;
        whole.add_tensor(name, dims, *t, &x[..n]).unwrap();
        if i % 2 == 0 {
            lazy.add_tensor_info(name, dims, *t).unwrap();
        } else {
            lazy.add_tensor(name, dims, *t, &x[..n]).unwrap();
        }
    }
    assert!(lazy.to_bytes().is_err());
    assert_eq!(
        lazy.write_to(Vec::new()).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    let mut out = Vec::new();
    let mut s = lazy.stream_to(&mut out).unwrap();
    let mut seen = Vec::new();
    let f0 = whole.to_bytes().unwrap();
    let f = GgufFile::parse(&f0).unwrap();
    while let Some(t) = s.next_tensor() {
        assert_eq!(Some(&t), f.tensor(t.name()).as_ref().map(|w| w.info()));
        seen.push(t.name().to_string());
        let n = t.n_elements() as usize;
        if t.name() == "c" {
            s.write_tensor_bytes(f.tensor("c").unwrap().data()).unwrap();
        } else {
            s.write_tensor(&x[..n]).unwrap();
        }
    }
    assert_eq!(seen, ["a", "c", "e"]);
    s.finish().unwrap();
    assert_eq!(out, f0);
}

#[test]
fn reader_and_slice_agree_and_a_stream_may_start_anywhere() {
    let mut w = GgufWriter::new();
    w.set("general.architecture", "llama").unwrap();
    w.add_tensor("a", &[256, 2], GgufType::Q4K, &[0.5; 512])
        .unwrap();
    let bytes = w.to_bytes().unwrap();
    let mut stream = b"some other data first".to_vec();
    stream.extend(&bytes);
    stream.extend(b"and after");
    let mut c = Cursor::new(stream);
    c.set_position(21);
    let mut r = GgufReader::new(c).unwrap();
    assert_eq!(
        r.read_tensor("a").unwrap(),
        GgufFile::parse(&bytes).unwrap().tensor("a").unwrap().data()
    );
    let mut buf = vec![0u8; 288];
    r.read_tensor_into("a", &mut buf).unwrap();
    assert_eq!(buf, r.read_tensor("a").unwrap());
    assert_eq!(
        r.read_tensor_into("a", &mut [0u8; 287]).unwrap_err().kind(),
        std::io::ErrorKind::InvalidInput
    );
    assert_eq!(
        r.read_tensor("b").unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
    assert_eq!(r.architecture(), Some("llama"));
}

#[test]
fn writer_refuses_what_llama_cpp_refuses() {
    let mut w = GgufWriter::new();
    let long = "x".repeat(64);
    assert!(matches!(
        w.add_tensor(&long, &[32], GgufType::F32, &[0.0; 32]),
        Err(Error::Gguf(GgufError::NameTooLong { len: 64, .. }))
    ));
    w.add_tensor(&long[..63], &[32], GgufType::F32, &[0.0; 32])
        .unwrap();
    assert!(matches!(
        w.add_tensor(&long[..63], &[32], GgufType::F32, &[0.0; 32]),
        Err(Error::Gguf(GgufError::DuplicateTensor(_)))
    ));
    assert!(matches!(
        w.add_tensor("d5", &[1, 1, 1, 1, 1], GgufType::F32, &[0.0]),
        Err(Error::Gguf(GgufError::Dims { n_dims: 5, .. }))
    ));
    assert!(matches!(
        w.add_tensor_bytes("big", &[1 << 32, 1 << 31], GgufType::F32, &[][..]),
        Err(Error::Gguf(GgufError::Shape { .. }))
    ));
    assert!(matches!(
        w.add_tensor_bytes("huge", &[u64::MAX], GgufType::I8, &[][..]),
        Err(Error::Gguf(GgufError::Shape { .. }))
    ));
    assert!(matches!(
        w.add_tensor("rows", &[16, 2], GgufType::Q4_0, &[0.0; 32]),
        Err(Error::Gguf(GgufError::RowLen {
            row_len: 16,
            block_len: 32,
            ..
        }))
    ));
    assert!(matches!(
        w.add_tensor("n", &[32], GgufType::Q4_0, &[0.0; 31]),
        Err(Error::Length {
            expected: 32,
            actual: 31,
            ..
        })
    ));
    assert!(matches!(
        w.add_tensor("iq", &[256], GgufType::Iq2Xxs, &[0.0; 256]),
        Err(Error::Unsupported(_))
    ));
    assert!(matches!(
        w.add_tensor_bytes("b", &[32], GgufType::Q4_0, vec![0u8; 17]),
        Err(Error::Length {
            expected: 18,
            actual: 17,
            ..
        })
    ));
    assert!(matches!(w.set("", 1u8), Err(Error::Unsupported(_))));
    for bad in [0u32, 3, 96] {
        assert_eq!(
            w.set_alignment(bad).unwrap_err(),
            Error::Gguf(GgufError::Alignment)
        );
    }
    assert_eq!(
        w.set("general.alignment", 32u64).unwrap_err(),
        Error::Gguf(GgufError::Alignment)
    );
    // Nesting: arrays 16 deep are written and read back; 17 are refused.
    macro_rules! nest {
        ($e:expr;) => { $e };
        ($e:expr; $h:tt $($t:tt)*) => { nest!(vec![$e]; $($t)*) };
    }
    let mut w = GgufWriter::new();
    w.set("deep16", nest!(7u8; x x x x x x x x x x x x x x x x))
        .unwrap();
    let bytes = w.to_bytes().unwrap();
    let f = GgufFile::parse(&bytes).unwrap();
    assert_eq!(types(&f.get("deep16").unwrap()).len(), 17);
    assert_eq!(
        f.get("deep16").unwrap().to_string(),
        format!("{}7{}", "[".repeat(16), "]".repeat(16))
    );
    assert!(matches!(
        w.set("deep17", nest!(7u8; x x x x x x x x x x x x x x x x x)),
        Err(Error::Gguf(GgufError::Nesting { .. }))
    ));
}

// ---------------------------------------------------------------------------------------------
// Hostile files

/// Parses `bytes` as a slice and as a stream: both must agree (the same error, or the same
/// file), allocate at most a small multiple of the input, and never panic. A file that
/// parses is walked completely (every value, every tensor dequantized).
fn parse_both(bytes: &[u8]) -> Result<(), Error> {
    let (slice, alloc) = allocated(|| GgufFile::parse(bytes).map(|f| f.tensors().len()));
    assert!(
        alloc <= 16 * bytes.len() + 4096,
        "parsing {} bytes allocated {alloc}",
        bytes.len()
    );
    let (stream, alloc_r) =
        allocated(|| GgufReader::new(Cursor::new(bytes)).map(|r| r.tensor_infos().len()));
    assert!(
        alloc_r <= 20 * bytes.len() + (1 << 17),
        "reading {} bytes allocated {alloc_r}",
        bytes.len()
    );
    match (&slice, &stream) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(e), Err(io)) => assert_eq!(Some(e.clone()), reader_error(io), "{io}"),
        _ => panic!("slice {slice:?} and stream {stream:?} disagree"),
    }
    if let Ok(f) = GgufFile::parse(bytes) {
        for (_, v) in f.metadata() {
            let _ = contents(&v);
            let _ = v.to_string();
        }
        for t in f.tensors() {
            let info = t.info();
            assert_eq!(info.byte_len(), t.data().len() as u64);
            assert_eq!(info.offset() % u64::from(f.alignment()), 0);
            if info.n_elements() <= 1 << 16 {
                let _ = t.to_f32();
            }
        }
        let mut r = GgufReader::new(Cursor::new(bytes)).unwrap();
        for t in f.tensors() {
            assert_eq!(r.read_tensor(t.name()).unwrap(), t.data());
        }
    }
    slice.map(|_| ())
}

fn gguf_err(bytes: &[u8]) -> GgufError {
    match parse_both(bytes) {
        Err(Error::Gguf(e)) => e,
        other => panic!("expected a GGUF error, got {other:?}"),
    }
}

#[test]
fn every_prefix_of_every_fixture_is_an_error_or_whole() {
    for name in [
        "metadata.gguf",
        "tensors.gguf",
        "aligned64.gguf",
        "aligned1.gguf",
    ] {
        let bytes = fixture(name);
        let f = GgufFile::parse(&bytes).unwrap();
        // The last byte that belongs to a tensor: beyond it is padding.
        let end = f
            .tensors()
            .map(|t| f.data_offset() + t.info().offset() + t.info().byte_len())
            .max()
            .unwrap() as usize;
        for n in 0..bytes.len() {
            match parse_both(&bytes[..n]) {
                Ok(()) => assert!(n >= end, "{name}: {n} of {} bytes parsed", bytes.len()),
                Err(Error::Gguf(GgufError::Truncated { at, .. })) => assert!(at <= n as u64),
                Err(Error::Gguf(GgufError::Count { at, .. })) => assert!(at < n as u64),
                Err(Error::Gguf(GgufError::OutOfBounds { .. })) => assert!(n < end),
                Err(e) => panic!("{name}[..{n}]: {e}"),
            }
        }
    }
}

#[test]
fn random_mutations_never_panic() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let files: Vec<Vec<u8>> = [
        "metadata.gguf",
        "tensors.gguf",
        "aligned64.gguf",
        "aligned1.gguf",
    ]
    .iter()
    .map(|n| fixture(n))
    .collect();
    let (mut ok, mut errs) = (0, std::collections::BTreeMap::<String, usize>::new());
    for i in 0..20_000 {
        let mut b = files[i % files.len()].clone();
        for _ in 0..1 + next() % 4 {
            if b.is_empty() {
                break;
            }
            let at = (next() as usize) % b.len();
            match next() % 4 {
                0 => b[at] ^= 1 << (next() % 8),
                1 => b[at] = next() as u8,
                // A length, count or offset field overwritten with something large.
                2 => {
                    let v = [u64::MAX, 1 << 63, 1 << 40, 1 << 32, u32::MAX as u64, 0]
                        [next() as usize % 6];
                    let end = (at + 8).min(b.len());
                    b[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
                }
                _ => b.truncate(at),
            }
        }
        match parse_both(&b) {
            Ok(()) => ok += 1,
            Err(e) => {
                let kind = format!("{e:?}");
                *errs
                    .entry(
                        kind.split([' ', '(', '{'])
                            .nth(1)
                            .unwrap_or("?")
                            .to_string(),
                    )
                    .or_default() += 1;
            }
        }
    }
    // The mutations reach many different checks.
    assert!(ok > 100 && errs.len() >= 8, "{ok} parsed; errors {errs:?}");
}

#[test]
fn hand_made_bad_headers_give_the_right_errors() {
    use GgufError as G;
    let h = |v: u32, t: u64, k: u64| Raw::header(v, t, k);
    // Header.
    assert!(matches!(
        gguf_err(b""),
        G::Truncated {
            at: 0,
            what: "magic"
        }
    ));
    assert!(matches!(
        gguf_err(b"GGUF"),
        G::Truncated {
            at: 4,
            what: "version"
        }
    ));
    assert_eq!(gguf_err(b"GGML\x03\0\0\0"), G::Magic(*b"GGML"));
    for v in [0u32, 1, 4, 0xFFFF] {
        assert_eq!(gguf_err(&h(v, 0, 0).0), G::Version(v));
    }
    assert_eq!(gguf_err(&h(0x0300_0000, 0, 0).0), G::BigEndian);
    assert!(parse_both(&h(2, 0, 0).0).is_ok()); // GGUF v2 reads as v3
    assert!(matches!(
        gguf_err(&h(3, 0, 0).0[..20]),
        G::Truncated {
            at: 16,
            what: "metadata count"
        }
    ));
    assert!(matches!(
        gguf_err(&h(3, 0, u64::MAX).0),
        G::Count {
            at: 16,
            what: "metadata",
            ..
        }
    ));
    assert!(matches!(
        gguf_err(&h(3, 1 << 40, 0).0),
        G::Count {
            at: 8,
            what: "tensor",
            ..
        }
    ));

    // Keys and values.
    let kv = |f: &dyn Fn(&mut Raw)| {
        let mut r = h(3, 0, 1);
        f(&mut r);
        r.0
    };
    // The same with bytes after it, so that the count check (a pair takes at least 14
    // bytes) passes whatever the pair.
    let kv16 = |f: &dyn Fn(&mut Raw)| {
        let mut r = kv(f);
        r.extend([0; 16]);
        r
    };
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.u64(u64::MAX).bytes(&[0; 16]);
        })),
        G::Truncated {
            at: 32,
            what: "metadata key"
        }
    ));
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.u64(1 << 40).bytes(&[b'k'; 16]);
        })),
        G::Truncated { at: 32, .. }
    ));
    assert_eq!(
        gguf_err(&kv16(&|r| {
            r.str(b"").u32(0).u8(0);
        })),
        G::EmptyKey { at: 24 }
    );
    assert_eq!(
        gguf_err(&kv16(&|r| {
            r.str(b"k\xff").u32(0).u8(0);
        })),
        G::Utf8 { at: 32 }
    );
    assert_eq!(
        gguf_err(&kv16(&|r| {
            r.str(b"k").u32(13).u8(0);
        })),
        G::ValueType { at: 33, id: 13 }
    );
    assert_eq!(
        gguf_err(&kv16(&|r| {
            r.str(b"k").u32(7).u8(2);
        })),
        G::Bool { at: 37, byte: 2 }
    );
    assert_eq!(
        gguf_err(&kv16(&|r| {
            r.str(b"k").u32(8).str(b"\xc3(");
        })),
        G::Utf8 { at: 45 }
    );
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(8).u64(u64::MAX);
        })),
        G::Truncated {
            at: 45,
            what: "string value"
        }
    ));
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(6).bytes(&[0, 0]);
        })),
        G::Truncated { at: 37, .. }
    ));
    // Arrays: counts beyond the file, unknown element types, bad elements, nesting.
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(9).u32(10).u64(u64::MAX / 4);
        })),
        G::Count {
            at: 41,
            what: "array element",
            ..
        }
    ));
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(9).u32(8).u64(1 << 60);
        })),
        G::Count {
            what: "array element",
            ..
        }
    ));
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(9).u32(0).u64(20).bytes(&[0; 19]);
        })),
        G::Count { .. }
    ));
    assert_eq!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(9).u32(99).u64(0);
        })),
        G::ValueType { at: 37, id: 99 }
    );
    assert_eq!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(9).u32(7).u64(3).bytes(&[1, 0, 9]);
        })),
        G::Bool { at: 51, byte: 9 }
    );
    assert!(matches!(
        gguf_err(&kv(&|r| {
            r.str(b"k").u32(9).u32(8).u64(2).str(b"ok").str(b"\xff");
        })),
        G::Utf8 { .. }
    ));
    let nested = |depth: usize| {
        kv(&|r| {
            r.str(b"k").u32(9);
            for _ in 1..depth {
                r.u32(9).u64(1);
            }
            r.u32(0).u64(1).u8(5);
        })
    };
    assert!(parse_both(&nested(16)).is_ok());
    assert!(matches!(gguf_err(&nested(17)), G::Nesting { .. }));
    assert!(matches!(gguf_err(&nested(100_000)), G::Nesting { .. }));
    // Duplicate keys; general.alignment of the wrong type or not a power of two.
    let two = |a: &str, b: &str| {
        let mut r = h(3, 0, 2);
        r.kv_u32(a, 1).kv_u32(b, 2);
        r.0
    };
    assert!(parse_both(&two("a", "b")).is_ok());
    assert!(matches!(gguf_err(&two("a", "a")), G::DuplicateKey(n) if n.as_str() == "a"));
    for v in [0u32, 3, 48, u32::MAX] {
        assert_eq!(
            gguf_err(&kv(&|r| {
                r.kv_u32("general.alignment", v);
            })),
            G::Alignment
        );
    }
    assert_eq!(
        gguf_err(&kv(&|r| {
            r.str(b"general.alignment").u32(10).u64(32);
        })),
        G::Alignment
    );
    assert_eq!(
        gguf_err(&kv(&|r| {
            r.str(b"general.alignment").u32(5).u32(32);
        })),
        G::Alignment
    );

    // Tensor infos.
    let t1 = |name: &[u8], dims: &[u64], ty: u32, offset: u64, data: usize| {
        let mut r = h(3, 1, 0);
        r.str(name).u32(dims.len() as u32);
        for &d in dims {
            r.u64(d);
        }
        r.u32(ty).u64(offset).pad(32).bytes(&vec![0u8; data]);
        r.0
    };
    assert!(parse_both(&t1(b"w", &[32, 2], 8, 0, 68)).is_ok());
    assert!(parse_both(&t1(b"w", &[], 0, 0, 4)).is_ok()); // no dimensions: one element
    assert!(parse_both(&t1(b"w", &[0, 1 << 40], 0, 0, 0)).is_ok()); // no elements
    assert!(matches!(
        gguf_err(&t1(b"w", &[1; 5], 0, 0, 4)),
        G::Dims { n_dims: 5, .. }
    ));
    let mut r = h(3, 1, 0);
    r.str(b"w").u32(u32::MAX).bytes(&[0; 32]);
    assert!(matches!(
        gguf_err(&r.0),
        G::Dims {
            n_dims: u32::MAX,
            ..
        }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[1 << 63], 0, 0, 4)),
        G::Shape { .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[1 << 32, 1 << 31], 0, 0, 4)),
        G::Shape { .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[1 << 62, 2, 0], 0, 0, 4)),
        G::Shape { .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[1 << 61], 28, 0, 4)),
        G::Shape { .. }
    )); // 2^64 bytes of f64
    assert!(matches!(
        gguf_err(&t1(b"w", &[1 << 40], 0, 0, 4)),
        G::OutOfBounds { offset: 0, .. }
    ));
    for id in [4u32, 5, 31, 36, 38, 43, 1000, u32::MAX] {
        assert!(
            matches!(gguf_err(&t1(b"w", &[32], id, 0, 64)), G::TensorType { id: i, .. } if i == id)
        );
    }
    assert!(matches!(
        gguf_err(&t1(b"w", &[16, 2], 2, 0, 64)),
        G::RowLen {
            row_len: 16,
            block_len: 32,
            ..
        }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[4], 0, 16, 64)),
        G::Misaligned { offset: 16, .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[4], 0, 32, 35)),
        G::OutOfBounds { offset: 32, .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[4], 0, u64::MAX - 31, 64)),
        G::OutOfBounds { .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w", &[32, 2], 8, 0, 67)),
        G::OutOfBounds { .. }
    ));
    assert!(matches!(
        gguf_err(&t1(b"w\xff", &[4], 0, 0, 16)),
        G::Utf8 { at: 32 }
    ));
    // Infos ending where the padding to the data section would run past the file.
    let mut r = h(3, 1, 0);
    r.str(b"w").u32(1).u64(0).u32(0).u64(0);
    assert!(matches!(
        gguf_err(&r.0),
        G::Truncated {
            what: "padding before the tensor data",
            ..
        }
    ));
    // Two tensors: overlapping data, duplicate names, out of order (read, as gguf-py does).
    let t2 = |a: (&str, u64), b: (&str, u64)| {
        let mut r = h(3, 2, 0);
        r.tensor(a.0, &[8], 0, a.1)
            .tensor(b.0, &[8], 0, b.1)
            .pad(32)
            .bytes(&[0; 96]);
        r.0
    };
    assert!(parse_both(&t2(("a", 0), ("b", 32))).is_ok());
    assert!(parse_both(&t2(("a", 64), ("b", 0))).is_ok());
    assert!(matches!(
        gguf_err(&t2(("a", 0), ("b", 0))),
        G::Overlap { offset: 0, .. }
    ));
    let mut r = h(3, 2, 0);
    r.tensor("a", &[16], 0, 0)
        .tensor("b", &[8], 0, 32)
        .pad(32)
        .bytes(&[0; 96]);
    assert!(matches!(gguf_err(&r.0), G::Overlap { offset: 32, tensor } if tensor.as_str() == "b"));
    assert!(
        matches!(gguf_err(&t2(("a", 0), ("a", 32))), G::DuplicateTensor(n) if n.as_str() == "a")
    );
    // Zero-length tensors overlap nothing.
    let mut r = h(3, 3, 0);
    r.tensor("a", &[8], 0, 0)
        .tensor("b", &[0], 0, 0)
        .tensor("c", &[0, 4], 0, 32)
        .pad(32)
        .bytes(&[0; 32]);
    assert!(parse_both(&r.0).is_ok());
    // A file without tensors may end right after its header (no padding).
    let mut r = h(3, 0, 1);
    r.kv_u32("a", 1);
    assert_eq!(r.0.len(), 41);
    assert!(parse_both(&r.0).is_ok());
}

#[test]
fn huge_claims_allocate_nothing_like_them() {
    // A string of 2^40 bytes, an array of 2^59 u64, 2^50 tensors: each an error, each
    // parsed with a few kilobytes of allocation.
    for bytes in [
        {
            let mut r = Raw::header(3, 0, 1);
            r.str(b"k").u32(8).u64(1 << 40).bytes(&[b'a'; 64]);
            r.0
        },
        {
            let mut r = Raw::header(3, 0, 1);
            r.str(b"k").u32(9).u32(10).u64(1 << 59).bytes(&[0; 64]);
            r.0
        },
        Raw::header(3, 1 << 50, 1 << 50).0,
        {
            let mut r = Raw::header(3, 0, 1 << 20);
            for i in 0..1000 {
                r.kv_u32(&format!("k{i}"), i);
            }
            r.0
        },
    ] {
        let (r, n) = allocated(|| GgufFile::parse(&bytes));
        assert!(r.is_err());
        assert!(
            n < 64 * 1024 + 16 * bytes.len(),
            "{n} bytes allocated for {} of input",
            bytes.len()
        );
    }
}

#[test]
fn errors_name_what_and_where() {
    let mut r = Raw::header(3, 1, 0);
    r.tensor("blk.0.attn_q.weight", &[16], 2, 0)
        .pad(32)
        .bytes(&[0; 32]);
    let e = GgufFile::parse(&r.0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "GGUF file: tensor \"blk.0.attn_q.weight\": rows of 16 elements are not whole blocks of 32"
    );
    let e = GgufReader::new(Cursor::new(&r.0)).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    assert!(e.to_string().contains("rows of 16 elements"), "{e}");
}
