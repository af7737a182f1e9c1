use super::*;
use crate::gguf::GgufWriter;
use std::io::{self, Cursor, Read, Seek, SeekFrom};
use std::string::String;

fn big_file(n: usize) -> Vec<u8> {
    // A header of a vocabulary of `n` tokens (about 24 bytes each), then one tensor.
    let tokens: Vec<String> = (0..n).map(|i| std::format!("token number {i}")).collect();
    let mut w = GgufWriter::new();
    w.set("tokenizer.ggml.tokens", &tokens).unwrap();
    w.add_tensor("w", &[32], GgufType::Q8_0, &[1.0; 32])
        .unwrap();
    w.to_bytes().unwrap()
}

#[test]
fn a_prefix_asks_for_the_bytes_it_needs() {
    let bytes = big_file(500);
    let total = bytes.len() as u64;
    let mut have = 10usize;
    let mut rounds = 0;
    let index = loop {
        match Index::parse(&bytes[..have], total) {
            Ok(i) => break i,
            Err(Stop::More(need)) => {
                assert!(need > have as u64 && need <= total, "{need} {have}");
                have = need as usize;
                rounds += 1;
            }
            Err(Stop::Bad(e)) => panic!("{e}"),
        }
    };
    // Each round asks for the end of the field it stopped in: two per string (its
    // length, its bytes) and a few more.
    assert!(rounds > 1000 && rounds <= 1020, "{rounds}");
    assert_eq!(
        index.infos_end,
        GgufFile::parse(&bytes).unwrap().index.infos_end
    );
    // The whole input gives no `More`.
    assert!(Index::parse(&bytes, total).is_ok());
}

/// A stream that returns at most 7 bytes per read.
struct Trickle(Cursor<Vec<u8>>);

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(7);
        self.0.read(&mut buf[..n])
    }
}

impl Seek for Trickle {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

#[test]
fn the_reader_reads_long_headers_from_slow_streams() {
    let bytes = big_file(20_000);
    let f = GgufFile::parse(&bytes).unwrap();
    let mut r = GgufReader::new(Trickle(Cursor::new(bytes.clone()))).unwrap();
    assert_eq!(r.data_offset(), f.data_offset());
    assert_eq!(
        r.get("tokenizer.ggml.tokens")
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        20_000
    );
    assert_eq!(
        r.get("tokenizer.ggml.tokens")
            .unwrap()
            .as_array()
            .unwrap()
            .get(19_999)
            .unwrap()
            .as_str(),
        Some("token number 19999")
    );
    assert_eq!(r.read_tensor("w").unwrap(), f.tensor("w").unwrap().data());
    // The header is kept, the tensor data is not.
    assert_eq!(r.head.len(), f.index.infos_end);
}

#[test]
fn a_stream_shorter_than_it_says_is_an_eof_error() {
    /// Claims 1000 more bytes at its end than it has.
    struct Liar(Cursor<Vec<u8>>);
    impl Read for Liar {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.0.read(buf)
        }
    }
    impl Seek for Liar {
        fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
            match pos {
                SeekFrom::End(d) => Ok((self.0.get_ref().len() as i64 + 1000 + d) as u64),
                p => self.0.seek(p),
            }
        }
    }
    let bytes = big_file(20_000);
    let mut short = bytes.clone();
    short.truncate(1000);
    let e = GgufReader::new(Liar(Cursor::new(short))).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
}
