//! Every one of the 2^32 f32 inputs, into E4M3FN, E5M2 and E2M1, against the oracle
//! (nearest-even; both overflow policies). Too long for the default run:
//!
//!     cargo test --release --test sweep -- --ignored --nocapture
//!
//! The time it takes is recorded in docs/testing.md.

mod common;

use common::FloatTable;
use lowbit::{ElementFormat, Format, Overflow, Rounding};

fn sweep(fmt: ElementFormat) {
    let table = FloatTable::new(fmt.float_spec().unwrap());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) as u64;
    let start = std::time::Instant::now();
    let chunk = (1u64 << 32) / threads;
    let bad: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let table = &table;
                s.spawn(move || {
                    let mut bad = 0u64;
                    for b in t * chunk..(t + 1) * chunk {
                        let x = f32::from_bits(b as u32);
                        for o in [Overflow::NonFinite, Overflow::Saturate] {
                            let got = fmt.encode(x, Rounding::NearestEven, o);
                            if got != table.encode(x as f64, Rounding::NearestEven, o) {
                                bad += 1;
                            }
                        }
                    }
                    bad
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).sum()
    });
    println!(
        "{fmt}: 2^32 inputs x 2 policies, {bad} mismatches, {:.1?}",
        start.elapsed()
    );
    assert_eq!(bad, 0);
}

#[test]
#[ignore]
fn all_f32_into_e4m3fn() {
    sweep(ElementFormat::FLOAT8_E4M3FN);
}

#[test]
#[ignore]
fn all_f32_into_e5m2() {
    sweep(ElementFormat::FLOAT8_E5M2);
}

#[test]
#[ignore]
fn all_f32_into_e2m1() {
    sweep(ElementFormat::FLOAT4_E2M1FN);
}
