//! The rayon forms beside the serial ones (`--features rayon`; plain `cargo bench` has it
//! through the dev-dependency): 16 Mi elements, beyond the L3, on every core of the machine.

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use lowbit::{BlockFormat, ElementFormat, Overflow, Rounding};

const N: usize = 1 << 24;

fn data(n: usize) -> Vec<f32> {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 2f32.powi((s % 8) as i32 - 4)
        })
        .collect()
}

fn par(c: &mut Criterion) {
    let x = data(N);
    let mut y = vec![0f32; N];
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut g = c.benchmark_group(format!("par/{threads}threads"));
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    let f = ElementFormat::FLOAT8_E4M3FN;
    let mut b = vec![0u8; N];
    g.bench_function("e4m3-encode/serial", |bch| {
        bch.iter(|| {
            f.encode_slice(
                black_box(&x),
                Rounding::NearestEven,
                Overflow::Saturate,
                &mut b,
            )
        })
    });
    g.bench_function("e4m3-encode/par", |bch| {
        bch.iter(|| {
            f.encode_slice_par(
                black_box(&x),
                Rounding::NearestEven,
                Overflow::Saturate,
                &mut b,
            )
        })
    });
    for (name, bf) in [
        ("mxfp4", BlockFormat::MXFP4),
        ("nvfp4", BlockFormat::NVFP4),
        ("int4_g128", BlockFormat::INT4_G128),
    ] {
        g.bench_function(format!("{name}-qdq/serial"), |bch| {
            bch.iter(|| bf.quantize_dequantize(black_box(&x), &mut y))
        });
        g.bench_function(format!("{name}-qdq/par"), |bch| {
            bch.iter(|| bf.quantize_dequantize_par(black_box(&x), &mut y))
        });
        let (mut cs, mut ss) = (
            vec![0u8; bf.codes_len(N).unwrap()],
            vec![0u8; bf.scales_len(N).unwrap()],
        );
        g.bench_function(format!("{name}-quantize/serial"), |bch| {
            bch.iter(|| bf.quantize(black_box(&x), &mut cs, &mut ss))
        });
        g.bench_function(format!("{name}-quantize/par"), |bch| {
            bch.iter(|| bf.quantize_par(black_box(&x), &mut cs, &mut ss))
        });
    }
    g.finish();
}

criterion_group!(benches, par);
criterion_main!(benches);
