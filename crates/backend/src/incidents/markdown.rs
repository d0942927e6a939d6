//! Comment Markdown to the tree the browser renders as text nodes. Raw HTML is kept as the
//! literal text it was typed as; images become their alt text; links survive only with a
//! safe target (see [`safe_href`]).

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use riposte_domain::incident::markdown::{Block, Inline, safe_href};

pub fn parse(source: &str) -> Vec<Block> {
    let mut builder = Builder::default();
    for event in Parser::new_ext(source, Options::ENABLE_STRIKETHROUGH) {
        builder.event(event);
    }
    builder.finish()
}

/// An open element: where its children collect.
enum Open {
    Blocks(Vec<Block>),
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    List(bool, Vec<Vec<Block>>),
    Item(Vec<Block>, Vec<Inline>),
    Quote(Vec<Block>),
    Code(String),
    Strong(Vec<Inline>),
    Emphasis(Vec<Inline>),
    Strike(Vec<Inline>),
    Link(Option<String>, Vec<Inline>),
    /// An image's children are only its alt text.
    Image(Vec<Inline>),
}

struct Builder {
    stack: Vec<Open>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder { stack: vec![Open::Blocks(Vec::new())] }
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.inline(Inline::Code(code.into_string())),
            Event::Html(html) | Event::InlineHtml(html) => self.text(&html),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.inline(Inline::Break),
            Event::Rule => self.block(Block::Rule),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(name) => self.text(&format!("[^{name}]")),
            Event::InlineMath(m) | Event::DisplayMath(m) => self.text(&m),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let open = match tag {
            Tag::Paragraph => Open::Paragraph(Vec::new()),
            Tag::Heading { level, .. } => Open::Heading(level as u8, Vec::new()),
            Tag::List(start) => Open::List(start.is_some(), Vec::new()),
            Tag::Item => Open::Item(Vec::new(), Vec::new()),
            Tag::BlockQuote(_) => Open::Quote(Vec::new()),
            Tag::CodeBlock(_) => Open::Code(String::new()),
            Tag::Strong => Open::Strong(Vec::new()),
            Tag::Emphasis => Open::Emphasis(Vec::new()),
            Tag::Strikethrough => Open::Strike(Vec::new()),
            Tag::Link { dest_url, .. } => Open::Link(safe_href(&dest_url).map(str::to_owned), Vec::new()),
            Tag::Image { .. } => Open::Image(Vec::new()),
            // Tables, footnotes, metadata and the like are not enabled; their text still shows.
            _ => Open::Blocks(Vec::new()),
        };
        self.stack.push(open);
    }

    fn end(&mut self, _end: TagEnd) {
        let Some(open) = self.stack.pop() else { return };
        match open {
            Open::Paragraph(inlines) => self.block(Block::Paragraph(inlines)),
            Open::Heading(level, inlines) => self.block(Block::Heading(level, inlines)),
            Open::List(ordered, items) => self.block(Block::List { ordered, items }),
            Open::Item(mut blocks, loose) => {
                if !loose.is_empty() {
                    blocks.insert(0, Block::Paragraph(loose));
                }
                if let Some(Open::List(_, items)) = self.stack.last_mut() {
                    items.push(blocks);
                }
            }
            Open::Quote(blocks) => self.block(Block::Quote(blocks)),
            Open::Code(text) => self.block(Block::Code(text)),
            Open::Strong(children) => self.inline(Inline::Strong(children)),
            Open::Emphasis(children) => self.inline(Inline::Emphasis(children)),
            Open::Strike(children) => self.inline(Inline::Strike(children)),
            Open::Link(Some(href), children) => self.inline(Inline::Link { href, children }),
            Open::Link(None, children) | Open::Image(children) => {
                for child in children {
                    self.inline(child);
                }
            }
            Open::Blocks(blocks) => {
                for block in blocks {
                    self.block(block);
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        if let Some(Open::Code(code)) = self.stack.last_mut() {
            code.push_str(text);
            return;
        }
        self.inline(Inline::Text(text.to_owned()));
    }

    fn inlines(&mut self) -> Option<&mut Vec<Inline>> {
        match self.stack.last_mut()? {
            Open::Paragraph(v)
            | Open::Heading(_, v)
            | Open::Item(_, v)
            | Open::Strong(v)
            | Open::Emphasis(v)
            | Open::Strike(v)
            | Open::Link(_, v)
            | Open::Image(v) => Some(v),
            _ => None,
        }
    }

    fn inline(&mut self, inline: Inline) {
        match self.inlines() {
            // Adjacent text (split by the parser, or left by a dropped link) reads as one.
            Some(inlines) => match (inlines.last_mut(), inline) {
                (Some(Inline::Text(last)), Inline::Text(more)) => last.push_str(&more),
                (_, inline) => inlines.push(inline),
            },
            // Inline content outside a paragraph (HTML at block level): it gets its own.
            None => self.block(Block::Paragraph(vec![inline])),
        }
    }

    fn block(&mut self, block: Block) {
        match self.stack.last_mut() {
            Some(Open::Blocks(blocks) | Open::Quote(blocks)) => blocks.push(block),
            Some(Open::Item(blocks, loose)) => {
                if !loose.is_empty() {
                    blocks.push(Block::Paragraph(std::mem::take(loose)));
                }
                blocks.push(block);
            }
            Some(Open::Code(code)) => code.push_str(&format!("{block:?}")),
            // A block inside an inline cannot happen in CommonMark; keep it at the top.
            _ => {
                if let Some(Open::Blocks(blocks)) = self.stack.first_mut() {
                    blocks.push(block);
                }
            }
        }
    }

    fn finish(mut self) -> Vec<Block> {
        while self.stack.len() > 1 {
            self.end(TagEnd::Paragraph);
        }
        match self.stack.pop() {
            Some(Open::Blocks(blocks)) => blocks,
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    #[test]
    fn common_markdown_becomes_a_tree() {
        let blocks = parse("# Found\n\nThe **host** `dc01` was *hit*.\n\n- one\n- two\n");
        assert_eq!(blocks[0], Block::Heading(1, vec![text("Found")]));
        assert_eq!(
            blocks[1],
            Block::Paragraph(vec![
                text("The "),
                Inline::Strong(vec![text("host")]),
                text(" "),
                Inline::Code("dc01".into()),
                text(" was "),
                Inline::Emphasis(vec![text("hit")]),
                text("."),
            ])
        );
        assert_eq!(
            blocks[2],
            Block::List {
                ordered: false,
                items: vec![vec![Block::Paragraph(vec![text("one")])], vec![Block::Paragraph(vec![text("two")])]]
            }
        );
    }

    #[test]
    fn html_stays_literal_text() {
        let blocks = parse("<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>");
        let flat = format!("{blocks:?}");
        assert!(flat.contains("<script>alert(1)</script>"), "{flat}");
        assert!(flat.contains("<img src=x onerror=alert(1)>"), "{flat}");
        assert!(!flat.contains("Link"));
    }

    #[test]
    fn unsafe_links_lose_their_target_but_keep_their_text() {
        let blocks = parse("[click](javascript:alert(1)) and [docs](https://example.org) ![x](https://img)");
        assert_eq!(
            blocks[0],
            Block::Paragraph(vec![
                text("click and "),
                Inline::Link { href: "https://example.org".into(), children: vec![text("docs")] },
                text(" x"),
            ])
        );
    }

    #[test]
    fn code_blocks_keep_their_text() {
        assert_eq!(parse("```\n<b>x</b>\n```\n"), vec![Block::Code("<b>x</b>\n".into())]);
    }
}
