//! Reading one candidate file for the leak scan: a regular file only, never through a symlink,
//! decoded from UTF-8 or from UTF-16 with a byte order mark, and for a file over the read cap only
//! its head and tail. Binary files (a NUL byte without a UTF-16 mark) are not read.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::assess::scan::MAX_READ;

/// How much of each end of a file over the read cap is read.
pub(super) const SAMPLE: u64 = MAX_READ / 2;

/// The text of a file: all of it, or the head and tail of a file over the read cap.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Contents {
    Whole(String),
    Sampled { head: String, tail: String },
}

impl Contents {
    /// The contents of a file's bytes, sampled as `read` samples a file over the cap.
    #[cfg(test)]
    pub(super) fn of(bytes: &[u8]) -> Option<Contents> {
        let len = bytes.len() as u64;
        if len <= MAX_READ {
            return decode(bytes, Encoding::detect(bytes)).map(Contents::Whole);
        }
        let cut = |at: u64| usize::try_from(at).expect("in memory");
        sampled(&bytes[..cut(SAMPLE)], &bytes[cut(tail_start(len))..])
    }
}

#[derive(Clone, Copy)]
enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    fn detect(head: &[u8]) -> Encoding {
        match head {
            [0xFF, 0xFE, ..] => Encoding::Utf16Le,
            [0xFE, 0xFF, ..] => Encoding::Utf16Be,
            _ => Encoding::Utf8,
        }
    }
}

/// Reads `rel` under `root`. `parents` also checks that no folder on the way is a symlink (for
/// paths git lists; the walk never enters a symlinked folder). `None` for a symlink, anything but
/// a regular file, a binary file or a read error.
pub(super) fn read(root: &Path, rel: &str, parents: bool) -> Option<Contents> {
    read_sized(root, rel, parents).map(|(_, contents)| contents)
}

/// The same, with the number of bytes read.
pub(super) fn read_sized(root: &Path, rel: &str, parents: bool) -> Option<(u64, Contents)> {
    let (mut file, len) = crate::fs::open_walked(root, rel, parents)?;
    let contents = if len <= MAX_READ {
        let bytes = crate::fs::read_opened(&mut file, len, u64::MAX).ok()?;
        decode(&bytes, Encoding::detect(&bytes)).map(Contents::Whole)
    } else {
        let head = read_span(&mut file, 0, SAMPLE)?;
        let tail = read_span(&mut file, tail_start(len), SAMPLE + 1)?;
        sampled(&head, &tail)
    };
    contents.map(|c| (len.min(MAX_READ), c))
}

/// Where the tail sample starts: an even offset, so that UTF-16 stays aligned.
fn tail_start(len: u64) -> u64 {
    (len - SAMPLE) & !1
}

fn read_span(file: &mut std::fs::File, start: u64, len: u64) -> Option<Vec<u8>> {
    file.seek(SeekFrom::Start(start)).ok()?;
    let mut bytes = Vec::new();
    file.take(len).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn sampled(head: &[u8], tail: &[u8]) -> Option<Contents> {
    let encoding = Encoding::detect(head);
    Some(Contents::Sampled {
        head: decode(head, encoding)?,
        tail: decode(tail, encoding)?,
    })
}

/// Text from bytes in `encoding`, without its byte order mark; `None` for binary UTF-8.
fn decode(bytes: &[u8], encoding: Encoding) -> Option<String> {
    let units = |pair: &[u8]| match encoding {
        Encoding::Utf16Be => u16::from_be_bytes([pair[0], pair[1]]),
        _ => u16::from_le_bytes([pair[0], pair[1]]),
    };
    match encoding {
        Encoding::Utf8 => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            (!bytes.contains(&0)).then(|| match std::str::from_utf8(bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            })
        }
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let text: String = char::decode_utf16(bytes.chunks_exact(2).map(units))
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect();
            Some(text.trim_start_matches('\u{FEFF}').to_owned())
        }
    }
}

/// `text` in UTF-16 with its byte order mark, as Windows editors save a `.env`.
#[cfg(test)]
pub(super) fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_a_mark_is_decoded_and_other_nul_bytes_are_binary() {
        for big_endian in [false, true] {
            assert_eq!(
                Contents::of(&utf16("A=1\n", big_endian)),
                Some(Contents::Whole("A=1\n".to_owned()))
            );
        }
        assert_eq!(
            Contents::of(b"\xEF\xBB\xBFA=1"),
            Some(Contents::Whole("A=1".to_owned()))
        );
        assert_eq!(Contents::of(b"\x7fELF\0\0"), None);
    }

    #[test]
    fn a_file_over_the_cap_is_read_at_both_ends() {
        let dir = tempfile::tempdir().unwrap();
        let size = usize::try_from(MAX_READ).unwrap() * 3;
        let mut bytes = vec![b'a'; size];
        bytes[..4].copy_from_slice(b"HEAD");
        bytes[size - 4..].copy_from_slice(b"TAIL");
        std::fs::write(dir.path().join("big.log"), &bytes).unwrap();
        let Some(Contents::Sampled { head, tail }) = read(dir.path(), "big.log", false) else {
            panic!("not sampled");
        };
        assert!(head.starts_with("HEAD") && tail.ends_with("TAIL"));
        assert_eq!(head.len() + tail.len(), usize::try_from(MAX_READ).unwrap());
        assert_eq!(Contents::of(&bytes), Some(Contents::Sampled { head, tail }));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_to_files_or_through_folders_are_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join(".env"), "TOKEN=x\n").unwrap();
        let repo = tempfile::tempdir().unwrap();
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, repo.path().join(name)).unwrap();
        };
        link(&outside.path().join(".env"), "linked.env");
        link(outside.path(), "linked");
        std::fs::write(repo.path().join("own.env"), "TOKEN=y\n").unwrap();
        assert_eq!(read(repo.path(), "linked.env", true), None);
        assert_eq!(read(repo.path(), "linked/.env", true), None);
        assert_eq!(read(repo.path(), "linked", true), None, "a folder");
        assert_eq!(
            read(repo.path(), "own.env", true),
            Some(Contents::Whole("TOKEN=y\n".to_owned()))
        );
    }
}
