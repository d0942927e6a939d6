//! Renders a comment's Markdown tree as DOM text nodes and a fixed set of elements. Nothing
//! is ever parsed as HTML; links come only with targets the server accepted, and open
//! without handing the page to the target.

use leptos::prelude::*;
use riposte_domain::incident::markdown::{Block, Inline};

#[component]
pub fn MarkdownView(blocks: Vec<Block>) -> impl IntoView {
    view! { <div class="markdown">{blocks.into_iter().map(render_block).collect_view()}</div> }
}

fn render_block(block: Block) -> AnyView {
    match block {
        Block::Paragraph(children) => view! { <p>{inlines(children)}</p> }.into_any(),
        Block::Heading(level, children) => match level {
            1 | 2 => view! { <h3>{inlines(children)}</h3> }.into_any(),
            _ => view! { <h4>{inlines(children)}</h4> }.into_any(),
        },
        Block::List { ordered: true, items } => view! { <ol>{list_items(items)}</ol> }.into_any(),
        Block::List { ordered: false, items } => view! { <ul>{list_items(items)}</ul> }.into_any(),
        Block::Quote(children) => {
            view! { <blockquote>{children.into_iter().map(render_block).collect_view()}</blockquote> }.into_any()
        }
        Block::Code(text) => view! { <pre><code>{text}</code></pre> }.into_any(),
        Block::Rule => view! { <hr/> }.into_any(),
    }
}

fn list_items(items: Vec<Vec<Block>>) -> impl IntoView {
    items
        .into_iter()
        .map(|blocks| view! { <li>{blocks.into_iter().map(render_block).collect_view()}</li> })
        .collect_view()
}

fn inlines(children: Vec<Inline>) -> impl IntoView {
    children.into_iter().map(render_inline).collect_view()
}

fn render_inline(inline: Inline) -> AnyView {
    match inline {
        Inline::Text(text) => text.into_any(),
        Inline::Code(text) => view! { <code>{text}</code> }.into_any(),
        Inline::Strong(children) => view! { <strong>{inlines(children)}</strong> }.into_any(),
        Inline::Emphasis(children) => view! { <em>{inlines(children)}</em> }.into_any(),
        Inline::Strike(children) => view! { <del>{inlines(children)}</del> }.into_any(),
        Inline::Link { href, children } => {
            view! { <a href=href rel="noopener noreferrer nofollow" target="_blank">{inlines(children)}</a> }.into_any()
        }
        Inline::Break => view! { <br/> }.into_any(),
    }
}
