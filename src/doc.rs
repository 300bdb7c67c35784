//! Documents as the pipeline sees them: an id in corpus order and the text cut
//! into lines (= paragraphs) as byte spans. The text is never copied or altered
//! here; output is assembled from the original bytes of the kept lines.

/// Position of a document in corpus order (inputs in the order given, folder
/// files sorted by path bytes, JSONL records by line). Smaller = earlier: the
/// first occurrence of anything is the one with the smallest id.
pub type DocId = u64;

const BOM: &str = "\u{feff}";

/// One line of a document. Offsets are bytes into the document text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineSpan {
    /// First byte of the line's content.
    pub start: usize,
    /// End of the content, before the terminator.
    pub end: usize,
    /// End of the terminator (`\n` or `\r\n`); equals `end` for an unterminated last line.
    pub next: usize,
}

impl LineSpan {
    pub fn content<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.end]
    }

    pub fn with_terminator<'a>(&self, text: &'a str) -> &'a str {
        &text[self.start..self.next]
    }

    pub fn terminator_len(&self) -> usize {
        self.next - self.end
    }
}

/// A document's text split into lines, with what must survive into the output
/// byte for byte: a leading BOM and whether the text ended with a newline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lines {
    pub bom: bool,
    pub final_newline: bool,
    pub spans: Vec<LineSpan>,
    /// Lines of the text longer than the limit, each cut into pieces (spans of their own).
    pub long_lines: usize,
    /// The spans those lines became.
    pub pieces: usize,
}

impl Lines {
    /// Splits on `\n`; a `\r` right before it belongs to the terminator. A lone
    /// `\r` is content. An empty text has no lines; "a\n" has one line.
    pub fn split(text: &str) -> Lines {
        Lines::split_at_most(text, usize::MAX)
    }

    /// Like [`Lines::split`], but a line whose content is longer than `max`
    /// bytes (at least 4) becomes pieces of at most `max` bytes, each ending
    /// after the last space or tab of its second half, or else at a character
    /// boundary. Only the last piece has the terminator: the others end where
    /// the next begins, so kept pieces written one after another give back
    /// the line. Judging a 300 MB line as one would take memory and time out
    /// of all proportion to what one line can tell.
    pub fn split_at_most(text: &str, max: usize) -> Lines {
        let max = max.max(4);
        let bom = text.starts_with(BOM);
        let bytes = text.as_bytes();
        let mut pos = if bom { BOM.len() } else { 0 };
        let mut lines = Lines {
            bom,
            final_newline: false,
            spans: Vec::new(),
            long_lines: 0,
            pieces: 0,
        };
        while pos < bytes.len() {
            let (end, next) = match memchr::memchr(b'\n', &bytes[pos..]) {
                Some(i) => {
                    let nl = pos + i;
                    let end = if nl > pos && bytes[nl - 1] == b'\r' {
                        nl - 1
                    } else {
                        nl
                    };
                    (end, nl + 1)
                }
                None => (bytes.len(), bytes.len()),
            };
            lines.push_line(text, pos, end, next, max);
            pos = next;
        }
        lines.final_newline = lines.spans.last().is_some_and(|s| s.terminator_len() > 0);
        lines
    }

    /// Adds the line `start..end` (terminator up to `next`), in pieces if
    /// it is longer than `max`.
    fn push_line(&mut self, text: &str, mut start: usize, end: usize, next: usize, max: usize) {
        if end - start > max {
            self.long_lines += 1;
            let first = self.spans.len();
            while end - start > max {
                let cut = piece_end(text, start, max);
                self.spans.push(LineSpan {
                    start,
                    end: cut,
                    next: cut,
                });
                start = cut;
            }
            self.pieces += self.spans.len() + 1 - first;
        }
        self.spans.push(LineSpan { start, end, next });
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Writes the kept lines into `out`, keeping the BOM and each line's own
    /// terminator. When the input had no final newline, neither has the output:
    /// the last kept line's terminator is left off. Returns the bytes left off.
    pub fn assemble(
        &self,
        text: &str,
        keep: impl Fn(usize) -> bool,
        cut: Option<(usize, usize)>,
        out: &mut String,
    ) -> usize {
        let start_len = out.len();
        let mut any = false;
        let mut last_terminator = 0;
        for (i, span) in self.spans.iter().enumerate() {
            if !keep(i) {
                continue;
            }
            if !any && self.bom {
                out.push_str(BOM);
            }
            any = true;
            match cut {
                // Line `i` keeps its content up to byte `at`, and its terminator.
                Some((line, at)) if line == i => {
                    out.push_str(&text[span.start..at]);
                    out.push_str(&text[span.end..span.next]);
                }
                _ => out.push_str(span.with_terminator(text)),
            }
            last_terminator = span.terminator_len();
        }
        if any && !self.final_newline && last_terminator > 0 {
            out.truncate(out.len() - last_terminator);
            debug_assert!(out.len() >= start_len);
            return last_terminator;
        }
        0
    }

    /// Bytes of line `i` in the original text, terminator included; the BOM is
    /// charged to the first line so that the lines add up to the whole text.
    pub fn line_bytes(&self, i: usize) -> usize {
        let span = &self.spans[i];
        let bom = if i == 0 && self.bom { BOM.len() } else { 0 };
        span.next - span.start + bom
    }
}

/// Where the piece of at most `max` bytes (at least 4) that starts at
/// `start` ends: after the last space or tab in its second half, or at the
/// last character boundary.
fn piece_end(text: &str, start: usize, max: usize) -> usize {
    let limit = start + max;
    let half = start + max / 2;
    if let Some(i) = memchr::memrchr2(b' ', b'\t', &text.as_bytes()[half..limit]) {
        return half + i + 1;
    }
    // A UTF-8 character is at most 4 bytes: the boundary is at most 3 back.
    (limit - 3..=limit)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(limit)
}

/// True when the line holds nothing but white space.
pub fn is_blank(line: &str) -> bool {
    line.chars().all(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contents(text: &str) -> Vec<&str> {
        let l = Lines::split(text);
        l.spans.iter().map(|s| s.content(text)).collect()
    }

    #[test]
    fn a_text_of_only_a_bom_has_no_lines_and_assembles_to_nothing() {
        // Found by the `lines` fuzz target: with no line to keep there is
        // nothing to write, not even the BOM (the document is dropped as
        // empty, and the stats count its 3 bytes as removed).
        let l = Lines::split("\u{feff}");
        assert!(l.bom && l.spans.is_empty());
        let mut out = String::new();
        assert_eq!(l.assemble("\u{feff}", |_| true, None, &mut out), 0);
        assert!(out.is_empty());
    }

    #[test]
    fn splits_lf_crlf_and_keeps_lone_cr() {
        assert_eq!(contents("a\nb\r\nc"), vec!["a", "b", "c"]);
        assert_eq!(contents("a\rb\n"), vec!["a\rb"]);
        assert_eq!(contents(""), Vec::<&str>::new());
        assert_eq!(contents("\n"), vec![""]);
        assert_eq!(contents("\r\n\r\n"), vec!["", ""]);
    }

    #[test]
    fn final_newline_and_bom_are_recorded() {
        let l = Lines::split("\u{feff}a\nb\n");
        assert!(l.bom && l.final_newline);
        assert_eq!(l.spans[0].start, 3);
        let l = Lines::split("a\nb");
        assert!(!l.bom && !l.final_newline);
        assert!(!Lines::split("").final_newline);
    }

    #[test]
    fn line_bytes_add_up_to_the_text() {
        for text in ["\u{feff}a\r\nbb\n\nccc", "x", "", "\u{feff}", "a\n"] {
            let l = Lines::split(text);
            let sum: usize = (0..l.len()).map(|i| l.line_bytes(i)).sum();
            let bom_only = if l.is_empty() && l.bom { 3 } else { 0 };
            assert_eq!(sum + bom_only, text.len(), "{text:?}");
        }
    }

    #[test]
    fn assemble_keeps_bom_terminators_and_missing_final_newline() {
        let text = "\u{feff}a\r\nb\nc";
        let l = Lines::split(text);
        let mut out = String::new();
        assert_eq!(l.assemble(text, |i| i != 2, None, &mut out), 1);
        assert_eq!(out, "\u{feff}a\r\nb");
        out.clear();
        assert_eq!(l.assemble(text, |i| i != 0, None, &mut out), 0);
        assert_eq!(out, "\u{feff}b\nc");
        out.clear();
        l.assemble(text, |_| true, None, &mut out);
        assert_eq!(out, text);
        out.clear();
        l.assemble(text, |_| false, None, &mut out);
        assert_eq!(out, "");
        out.clear();
        l.assemble(text, |_| true, Some((1, 6)), &mut out);
        assert_eq!(out, "\u{feff}a\r\n\nc", "a cut line keeps its terminator");
    }

    #[test]
    fn a_line_over_the_limit_is_cut_after_white_space_into_pieces_that_rebuild_it() {
        let text = "aaa bbb ccc ddd eee\r\nshort\nfff ggg hhh iii";
        let l = Lines::split_at_most(text, 8);
        let pieces: Vec<&str> = l.spans.iter().map(|s| s.with_terminator(text)).collect();
        assert_eq!(
            pieces,
            ["aaa bbb ", "ccc ddd ", "eee\r\n", "short\n", "fff ggg ", "hhh iii"]
        );
        assert_eq!((l.long_lines, l.pieces), (2, 5));
        assert!(!l.final_newline);
        let mut out = String::new();
        l.assemble(text, |_| true, None, &mut out);
        assert_eq!(out, text);
        out.clear();
        l.assemble(text, |i| i != 1, None, &mut out);
        assert_eq!(
            out, "aaa bbb eee\r\nshort\nfff ggg hhh iii",
            "a removed piece leaves the rest of its line"
        );
    }

    #[test]
    fn a_line_without_white_space_is_cut_at_character_boundaries() {
        let text = "\u{feff}ببببببببب\n";
        let l = Lines::split_at_most(text, 5);
        let pieces: Vec<&str> = l.spans.iter().map(|s| s.content(text)).collect();
        assert_eq!(pieces, ["بب", "بب", "بب", "بب", "ب"]);
        assert!(l.final_newline && l.bom);
        let sum: usize = (0..l.len()).map(|i| l.line_bytes(i)).sum();
        assert_eq!(sum, text.len());
        assert_eq!(Lines::split_at_most("x y", 2), Lines::split_at_most("x y", 4));
    }

    #[test]
    fn blank_is_white_space_only() {
        assert!(is_blank(""));
        assert!(is_blank(" \t\u{a0}"));
        assert!(!is_blank(" . "));
    }
}
