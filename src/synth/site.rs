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
    /// Sites 0, 1 and 2 always have leading chrome, blank lines and CRLF respectively, so that
    /// even a tiny corpus shows every kind of defect.
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
