//! bitsandbytes 0.50.2 (CPU) against `lowbit::bnb` and the bitsandbytes codebooks, on the
//! records `scripts/gen_bnb_vectors.py` wrote by running the library
//! (`tests/vectors/bnb/`): the code maps and the quantizer's midpoints, every
//! `quantize_4bit` record (packed bytes, absmax; with `compress_statistics` the nested codes,
//! nested absmax and the dequantized absmax), every `dequantize_4bit` output, every
//! `quantize_blockwise` / `dequantize_blockwise` record.
//!
//! Outputs are compared bit for bit, except where the record itself says bitsandbytes' own
//! kernels disagree with its flat formula (`flat_bits_diff`/`flat_value_diff`, see the
//! `bnb` module docs): records with `flat_value_diff > 0` (its AVX-512 row-indexing bug) are
//! counted, not compared; records with only `flat_bits_diff > 0` (NaN bits, FP4 code 8's
//! sign on its scalar path) are compared as values.

use half::{bf16, f16};
use lowbit::bnb::{self, Bnb4bit};
use lowbit::{Codebook, Real32};

const TABLES: &str = include_str!("vectors/bnb/bnb_tables.txt");
const FOUR: &str = include_str!("vectors/bnb/bnb_4bit.txt");
const EIGHT: &str = include_str!("vectors/bnb/bnb_blockwise8.txt");

fn hex32(t: &str) -> u32 {
    u32::from_str_radix(t, 16).unwrap()
}

fn hex_bytes(t: &str) -> Vec<u8> {
    (0..t.len() / 2)
        .map(|i| u8::from_str_radix(&t[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn field<'a>(meta: &'a str, key: &str) -> &'a str {
    meta.split_whitespace()
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key} in {meta}"))
}

fn f32s(t: &str) -> Vec<f32> {
    t.split_whitespace()
        .map(|w| f32::from_bits(hex32(w)))
        .collect()
}

fn state<'a>(st: &'a str, key: &str) -> &'a str {
    let start = st.find(&format!("{key}=")).unwrap() + key.len() + 1;
    let rest = &st[start..];
    // A state field runs to the next `name=`.
    let end = rest
        .match_indices(' ')
        .find(|(i, _)| {
            rest[i + 1..]
                .split_whitespace()
                .next()
                .is_some_and(|w| w.contains('='))
        })
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].trim()
}

#[test]
fn code_maps_and_midpoints_are_bitsandbytes() {
    for line in TABLES.lines().filter(|l| !l.starts_with('#')) {
        let w: Vec<&str> = line.split_whitespace().collect();
        match (w[0], w[1]) {
            ("map", name @ ("nf4" | "fp4" | "dynamic")) => {
                let cb = match name {
                    "nf4" => Codebook::NF4,
                    "fp4" => Codebook::BNB_FP4,
                    _ => Codebook::BNB_DYNAMIC,
                };
                let want: Vec<u32> = w[3..].iter().map(|t| hex32(t)).collect();
                let got: Vec<u32> = cb.values().iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, want, "map {name}");
            }
            ("bounds", name) => {
                // The midpoints of the quantizer: (code[order[i]] + code[order[i+1]]) / 2 in
                // f32, from the recorded order.
                let order: Vec<usize> = TABLES
                    .lines()
                    .find(|l| l.starts_with(&format!("order {name} ")))
                    .unwrap()
                    .split_whitespace()
                    .skip(3)
                    .map(|t| t.parse().unwrap())
                    .collect();
                let t = if name == "nf4" {
                    Codebook::NF4
                } else {
                    Codebook::BNB_FP4
                }
                .values();
                for (i, b) in w[3..].iter().enumerate() {
                    let m = (t[order[i]] + t[order[i + 1]]) / 2.0;
                    assert_eq!(m.to_bits(), hex32(b), "bounds {name} {i}");
                }
            }
            _ => {}
        }
    }
}

fn inputs<T: Real32 + Copy>(t: &str, conv: impl Fn(u32) -> T) -> Vec<T> {
    t.split_whitespace().map(|w| conv(hex32(w))).collect()
}

/// Output bits in the record's dtype, compared exactly or as values.
fn compare_out(got: &[u32], want: &[u32], dt: &str, exact: bool, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let (gv, wv) = match dt {
            "f32" => (f32::from_bits(g), f32::from_bits(w)),
            "f16" => (
                f16::from_bits(g as u16).to_f32(),
                f16::from_bits(w as u16).to_f32(),
            ),
            _ => (
                bf16::from_bits(g as u16).to_f32(),
                bf16::from_bits(w as u16).to_f32(),
            ),
        };
        let ok = if exact {
            g == w
        } else {
            gv == wv || (gv.is_nan() && wv.is_nan())
        };
        assert!(ok, "{what}: element {i}: {g:#x} vs bitsandbytes {w:#x}");
    }
}

/// Runs one 4-bit record in the dtype `T`; returns whether our mean gave bitsandbytes'
/// offset (double-quantized records).
fn run4<T: Real32 + Copy + Default>(
    line: &str,
    conv: impl Fn(u32) -> T,
    bits: impl Fn(T) -> u32,
) -> Option<bool> {
    let f: Vec<&str> = line.split(" | ").collect();
    let meta = f[0];
    let what = meta;
    let qt = field(meta, "qt");
    let bs: usize = field(meta, "bs").parse().unwrap();
    let cs = field(meta, "cs") == "1";
    let dt = field(meta, "dt");
    let flat_value_diff: usize = field(meta, "flat_value_diff").parse().unwrap();
    let flat_bits_diff: usize = field(meta, "flat_bits_diff").parse().unwrap();
    let q = if qt == "nf4" {
        Bnb4bit::NF4
    } else {
        Bnb4bit::FP4
    }
    .with_blocksize(bs)
    .unwrap();
    let x: Vec<T> = inputs(f[1], &conv);
    let n = x.len();
    assert_eq!(n, field(meta, "n").parse::<usize>().unwrap());
    let mut packed = vec![0u8; q.packed_len(n)];
    let mut absmax = vec![0f32; q.absmax_len(n)];
    q.quantize(&x, &mut packed, &mut absmax).unwrap();
    assert_eq!(packed, hex_bytes(f[2].trim()), "{what}: packed codes");
    let st = f[3];
    let (used_absmax, offset_match) = if cs {
        let offset = f32::from_bits(hex32(state(st, "offset")));
        // n2 counts the nested codes (one per absmax).
        let n2: usize = field(st, "n2").parse().unwrap();
        assert_eq!((field(st, "bs2"), n2), ("256", absmax.len()));
        let mut codes2 = vec![0u8; absmax.len()];
        let mut nested = vec![0f32; absmax.len().div_ceil(bnb::NESTED_BLOCKSIZE)];
        bnb::quantize_nested(&absmax, offset, 256, &mut codes2, &mut nested).unwrap();
        assert_eq!(
            codes2,
            hex_bytes(state(st, "codes2")),
            "{what}: nested codes"
        );
        let want_nested: Vec<u32> = f32s(state(st, "absmax2"))
            .iter()
            .map(|v| v.to_bits())
            .collect();
        let got_nested: Vec<u32> = nested.iter().map(|v| v.to_bits()).collect();
        assert_eq!(got_nested, want_nested, "{what}: nested absmax");
        let mut dq = vec![0f32; absmax.len()];
        bnb::dequantize_nested(&codes2, &nested, offset, 256, &mut dq).unwrap();
        let want_dq: Vec<u32> = f32s(state(st, "absmax_dq"))
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(
            dq.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want_dq,
            "{what}: dequantized absmax"
        );
        let mine = bnb::absmax_offset(&absmax);
        (dq, Some(mine.to_bits() == offset.to_bits()))
    } else {
        let want: Vec<u32> = f32s(state(st, "absmax"))
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(
            absmax.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want,
            "{what}: absmax"
        );
        (absmax, None)
    };
    let mut y = vec![T::default(); n];
    q.dequantize(&packed, &used_absmax, &mut y).unwrap();
    if flat_value_diff == 0 {
        let got: Vec<u32> = y.iter().map(|&v| bits(v)).collect();
        let want: Vec<u32> = f[4].split_whitespace().map(hex32).collect();
        compare_out(&got, &want, dt, flat_bits_diff == 0, what);
    }
    offset_match
}

#[test]
fn quantize_4bit_and_dequantize_4bit_match_every_record() {
    let (mut records, mut quirk, mut offsets, mut offsets_equal) = (0, 0, 0, 0);
    for line in FOUR.lines().filter(|l| l.starts_with("case=")) {
        let meta = line.split(" | ").next().unwrap();
        if field(meta, "flat_value_diff") != "0" {
            quirk += 1;
        }
        let m = match field(meta, "dt") {
            "f32" => run4(line, f32::from_bits, f32::to_bits),
            "f16" => run4(line, |b| f16::from_bits(b as u16), |v| v.to_bits() as u32),
            "bf16" => run4(line, |b| bf16::from_bits(b as u16), |v| v.to_bits() as u32),
            d => panic!("dtype {d}"),
        };
        if let Some(eq) = m {
            offsets += 1;
            offsets_equal += eq as usize;
        }
        records += 1;
    }
    println!(
        "{records} 4-bit records: packed codes and absmax equal in all; outputs compared in \
         {} ({quirk} are bitsandbytes' AVX-512 row-indexing quirk); our mean = its offset in \
         {offsets_equal} of {offsets}",
        records - quirk
    );
    assert_eq!(records, 301);
    assert!(
        offsets_equal * 10 >= offsets * 8,
        "{offsets_equal}/{offsets}"
    );
}

fn run8<T: Real32 + Copy + Default>(line: &str, conv: impl Fn(u32) -> T, bits: impl Fn(T) -> u32) {
    let f: Vec<&str> = line.split(" | ").collect();
    let meta = f[0];
    let bs: usize = field(meta, "bs").parse().unwrap();
    let nested = field(meta, "nested") == "1";
    let x: Vec<T> = inputs(f[1], &conv);
    let mut codes = vec![0u8; x.len()];
    let mut absmax = vec![0f32; x.len().div_ceil(bs)];
    bnb::quantize_blockwise(&x, bs, &mut codes, &mut absmax).unwrap();
    assert_eq!(codes, hex_bytes(f[2].trim()), "{meta}: codes");
    let st = f[3];
    let used = if nested {
        let offset = f32::from_bits(hex32(state(st, "offset")));
        let bs2: usize = field(st, "bs2").parse().unwrap();
        let mut c2 = vec![0u8; absmax.len()];
        let mut n2 = vec![0f32; absmax.len().div_ceil(bs2)];
        bnb::quantize_nested(&absmax, offset, bs2, &mut c2, &mut n2).unwrap();
        assert_eq!(c2, hex_bytes(state(st, "codes2")), "{meta}: nested codes");
        let want: Vec<u32> = f32s(state(st, "absmax2"))
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(
            n2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want,
            "{meta}"
        );
        let mut dq = vec![0f32; absmax.len()];
        bnb::dequantize_nested(&c2, &n2, offset, bs2, &mut dq).unwrap();
        let want: Vec<u32> = f32s(state(st, "absmax_dq"))
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(
            dq.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want,
            "{meta}"
        );
        dq
    } else {
        let want: Vec<u32> = f32s(state(st, "absmax"))
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(
            absmax.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want,
            "{meta}"
        );
        absmax
    };
    let mut y = vec![T::default(); x.len()];
    bnb::dequantize_blockwise(&codes, &used, bs, &mut y).unwrap();
    let got: Vec<u32> = y.iter().map(|&v| bits(v)).collect();
    let want: Vec<u32> = f[4].split_whitespace().map(hex32).collect();
    // NaN bits of the bf16/f16 conversions are the kernel's (values compared there).
    compare_out(
        &got,
        &want,
        field(meta, "dt"),
        field(meta, "dt") == "f32",
        meta,
    );
}

#[test]
fn quantize_blockwise_and_dequantize_blockwise_match_every_record() {
    let mut records = 0;
    for line in EIGHT.lines().filter(|l| l.starts_with("case=")) {
        let meta = line.split(" | ").next().unwrap();
        match field(meta, "dt") {
            "f32" => run8(line, f32::from_bits, f32::to_bits),
            "f16" => run8(line, |b| f16::from_bits(b as u16), |v| v.to_bits() as u32),
            "bf16" => run8(line, |b| bf16::from_bits(b as u16), |v| v.to_bits() as u32),
            d => panic!("dtype {d}"),
        }
        records += 1;
    }
    println!("{records} 8-bit records: codes, absmax and outputs equal");
    assert_eq!(records, 32);
}

/// Any block size (bitsandbytes' CPU path takes 32..=4096; odd ones exercise the nibble walk):
/// `dequantize` is the flat formula `RN32(table[code_i] · absmax[i / blocksize])`, and
/// quantizing the result again keeps its codes (each value is its code's value times absmax).
#[test]
fn dequantize_is_the_flat_formula_for_any_block_size() {
    let mut s = 0x9E37_79B9u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for q in [Bnb4bit::NF4, Bnb4bit::FP4] {
        for bs in [1usize, 2, 3, 7, 33, 64, 511, 1000] {
            let q = q.with_blocksize(bs).unwrap();
            for n in [0usize, 1, 2, 5, 63, 1030, 1537] {
                let packed: Vec<u8> = (0..q.packed_len(n)).map(|_| next() as u8).collect();
                let absmax: Vec<f32> = (0..q.absmax_len(n))
                    .map(|_| (next() % 1000) as f32 / 7.0)
                    .collect();
                let mut y = vec![0f32; n];
                q.dequantize(&packed, &absmax, &mut y).unwrap();
                let t = q.codebook().values();
                for (i, v) in y.iter().enumerate() {
                    let code = if i % 2 == 0 {
                        packed[i / 2] >> 4
                    } else {
                        packed[i / 2] & 15
                    };
                    assert_eq!(
                        v.to_bits(),
                        (t[code as usize] * absmax[i / bs]).to_bits(),
                        "bs {bs} n {n} i {i}"
                    );
                }
            }
        }
    }
}
