//! A kept list's `<option>` tags, escaped and written once for the list as kept, then copied
//! into every page that offers it, with ` selected` put into the chosen one's tag. The contact
//! list's filters offer 341 codes: escaped again on every view, they were more than half of
//! the page's HTML.

use std::fmt::{self, Write};

use super::{CodeList, CodeOption};
use crate::web::filters::Escaped;

/// The tags of a list, one a line: `<option value="CODE">CODE – Description</option>` (the
/// code alone when the description is empty).
#[derive(Debug)]
pub(super) struct Tags {
    html: String,
    /// For each option, where ` selected` goes in its tag: after the value.
    marks: Box<[usize]>,
}

impl Tags {
    fn of(options: &[CodeOption]) -> Tags {
        let mut html = String::new();
        let mut marks = Vec::with_capacity(options.len());
        for o in options {
            let code = Escaped::new(&o.code);
            // Writing into a String does not fail.
            let _ = write!(html, "\n<option value=\"{code}\"");
            marks.push(html.len());
            let _ = write!(html, ">{code}");
            if !o.description.is_empty() {
                let _ = write!(html, " – {}", Escaped::new(&o.description));
            }
            html.push_str("</option>");
        }
        Tags {
            html,
            marks: marks.into(),
        }
    }
}

/// The tags of a list with one of them chosen (or none): escaped already, askama writes them
/// as they are.
pub struct OptionTags<'a> {
    tags: &'a Tags,
    selected: Option<usize>,
}

impl CodeList {
    /// Whether `code` is one of the list's (a filter naming another is said on its page).
    pub fn has(&self, code: &str) -> bool {
        self.iter().any(|o| o.code == code)
    }

    /// The list's `<option>` tags, the one whose code is `selected` marked so.
    pub fn option_tags<'a>(&'a self, selected: &str) -> OptionTags<'a> {
        OptionTags {
            tags: self.0.tags.get_or_init(|| Tags::of(&self.0.options)),
            selected: self.iter().position(|o| o.code == selected),
        }
    }
}

impl OptionTags<'_> {
    fn write_to<W: Write + ?Sized>(&self, dest: &mut W) -> fmt::Result {
        let html = self.tags.html.as_str();
        match self.selected.and_then(|i| self.tags.marks.get(i)) {
            Some(&mark) => {
                dest.write_str(&html[..mark])?;
                dest.write_str(" selected")?;
                dest.write_str(&html[mark..])
            }
            None => dest.write_str(html),
        }
    }
}

crate::web::filters::written_as_str!(OptionTags<'_>, by write_to);

/// Escaped already.
impl askama::filters::HtmlSafe for OptionTags<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn option(code: &str, description: &str) -> CodeOption {
        CodeOption {
            code: code.into(),
            description: description.into(),
        }
    }

    #[test]
    fn a_lists_tags_are_escaped_once_and_mark_the_chosen_code() {
        let list = CodeList::from(vec![
            option("DK", "Denmark"),
            option("<X>", "\"Tom\" & 'Jerry'"),
            option("NONE", ""),
        ]);
        let tags = "\n<option value=\"DK\">DK – Denmark</option>\
                    \n<option value=\"&#60;X&#62;\">&#60;X&#62; – &#34;Tom&#34; &#38; &#39;Jerry&#39;</option>\
                    \n<option value=\"NONE\">NONE</option>";
        assert_eq!(list.option_tags("").to_string(), tags);
        assert_eq!(list.option_tags("dk").to_string(), tags, "codes are exact");
        assert_eq!(
            list.option_tags("<X>").to_string(),
            tags.replace("\"&#60;X&#62;\">", "\"&#60;X&#62;\" selected>")
        );
        assert_eq!(
            list.option_tags("NONE").to_string(),
            tags.replace("\"NONE\">", "\"NONE\" selected>")
        );
        // The tags are written once for the list, and every copy of it shares them.
        let copy = list.clone();
        assert!(std::ptr::eq(
            copy.option_tags("DK").tags,
            list.option_tags("").tags
        ));

        #[derive(askama::Template)]
        #[template(
            source = "<select>{{ list.option_tags(chosen) }}</select>",
            ext = "html"
        )]
        struct Page<'a> {
            list: &'a CodeList,
            chosen: &'a str,
        }
        use askama::Template;
        let page = Page {
            list: &list,
            chosen: "DK",
        };
        assert_eq!(
            page.render().unwrap(),
            format!("<select>{}</select>", list.option_tags("DK"))
        );
    }
}
