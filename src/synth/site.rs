//! Sites: each has a host name, a template of chrome lines (navigation, "news code N",
//! "your comment", form hints, copyright) and a house style (digit script, Arabic letter forms,
//! ZWNJ, blank lines between paragraphs, CRLF) that is applied to everything it publishes.

use super::lang::SiteLang;
use super::rng::{derive, Rng};
use super::Rates;

/// One chrome line of a site template.
#[derive(Clone, Debug)]
pub enum Chrome {
    Fixed(String),
    /// A prefix followed by a number that changes per page.
    Numbered(String),
    /// A breadcrumb whose last part is the page's section.
    Section(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digits {
    Ascii,
    Persian,
    ArabicIndic,
}

/// The encoding style of a text: all variations are invisible after normalization.
#[derive(Clone, Copy, Debug)]
pub struct Style {
    pub digits: Digits,
    pub arabic_letters: bool,
    pub drop_zwnj: bool,
    pub crlf: bool,
}

#[derive(Clone, Debug)]
pub struct Site {
    pub index: u32,
    pub name: String,
    pub host: String,
    pub lang: SiteLang,
    pub leading: Vec<Chrome>,
    pub trailing: Vec<Chrome>,
    /// A template block inside the body of every page.
    pub middle: Vec<Chrome>,
    /// The separator of a title line "Site name - headline" that opens
    /// every page, and the site's name in it.
    pub title_line: Option<(&'static str, String)>,
    /// A notice glued to the last paragraph of every page.
    pub notice: Option<Notice>,
    pub blank_lines: bool,
    pub style: Style,
    pub page_base: u64,
}

const FA_SHORT: &[&str] = &[
    "نظر شما",
    "کپی شد",
    "اخبار پیشنهادی",
    "تبادل نظر",
    "آخرین اخبار",
    "اشتراک گذاری",
    "پربازدیدترین‌ها",
    "برچسب‌ها",
    "ارسال نظر",
    "چاپ خبر",
    "لینک کوتاه",
    "اخبار مرتبط",
    "دیدگاه‌ها",
];
const FA_NUMBERED: &[&str] = &["کد خبر", "شناسه خبر:", "کد مطلب:", "تعداد بازدید:"];
const FA_SENTENCES: &[&str] = &[
    "آدرس ایمیل خود را با فرمت مناسب وارد نمایید.",
    "نظرات حاوی توهین و هرگونه نسبت ناروا به اشخاص منتشر نخواهد شد.",
    "استفاده از مطالب این پایگاه با ذکر منبع بلامانع است.",
    "برای دریافت آخرین اخبار در کانال تلگرام ما عضو شوید.",
    "نظرات پس از تایید توسط مدیر سایت منتشر می‌شود.",
];
const FA_SECTIONS: &[&str] = &[
    "اقتصادی",
    "استان‌ها",
    "سیاسی",
    "اجتماعی",
    "صنعت و تجارت",
    "کار و اشتغال",
];

const EN_SHORT: &[&str] = &[
    "Your comment",
    "Related news",
    "Share this article",
    "Latest news",
    "Most read",
    "Tags",
    "Print",
    "Comments",
    "Back to top",
    "Copied!",
    "Advertisement",
];
const EN_NUMBERED: &[&str] = &["News code", "Article ID:", "Story no.", "Views:"];
const EN_SENTENCES: &[&str] = &[
    "Sign up for our newsletter to get the day's top stories in your inbox.",
    "Your email address will not be published. Required fields are marked *",
    "Comments are moderated and will be published after review.",
    "Reproduction of this content without written permission is prohibited.",
    "Follow us on social media for the latest updates from the region.",
];
const EN_SECTIONS: &[&str] = &["Business", "World", "Economy", "Local", "Politics", "Industry"];

const FA_HOST_PARTS: &[&str] = &[
    "khabar", "pars", "akhbar", "eghtesad", "rooz", "shahr", "ostan", "sepid", "nameh", "kar",
];
const EN_HOST_PARTS: &[&str] = &[
    "daily", "herald", "post", "tribune", "courier", "ledger", "gazette", "report", "wire", "times",
];

fn pick_distinct(rng: &mut Rng, items: &[&str], n: usize) -> Vec<String> {
    let mut idx: Vec<usize> = (0..items.len()).collect();
    for i in 0..n.min(items.len()) {
        let j = i + rng.below(items.len() - i);
        idx.swap(i, j);
    }
    idx[..n.min(items.len())]
        .iter()
        .map(|&i| items[i].to_string())
        .collect()
}

impl Site {
    /// Sites 0 to 5 always have leading chrome, blank lines, CRLF, a
    /// template block in the body, a title line and a glued notice
    /// respectively, so that even a tiny corpus shows every kind of defect.
    pub fn new(seed: u64, index: u32, lang: SiteLang, rates: &Rates) -> Site {
        let mut rng = Rng::new(derive(seed, 0x517E, index as u64));
        let (parts, tld) = match lang {
            SiteLang::Fa => (FA_HOST_PARTS, "ir"),
            SiteLang::En => (EN_HOST_PARTS, "com"),
        };
        let a = rng.pick(parts).to_string();
        let b = rng.pick(parts).to_string();
        let host = format!("www.{a}{b}{index}.{tld}");
        let display = match lang {
            SiteLang::Fa => format!("{a}{b} {index}"),
            SiteLang::En => {
                let mut s = format!("{a}{b}");
                s[..1].make_ascii_uppercase();
                s
            }
        };
        let (short, numbered, sentences, sections) = match lang {
            SiteLang::Fa => (FA_SHORT, FA_NUMBERED, FA_SENTENCES, FA_SECTIONS),
            SiteLang::En => (EN_SHORT, EN_NUMBERED, EN_SENTENCES, EN_SECTIONS),
        };
        // Trailing template: 1–6 lines of mixed kinds, in a site-specific order.
        let n = rng.range(1, 6);
        let mut trailing = Vec::new();
        let n_num = usize::from(rng.chance(0.6));
        let n_sent = if n >= 3 {
            rng.range(0, 2)
        } else {
            usize::from(n >= 2 && rng.chance(0.3))
        };
        let n_copy = usize::from(n > n_num + n_sent && rng.chance(0.4));
        let n_short = n.saturating_sub(n_num + n_sent + n_copy);
        trailing.extend(
            pick_distinct(&mut rng, numbered, n_num)
                .into_iter()
                .map(Chrome::Numbered),
        );
        trailing.extend(
            pick_distinct(&mut rng, short, n_short)
                .into_iter()
                .map(Chrome::Fixed),
        );
        trailing.extend(
            pick_distinct(&mut rng, sentences, n_sent)
                .into_iter()
                .map(Chrome::Fixed),
        );
        for i in (1..trailing.len()).rev() {
            let j = rng.below(i + 1);
            trailing.swap(i, j);
        }
        if trailing.is_empty() || n_copy == 1 {
            let year = 2015 + rng.below(10);
            trailing.push(Chrome::Fixed(match lang {
                SiteLang::Fa => format!("© {year} {display} - تمامی حقوق محفوظ است"),
                SiteLang::En => format!("© {year} {display} News. All rights reserved."),
            }));
        }
        let mut leading = Vec::new();
        if rng.chance(rates.leading_chrome_sites) || index == 0 {
            let n = rng.range(1, 3);
            let home = match lang {
                SiteLang::Fa => "صفحه اصلی",
                SiteLang::En => "Home",
            };
            leading.push(Chrome::Section(format!("{home} > ")));
            if n >= 2 {
                leading.push(Chrome::Fixed(match lang {
                    SiteLang::Fa => sections.join(" | "),
                    SiteLang::En => format!("Menu | {}", sections.join(" | ")),
                }));
            }
            if n >= 3 {
                leading.push(Chrome::Fixed(match lang {
                    SiteLang::Fa => "جستجو".to_string(),
                    SiteLang::En => "Skip to main content".to_string(),
                }));
            }
            for i in (1..leading.len()).rev() {
                let j = rng.below(i + 1);
                leading.swap(i, j);
            }
        }
        let fa = lang == SiteLang::Fa;
        // Drawn apart, so that the sites above stay as they were.
        let mut more = Rng::new(derive(seed, 0x517F, index as u64));
        let middle = if more.chance(rates.middle_chrome_sites) || index == 3 {
            middle_block(lang, short, &mut more)
        } else {
            Vec::new()
        };
        let title_line = (more.chance(rates.title_line_sites) || index == 4)
            .then(|| (more.pick(&[" - ", " | ", " :: "]), display.clone()));
        let notice = (more.chance(rates.glued_notice_sites) || index == 5)
            .then(|| Notice::new(lang, &display, &mut more));
        let style = Style {
            digits: if !fa {
                Digits::Ascii
            } else if rng.chance(rates.persian_digit_sites) {
                Digits::Persian
            } else if rng.chance(0.15) {
                Digits::ArabicIndic
            } else {
                Digits::Ascii
            },
            arabic_letters: fa && rng.chance(rates.arabic_letter_sites),
            drop_zwnj: fa && rng.chance(rates.zwnj_drop_sites),
            crlf: rng.chance(rates.crlf_sites) || index == 2,
        };
        Site {
            index,
            name: format!("site-{index:04}-{}", if fa { "fa" } else { "en" }),
            host,
            lang,
            leading,
            trailing,
            middle,
            title_line,
            notice,
            blank_lines: rng.chance(rates.blank_line_sites) || index == 1,
            style,
            page_base: 1_000_000 + rng.below(8_000_000) as u64,
        }
    }

    /// The site's chrome lines for page `page` (the document's corpus index).
    pub fn chrome(&self, lines: &[Chrome], page: u64) -> Vec<String> {
        let sections = match self.lang {
            SiteLang::Fa => FA_SECTIONS,
            SiteLang::En => EN_SECTIONS,
        };
        lines
            .iter()
            .map(|c| match c {
                Chrome::Fixed(s) => s.clone(),
                Chrome::Numbered(p) => format!("{p} {}", self.page_base + page * 7),
                Chrome::Section(p) => format!("{p}{}", sections[(page % sections.len() as u64) as usize]),
            })
            .collect()
    }
}

/// A template block inside a page's body: a share line, the labels of a
/// comment form, or a menu of the site's sections.
fn middle_block(lang: SiteLang, short: &[&str], rng: &mut Rng) -> Vec<Chrome> {
    let (form, sections) = match lang {
        SiteLang::Fa => (["نام:", "ایمیل:"], FA_SECTIONS),
        SiteLang::En => (["Name:", "Email:"], EN_SECTIONS),
    };
    match rng.below(3) {
        0 => vec![Chrome::Fixed(rng.pick(short).to_string())],
        1 => form.iter().map(|l| Chrome::Fixed(l.to_string())).collect(),
        _ => vec![Chrome::Fixed(pick_distinct(rng, sections, 4).join(" | "))],
    }
}

/// A licence or copyright notice that a site glues to the end of its pages'
/// last paragraph, and its editors' tags.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub tags: Vec<String>,
}

impl Notice {
    fn new(lang: SiteLang, display: &str, rng: &mut Rng) -> Notice {
        let text = match (lang, rng.below(3)) {
            (SiteLang::Fa, 0) => format!("استفاده از مطالب {display} تنها با ذکر منبع مجاز است."),
            (SiteLang::Fa, 1) => format!(
                "کلیه حقوق مادی و معنوی این خبر متعلق به {display} است و استفاده از آن بدون ذکر نام منبع و درج لینک مستقیم به خبر پیگرد قانونی دارد."
            ),
            (SiteLang::Fa, _) => format!(
                "انتشار مطالب {display} در رسانه‌ها و شبکه‌های اجتماعی با ذکر منبع آزاد است و بازنشر تصاویر آن نیازمند اجازه کتبی سردبیر است."
            ),
            (SiteLang::En, 0) => format!("Copyright {display}. Reuse of this story requires written permission from the editors."),
            (SiteLang::En, 1) => format!(
                "Material from {display} may be republished with credit to {display} and a link to the original story under the terms of an open licence, version 4.0."
            ),
            (SiteLang::En, _) => format!(
                "This article was produced by {display} and is distributed to partner sites; all rights to the text and the photographs are reserved by the publisher."
            ),
        };
        let letters: Vec<char> = match lang {
            SiteLang::Fa => "ابپتجحدرزسشفقکگلمنوهی".chars().collect(),
            SiteLang::En => ('A'..='Z').collect(),
        };
        let mut initials = || -> String { (0..2).map(|_| letters[rng.below(letters.len())]).collect() };
        let tags = (0..3).map(|_| format!("{}/{}", initials(), initials())).collect();
        Notice { text, tags }
    }

    /// The notice glued to the end of `line` (a paragraph),
    /// and the byte offset where the cut starts: at the space before the
    /// glued part (a tag or the notice).
    pub fn glue(&self, line: &str, rng: &mut Rng) -> (String, usize) {
        let roll = rng.below(20);
        let (before, glued) = if roll < 12 {
            (line.to_string(), self.text.clone())
        } else if roll < 17 {
            (
                line.to_string(),
                format!("{} {}", self.tags[rng.below(self.tags.len())], self.text),
            )
        } else {
            // No sentence break: the paragraph's last full stop is gone.
            (line.trim_end_matches('.').to_string(), self.text.clone())
        };
        // The cut takes the space before the glued part too.
        (format!("{before} {glued}"), before.len())
    }
}

/// Applies a style to one line (the canonical form uses ASCII digits, ی, ک and ZWNJ).
pub fn apply_style(line: &str, style: &Style) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        let c2 = match c {
            '0'..='9' | '\u{06F0}'..='\u{06F9}' | '\u{0660}'..='\u{0669}' => {
                let d = match c {
                    '0'..='9' => c as u32 - '0' as u32,
                    '\u{06F0}'..='\u{06F9}' => c as u32 - 0x06F0,
                    _ => c as u32 - 0x0660,
                };
                let base = match style.digits {
                    Digits::Ascii => '0' as u32,
                    Digits::Persian => 0x06F0,
                    Digits::ArabicIndic => 0x0660,
                };
                char::from_u32(base + d).unwrap_or(c)
            }
            'ی' | 'ي' => {
                if style.arabic_letters {
                    'ي'
                } else {
                    'ی'
                }
            }
            'ک' | 'ك' => {
                if style.arabic_letters {
                    'ك'
                } else {
                    'ک'
                }
            }
            '\u{200C}' if style.drop_zwnj => continue,
            _ => c,
        };
        out.push(c2);
    }
    out
}
