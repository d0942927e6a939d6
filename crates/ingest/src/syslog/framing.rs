//! Syslog over TCP (RFC 6587): each message is either octet-counted (`LEN SP MSG`) or ends
//! with a newline. A sender may not mix the two within a frame, but each frame is judged on
//! its first byte, as rsyslog and syslog-ng do.

/// The longest message accepted; longer ones are reported and skipped, never buffered whole.
pub const MAX_FRAME: usize = 64 * 1024;

/// Reassembles messages from a TCP stream's chunks.
#[derive(Debug, Default)]
pub struct Framer {
    buffer: Vec<u8>,
    /// Bytes still to discard from an oversized newline-terminated frame.
    discarding: bool,
}

/// One frame taken from the stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Message(Vec<u8>),
    /// A frame that broke the rules (too long, a bad length); what was wrong.
    Invalid(String),
}

impl Framer {
    /// Adds a chunk and returns every frame it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Frame> {
        self.buffer.extend_from_slice(chunk);
        let mut frames = Vec::new();
        let mut start = 0;
        loop {
            let rest = &self.buffer[start..];
            if self.discarding {
                match rest.iter().position(|&b| b == b'\n') {
                    Some(end) => {
                        self.discarding = false;
                        start += end + 1;
                        continue;
                    }
                    None => {
                        start = self.buffer.len();
                        break;
                    }
                }
            }
            // Leading newlines between frames are noise.
            if let Some(&first) = rest.first()
                && (first == b'\n' || first == b'\r' || first == 0)
            {
                start += 1;
                continue;
            }
            match rest.first() {
                None => break,
                Some(b'1'..=b'9') => {
                    let Some(space) = rest.iter().take(7).position(|&b| b == b' ') else {
                        if rest.len() >= 7 {
                            frames.push(Frame::Invalid("an octet count longer than 6 digits".into()));
                            self.discarding = true;
                            continue;
                        }
                        break;
                    };
                    let length: usize = match std::str::from_utf8(&rest[..space]).ok().and_then(|n| n.parse().ok()) {
                        Some(n) => n,
                        None => {
                            frames.push(Frame::Invalid("a frame starts with digits that are not a length".into()));
                            self.discarding = true;
                            continue;
                        }
                    };
                    if length > MAX_FRAME {
                        frames.push(Frame::Invalid(format!("a frame of {length} bytes exceeds {MAX_FRAME}")));
                        self.discarding = true;
                        continue;
                    }
                    if rest.len() < space + 1 + length {
                        break;
                    }
                    frames.push(Frame::Message(rest[space + 1..space + 1 + length].to_vec()));
                    start += space + 1 + length;
                }
                Some(_) => match rest.iter().position(|&b| b == b'\n' || b == 0) {
                    Some(end) => {
                        let line = rest[..end].strip_suffix(b"\r").unwrap_or(&rest[..end]);
                        frames.push(Frame::Message(line.to_vec()));
                        start += end + 1;
                    }
                    None if rest.len() > MAX_FRAME => {
                        frames.push(Frame::Invalid(format!("a line longer than {MAX_FRAME} bytes")));
                        self.discarding = true;
                        start = self.buffer.len();
                    }
                    None => break,
                },
            }
        }
        self.buffer.drain(..start.min(self.buffer.len()));
        frames
    }

    /// What is left when the peer closes: a last line without its newline.
    pub fn finish(&mut self) -> Option<Frame> {
        let rest = std::mem::take(&mut self.buffer);
        (!rest.is_empty() && !self.discarding && !rest.iter().all(u8::is_ascii_whitespace))
            .then_some(Frame::Message(rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(frames: Vec<Frame>) -> Vec<String> {
        frames
            .into_iter()
            .map(|f| match f {
                Frame::Message(m) => String::from_utf8(m).expect("utf8"),
                Frame::Invalid(why) => format!("!{why}"),
            })
            .collect()
    }

    #[test]
    fn octet_counting_across_chunks() {
        let mut framer = Framer::default();
        assert!(framer.push(b"11 <13>hello").is_empty());
        assert_eq!(messages(framer.push(b" w11 <13>world 1")), vec!["<13>hello w", "<13>world 1"]);
    }

    #[test]
    fn newline_framing_and_mixed_streams() {
        let mut framer = Framer::default();
        let got = messages(framer.push(b"<13>a\r\n<13>b\n5 <13>c<13>d"));
        assert_eq!(got, vec!["<13>a", "<13>b", "<13>c"]);
        assert_eq!(framer.finish(), Some(Frame::Message(b"<13>d".to_vec())));
    }

    #[test]
    fn oversized_frames_are_reported_and_skipped() {
        let mut framer = Framer::default();
        let got = messages(framer.push(b"9999999 xx\n<13>next\n"));
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(got[0].starts_with('!'));
        assert_eq!(got[1], "<13>next");
        let mut framer = Framer::default();
        let huge = vec![b'a'; MAX_FRAME + 10];
        let got = messages(framer.push(&huge));
        assert!(got[0].contains("longer than"), "{got:?}");
        assert_eq!(messages(framer.push(b"tail\n<13>ok\n")), vec!["<13>ok"]);
    }
}
