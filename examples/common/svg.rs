#![allow(dead_code)] // each example uses part of this file
//! Minimal SVG writers for the pictures in `docs/img/`: a format's value grid and grouped
//! bar charts. Plain strings; no dependencies.

use std::collections::BTreeMap;
use std::fmt::Write;

const W: f64 = 960.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 40.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One representable value of a format.
pub struct Point {
    pub value: f64,
    pub subnormal: bool,
}

/// Two number lines of a format's non-negative finite values: linear from 0 to max, and
/// log2 over the positive values. Subnormals are drawn in orange, normals in blue.
pub fn value_grid(title: &str, subtitle: &str, points: &[Point]) -> String {
    let max = points.iter().map(|p| p.value).fold(0.0, f64::max);
    let pos: Vec<&Point> = points.iter().filter(|p| p.value > 0.0).collect();
    let lo = pos
        .iter()
        .map(|p| p.value.log2())
        .fold(f64::INFINITY, f64::min)
        .floor();
    let hi = pos
        .iter()
        .map(|p| p.value.log2())
        .fold(f64::NEG_INFINITY, f64::max)
        .ceil();
    let span = W - LEFT - RIGHT;
    let mut s = String::new();
    let h = 230.0;
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h}\" viewBox=\"0 0 {W} {h}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>\n\
         <text x=\"{LEFT}\" y=\"40\" fill=\"#555\">{}</text>\n",
        esc(title),
        esc(subtitle)
    );
    let color = |p: &Point| if p.subnormal { "#e07b00" } else { "#1f5fbf" };
    // Linear strip.
    let y = 85.0;
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"{}\" fill=\"#333\">linear</text>",
        y - 22.0
    );
    let _ = writeln!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#999\"/>",
        W - RIGHT
    );
    for p in points {
        let x = LEFT + span * p.value / max;
        let _ = writeln!(
            s,
            "<line x1=\"{x:.2}\" y1=\"{}\" x2=\"{x:.2}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>",
            y - 12.0,
            y + 12.0,
            color(p)
        );
    }
    for (v, anchor) in [(0.0, "start"), (max, "end")] {
        let x = LEFT + span * v / max;
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            y + 28.0,
            fmt_num(v)
        );
    }
    // Log2 strip.
    let y = 170.0;
    let _ = writeln!(
        s,
        "<text x=\"{LEFT}\" y=\"{}\" fill=\"#333\">log2 (positive values)</text>",
        y - 22.0
    );
    let _ = writeln!(
        s,
        "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#999\"/>",
        W - RIGHT
    );
    let lx = |v: f64| LEFT + span * (v.log2() - lo) / (hi - lo).max(1.0);
    for p in &pos {
        let x = lx(p.value);
        let _ = writeln!(
            s,
            "<line x1=\"{x:.2}\" y1=\"{}\" x2=\"{x:.2}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"1\"/>",
            y - 12.0,
            y + 12.0,
            color(p)
        );
    }
    let step = ((hi - lo) / 12.0).ceil().max(1.0);
    let mut e = lo;
    while e <= hi {
        let x = LEFT + span * (e - lo) / (hi - lo).max(1.0);
        let _ = writeln!(
            s,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">2^{e}</text>",
            y + 28.0
        );
        e += step;
    }
    let _ = writeln!(
        s,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><tspan fill=\"#1f5fbf\">| normal</tspan>  \
         <tspan fill=\"#e07b00\">| subnormal</tspan></text>\n</svg>",
        W - RIGHT,
        22.0
    );
    s
}

fn fmt_num(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v.abs() >= 1e4 || v.abs() < 1e-3 {
        format!("{v:.3e}")
    } else {
        format!("{v}")
    }
}

/// Horizontal grouped bars: for each group, one bar per (series, value); `unit` labels the
/// axis. Series colours are fixed by name order of first appearance.
pub fn bars(
    title: &str,
    subtitle: &str,
    unit: &str,
    groups: &[(String, Vec<(String, f64)>)],
) -> String {
    // Copies in gray, lowbit in blues (darker = wider SIMD), peers in warm colours.
    let peers = [
        "#e07b00", "#d1495b", "#b03a8f", "#8c6d1f", "#2a9d4a", "#6a4c93", "#99b33a", "#a44a3f",
    ];
    let mut peer_i = 0;
    let mut colour = BTreeMap::new();
    let mut series: Vec<String> = Vec::new();
    for (_, bs) in groups {
        for (n, _) in bs {
            if !series.contains(n) {
                series.push(n.clone());
                let c = if n.starts_with("copy") {
                    "#555555"
                } else if n.ends_with("Scalar") {
                    "#9ecae1"
                } else if n.ends_with("Portable") {
                    "#6baed6"
                } else if n.ends_with("Avx2") {
                    "#3182bd"
                } else if n.starts_with("lowbit")
                    || n.starts_with("mx")
                    || n.starts_with("nv")
                    || n.starts_with("int")
                {
                    "#08519c"
                } else {
                    peer_i += 1;
                    peers[(peer_i - 1) % peers.len()]
                };
                colour.insert(n.clone(), c);
            }
        }
    }
    let max = groups
        .iter()
        .flat_map(|(_, b)| b.iter().map(|x| x.1))
        .fold(0.0, f64::max)
        .max(1e-9);
    let (label_w, bar_h, gap) = (260.0, 13.0, 12.0);
    let rows: f64 = groups
        .iter()
        .map(|(_, b)| b.len() as f64 * bar_h + gap)
        .sum();
    let h = 90.0 + rows + 20.0 * ((series.len() as f64) / 4.0).ceil();
    let span = W - label_w - RIGHT - 60.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{h:.0}\" viewBox=\"0 0 {W} {h:.0}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{LEFT}\" y=\"22\" font-size=\"16\" font-weight=\"bold\">{}</text>\n\
         <text x=\"{LEFT}\" y=\"40\" fill=\"#555\">{}</text>\n",
        esc(title),
        esc(subtitle)
    );
    for (i, name) in series.iter().enumerate() {
        let x = LEFT + (i % 4) as f64 * 220.0;
        let y = 58.0 + (i / 4) as f64 * 16.0;
        let _ = writeln!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{y}\">{}</text>",
            y - 9.0,
            colour[name],
            x + 14.0,
            esc(name)
        );
    }
    let mut y = 70.0 + 16.0 * ((series.len() as f64) / 4.0).ceil();
    for (g, bs) in groups {
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + bs.len() as f64 * bar_h / 2.0 + 4.0,
            esc(g)
        );
        for (n, v) in bs {
            let w = span * v / max;
            let _ = writeln!(
                s,
                "<rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\">{v:.2} <tspan fill=\"#888\">{}</tspan></text>",
                bar_h - 2.0,
                colour[n],
                label_w + w + 4.0,
                y + bar_h - 3.0,
                esc(n)
            );
            y += bar_h;
        }
        y += gap;
    }
    let _ = writeln!(
        s,
        "<text x=\"{label_w}\" y=\"{:.0}\" fill=\"#555\">{}</text>\n</svg>",
        y + 8.0,
        esc(unit)
    );
    s
}
