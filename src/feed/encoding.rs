//! Bytes to text: finds a document's character encoding and decodes it to UTF-8 before any
//! parser sees it, so the parsers only ever deal with one encoding.
//!
//! Evidence, strongest first: a byte-order mark; the zero-byte pattern of UTF-16/32 around the
//! first `<` or `{`; the HTTP `charset` and then the XML declaration's `encoding`, each only
//! when the bytes are valid in it; valid UTF-8; and last a statistical guess (`chardetng`, the
//! detector Firefox uses) for undeclared legacy text such as Latin-1, windows-1252, GB2312 or
//! windows-1251. Decoding is `encoding_rs`'s and
//! never fails: bytes that do not fit become U+FFFD. UTF-32, which `encoding_rs` does not do
//! (the web never needed it), is decoded here.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// A document's text in UTF-8, its byte-order mark removed.
pub(crate) fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    decode_detected(bytes, &detect(bytes, content_type, xml_declared(bytes)))
}

/// A web page's text in UTF-8: as [`decode`], but the page's own declaration is its
/// `<meta charset>` (or `http-equiv` Content-Type) in the first 1024 bytes, as browsers read it.
pub(crate) fn decode_html(bytes: &[u8], content_type: Option<&str>) -> String {
    let declared = meta_declared(bytes).or_else(|| xml_declared(bytes));
    decode_detected(bytes, &detect(bytes, content_type, declared))
}

fn decode_detected(bytes: &[u8], detected: &Detected) -> String {
    match *detected {
        Detected::Utf32 { big_endian, bom } => {
            decode_utf32(&bytes[if bom { 4 } else { 0 }..], big_endian)
        }
        Detected::Encoding(enc, bom_len) => {
            let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
            text.into_owned()
        }
    }
}

#[derive(Debug, PartialEq)]
enum Detected {
    /// An encoding and the length of the byte-order mark to skip.
    Encoding(&'static Encoding, usize),
    Utf32 {
        big_endian: bool,
        bom: bool,
    },
}

fn detect(
    bytes: &[u8],
    content_type: Option<&str>,
    declared: Option<&'static Encoding>,
) -> Detected {
    match bytes {
        [0x00, 0x00, 0xfe, 0xff, ..] => {
            return Detected::Utf32 {
                big_endian: true,
                bom: true,
            };
        }
        [0xff, 0xfe, 0x00, 0x00, ..] => {
            return Detected::Utf32 {
                big_endian: false,
                bom: true,
            };
        }
        [0xef, 0xbb, 0xbf, ..] => return Detected::Encoding(UTF_8, 3),
        [0xfe, 0xff, ..] => return Detected::Encoding(UTF_16BE, 2),
        [0xff, 0xfe, ..] => return Detected::Encoding(UTF_16LE, 2),
        // No mark, but an ASCII character spread over 2 or 4 bytes.
        [0x00, 0x00, 0x00, b, ..] if *b != 0 => {
            return Detected::Utf32 {
                big_endian: true,
                bom: false,
            };
        }
        [b, 0x00, 0x00, 0x00, ..] if *b != 0 => {
            return Detected::Utf32 {
                big_endian: false,
                bom: false,
            };
        }
        [0x00, b, 0x00, c, ..] if *b != 0 && *c != 0 => return Detected::Encoding(UTF_16BE, 0),
        [b, 0x00, c, 0x00, ..] if *b != 0 && *c != 0 => return Detected::Encoding(UTF_16LE, 0),
        _ => {}
    }
    let valid_utf8 = std::str::from_utf8(bytes).is_ok();
    if let Some(http) = content_type.and_then(http_charset) {
        // A server's default Latin-1 label on a document that says, and is, UTF-8 is a
        // misconfiguration, not the publisher's intent.
        let server_default = http == WINDOWS_1252 && declared == Some(UTF_8) && valid_utf8;
        let http = utf16_as_8(http);
        // Bytes that are not valid in the HTTP charset were not written in it (a server's
        // blanket `charset=utf-8` over a windows-1251 file): the declaration, then the bytes
        // themselves, say better.
        if !server_default && fits(http, bytes, valid_utf8) {
            return Detected::Encoding(http, 0);
        }
    }
    match declared.map(utf16_as_8) {
        Some(enc) if enc != UTF_8 && fits(enc, bytes, valid_utf8) => {
            return Detected::Encoding(enc, 0);
        }
        _ if valid_utf8 => return Detected::Encoding(UTF_8, 0),
        _ => {}
    }
    // Declared UTF-8 (or nothing) but not valid UTF-8. Mostly-valid UTF-8 with a few stray
    // bytes is still UTF-8; otherwise guess from the bytes alone (the top-level domain, which
    // chardetng can also use, is not known here).
    if mostly_utf8(bytes) {
        return Detected::Encoding(UTF_8, 0);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    Detected::Encoding(detector.guess(None, chardetng::Utf8Detection::Deny), 0)
}

/// Whether `bytes` decode in `enc` without a malformed sequence.
fn fits(enc: &'static Encoding, bytes: &[u8], valid_utf8: bool) -> bool {
    if enc == UTF_8 {
        return valid_utf8;
    }
    enc.decode_without_bom_handling_and_without_replacement(bytes)
        .is_some()
}

/// More well-formed multi-byte UTF-8 characters than invalid bytes.
fn mostly_utf8(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        good += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += chunk.invalid().len();
    }
    good > bad
}

/// A label saying UTF-16 on a document whose bytes are plainly ASCII-compatible (the BOM and
/// zero-byte checks found nothing) is wrong; read it as UTF-8 instead.
fn utf16_as_8(enc: &'static Encoding) -> &'static Encoding {
    if enc == UTF_16LE || enc == UTF_16BE {
        UTF_8
    } else {
        enc
    }
}

/// The `charset` parameter of a Content-Type header, if it names an encoding we know.
fn http_charset(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        label(value.trim().trim_matches(['"', '\'']))
    })
}

/// The `encoding` of an XML declaration at the very start of an ASCII-compatible document.
fn xml_declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(512)];
    let head = head.strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''))?;
    let value = rest[1..].split(quote).next()?;
    label(value)
}

/// The encoding a page declares in a `<meta>` within its first 1024 bytes (the HTML prescan's
/// window): `<meta charset="...">` or `<meta http-equiv="Content-Type" content="...;
/// charset=...">`. A simplified prescan: attribute order and quoting vary, comments do not
/// matter this early in real pages.
fn meta_declared(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
    let mut rest = head.as_str();
    while let Some(at) = rest.find("<meta") {
        rest = &rest[at + 5..];
        let tag = &rest[..rest.find('>').unwrap_or(rest.len())];
        let Some(c) = tag.find("charset") else {
            continue;
        };
        let Some(value) = tag[c + "charset".len()..].trim_start().strip_prefix('=') else {
            continue;
        };
        let value = value.trim_start().trim_start_matches(['"', '\'']);
        let end = value
            .find(|ch: char| {
                ch == '"' || ch == '\'' || ch == ';' || ch == '/' || ch.is_whitespace()
            })
            .unwrap_or(value.len());
        if let Some(enc) = label(&value[..end]) {
            return Some(utf16_as_8(enc));
        }
    }
    None
}

/// An encoding by its label, as browsers read labels (so `iso-8859-1` and `us-ascii` mean
/// windows-1252, `gb2312` means GBK).
fn label(value: &str) -> Option<&'static Encoding> {
    Encoding::for_label_no_replacement(value.trim().as_bytes())
}

fn decode_utf32(bytes: &[u8], big_endian: bool) -> String {
    bytes
        .chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            let n = if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            };
            char::from_u32(n).unwrap_or('\u{fffd}')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str, big_endian: bool) -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(decode(b"\xef\xbb\xbf<rss/>", None), "<rss/>");
        let mut le = vec![0xff, 0xfe];
        le.extend(utf16("<rss>é</rss>", false));
        assert_eq!(decode(&le, None), "<rss>é</rss>");
        let mut be = vec![0xfe, 0xff];
        be.extend(utf16("<rss>é</rss>", true));
        assert_eq!(decode(&be, None), "<rss>é</rss>");
        let mut be32 = vec![0, 0, 0xfe, 0xff];
        be32.extend("<a>é".chars().flat_map(|c| u32::from(c).to_be_bytes()));
        assert_eq!(decode(&be32, None), "<a>é");
    }

    #[test]
    fn unmarked_utf16_and_utf32() {
        assert_eq!(
            decode(&utf16("<?xml?><a>ü</a>", false), None),
            "<?xml?><a>ü</a>"
        );
        assert_eq!(decode(&utf16("<a>ü</a>", true), None), "<a>ü</a>");
        let le32: Vec<u8> = "<a>ü"
            .chars()
            .flat_map(|c| u32::from(c).to_le_bytes())
            .collect();
        assert_eq!(decode(&le32, None), "<a>ü");
    }

    #[test]
    fn declarations() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>caf\xe9</t>";
        assert!(decode(latin1, None).ends_with("<t>café</t>"));
        // The HTTP charset wins over the declaration.
        let doc = b"<?xml version='1.0' encoding='utf-8'?><t>\xc3\xa9</t>";
        assert!(decode(doc, Some("text/xml; charset=\"windows-1251\"")).ends_with("<t>Г©</t>"));
        // ...unless it is a server's Latin-1 default on a real UTF-8 document.
        assert!(decode(doc, Some("text/xml; charset=ISO-8859-1")).ends_with("<t>é</t>"));
        assert!(decode(doc, Some("application/rss+xml")).ends_with("<t>é</t>"));
        // A UTF-16 label on ASCII-compatible bytes is a lie.
        assert_eq!(
            decode(b"<?xml encoding='utf-16'?><a/>", None),
            "<?xml encoding='utf-16'?><a/>"
        );
        // Bogus labels are ignored.
        assert_eq!(
            decode(b"<a>x</a>", Some("text/xml; charset=bogus")),
            "<a>x</a>"
        );
    }

    #[test]
    fn bytes_invalid_in_the_http_charset_fall_back_to_the_declaration() {
        let text = "<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss><title>Новости Оренбурга</title></rss>";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let served = Some("text/xml; charset=utf-8");
        assert_eq!(decode(&cp1251, served), text);
        // No declaration: the bytes are guessed.
        let bare = "<rss><title>Новости Оренбурга и области сегодня</title></rss>";
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(bare);
        assert_eq!(decode(&cp1251, served), bare);
        // Valid UTF-8 served as UTF-8 stays UTF-8 whatever the declaration says.
        let utf8 = "<?xml version='1.0' encoding='windows-1251'?><t>\u{e9}</t>";
        assert_eq!(decode(utf8.as_bytes(), served), utf8);
    }

    #[test]
    fn stray_bytes_do_not_turn_utf8_into_latin1() {
        let doc = "<t>café crème brûlée \u{2019}</t>"
            .as_bytes()
            .iter()
            .copied()
            .chain(*b"\xff")
            .collect::<Vec<_>>();
        assert!(decode(&doc, None).starts_with("<t>café crème brûlée \u{2019}</t>"));
    }

    #[test]
    fn html_pages_declare_in_meta() {
        let page = b"<!doctype html><html><head><meta charset=\"windows-1252\"><title>x</title>\
                     </head><body><p>Caf\xe9 \x93quoted\x94</p></body></html>";
        assert!(decode_html(page, Some("text/html")).contains("Café \u{201c}quoted\u{201d}"));
        let page = b"<html><head><META HTTP-EQUIV='Content-Type' CONTENT='text/html; \
                     charset=iso-8859-2'></head><body>\xb1</body></html>";
        assert!(decode_html(page, None).contains("<body>\u{105}</body>"));
        // The HTTP charset still wins.
        let page = b"<meta charset=\"utf-8\"><p>\xc3\xa9</p>";
        assert!(decode_html(page, Some("text/html; charset=windows-1251")).contains("Г©"));
        assert_eq!(meta_declared(b"<meta name=x><p>charset=koi8-r</p>"), None);
    }

    #[test]
    fn undeclared_legacy_text_is_guessed() {
        let latin1 =
            b"<rss><title>Not\xedcias de S\xe3o Paulo, \xfaltimas not\xedcias</title></rss>";
        assert!(decode(latin1, None).contains("Notícias de São Paulo, últimas"));
        let (cp1251, _, _) = encoding_rs::WINDOWS_1251
            .encode("<rss><title>Новости Оренбурга и области сегодня</title></rss>");
        assert!(decode(&cp1251, None).contains("Новости Оренбурга"));
        let (gbk, _, _) =
            encoding_rs::GBK.encode("<rss><title>论坛最新帖子，欢迎访问我们的网站</title></rss>");
        assert!(decode(&gbk, None).contains("论坛最新帖子"));
    }
}
