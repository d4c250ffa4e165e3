//! A streaming XML tag scanner for the pre-checks (calamine does the real parsing): tags and
//! text without building anything, across chunk boundaries.

/// Longest tag the scanner keeps; a longer one makes the file refused as damaged.
pub(in crate::ingest) const MAX_TAG_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
pub(in crate::ingest) enum XmlEvent<'t> {
    /// A start tag (`self_closing` for `<x/>`); `tag` is the whole tag text, `<` to `>`.
    Start {
        name: &'t [u8],
        tag: &'t [u8],
        self_closing: bool,
    },
    End {
        name: &'t [u8],
    },
    /// Character data (or CDATA) between tags, in pieces.
    Text(usize),
    /// A tag longer than [`MAX_TAG_BYTES`].
    Overlong,
    /// A `<!DOCTYPE …>` (or other `<!` declaration): where such a declaration ends is where
    /// parsers may disagree, so the pre-checks refuse parts that carry one.
    Doctype,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(in crate::ingest) enum ScanState {
    #[default]
    Text,
    /// Inside `<…`, kind not known yet.
    Open,
    Element {
        quote: Option<u8>,
    },
    Comment,
    CData,
    Pi,
    Decl {
        depth: u32,
    },
}

/// Splits XML into tags and text without building anything, across chunk boundaries.
#[derive(Debug, Default)]
pub(in crate::ingest) struct TagScanner {
    state: ScanState,
    tag: Vec<u8>,
    /// Last bytes of a comment, CDATA or PI, to find its end.
    tail: [u8; 3],
    overlong: bool,
}

impl TagScanner {
    pub(in crate::ingest) fn feed(&mut self, chunk: &[u8], on: &mut dyn FnMut(XmlEvent<'_>)) {
        let mut text = 0usize;
        for &b in chunk {
            match self.state {
                ScanState::Text => {
                    if b == b'<' {
                        if text > 0 {
                            on(XmlEvent::Text(text));
                            text = 0;
                        }
                        self.tag.clear();
                        self.tag.push(b);
                        self.overlong = false;
                        self.state = ScanState::Open;
                    } else {
                        text += 1;
                    }
                }
                ScanState::Open => {
                    self.tag.push(b);
                    match self.tag.as_slice() {
                        [b'<', b'?'] => self.state = ScanState::Pi,
                        [b'<', b'!'] | [b'<', b'!', b'-'] | [b'<', b'!', b'['] => {}
                        [b'<', b'!', b'-', b'-'] => {
                            self.tail = [0; 3];
                            self.state = ScanState::Comment;
                        }
                        [b'<', b'!', b'[', ..] => {
                            if self.tag.len() >= 9 {
                                self.tail = [0; 3];
                                self.state = ScanState::CData;
                            }
                        }
                        [b'<', b'!', ..] => {
                            on(XmlEvent::Doctype);
                            self.state = ScanState::Decl { depth: 0 };
                        }
                        _ => {
                            self.state = ScanState::Element { quote: None };
                            if b == b'>' {
                                self.close_element(on);
                            }
                        }
                    }
                }
                ScanState::Element { quote } => {
                    if self.tag.len() < MAX_TAG_BYTES {
                        self.tag.push(b);
                    } else if !self.overlong {
                        self.overlong = true;
                        on(XmlEvent::Overlong);
                    }
                    match (quote, b) {
                        (None, b'"' | b'\'') => self.state = ScanState::Element { quote: Some(b) },
                        (Some(q), _) if q == b => self.state = ScanState::Element { quote: None },
                        (None, b'>') => self.close_element(on),
                        _ => {}
                    }
                }
                ScanState::Comment | ScanState::CData | ScanState::Pi => {
                    self.tail = [self.tail[1], self.tail[2], b];
                    let done = match self.state {
                        ScanState::Comment => &self.tail == b"-->",
                        ScanState::CData => {
                            text += 1;
                            &self.tail == b"]]>"
                        }
                        _ => self.tail[1..] == *b"?>",
                    };
                    if done {
                        self.state = ScanState::Text;
                    }
                }
                ScanState::Decl { depth } => match b {
                    b'[' => self.state = ScanState::Decl { depth: depth + 1 },
                    b']' => {
                        self.state = ScanState::Decl {
                            depth: depth.saturating_sub(1),
                        }
                    }
                    b'>' if depth == 0 => self.state = ScanState::Text,
                    _ => {}
                },
            }
        }
        if text > 0 {
            on(XmlEvent::Text(text));
        }
    }

    fn close_element(&mut self, on: &mut dyn FnMut(XmlEvent<'_>)) {
        self.state = ScanState::Text;
        if self.overlong {
            return;
        }
        let tag = self.tag.as_slice();
        let inner = &tag[1..tag.len() - 1];
        if let Some(rest) = inner.strip_prefix(b"/") {
            // As quick-xml names an end tag: everything up to `>`, trailing blanks trimmed.
            let end = rest
                .iter()
                .rposition(|b| !b.is_ascii_whitespace())
                .map_or(0, |i| i + 1);
            on(XmlEvent::End { name: &rest[..end] });
            return;
        }
        let self_closing = inner.ends_with(b"/");
        let end = inner
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/')
            .unwrap_or(inner.len());
        on(XmlEvent::Start {
            name: &inner[..end],
            tag,
            self_closing,
        });
    }
}

pub(in crate::ingest) fn local_name(name: &[u8]) -> &[u8] {
    name.iter()
        .rposition(|b| *b == b':')
        .map(|i| &name[i + 1..])
        .unwrap_or(name)
}

/// The raw value of an attribute of a tag (exact qualified name).
pub(in crate::ingest) fn attr<'t>(tag: &'t [u8], name: &[u8]) -> Option<&'t [u8]> {
    let mut i = 0;
    while i + name.len() < tag.len() {
        let at = &tag[i..];
        let boundary = i > 0 && tag[i - 1].is_ascii_whitespace();
        if boundary && at.starts_with(name) {
            let mut j = i + name.len();
            while j < tag.len() && tag[j].is_ascii_whitespace() {
                j += 1;
            }
            if j < tag.len() && tag[j] == b'=' {
                j += 1;
                while j < tag.len() && tag[j].is_ascii_whitespace() {
                    j += 1;
                }
                if j < tag.len() && (tag[j] == b'"' || tag[j] == b'\'') {
                    let q = tag[j];
                    let start = j + 1;
                    let len = tag[start..].iter().position(|b| *b == q)?;
                    return Some(&tag[start..start + len]);
                }
            }
        }
        // Skip quoted values so a value cannot fake an attribute.
        if tag[i] == b'"' || tag[i] == b'\'' {
            let q = tag[i];
            i += 1 + tag[i + 1..]
                .iter()
                .position(|b| *b == q)
                .unwrap_or(tag.len());
        }
        i += 1;
    }
    None
}

pub(in crate::ingest) fn attr_number(tag: &[u8], name: &[u8]) -> Option<u64> {
    let v = attr(tag, name)?;
    let v = std::str::from_utf8(v).ok()?.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(v.bytes().fold(0u64, |n, d| {
        n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    }))
}
