//! ggml's own GGUF quantizers and dequantizers, reproduced byte/bit for byte/bit.
//!
//! The vectors under `tests/vectors/ggml/` were made by running ggml itself (libggml-base
//! of llama-cpp-python 0.3.36 = llama.cpp 0c1e57098) with `scripts/gen_ggml_vectors.py`;
//! no Python is needed here. Every `quantize.txt` record must give the same bytes (and every
//! case where ggml aborts, an error), every `dequantize.txt` record the same output bits
//! (FNV-1a hashes and the stored heads; NaN payloads and signs included).

use std::collections::{BTreeMap, HashMap};

use lowbit::gguf::{self, GgufProfile, GgufType};

/// Quantizes through the public API: `ty` is ggml's type name, or `iq4_nl_ref` for IQ4_NL's
/// `_ref` quantizer ([`GgufProfile::GgmlRef`]).
fn quantize_by_name(
    ty: &str,
    x: &[f32],
    imatrix: Option<&[f32]>,
    out: &mut [u8],
) -> Result<(), lowbit::Error> {
    if ty == "iq4_nl_ref" {
        assert!(imatrix.is_none(), "ggml's _ref quantizers take no imatrix");
        return gguf::quantize_profile(GgufType::Iq4Nl, GgufProfile::GgmlRef, x, out);
    }
    let t: GgufType = ty.parse()?;
    match imatrix {
        None => gguf::quantize(t, x, out),
        Some(w) => gguf::quantize_imatrix(t, x, w, out),
    }
}

fn dequantize_by_name(ty: &str, bytes: &[u8], out: &mut [f32]) -> Result<(), lowbit::Error> {
    gguf::dequantize(ty.parse()?, bytes, out)
}

/// The integer and f64 types, which ggml stores as they are and converts with no function.
fn plain_storage(t: GgufType) -> bool {
    use GgufType::*;
    matches!(t, I8 | I16 | I32 | I64 | F64)
}

/// `(id, name, block_len, block_bytes, has quantizer, has dequantizer)` of every type, as
/// the crate's public API reports them.
fn ggml_types() -> impl Iterator<Item = (u32, &'static str, usize, usize, bool, bool)> {
    GgufType::ALL.into_iter().map(|t| {
        let name: &'static str = String::leak(t.to_string());
        let conv = !plain_storage(t);
        // Conversions must exist exactly where the type is not plain storage.
        let q = gguf::quantize_imatrix(t, &[], &[1.0; 256][..t.block_len()], &mut []);
        assert_eq!(q.is_ok(), conv, "{name}: {q:?}");
        let d = gguf::dequantize(t, &[], &mut []);
        assert_eq!(d.is_ok(), conv, "{name}: {d:?}");
        (t.id(), name, t.block_len(), t.block_bytes(), conv, conv)
    })
}

fn read(name: &str) -> String {
    let path = format!("{}/tests/vectors/ggml/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn records(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(' ').collect())
}

fn f32hex(s: &str) -> Vec<f32> {
    (0..s.len() / 8)
        .map(|i| f32::from_bits(u32::from_str_radix(&s[8 * i..8 * i + 8], 16).unwrap()))
        .collect()
}

fn bytehex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn fnv(v: &[f32]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for x in v {
        for b in x.to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

struct Vectors {
    inputs: HashMap<String, Vec<f32>>,
    imatrix: HashMap<String, Vec<f32>>,
    /// (type, fn, tensor, imatrix) -> bytes
    quantized: HashMap<(String, String, String, String), Vec<u8>>,
}

fn vectors() -> Vectors {
    let inputs = records(&read("inputs.txt"))
        .map(|r| (r[0].to_string(), f32hex(r[4])))
        .collect();
    let imatrix = records(&read("imatrix.txt"))
        .map(|r| (r[0].to_string(), f32hex(r[2])))
        .collect();
    let quantized = records(&read("quantize.txt"))
        .map(|r| {
            let key = (
                r[0].to_string(),
                r[1].to_string(),
                r[2].to_string(),
                r[3].to_string(),
            );
            (key, bytehex(r[4]))
        })
        .collect();
    Vectors {
        inputs,
        imatrix,
        quantized,
    }
}

/// Per type: (records, mismatching records, first mismatch description).
type Tally = BTreeMap<String, (usize, usize, Option<String>)>;

fn quantize_tally(v: &Vectors, with_imatrix: bool) -> Tally {
    let mut tally = Tally::new();
    for ((ty, f, tensor, im), want) in &v.quantized {
        if (im != "-") != with_imatrix {
            continue;
        }
        let x = &v.inputs[tensor];
        let qw = (im != "-").then(|| v.imatrix[im].as_slice());
        let name = if f == "ref" && ty == "iq4_nl" {
            "iq4_nl_ref"
        } else {
            ty.as_str()
        };
        // Pre-filled with 0xA5: every byte must be written (ggml leaves Q8_K's bsums of an
        // all-zero block unwritten; the records have them 0, which this crate writes).
        let mut got = vec![0xa5u8; want.len()];
        let r = quantize_by_name(name, x, qw, &mut got);
        let e = tally.entry(format!("{ty} {f}")).or_default();
        e.0 += 1;
        if r.is_err() || &got != want {
            e.1 += 1;
            if e.2.is_none() {
                let at = got.iter().zip(want).position(|(a, b)| a != b);
                e.2 = Some(format!(
                    "tensor {tensor} im {im}: {r:?}, first differing byte {at:?}"
                ));
            }
        }
    }
    tally
}

fn assert_all_match(t: &Tally) {
    let bad: Vec<String> = t
        .iter()
        .filter(|(_, (_, m, _))| *m > 0)
        .map(|(k, (n, m, first))| {
            format!(
                "{k}: {m}/{n} differ, first: {}",
                first.as_deref().unwrap_or("")
            )
        })
        .collect();
    for (k, (n, m, _)) in t {
        eprintln!("{k}: {}/{n} match", n - m);
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn quantize_matches_ggml_without_imatrix() {
    let v = vectors();
    let t = quantize_tally(&v, false);
    assert!(t.len() >= 20, "{t:?}");
    assert_all_match(&t);
}

#[test]
fn quantize_matches_ggml_with_imatrix() {
    let v = vectors();
    let t = quantize_tally(&v, true);
    assert!(t.len() >= 11, "{t:?}");
    assert_all_match(&t);
}

/// Where ggml aborts the process (GGML_ASSERT / GGML_ABORT in the IQ1/IQ2/IQ3 quantizers, on
/// NaN/inf/overflowing inputs; listed in the quantize.txt header), the same call returns
/// [`lowbit::Error::Unsupported`] here.
#[test]
fn ggml_aborts_are_errors() {
    let v = vectors();
    let mut n = 0;
    for line in read("quantize.txt")
        .lines()
        .filter(|l| l.starts_with("# ABORTED"))
    {
        // "# ABORTED (no record): <type> <fn> tensor <id> (<label>) imatrix <im>: <reason>"
        let c: Vec<&str> = line.split(' ').collect();
        let (ty, tensor, im) = (c[4], c[7], c[10].trim_end_matches(':'));
        let x = &v.inputs[tensor];
        let qw = (im != "-").then(|| v.imatrix[im].as_slice());
        let (_, _, bl, bb, _, _) = ggml_types().find(|t| t.1 == ty).unwrap();
        let mut out = vec![0u8; x.len() / bl * bb];
        let r = quantize_by_name(ty, x, qw, &mut out);
        assert!(
            matches!(r, Err(lowbit::Error::Unsupported(_))),
            "{line}: {r:?}"
        );
        n += 1;
    }
    assert_eq!(n, 152);
}

#[test]
fn dequantize_matches_ggml_bit_for_bit() {
    let v = vectors();
    let mut tally = Tally::new();
    for r in records(&read("dequantize.txt")) {
        let (ty, source, nblocks) = (r[0], r[1], r[2].parse::<usize>().unwrap());
        let bytes = if r[3] == "=" {
            let p: Vec<&str> = source.split(':').collect();
            v.quantized[&(
                ty.to_string(),
                p[1].to_string(),
                p[2].to_string(),
                p[3].to_string(),
            )]
                .clone()
        } else {
            bytehex(r[3])
        };
        let (_, _, bl, bb, _, _) = ggml_types().find(|t| t.1 == ty).unwrap();
        assert_eq!(bytes.len(), nblocks * bb, "{ty} {source}");
        let mut y = vec![f32::from_bits(0x7fa5_a5a5); nblocks * bl];
        let res = dequantize_by_name(ty, &bytes, &mut y);
        let want_total = u64::from_str_radix(r[4], 16).unwrap();
        let want_chunks: Vec<u64> = r[5]
            .split(',')
            .map(|c| u64::from_str_radix(c, 16).unwrap())
            .collect();
        let got_chunks: Vec<u64> = y.chunks(256).map(fnv).collect();
        let mut ok = res.is_ok() && fnv(&y) == want_total && got_chunks == want_chunks;
        let mut detail = format!("{res:?}");
        if r[6] != "-" {
            let head = f32hex(r[6]);
            if let Some(i) = head
                .iter()
                .zip(&y)
                .position(|(a, b)| a.to_bits() != b.to_bits())
            {
                ok = false;
                detail = format!(
                    "element {i}: {:#010x} vs ggml {:#010x}",
                    y[i].to_bits(),
                    head[i].to_bits()
                );
            }
        }
        let e = tally.entry(ty.to_string()).or_default();
        e.0 += 1;
        if !ok {
            e.1 += 1;
            if e.2.is_none() {
                e.2 = Some(format!("{source}: {detail}"));
            }
        }
    }
    assert_eq!(tally.len(), 26, "{tally:?}");
    assert_all_match(&tally);
}

#[test]
fn type_table_matches_ggml() {
    let table: Vec<_> = ggml_types().collect();
    let mut n = 0;
    for r in records(&read("types.txt")) {
        if r.contains(&"REMOVED,") {
            continue;
        }
        let k = r.len();
        let (id, name) = (r[0].parse::<u32>().unwrap(), r[1]);
        let (bl, bb) = (
            r[2].parse::<usize>().unwrap(),
            r[3].parse::<usize>().unwrap(),
        );
        let (to_float, from_ref) = (r[k - 2] == "1", r[k - 1] == "1");
        let t = table
            .iter()
            .find(|t| t.0 == id)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!((t.1, t.2, t.3), (name, bl, bb), "{name}");
        // Every ggml dequantizer is here (plus f32's identity and ggml's exported
        // dequantize_row_q8_K), and a quantizer for every quantized type and every one with a
        // reference quantizer (f16, bf16).
        assert!(!to_float || t.5, "{name}: no dequantizer");
        assert!((!from_ref && r[4] == "0") || t.4, "{name}: no quantizer");
        n += 1;
    }
    assert_eq!((n, table.len()), (35, 35));
}

/// xorshift64*.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A value from a hostile mix: NaNs of both signs and any payload, ±inf, ±0, f32
    /// subnormals, huge and tiny magnitudes, and ordinary values.
    fn hostile(&mut self) -> f32 {
        let r = self.next();
        let bits = (r >> 32) as u32;
        match r % 10 {
            0 => f32::from_bits(bits | 0x7f80_0001),
            1 => f32::from_bits((bits & 0x8000_0000) | 0x7f80_0000),
            2 => f32::from_bits(bits & 0x8000_0000),
            3 => f32::from_bits(bits & 0x807f_ffff),
            4 => f32::from_bits((bits & 0x80ff_ffff) | 0x7e00_0000),
            5 => f32::from_bits(bits),
            _ => (bits as i32) as f32 * 1e-9,
        }
    }
}

/// The IQ1/IQ2/IQ3 quantizers return [`lowbit::Error::Unsupported`] where ggml aborts (NaN,
/// inf or overflowing inputs); IQ2_XXS, IQ2_XS and IQ1_S also without an imatrix.
fn may_abort(name: &str) -> bool {
    [
        "iq2_xxs", "iq2_xs", "iq2_s", "iq3_xxs", "iq3_s", "iq1_s", "iq1_m",
    ]
    .contains(&name)
}

#[test]
fn hostile_inputs_give_errors_or_values_never_panics() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut aborted = 0;
    for (_, name, bl, bb, has_q, has_dq) in ggml_types() {
        if has_q {
            let needs_im = ["iq2_xxs", "iq2_xs", "iq1_s"].contains(&name);
            let ones = vec![1.0f32; bl];
            let im0 = needs_im.then_some(ones.as_slice());
            let q =
                |x: &[f32], im: Option<&[f32]>, out: &mut [u8]| quantize_by_name(name, x, im, out);
            // Lengths.
            assert!(q(&[], im0, &mut []).is_ok(), "{name}");
            if needs_im {
                let e = q(&vec![0.0; bl], None, &mut vec![0; bb]).unwrap_err();
                assert!(matches!(e, lowbit::Error::Unsupported(_)), "{name}: {e:?}");
            }
            if bl > 1 {
                let e = q(&vec![0.0; bl + 1], im0, &mut vec![0; 2 * bb]).unwrap_err();
                assert!(matches!(e, lowbit::Error::Length { .. }), "{name}: {e:?}");
            }
            let e = q(&vec![0.0; bl], im0, &mut vec![0; bb + 1]).unwrap_err();
            assert!(matches!(e, lowbit::Error::Length { .. }), "{name}: {e:?}");
            let e = q(&vec![0.0; bl], im0, &mut []).unwrap_err();
            assert!(matches!(e, lowbit::Error::Length { .. }), "{name}: {e:?}");
            for im_len in [0, bl + 1, 3 * bl] {
                let r = q(
                    &vec![0.5; 5 * bl],
                    Some(&vec![1.0; im_len]),
                    &mut vec![0; 5 * bb],
                );
                assert!(
                    matches!(r, Err(lowbit::Error::Length { .. })),
                    "{name} imatrix {im_len}: {r:?}"
                );
            }
            let mut check = |r: Result<(), lowbit::Error>| match r {
                Ok(()) => true,
                Err(lowbit::Error::Unsupported(_)) if may_abort(name) => {
                    aborted += 1;
                    false
                }
                Err(e) => panic!("{name}: {e:?}"),
            };
            // Values: hostile inputs and hostile importance weights, several rows.
            for round in 0..40 {
                let row = bl * (1 + round % 2);
                let x: Vec<f32> = (0..2 * row).map(|_| rng.hostile()).collect();
                let im: Vec<f32> = (0..row).map(|_| rng.hostile()).collect();
                let mut out = vec![0u8; 2 * row / bl * bb];
                let ok = check(q(&x, im0, &mut out));
                check(q(&x, Some(&im), &mut out));
                if has_dq && ok {
                    let mut y = vec![0f32; x.len()];
                    dequantize_by_name(name, &out, &mut y).unwrap();
                }
            }
            // Constant blocks of each special value.
            for v in [
                f32::NAN,
                -f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                f32::MIN_POSITIVE,
                1e-45,
                -0.0,
            ] {
                let x = vec![v; bl];
                let mut out = vec![0u8; bb];
                check(q(&x, im0, &mut out));
                check(q(&x, Some(&vec![v; bl]), &mut out));
            }
        } else {
            let e = quantize_by_name(name, &vec![0.0; bl], None, &mut vec![0; bb]).unwrap_err();
            assert!(matches!(e, lowbit::Error::Unsupported(_)), "{name}: {e:?}");
        }
        if has_dq {
            let d = |b: &[u8], y: &mut [f32]| dequantize_by_name(name, b, y);
            assert!(d(&[], &mut []).is_ok());
            assert!(matches!(
                d(&vec![0; bb + 1], &mut vec![0.0; bl]),
                Err(lowbit::Error::Length { .. })
            ));
            assert!(matches!(
                d(&vec![0; bb], &mut vec![0.0; bl + 1]),
                Err(lowbit::Error::Length { .. })
            ));
            for _ in 0..50 {
                let b: Vec<u8> = (0..3 * bb).map(|_| rng.next() as u8).collect();
                let mut y = vec![0f32; 3 * bl];
                d(&b, &mut y).unwrap();
            }
        }
    }
    // Most hostile rows hit one of ggml's aborts in the IQ1/IQ2/IQ3 quantizers.
    assert!(aborted > 0);
    let e = quantize_by_name("q9_9", &[], None, &mut []).unwrap_err();
    assert!(matches!(e, lowbit::Error::UnknownName(_)));
    // Q8_1, which ggml cannot dequantize, gives Q8_0's q·d (f16 d = 0.5, s ignored).
    let mut b = vec![0x00, 0x38, 0xff, 0x7f];
    b.extend((0..32).map(|i| (i as i8 - 16) as u8));
    let mut y = [0f32; 32];
    dequantize_by_name("q8_1", &b, &mut y).unwrap();
    assert_eq!((y[0], y[17], y[31]), (-8.0, 0.5, 7.5));
    // The IQ4_NL reference path is reachable by its own name.
    let mut out = [0u8; 18];
    quantize_by_name("iq4_nl_ref", &[1.0; 32], None, &mut out).unwrap();
}

/// The documented results of the corner cases the notes list (§6), checked directly.
#[test]
fn documented_corner_cases() {
    let q = |name: &str, x: &[f32]| {
        let (_, _, bl, bb, _, _) = ggml_types().find(|t| t.1 == name).unwrap();
        let mut out = vec![0u8; x.len() / bl * bb];
        quantize_by_name(name, x, None, &mut out).unwrap();
        out
    };
    // All-zero Q4_0 / Q5_0 / IQ4_XS blocks store d = −0.
    assert_eq!(&q("q4_0", &[0.0; 32])[..2], &[0x00, 0x80]);
    assert_eq!(
        &q("q5_0", &[0.0; 32])[..6],
        &[0x00, 0x80, 0xff, 0xff, 0xff, 0xff]
    );
    // Q4_1 all-NaN: d = −inf, m = +inf (min/max never move from ±FLT_MAX).
    assert_eq!(&q("q4_1", &[f32::NAN; 32])[..4], &[0x00, 0xfc, 0x00, 0x7c]);
    // Q8_0: a NaN makes amax the max of the elements after it; its code is 0.
    let mut x = [0.0f32; 32];
    (x[0], x[1], x[2]) = (100.0, f32::NAN, 1.27);
    let b = q("q8_0", &x);
    assert_eq!(u16::from_le_bytes([b[0], b[1]]), 0x211f); // half(1.27/127 = 0.01)
    assert_eq!((b[2], b[3], b[4]), (0x10, 0x00, 127)); // 100/0.01: (int8)10000 = 0x10
    // MXFP4: amax = inf gives e = 0; amax one ulp below 8 gives the exponent of 8 (glibc's
    // log2f rounds up there), one ulp below 4 does not.
    assert_eq!(q("mxfp4", &[f32::INFINITY; 32])[0], 0);
    let below = |p: f32| f32::from_bits(p.to_bits() - 1);
    assert_eq!(q("mxfp4", &[below(8.0); 32])[0], 128); // floor(log2) = 3
    assert_eq!(q("mxfp4", &[below(4.0); 32])[0], 126); // floor(log2) = 1
    // amax = 1e-38: floor(log2) = −127, and (uint8_t)(−2) wraps to 254.
    assert_eq!(q("mxfp4", &[1e-38; 32])[0], 254);
    // Q8_K: an all-zero block is all zero bytes (bsums included, which ggml leaves unwritten).
    assert!(q("q8_K", &[0.0; 256]).iter().all(|&b| b == 0));
}
