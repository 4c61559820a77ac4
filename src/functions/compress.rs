//! `gzip_compress_to_base64_string`, `zlib_compress_to_base64_string` and their
//! `*_decompress_from_base64_string` inverses.
//!
//! Kusto's documented outputs are deflate at the fastest level, where a block that
//! does not shrink is stored raw (miniz makes the same choice), wrapped in a zlib
//! header `78 01` or a gzip header with no name, no time and OS "unknown". The
//! wrappers are written here so that the bytes match; flate2 does the deflate.

use super::string::{base64_decode, base64_encode};
use super::{pure, sig, text, ArgInfo, Bound, Want};
use crate::types::Type;
use crate::value::Value;
use flate2::read::{DeflateDecoder, GzDecoder, ZlibDecoder};
use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};
use std::io::{Read, Write};

pub(super) const NAMES: &[&str] = &[
    "gzip_compress_to_base64_string",
    "gzip_decompress_from_base64_string",
    "zlib_compress_to_base64_string",
    "zlib_decompress_from_base64_string",
];

/// Decompressed output beyond this fails (an empty result, as a failed decompression
/// gives: gzip-base64-decompress.md) rather than being cut, so that a small input
/// cannot exhaust memory and no result is silently partial.
const MAX_OUTPUT: u64 = 64 << 20;

pub(super) fn bind(name: &str, args: &[ArgInfo]) -> Option<Bound> {
    let gzip = name.starts_with("gzip");
    Some(match name {
        "gzip_compress_to_base64_string" | "zlib_compress_to_base64_string" => {
            sig(name, args, 1, 1, &[Want::Str]).and_then(|_| {
                pure(Type::String, move |a| {
                    let s = text(&a[0]);
                    if s.is_empty() {
                        return Value::str("");
                    }
                    let bytes = if gzip {
                        gzip_compress(s.as_bytes())
                    } else {
                        zlib_compress(s.as_bytes())
                    };
                    Value::str(&base64_encode(&bytes))
                })
            })
        }
        "gzip_decompress_from_base64_string" | "zlib_decompress_from_base64_string" => {
            sig(name, args, 1, 1, &[Want::Str]).and_then(|_| {
                pure(Type::String, move |a| {
                    let out = base64_decode(text(&a[0]).trim())
                        .and_then(|b| decompress(&b, gzip))
                        .and_then(|b| String::from_utf8(b).ok());
                    // Invalid input gives an empty string, as in Kusto's examples.
                    Value::str(out.as_deref().unwrap_or(""))
                })
            })
        }
        _ => return None,
    })
}

/// Deflate at the fastest level; when that does not make the data smaller, the data
/// goes out as stored blocks instead (Kusto's output for short strings).
fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = DeflateEncoder::new(Vec::new(), Compression::fast());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(data);
    let packed = enc.finish().unwrap_or_default();
    if packed.len() < data.len() {
        return packed;
    }
    let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / 65535 + 1));
    let chunks: Vec<&[u8]> = data.chunks(65535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &x in chunk {
            a += x as u32;
            b += a;
        }
        a %= 65521;
        b %= 65521;
    }
    (b << 16) | a
}

fn zlib_compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    out.extend(deflate(data));
    out.extend(adler32(data).to_be_bytes());
    out
}

fn gzip_compress(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(deflate(data));
    let mut crc = Crc::new();
    crc.update(data);
    out.extend(crc.sum().to_le_bytes());
    out.extend((data.len() as u32).to_le_bytes());
    out
}

fn decompress(data: &[u8], gzip: bool) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = if gzip {
        GzDecoder::new(data)
            .take(MAX_OUTPUT + 1)
            .read_to_end(&mut out)
    } else if data.len() >= 2 && (u16::from(data[0]) << 8 | u16::from(data[1])) % 31 == 0 {
        ZlibDecoder::new(data)
            .take(MAX_OUTPUT + 1)
            .read_to_end(&mut out)
    } else {
        // A raw deflate stream (no zlib header) is accepted too.
        DeflateDecoder::new(data)
            .take(MAX_OUTPUT + 1)
            .read_to_end(&mut out)
    };
    read.ok()
        .filter(|_| out.len() as u64 <= MAX_OUTPUT)
        .map(|_| out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_outputs() {
        let text = b"1234567890qwertyuiop";
        assert_eq!(
            base64_encode(&zlib_compress(text)),
            "eAEBFADr/zEyMzQ1Njc4OTBxd2VydHl1aW9wOAkGdw=="
        );
        assert_eq!(
            base64_encode(&gzip_compress(text)),
            "H4sIAAAAAAAA/wEUAOv/MTIzNDU2Nzg5MHF3ZXJ0eXVpb3A6m7f2FAAAAA=="
        );
        let long = "abcabcabc".repeat(100);
        for gzip in [false, true] {
            let c = if gzip {
                gzip_compress(long.as_bytes())
            } else {
                zlib_compress(long.as_bytes())
            };
            assert!(c.len() < long.len());
            assert_eq!(decompress(&c, gzip).unwrap(), long.as_bytes());
        }
        assert_eq!(decompress(b"x0x0x0", false), None);
    }
}
