//! GGUF quantize and dequantize of every type, per backend, beside ggml itself and a
//! streaming copy of the same bytes.
//!
//!     cargo bench --bench gguf                          # lowbit and the copy
//!     LOWBIT_GGML_LIB_DIR=/path/to/llama_cpp/lib cargo bench --bench gguf   # + ggml
//!     python3 scripts/bench_ggml.py                     # finds the libraries, runs, tabulates
//!
//! ggml is the C code llama.cpp ships, as built by the PyPI package llama-cpp-python 0.3.36
//! (`libggml-base.so`: `ggml_quantize_chunk`, `quantize_row_*_ref`, `dequantize_row_*`,
//! the f16/bf16 row converters; `libggml-cpu.so`: the SIMD `quantize_row_q8_0/q8_1/q8_K`
//! and `ggml_cpu_*` converters). The libraries are loaded at run time with `dlopen` from
//! `LOWBIT_GGML_LIB_DIR`; nothing of ggml is built here. Without it only lowbit and the copy
//! run.
//!
//! "cache": 16 Ki elements; "dram": 64 Mi elements (the f32 side is 256 MiB). `copy` reads
//! the input bytes once and writes the output bytes once.

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use lowbit::Backend;
use lowbit::gguf::{self, GgufType};
use std::time::Duration;

const CACHE: usize = 1 << 14;
const DRAM: usize = 1 << 26;
/// ggml's rows: `ggml_quantize_chunk` runs row by row.
const ROW: usize = 4096;

/// The same streaming copy as benches/bulk.rs: reads `src` once, writes `dst` once.
fn stream_copy(src: &[u8], dst: &mut [u8]) {
    const CH: usize = 4096;
    if src.len() >= dst.len() {
        let ratio = (src.len() / dst.len().max(1)).max(1);
        for (d, s) in dst.chunks_mut(CH).zip(src.chunks(CH * ratio)) {
            let acc = s.chunks_exact(8).fold(0u64, |a, w| {
                a.wrapping_add(u64::from_le_bytes(w.try_into().unwrap()))
            });
            d.copy_from_slice(&s[..d.len()]);
            d[0] ^= acc as u8;
        }
        return;
    }
    let ratio = dst.len().div_ceil(src.len().max(1)).max(1);
    for (i, s) in src.chunks(CH).enumerate() {
        let start = i * CH * ratio;
        let end = (start + s.len() * ratio).min(dst.len());
        if start >= end {
            break;
        }
        for d in dst[start..end].chunks_mut(s.len()) {
            d.copy_from_slice(&s[..d.len()]);
        }
    }
}

/// LLM-like weights: a counter-based hash (splitmix64 of the index), uniform in ±1 with
/// every 61st value ×20 (outliers).
fn data(n: usize) -> Vec<f32> {
    (0..n as u64)
        .map(|i| {
            let mut z = i.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            let u = (z >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0;
            if i % 61 == 0 { u * 20.0 } else { u }
        })
        .collect()
}

/// ggml's shared libraries, loaded with dlopen (glibc's libc has it).
mod ggml {
    use std::ffi::{CString, c_char, c_void};

    unsafe extern "C" {
        fn dlopen(filename: *const c_char, flag: i32) -> *mut c_void;
        fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
    }
    const RTLD_NOW: i32 = 2;
    const RTLD_GLOBAL: i32 = 0x100;

    pub type Chunk =
        unsafe extern "C" fn(i32, *const f32, *mut u8, i64, i64, i64, *const f32) -> usize;
    pub type Row = unsafe extern "C" fn(*const f32, *mut u8, i64);
    pub type DqRow = unsafe extern "C" fn(*const u8, *mut f32, i64);

    pub struct Lib {
        base: *mut c_void,
        cpu: *mut c_void,
    }

    fn open(path: &str) -> *mut c_void {
        let c = CString::new(path).unwrap();
        // SAFETY: a NUL-terminated path; dlopen returns null on failure.
        unsafe { dlopen(c.as_ptr(), RTLD_NOW | RTLD_GLOBAL) }
    }

    impl Lib {
        pub fn load() -> Option<Lib> {
            let dir = std::env::var("LOWBIT_GGML_LIB_DIR").ok()?;
            let base = open(&format!("{dir}/libggml-base.so"));
            let cpu = open(&format!("{dir}/libggml-cpu.so"));
            if base.is_null() || cpu.is_null() {
                eprintln!("LOWBIT_GGML_LIB_DIR={dir}: libggml-base.so / libggml-cpu.so not loaded");
                return None;
            }
            let lib = Lib { base, cpu };
            if let Some(init) = lib.sym::<unsafe extern "C" fn()>(false, "ggml_cpu_init") {
                // SAFETY: ggml_cpu_init takes no arguments (it fills ggml-cpu's tables).
                unsafe { init() };
            }
            Some(lib)
        }

        /// A function of libggml-cpu (`cpu`) or libggml-base, as `T` (a fn pointer type).
        pub fn sym<T: Copy>(&self, cpu: bool, name: &str) -> Option<T> {
            let c = CString::new(name).unwrap();
            let h = if cpu { self.cpu } else { self.base };
            // SAFETY: a valid handle and NUL-terminated name.
            let p = unsafe { dlsym(h, c.as_ptr()) };
            if p.is_null() {
                return None;
            }
            assert_eq!(
                core::mem::size_of::<T>(),
                core::mem::size_of::<*mut c_void>()
            );
            // SAFETY: T is a fn pointer type whose signature the caller took from ggml's
            // headers; a non-null symbol address of that function.
            Some(unsafe { core::mem::transmute_copy::<*mut c_void, T>(&p) })
        }
    }
}

/// ggml's names of the exported `dequantize_row_*` (and `quantize_row_*_ref`).
fn ggml_name(t: GgufType) -> String {
    t.to_string()
}

fn group<'a>(
    c: &'a mut Criterion,
    name: String,
    n: usize,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(n as u64));
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(200));
    g.measurement_time(Duration::from_millis(1000));
    g
}

/// The types benchmarked (every type with a conversion).
fn types() -> Vec<GgufType> {
    use GgufType::*;
    GgufType::ALL
        .into_iter()
        .filter(|t| !matches!(t, I8 | I16 | I32 | I64 | F64))
        .collect()
}

/// Types whose quantizer is a search: timed in cache only (at DRAM size a run of one would
/// take seconds to minutes).
fn slow_quantizer(t: GgufType) -> bool {
    use GgufType::*;
    matches!(
        t,
        Q2K | Q3K
            | Q4K
            | Q5K
            | Q6K
            | Iq2Xxs
            | Iq2Xs
            | Iq2S
            | Iq3Xxs
            | Iq3S
            | Iq1S
            | Iq1M
            | Iq4Nl
            | Iq4Xs
    )
}

/// lowbit's bytes of `x`: with an importance matrix of ones for the types that need one.
fn quantize(b: Backend, t: GgufType, x: &[f32], imat: &[f32], out: &mut [u8]) {
    if t.requires_imatrix() {
        gguf::quantize_imatrix(t, x, imat, out).unwrap();
    } else {
        gguf::quantize_with(b, t, x, out).unwrap();
    }
}

fn benches(c: &mut Criterion) {
    let lib = ggml::Lib::load();
    let filter: Option<String> = std::env::var("LOWBIT_GGUF_TYPES").ok();
    let imat = vec![1.0f32; ROW];
    let x_dram = data(DRAM);
    for t in types() {
        if let Some(f) = &filter
            && !f.split(',').any(|s| s == t.to_string())
        {
            continue;
        }
        let bb = t.block_bytes();
        for (size, n) in [("cache", CACHE), ("dram", DRAM)] {
            let x = &x_dram[..n];
            let nb = t.bytes_len(n).unwrap();
            // Quantize.
            if size == "cache" || !slow_quantizer(t) {
                let mut out = vec![0u8; nb];
                let mut g = group(c, format!("gguf_quantize/{size}/{t}"), n);
                for b in Backend::available() {
                    if size == "dram" && b != Backend::best() {
                        continue;
                    }
                    if t.requires_imatrix() && b != Backend::best() {
                        continue;
                    }
                    g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                        bch.iter(|| quantize(b, t, black_box(x), &imat, &mut out))
                    });
                }
                if let Some(lib) = &lib {
                    let im = if t.requires_imatrix() {
                        imat.as_ptr()
                    } else {
                        core::ptr::null()
                    };
                    let (blk, rows) = (t.block_len(), n / ROW);
                    let _ = blk;
                    match t {
                        GgufType::Q8_1 | GgufType::Q8K => {
                            let name = format!("quantize_row_{}_ref", ggml_name(t));
                            if let Some(f) = lib.sym::<ggml::Row>(false, &name) {
                                g.bench_function("ggml-ref", |bch| {
                                    // SAFETY: n floats in, nb bytes out, as the _ref takes.
                                    bch.iter(|| unsafe {
                                        f(x.as_ptr(), out.as_mut_ptr(), n as i64)
                                    })
                                });
                            }
                        }
                        GgufType::F16 | GgufType::Bf16 | GgufType::F32 => {}
                        _ => {
                            if let Some(f) = lib.sym::<ggml::Chunk>(false, "ggml_quantize_chunk") {
                                let id = t.id() as i32;
                                g.bench_function("ggml-chunk", |bch| {
                                    // SAFETY: rows × ROW floats in, their row bytes out.
                                    bch.iter(|| unsafe {
                                        f(
                                            id,
                                            x.as_ptr(),
                                            out.as_mut_ptr(),
                                            0,
                                            rows as i64,
                                            ROW as i64,
                                            im,
                                        )
                                    })
                                });
                            }
                        }
                    }
                    let cpu = match t {
                        GgufType::Q8_0 | GgufType::Q8_1 | GgufType::Q8K => {
                            Some(format!("quantize_row_{}", ggml_name(t)))
                        }
                        GgufType::F16 => Some("ggml_cpu_fp32_to_fp16".into()),
                        GgufType::Bf16 => Some("ggml_cpu_fp32_to_bf16".into()),
                        _ => None,
                    };
                    if let Some(f) = cpu.and_then(|s| lib.sym::<ggml::Row>(true, &s)) {
                        g.bench_function("ggml-cpu", |bch| {
                            // SAFETY: n floats in, nb bytes out.
                            bch.iter(|| unsafe { f(x.as_ptr(), out.as_mut_ptr(), n as i64) })
                        });
                    }
                    let base_row = match t {
                        GgufType::F16 => Some("ggml_fp32_to_fp16_row"),
                        GgufType::Bf16 => Some("ggml_fp32_to_bf16_row_ref"),
                        _ => None,
                    };
                    if let Some(f) = base_row.and_then(|s| lib.sym::<ggml::Row>(false, s)) {
                        g.bench_function("ggml-base", |bch| {
                            // SAFETY: n floats in, nb bytes out.
                            bch.iter(|| unsafe { f(x.as_ptr(), out.as_mut_ptr(), n as i64) })
                        });
                    }
                }
                let xb: &[u8] = bytemuck::cast_slice(x);
                g.bench_function("copy-same-bytes", |bch| {
                    bch.iter(|| stream_copy(black_box(xb), &mut out))
                });
                g.finish();
            }
            // Quantize with an importance matrix, for the types whose quantizer uses one
            // without needing one (those are timed above, with it).
            if size == "cache" && t.uses_imatrix() && !t.requires_imatrix() {
                let mut out = vec![0u8; nb];
                let mut g = group(c, format!("gguf_quantize_imatrix/{size}/{t}"), n);
                for b in Backend::available() {
                    g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                        bch.iter(|| {
                            gguf::quantize_imatrix_with(b, t, black_box(x), &imat, &mut out)
                                .unwrap()
                        })
                    });
                }
                let chunk = lib
                    .as_ref()
                    .and_then(|l| l.sym::<ggml::Chunk>(false, "ggml_quantize_chunk"));
                if let Some(f) = chunk {
                    let (id, rows) = (t.id() as i32, n / ROW);
                    g.bench_function("ggml-chunk", |bch| {
                        // SAFETY: rows × ROW floats in, their row bytes out, ROW weights.
                        bch.iter(|| unsafe {
                            f(
                                id,
                                x.as_ptr(),
                                out.as_mut_ptr(),
                                0,
                                rows as i64,
                                ROW as i64,
                                imat.as_ptr(),
                            )
                        })
                    });
                }
                g.finish();
            }
            // Dequantize: the bytes of CACHE elements, tiled.
            if t == GgufType::Q8_1 {
                continue; // ggml has no dequantizer
            }
            let mut tile = vec![0u8; t.bytes_len(CACHE).unwrap()];
            quantize(Backend::best(), t, &x_dram[..CACHE], &imat, &mut tile);
            let bytes: Vec<u8> = tile.iter().copied().cycle().take(nb).collect();
            let _ = bb;
            let mut y = vec![0f32; n];
            let mut g = group(c, format!("gguf_dequantize/{size}/{t}"), n);
            for b in Backend::available() {
                if size == "dram" && b != Backend::best() {
                    continue;
                }
                g.bench_function(BenchmarkId::new("lowbit", format!("{b:?}")), |bch| {
                    bch.iter(|| gguf::dequantize_with(b, t, black_box(&bytes), &mut y).unwrap())
                });
            }
            if let Some(lib) = &lib {
                let base = match t {
                    GgufType::F32 => None,
                    GgufType::F16 => Some("ggml_fp16_to_fp32_row".to_string()),
                    GgufType::Bf16 => Some("ggml_bf16_to_fp32_row".to_string()),
                    _ => Some(format!("dequantize_row_{}", ggml_name(t))),
                };
                if let Some(f) = base.and_then(|s| lib.sym::<ggml::DqRow>(false, &s)) {
                    g.bench_function("ggml", |bch| {
                        // SAFETY: nb bytes in, n floats out.
                        bch.iter(|| unsafe { f(bytes.as_ptr(), y.as_mut_ptr(), n as i64) })
                    });
                }
                let cpu = match t {
                    GgufType::F16 => Some("ggml_cpu_fp16_to_fp32"),
                    GgufType::Bf16 => Some("ggml_cpu_bf16_to_fp32"),
                    _ => None,
                };
                if let Some(f) = cpu.and_then(|s| lib.sym::<ggml::DqRow>(true, s)) {
                    g.bench_function("ggml-cpu", |bch| {
                        // SAFETY: nb bytes in, n floats out.
                        bch.iter(|| unsafe { f(bytes.as_ptr(), y.as_mut_ptr(), n as i64) })
                    });
                }
            }
            let yb: &mut [u8] = bytemuck::cast_slice_mut(&mut y);
            g.bench_function("copy-same-bytes", |bch| {
                bch.iter(|| stream_copy(black_box(&bytes), yb))
            });
            g.finish();
        }
    }
}

criterion_group!(gguf_benches, benches);
criterion_main!(gguf_benches);
