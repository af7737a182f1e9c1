//! Writes GGUF files with `lowbit::gguf::GgufWriter` for other readers to check:
//! `cargo run --release --example gguf_files -- DIR`, then
//! `python scripts/gguf_files.py check DIR` (gguf-py's `GGUFReader`) and
//! `python scripts/gguf_files.py ggml DIR` (ggml's `gguf_init_from_file`).
//!
//! Besides the files, `DIR/expected.json` says what each holds, in the encoding the script
//! uses (its docstring): every metadata pair with gguf-py's `types` and `contents`, every
//! tensor's name, type, dimensions (ne[0] first), offsets, bytes and this crate's
//! dequantization of them. Each file is read back with `GgufFile` first.

use lowbit::gguf::{GgufFile, GgufType, GgufValue, GgufValueType, GgufWriter, quantize_imatrix};
use serde_json::{Value, json};
use std::path::Path;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A value in the script's encoding (floats as the hex of their bytes).
fn scalar(v: &GgufValue<'_>) -> Value {
    match *v {
        GgufValue::F32(x) => json!(hex(&x.to_le_bytes())),
        GgufValue::F64(x) => json!(hex(&x.to_le_bytes())),
        GgufValue::Bool(b) => json!(b),
        GgufValue::String(s) => json!(s),
        _ => v.as_u64().map_or_else(|| json!(v.as_i64()), |u| json!(u)),
    }
}

/// gguf-py's `ReaderField.types`: the type, then the first element's, recursively.
fn types(v: &GgufValue<'_>, out: &mut Vec<String>) {
    out.push(v.value_type().to_string());
    if let GgufValue::Array(a) = v
        && let Some(first) = a.iter().next()
    {
        types(&first, out);
    }
}

/// gguf-py's `ReaderField.contents()`: nested arrays flattened to their leaves.
fn leaves(v: &GgufValue<'_>, out: &mut Vec<Value>) {
    match v {
        GgufValue::Array(a) => a.iter().for_each(|e| leaves(&e, out)),
        _ => out.push(scalar(v)),
    }
}

fn describe(file: &str, bytes: &[u8], refuse: (Option<&str>, Option<&str>)) -> Value {
    let f = GgufFile::parse(bytes).expect("lowbit reads what it wrote");
    let fields: Vec<Value> = f
        .metadata()
        .map(|(k, v)| {
            let mut t = Vec::new();
            types(&v, &mut t);
            let contents = if v.value_type() == GgufValueType::Array {
                let mut l = Vec::new();
                leaves(&v, &mut l);
                Value::Array(l)
            } else {
                scalar(&v)
            };
            json!({"key": k, "types": t, "contents": contents})
        })
        .collect();
    let tensors: Vec<Value> = f
        .tensors()
        .map(|t| {
            let deq = t
                .to_f32()
                .ok()
                .map(|y| hex(&y.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>()));
            json!({
                "name": t.name(),
                "type": t.ggml_type().id(),
                "type_name": t.ggml_type().to_string(),
                "dims": t.dims(),
                "offset": t.info().offset(),
                "file_offset": f.data_offset() + t.info().offset(),
                "data": hex(t.data()),
                "dequantized": deq,
            })
        })
        .collect();
    let mut d = json!({
        "file": file,
        "alignment": f.alignment(),
        "data_offset": f.data_offset(),
        "fields": fields,
        "tensors": tensors,
    });
    if let Some(why) = refuse.0 {
        d["gguf_py_refuses"] = json!(why);
    }
    if let Some(why) = refuse.1 {
        d["ggml_refuses"] = json!(why);
    }
    d
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn normal(&mut self) -> f32 {
        // Sum of 12 uniforms − 6: close enough to a Gaussian for test data.
        (0..12)
            .map(|_| (self.next() >> 40) as f32 / (1u64 << 24) as f32)
            .sum::<f32>()
            - 6.0
    }
}

fn metadata(w: &mut GgufWriter<'_>) -> Result<(), lowbit::Error> {
    w.set("general.architecture", "lowbit-test")?
        .set("test.u8", 200u8)?
        .set("test.i8", -100i8)?
        .set("test.u16", 65535u16)?
        .set("test.i16", i16::MIN)?
        .set("test.u32", 4_000_000_000u32)?
        .set("test.i32", i32::MIN)?
        .set("test.f32", 0.1f32)?
        .set("test.f32_nan", f32::NAN)?
        .set("test.f32_neg_inf", f32::NEG_INFINITY)?
        .set("test.u64", u64::MAX)?
        .set("test.i64", i64::MIN)?
        .set("test.f64", 1e300f64)?
        .set("test.f64_neg_zero", -0.0f64)?
        .set("test.true", true)?
        .set("test.false", false)?
        .set("test.string", "héllo wörld ✓ 😀")?
        .set("test.empty_string", "")?
        .set("test.array.u8", [0u8, 1, 255])?
        .set("test.array.i8", [-128i8, 0, 127])?
        .set("test.array.u16", [0u16, 65535])?
        .set("test.array.i16", [i16::MIN, i16::MAX])?
        .set("test.array.u32", [0u32, u32::MAX])?
        .set("test.array.i32", [i32::MIN, i32::MAX])?
        .set("test.array.f32", [0.5f32, -0.0, f32::INFINITY, 1e-45])?
        .set("test.array.bool", [true, false, true])?
        .set("test.array.u64", [0u64, u64::MAX])?
        .set("test.array.i64", [i64::MIN, i64::MAX])?
        .set("test.array.f64", [0.1f64, -1e-300])?
        .set("test.array.string", ["a", "", "ß∂ƒ", "tab\tnl\n"])?
        .set("test.array.empty_u32", Vec::<u32>::new())?
        .set("tokenizer.ggml.tokens", ["<unk>", "<s>", "</s>", "▁the"])?
        .set("tokenizer.ggml.scores", [0.0f32, 0.0, 0.0, -1.5])?
        .set("tokenizer.ggml.token_type", [2i32, 3, 3, 1])?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: gguf_files DIR (the directory to write into)")?;
    let dir = Path::new(&dir);
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng(0x6767_7566);
    let mut files = Vec::new();
    let mut save = |name: &str, w: &GgufWriter<'_>, refuse: (Option<&str>, Option<&str>)| {
        let bytes = w.to_bytes().expect("a small file");
        std::fs::write(dir.join(name), &bytes).expect("write into DIR");
        println!("{name}: {} bytes", bytes.len());
        files.push(describe(name, &bytes, refuse));
    };

    // Every metadata value type, arrays of each (and an empty one), one tensor.
    let mut w = GgufWriter::new();
    metadata(&mut w)?;
    w.add_tensor("tiny", &[4], GgufType::F32, &[1.0, -2.0, 3.5, 0.0])?;
    save("lowbit_metadata.gguf", &w, (None, None));

    // Nested arrays: the format and gguf-py have them; llama.cpp refuses them.
    let mut w = GgufWriter::new();
    w.set("general.architecture", "lowbit-test")?
        .set(
            "test.nested.int",
            vec![vec![1i32, 2, 3], vec![4], vec![5, 6]],
        )?
        .set("test.nested.string", [vec!["a", "b"], vec!["c"]])?
        .set(
            "test.nested.depth3",
            [vec![vec![1i32], vec![2, 3]], vec![vec![4]]],
        )?;
    save(
        "lowbit_nested.gguf",
        &w,
        (None, Some("gguf.cpp: nested arrays are not supported")),
    );

    // One tensor of every type gguf-py 0.19.0 knows (all but Q2_0) and sizes right (all but
    // Q8_1), two rows of two blocks.
    let mut w = GgufWriter::new();
    w.set("general.architecture", "lowbit-test")?;
    for t in GgufType::ALL {
        if t == GgufType::Q2_0 || t == GgufType::Q8_1 {
            continue;
        }
        let (row, rows) = (2 * t.block_len() as u64, 2u64);
        let n = (row * rows) as usize;
        let x: Vec<f32> = (0..n).map(|_| rng.normal()).collect();
        let name = format!("t.{t}");
        match w.add_tensor(&name, &[row, rows], t, &x) {
            Ok(_) => {}
            Err(lowbit::Error::Unsupported(_)) if t.requires_imatrix() => {
                let im: Vec<f32> = (0..row).map(|i| 1.0 + (i % 7) as f32).collect();
                let mut q = vec![0u8; t.bytes_len(n)?];
                quantize_imatrix(t, &x, &im, &mut q)?;
                w.add_tensor_bytes(&name, &[row, rows], t, q)?;
            }
            Err(lowbit::Error::Unsupported(_)) => {
                // I8 … I64, F64: the bytes as they are.
                let q: Vec<u8> = (0..t.bytes_len(n)?).map(|_| rng.next() as u8).collect();
                w.add_tensor_bytes(&name, &[row, rows], t, q)?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    save("lowbit_all_types.gguf", &w, (None, None));

    // Q2_0 (ggml type 42), which gguf-py 0.19.0 does not know.
    let mut w = GgufWriter::new();
    let x: Vec<f32> = (0..128).map(|_| rng.normal()).collect();
    w.add_tensor("t.q2_0", &[64, 2], GgufType::Q2_0, &x)?;
    save(
        "lowbit_q2_0.gguf",
        &w,
        (Some("GGMLQuantizationType has no 42"), None),
    );

    // Q8_1 (ggml's activation type, in no model file): gguf-py 0.19.0 sizes its blocks as 40
    // bytes (an old layout with f32 d and s); ggml's block_q8_1 is 36 (ggml_half2 ds).
    let mut w = GgufWriter::new();
    let x: Vec<f32> = (0..128).map(|_| rng.normal()).collect();
    w.add_tensor("t.q8_1", &[64, 2], GgufType::Q8_1, &x)?;
    save("lowbit_q8_1.gguf", &w, (None, None));

    // Alignment 256, tensors of 1 to 4 dimensions and odd sizes, a zero-element tensor.
    let mut w = GgufWriter::new();
    w.set_alignment(256)?;
    w.set("general.architecture", "lowbit-test")?;
    let x: Vec<f32> = (0..1024).map(|_| rng.normal()).collect();
    w.add_tensor("a.1d", &[5], GgufType::F32, &x[..5])?
        .add_tensor("b.2d", &[32, 3], GgufType::Q8_0, &x[..96])?
        .add_tensor("c.3d", &[32, 2, 3], GgufType::Q4_1, &x[..192])?
        .add_tensor("d.4d", &[256, 1, 2, 2], GgufType::Q4K, &x[..1024])?
        .add_tensor("e.empty", &[0], GgufType::F32, &[])?
        .add_tensor("f.f16", &[7], GgufType::F16, &x[..7])?;
    save("lowbit_aligned256.gguf", &w, (None, None));

    // Alignment 1: no padding at all.
    let mut w = GgufWriter::new();
    w.set_alignment(1)?;
    w.add_tensor("a", &[3], GgufType::Bf16, &x[..3])?
        .add_tensor("b", &[32], GgufType::Mxfp4, &x[..32])?;
    save("lowbit_aligned1.gguf", &w, (None, None));

    // A tiny llama (one layer, 256 wide, a byte-level SentencePiece vocabulary of 259
    // tokens) that llama.cpp loads and runs: the hyperparameter keys it needs and every
    // tensor it looks up, with ne[0] first (ffn_gate is [n_embd, n_ff], ffn_down
    // [n_ff, n_embd]).
    let (n_embd, n_ff, n_vocab) = (256u64, 512u64, 259u64);
    let mut tokens: Vec<String> = ["<unk>", "<s>", "</s>"].map(String::from).to_vec();
    tokens.extend((0..=255).map(|b| format!("<0x{b:02X}>")));
    let mut types = vec![2i32, 3, 3];
    types.extend([6; 256]); // LLAMA_TOKEN_TYPE_BYTE
    let mut w = GgufWriter::new();
    w.set("general.architecture", "llama")?
        .set("general.name", "lowbit tiny llama")?
        .set("general.file_type", 15u32)? // LLAMA_FTYPE_MOSTLY_Q4_K_M
        .set("general.quantization_version", 2u32)?
        .set("llama.context_length", 128u32)?
        .set("llama.embedding_length", n_embd as u32)?
        .set("llama.block_count", 1u32)?
        .set("llama.feed_forward_length", n_ff as u32)?
        .set("llama.attention.head_count", 4u32)?
        .set("llama.attention.head_count_kv", 4u32)?
        .set("llama.rope.dimension_count", 64u32)?
        .set("llama.attention.layer_norm_rms_epsilon", 1e-5f32)?
        .set("tokenizer.ggml.model", "llama")?
        .set("tokenizer.ggml.tokens", &tokens)?
        .set("tokenizer.ggml.scores", vec![0.0f32; tokens.len()])?
        .set("tokenizer.ggml.token_type", &types)?
        .set("tokenizer.ggml.bos_token_id", 1u32)?
        .set("tokenizer.ggml.eos_token_id", 2u32)?
        .set("tokenizer.ggml.unknown_token_id", 0u32)?;
    let mut weights = |n: u64| -> Vec<f32> { (0..n).map(|_| 0.02 * rng.normal()).collect() };
    let ones = |n: u64| vec![1.0f32; n as usize];
    w.add_tensor(
        "token_embd.weight",
        &[n_embd, n_vocab],
        GgufType::Q8_0,
        &weights(n_embd * n_vocab),
    )?
    .add_tensor(
        "output_norm.weight",
        &[n_embd],
        GgufType::F32,
        &ones(n_embd),
    )?
    .add_tensor(
        "output.weight",
        &[n_embd, n_vocab],
        GgufType::Q6K,
        &weights(n_embd * n_vocab),
    )?
    .add_tensor(
        "blk.0.attn_norm.weight",
        &[n_embd],
        GgufType::F32,
        &ones(n_embd),
    )?
    .add_tensor(
        "blk.0.ffn_norm.weight",
        &[n_embd],
        GgufType::F32,
        &ones(n_embd),
    )?;
    for (name, dims, t) in [
        ("blk.0.attn_q.weight", [n_embd, n_embd], GgufType::Q4K),
        ("blk.0.attn_k.weight", [n_embd, n_embd], GgufType::Q4K),
        ("blk.0.attn_v.weight", [n_embd, n_embd], GgufType::Q6K),
        ("blk.0.attn_output.weight", [n_embd, n_embd], GgufType::Q4K),
        ("blk.0.ffn_gate.weight", [n_embd, n_ff], GgufType::Q4K),
        ("blk.0.ffn_up.weight", [n_embd, n_ff], GgufType::Q4K),
        ("blk.0.ffn_down.weight", [n_ff, n_embd], GgufType::Q6K),
    ] {
        w.add_tensor(name, &dims, t, &weights(dims[0] * dims[1]))?;
    }
    save("lowbit_tiny_llama.gguf", &w, (None, None));

    // Metadata only.
    let mut w = GgufWriter::new();
    w.set("general.architecture", "lowbit-test")?
        .set("general.name", "no tensors")?;
    save("lowbit_no_tensors.gguf", &w, (None, None));

    let doc = json!({
        "generator": "cargo run --example gguf_files",
        "lowbit": env!("CARGO_PKG_VERSION"),
        "files": files,
    });
    std::fs::write(
        dir.join("expected.json"),
        serde_json::to_string_pretty(&doc)?,
    )?;
    // Every file round-trips through the crate's own reader and writer.
    for f in doc["files"].as_array().into_iter().flatten() {
        let name = f["file"].as_str().unwrap_or_default();
        let bytes = std::fs::read(dir.join(name))?;
        let again = GgufWriter::from_file(&GgufFile::parse(&bytes)?)?.to_bytes()?;
        assert_eq!(
            bytes, again,
            "{name}: read and written again, the bytes change"
        );
    }
    println!(
        "wrote {} files and expected.json into {}",
        doc["files"].as_array().map_or(0, Vec::len),
        dir.display()
    );
    Ok(())
}
