//! News-like text for the synthetic corpus: a built-in Persian and English vocabulary, sentence
//! templates with slots, and (for Persian) short word-bigram Markov runs trained on the bundled
//! seed articles. Every generated paragraph carries a "uid" number derived bijectively from a
//! unique key, so two generated paragraphs can never be equal; the byte offset just after that
//! number is returned so teasers can be cut after it and stay unique too.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::rng::{perm28, Rng};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SiteLang {
    Fa,
    En,
}

/// A generated paragraph and the byte offset just after its unique number.
pub struct Para {
    pub text: String,
    pub uid_end: usize,
}

/// String builder that counts words.
struct Sb {
    s: String,
    words: usize,
}

impl Sb {
    fn new() -> Sb {
        Sb {
            s: String::with_capacity(256),
            words: 0,
        }
    }
    fn w(&mut self, t: &str) {
        if !self.s.is_empty() && !self.s.ends_with(' ') {
            self.s.push(' ');
        }
        self.s.push_str(t);
        self.words += 1 + t.bytes().filter(|&b| b == b' ').count();
    }
    fn p(&mut self, t: &str) {
        self.s.push_str(t);
    }
}

/// The displayed form of a unique key.
pub fn uid_number(key: u64) -> u64 {
    perm28(key) + 1_000
}

fn fmt_en_num(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------- Persian vocabulary

const FA_OFFICIALS: &[&str] = &[
    "استاندار",
    "معاون استاندار",
    "مدیرکل تعاون، کار و رفاه اجتماعی",
    "رئیس سازمان صنعت، معدن و تجارت",
    "فرماندار",
    "رئیس اتاق بازرگانی",
    "مدیرعامل شرکت آب و فاضلاب",
    "شهردار",
    "رئیس کمیسیون اقتصادی مجلس",
    "دبیر ستاد تنظیم بازار",
    "مدیرکل حفاظت محیط زیست",
    "معاون امور اقتصادی استاندار",
    "رئیس سازمان جهاد کشاورزی",
    "مدیرکل راه و شهرسازی",
    "رئیس دانشگاه علوم پزشکی",
    "سرپرست استانداری",
];
const FA_FIRST: &[&str] = &[
    "محمد",
    "علی",
    "حسین",
    "رضا",
    "مهدی",
    "حمید",
    "سعید",
    "مریم",
    "زهرا",
    "فاطمه",
    "احمد",
    "مجید",
    "جواد",
    "ناصر",
    "امیر",
    "سارا",
    "نرگس",
    "کاظم",
    "بهروز",
    "فرهاد",
    "غلامرضا",
    "اسماعیل",
    "محمدرضا",
    "مجتبی",
    "حسن",
    "ابراهیم",
    "لیلا",
    "منصور",
    "داوود",
    "یوسف",
];
const FA_LAST: &[&str] = &[
    "هاشمی",
    "موسوی",
    "کریمی",
    "رحیمی",
    "احمدی",
    "صادقی",
    "اشرفی",
    "مهرابی",
    "نوروزی",
    "جعفری",
    "قاسمی",
    "حسینی",
    "عباسی",
    "یزدانی",
    "طاهری",
    "فراهانی",
    "شریفی",
    "بهرامی",
    "کاظمی",
    "زارعی",
    "سلطانی",
    "رستمی",
    "امینی",
    "نجفی",
    "پورابراهیمی",
    "قزلسفلی",
    "موسی‌پور",
    "خسروی",
    "مرادی",
    "اکبری",
];
const FA_PLACES: &[&str] = &[
    "قم",
    "کرمان",
    "فارس",
    "خراسان جنوبی",
    "اصفهان",
    "تبریز",
    "مشهد",
    "گیلان",
    "یزد",
    "همدان",
    "اهواز",
    "زنجان",
    "کردستان",
    "بوشهر",
    "سمنان",
    "اراک",
    "ارومیه",
    "کرمانشاه",
    "بندرعباس",
    "ساری",
    "رشت",
    "شیراز",
    "قزوین",
    "بیرجند",
    "سنندج",
    "گرگان",
];
const FA_EVENTS: &[&str] = &[
    "نشست خبری",
    "جلسه شورای اداری",
    "آیین افتتاح",
    "نشست کارگروه اشتغال",
    "همایش سالانه",
    "بازدید از واحدهای تولیدی",
    "جلسه ستاد تنظیم بازار",
    "نشست با فعالان اقتصادی",
    "جلسه شورای گفت و گوی دولت و بخش خصوصی",
    "آیین تودیع و معارفه",
];
const FA_DAYS: &[&str] = &[
    "روز شنبه",
    "روز یکشنبه",
    "عصر دوشنبه",
    "صبح سه‌شنبه",
    "روز چهارشنبه",
    "عصر پنجشنبه",
    "امروز",
    "دیروز",
];
const FA_SPEECH: &[&str] = &[
    "گفت",
    "اظهار داشت",
    "افزود",
    "تصریح کرد",
    "عنوان کرد",
    "یادآور شد",
    "خاطرنشان کرد",
    "ادامه داد",
    "بیان کرد",
];
const FA_AGENCIES: &[&str] = &[
    "ایرنا",
    "ایسنا",
    "خبرگزاری مهر",
    "خبرگزاری فارس",
    "تسنیم",
    "سردبیر پرس",
    "باشگاه خبرنگاران",
];
pub const FA_NOUNS: &[&str] = &[
    "اشتغال",
    "سرمایه‌گذاری",
    "تولید",
    "صادرات",
    "مشاغل خانگی",
    "واحدهای صنعتی",
    "تسهیلات بانکی",
    "طرح‌های عمرانی",
    "منابع آب",
    "بیمه تامین اجتماعی",
    "شهرک‌های صنعتی",
    "تعاونی‌ها",
    "بازار مسکن",
    "حمل و نقل عمومی",
    "گردشگری",
    "کشاورزی",
    "صنایع کوچک",
    "مصرف انرژی",
    "آموزش فنی و حرفه‌ای",
    "نقدینگی",
    "واحدهای تولیدی",
    "کارگران",
    "بخش خصوصی",
    "زیرساخت‌ها",
    "بودجه استان",
    "قیمت کالاها",
    "اعتبارات",
    "برندسازی",
    "صنایع تبدیلی",
    "فرصت‌های شغلی",
];
const FA_ADJS: &[&str] = &[
    "جدید",
    "مهم",
    "اقتصادی",
    "اجتماعی",
    "استانی",
    "ملی",
    "کوچک و متوسط",
    "تولیدی",
    "پایدار",
    "جدی",
    "دولتی",
    "محلی",
    "صنعتی",
];
const FA_VERBENDS: &[&str] = &[
    "افزایش یافته است",
    "کاهش یافته است",
    "در دستور کار قرار دارد",
    "اجرا شده است",
    "به بهره‌برداری می‌رسد",
    "پیگیری می‌شود",
    "نیازمند حمایت دولت است",
    "تصویب شد",
    "ایجاد شده است",
    "در حال انجام است",
    "باید تقویت شود",
    "مورد توجه قرار گرفته است",
    "فراهم می‌شود",
    "تکمیل خواهد شد",
];
const FA_UNITS: &[&str] = &[
    "درصد",
    "هزار شغل",
    "میلیارد تومان",
    "میلیون دلار",
    "هزار تن",
    "واحد",
    "نفر",
    "طرح",
    "میلیارد ریال",
    "هکتار",
];
const FA_CONNECT: &[&str] = &[
    "همچنین",
    "از سوی دیگر",
    "در همین حال",
    "بر این اساس",
    "علاوه بر این",
];
const FA_PREPS: &[&str] = &[
    "در حوزه",
    "با هدف توسعه",
    "با همکاری",
    "در بخش",
    "برای حمایت از",
    "در زمینه",
];

// ---------------------------------------------------------------- English vocabulary

const EN_OFFICIALS: &[&str] = &[
    "the finance minister",
    "the regional governor",
    "a spokesman for the ministry",
    "the central bank governor",
    "the head of the workers' union",
    "the company's chief executive",
    "a senior official",
    "the health minister",
    "the opposition leader",
    "the city's deputy mayor",
    "the trade commissioner",
    "a government adviser",
    "the director of the port authority",
    "the chairman of the budget committee",
];
const EN_FIRST: &[&str] = &[
    "James", "Maria", "David", "Sarah", "Michael", "Laura", "Ahmed", "Elena", "Peter", "Grace", "Daniel",
    "Nadia", "Thomas", "Hannah", "Robert", "Amira", "Samuel", "Julia", "Victor", "Chloe", "Omar", "Irene",
];
const EN_LAST: &[&str] = &[
    "Carter",
    "Novak",
    "Hughes",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Patel",
    "Brennan",
    "Sato",
    "Fischer",
    "Alvarez",
    "Kowalski",
    "Reyes",
    "Whitfield",
    "Haddad",
    "Marsh",
    "Osei",
    "Delgado",
    "Byrne",
    "Ivanova",
];
const EN_PLACES: &[&str] = &[
    "Leeds", "Porto", "Nairobi", "Lyon", "Gdansk", "Cork", "Adelaide", "Halifax", "Tampere", "Bilbao",
    "Accra", "Brno", "Osaka", "Dundee", "Valencia", "Lagos", "Bergen", "Ghent", "Tucson", "Malmo",
];
const EN_ORGS: &[&str] = &[
    "the World Bank",
    "the labour ministry",
    "the city council",
    "the national statistics office",
    "the port authority",
    "parliament",
    "the state electricity company",
    "the chamber of commerce",
    "the central bank",
    "the transport agency",
    "the regional health board",
];
pub const EN_NOUNS: &[&str] = &[
    "government",
    "economy",
    "prices",
    "workers",
    "jobs",
    "investment",
    "plan",
    "project",
    "market",
    "inflation",
    "budget",
    "housing",
    "exports",
    "water supply",
    "schools",
    "hospitals",
    "roads",
    "energy",
    "taxes",
    "wages",
    "factories",
    "farmers",
    "tourism",
    "police",
    "courts",
    "elections",
    "talks",
    "agreement",
    "report",
    "program",
    "loans",
    "interest rates",
    "trade",
    "growth",
    "companies",
    "banks",
    "services",
    "infrastructure",
    "region",
    "pensions",
    "rail network",
    "harbour",
    "fuel subsidies",
    "grain harvest",
    "steel industry",
    "bus routes",
    "rents",
    "small businesses",
    "broadband rollout",
];
const EN_ADJS: &[&str] = &[
    "new",
    "local",
    "national",
    "rising",
    "public",
    "regional",
    "private",
    "annual",
    "major",
    "small",
    "long-term",
    "emergency",
    "proposed",
    "controversial",
];
const EN_PAST: &[&str] = &[
    "announced",
    "approved",
    "rejected",
    "expanded",
    "delayed",
    "reviewed",
    "criticized",
    "launched",
    "cut",
    "raised",
    "completed",
    "suspended",
    "backed",
    "signed",
    "defended",
    "questioned",
];
const EN_BASE: &[&str] = &[
    "increase", "reduce", "support", "review", "expand", "delay", "finance", "replace", "protect", "improve",
    "limit", "speed up", "scrap",
];
const EN_MODALS: &[&str] = &["would", "could", "will", "should", "may", "plans to"];
const EN_UNITS: &[&str] = &[
    "dollars",
    "euros",
    "tonnes",
    "people",
    "households",
    "jobs",
    "passengers",
    "homes",
    "hectares",
];
const EN_SAID: &[&str] = &[
    "said",
    "told reporters",
    "said in a statement",
    "wrote in a letter",
    "confirmed",
];
const EN_WEEKDAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const EN_CONNECT: &[&str] = &[
    "Meanwhile",
    "However",
    "In addition",
    "At the same time",
    "Separately",
];
const EN_PPS: &[&str] = &[
    "across the region",
    "under the new rules",
    "after months of talks",
    "despite rising costs",
    "before the winter",
    "in the coming weeks",
    "without further delay",
    "in the first quarter",
];

// ---------------------------------------------------------------- Persian Markov model from seeds

struct Markov {
    words: Vec<&'static str>,
    next: HashMap<&'static str, Vec<&'static str>>,
}

fn markov() -> &'static Markov {
    static M: OnceLock<Markov> = OnceLock::new();
    M.get_or_init(|| {
        let mut words = Vec::new();
        let mut next: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for text in super::SEEDS {
            for line in text.lines() {
                let toks: Vec<&'static str> = line
                    .split_whitespace()
                    .filter(|t| t.chars().all(|c| c.is_alphabetic() || c == '\u{200c}'))
                    .collect();
                for pair in toks.windows(2) {
                    next.entry(pair[0]).or_default().push(pair[1]);
                }
                words.extend(toks);
            }
        }
        words.sort_unstable();
        words.dedup();
        Markov { words, next }
    })
}

/// A run of 3–7 words walked through the seed bigrams; jumps to a random seed word when the
/// chain ends.
fn markov_run(rng: &mut Rng, sb: &mut Sb) {
    let m = markov();
    let mut w = rng.pick(&m.words);
    for _ in 0..rng.range(3, 7) {
        sb.w(w);
        w = match m.next.get(w) {
            Some(v) => v[rng.below(v.len())],
            None => rng.pick(&m.words),
        };
    }
}

// ---------------------------------------------------------------- sentence and paragraph builders

struct Ctx<'a> {
    rng: &'a mut Rng,
    uid: Option<u64>,
    uid_end: usize,
}

impl Ctx<'_> {
    fn number(&mut self, sb: &mut Sb, lang: SiteLang) {
        if let Some(u) = self.uid.take() {
            match lang {
                SiteLang::Fa => sb.w(&u.to_string()),
                SiteLang::En => sb.w(&fmt_en_num(u)),
            }
            self.uid_end = sb.s.len();
        } else {
            let n = match self.rng.below(4) {
                0 => self.rng.range(2, 99),
                1 => self.rng.range(100, 999),
                2 => self.rng.range(1_000, 99_999),
                _ => self.rng.range(10, 60),
            };
            match lang {
                SiteLang::Fa => sb.w(&n.to_string()),
                SiteLang::En => sb.w(&fmt_en_num(n as u64)),
            }
        }
    }

    fn fa_name(&mut self, sb: &mut Sb) {
        sb.w(self.rng.pick(FA_FIRST));
        sb.w(self.rng.pick(FA_LAST));
    }

    fn fa_clause(&mut self, sb: &mut Sb, target: usize) {
        let start = sb.words;
        loop {
            match self.rng.below(7) {
                0 | 1 => {
                    sb.w(self.rng.zipf(FA_NOUNS));
                    if self.rng.chance(0.5) {
                        sb.w(self.rng.pick(FA_ADJS));
                    }
                }
                2 => {
                    sb.w(self.rng.pick(FA_PREPS));
                    sb.w(self.rng.zipf(FA_NOUNS));
                }
                3 => {
                    sb.w("در");
                    sb.w(self.rng.pick(FA_PLACES));
                }
                4 => {
                    self.number(sb, SiteLang::Fa);
                    sb.w(self.rng.pick(FA_UNITS));
                    sb.w(self.rng.zipf(FA_NOUNS));
                }
                5 => markov_run(self.rng, sb),
                _ => {
                    sb.w("و");
                    sb.w(self.rng.zipf(FA_NOUNS));
                }
            }
            if sb.words - start + 3 >= target {
                break;
            }
        }
        if self.uid.is_some() {
            self.number(sb, SiteLang::Fa);
            sb.w(self.rng.pick(FA_UNITS));
        }
        sb.w(self.rng.pick(FA_VERBENDS));
    }

    fn fa_sentence(&mut self, sb: &mut Sb) {
        let target = self.rng.range(8, 35);
        let before = sb.words;
        match self.rng.below(6) {
            0 => {
                sb.w(self.rng.pick(FA_OFFICIALS));
                sb.w(self.rng.pick(FA_PLACES));
                sb.w(self.rng.pick(FA_SPEECH));
                sb.p(":");
            }
            1 => {
                sb.w("به گزارش");
                sb.w(self.rng.pick(FA_AGENCIES));
                sb.p("،");
                self.fa_name(sb);
                sb.w(self.rng.pick(FA_DAYS));
                sb.w("در");
                sb.w(self.rng.pick(FA_EVENTS));
                sb.w(self.rng.pick(FA_PLACES));
                sb.w(self.rng.pick(FA_SPEECH));
                sb.p(":");
            }
            2 => {
                sb.w(self.rng.pick(FA_CONNECT));
                sb.p("،");
            }
            3 => {
                self.fa_name(sb);
                sb.w("با اشاره به");
                sb.w(self.rng.zipf(FA_NOUNS));
                sb.w(self.rng.pick(FA_SPEECH));
                sb.p(":");
            }
            4 => {
                sb.w("وی با بیان اینکه");
                sb.w(self.rng.zipf(FA_NOUNS));
                sb.w(self.rng.pick(FA_VERBENDS));
                sb.p("،");
                sb.w(self.rng.pick(FA_SPEECH));
                sb.p(":");
            }
            _ => {}
        }
        let used = sb.words - before;
        self.fa_clause(sb, target.saturating_sub(used).max(4));
        sb.p(".");
    }

    fn en_np(&mut self, sb: &mut Sb) {
        sb.w("the");
        if self.rng.chance(0.4) {
            sb.w(self.rng.pick(EN_ADJS));
        }
        sb.w(self.rng.zipf(EN_NOUNS));
    }

    fn en_clause(&mut self, sb: &mut Sb) {
        match self.rng.below(3) {
            0 => {
                self.en_np(sb);
                sb.w(self.rng.pick(EN_MODALS));
                sb.w(self.rng.pick(EN_BASE));
                self.en_np(sb);
            }
            1 => {
                sb.w(self.rng.pick(EN_ORGS));
                sb.w(self.rng.pick(EN_PAST));
                self.en_np(sb);
                sb.w("for");
                self.number(sb, SiteLang::En);
                sb.w(self.rng.pick(EN_UNITS));
            }
            _ => {
                self.number(sb, SiteLang::En);
                sb.w(self.rng.pick(EN_UNITS));
                sb.w("in");
                sb.w(self.rng.pick(EN_PLACES));
                sb.w("were affected by");
                self.en_np(sb);
            }
        }
        match self.rng.below(3) {
            0 => sb.w(self.rng.pick(EN_PPS)),
            1 => {
                sb.w("in");
                sb.w(self.rng.pick(EN_PLACES));
            }
            _ => {}
        }
    }

    fn en_sentence(&mut self, sb: &mut Sb) {
        let target = self.rng.range(8, 35);
        let start_len = sb.s.len();
        let before = sb.words;
        let kind = self.rng.below(5);
        match kind {
            0 => {
                sb.w(self.rng.pick(EN_OFFICIALS));
                sb.w(self.rng.pick(EN_FIRST));
                sb.w(self.rng.pick(EN_LAST));
                sb.w("said on");
                sb.w(self.rng.pick(EN_WEEKDAYS));
                sb.w("that");
            }
            1 => {
                sb.w("According to");
                sb.w(self.rng.pick(EN_ORGS));
                sb.p(",");
            }
            2 => {
                sb.w(self.rng.pick(EN_CONNECT));
                sb.p(",");
            }
            _ => {}
        }
        self.en_clause(sb);
        while sb.words - before + 4 < target {
            sb.p(",");
            sb.w(if self.rng.chance(0.5) { "while" } else { "and" });
            self.en_clause(sb);
        }
        if self.uid.is_some() {
            sb.w("affecting");
            self.number(sb, SiteLang::En);
            sb.w(self.rng.pick(EN_UNITS));
        }
        if kind == 3 {
            sb.p(",");
            sb.w(self.rng.pick(EN_FIRST));
            sb.w(self.rng.pick(EN_LAST));
            sb.w(self.rng.pick(EN_SAID));
        }
        sb.p(".");
        capitalize_from(&mut sb.s, start_len);
    }
}

fn capitalize_from(s: &mut String, from: usize) {
    let rest = &s[from..];
    let off = rest.len() - rest.trim_start().len();
    let i = from + off;
    if let Some(c) = s[i..].chars().next() {
        if c.is_ascii_lowercase() {
            let up = c.to_ascii_uppercase().to_string();
            s.replace_range(i..i + 1, &up);
        }
    }
}

/// A normal paragraph of 1–5 sentences whose first sentence carries `uid_number(key)`.
pub fn paragraph(lang: SiteLang, rng: &mut Rng, key: u64) -> Para {
    let mut ctx = Ctx {
        rng,
        uid: Some(uid_number(key)),
        uid_end: 0,
    };
    let mut sb = Sb::new();
    let n = ctx.rng.range(1, 5);
    for _ in 0..n {
        match lang {
            SiteLang::Fa => ctx.fa_sentence(&mut sb),
            SiteLang::En => ctx.en_sentence(&mut sb),
        }
    }
    Para {
        text: sb.s,
        uid_end: ctx.uid_end,
    }
}

/// A quoted statement (shared between documents), always long.
pub fn quote(lang: SiteLang, rng: &mut Rng, key: u64) -> String {
    let mut ctx = Ctx {
        rng,
        uid: Some(uid_number(key)),
        uid_end: 0,
    };
    let mut sb = Sb::new();
    match lang {
        SiteLang::Fa => {
            sb.p("«");
            ctx.fa_clause(&mut sb, 10);
            sb.p(". ");
            ctx.fa_clause(&mut sb, 8);
            sb.p("»");
            sb.w("این جمله را");
            ctx.fa_name(&mut sb);
            sb.w("در");
            sb.w(ctx.rng.pick(FA_EVENTS));
            sb.w("گفته بود.");
        }
        SiteLang::En => {
            sb.p("\"");
            let st = sb.s.len();
            ctx.en_clause(&mut sb);
            capitalize_from(&mut sb.s, st);
            sb.p(", and ");
            ctx.en_clause(&mut sb);
            sb.p(",\"");
            sb.w(ctx.rng.pick(EN_FIRST));
            sb.w(ctx.rng.pick(EN_LAST));
            sb.w(ctx.rng.pick(EN_SAID));
            sb.p(".");
        }
    }
    sb.s
}

/// A title line carrying `uid_number(key)`.
pub fn title(lang: SiteLang, rng: &mut Rng, key: u64) -> String {
    let mut ctx = Ctx {
        rng,
        uid: Some(uid_number(key)),
        uid_end: 0,
    };
    let mut sb = Sb::new();
    match lang {
        SiteLang::Fa => {
            sb.w(ctx.rng.pick(FA_OFFICIALS));
            sb.w(ctx.rng.pick(FA_PLACES));
            sb.p(":");
            ctx.number(&mut sb, SiteLang::Fa);
            sb.w(ctx.rng.pick(FA_UNITS));
            sb.w(ctx.rng.zipf(FA_NOUNS));
            sb.w(ctx.rng.pick(FA_VERBENDS));
        }
        SiteLang::En => {
            let st = sb.s.len();
            sb.w(ctx.rng.pick(EN_PLACES));
            sb.w("to");
            sb.w(ctx.rng.pick(EN_BASE));
            sb.w(ctx.rng.zipf(EN_NOUNS));
            sb.w("as");
            ctx.number(&mut sb, SiteLang::En);
            sb.w(ctx.rng.pick(EN_UNITS));
            sb.w("wait");
            capitalize_from(&mut sb.s, st);
        }
    }
    sb.s
}

/// `sentence` (ending in a full stop) with the stock phrase that ends many
/// articles put at its end: "… the budget, he added.", "… اشاره کرد.".
pub fn alike_ending(sentence: &str, lang: SiteLang) -> String {
    let body = sentence.trim_end().trim_end_matches('.');
    match lang {
        SiteLang::Fa => format!("{body} و به این موضوع اشاره کرد."),
        SiteLang::En => format!("{body}, he added."),
    }
}

/// A short dateline / byline (< 25 characters), which recurs across documents and must be kept.
pub fn byline(lang: SiteLang, rng: &mut Rng) -> String {
    match lang {
        SiteLang::Fa => match rng.below(3) {
            0 => format!(
                "{} - {}",
                rng.pick(FA_PLACES),
                rng.pick(&["ایرنا", "ایسنا", "مهر", "تسنیم"])
            ),
            1 => "گروه اقتصادی".to_string(),
            _ => format!("خبرنگار: {}", rng.pick(FA_LAST)),
        },
        SiteLang::En => match rng.below(3) {
            0 => format!("By {} {}", rng.pick(EN_FIRST), rng.pick(EN_LAST)),
            1 => format!("{} (Reuters) -", rng.pick(EN_PLACES).to_uppercase()),
            _ => "Staff reporter".to_string(),
        },
    }
}

/// Replaces one word outside `protect` (a byte range) by a different vocabulary word.
/// Returns the text unchanged only if it has no replaceable word.
pub fn edit_word(text: &str, lang: SiteLang, rng: &mut Rng, protect: std::ops::Range<usize>) -> String {
    let words: Vec<(usize, &str)> = text
        .split(' ')
        .scan(0usize, |off, w| {
            let start = *off;
            *off += w.len() + 1;
            Some((start, w))
        })
        .filter(|(s, w)| {
            let end = s + w.len();
            (end <= protect.start || *s >= protect.end)
                && w.chars().count() >= 2
                && w.chars().all(|c| c.is_alphabetic() || c == '\u{200c}')
        })
        .collect();
    if words.is_empty() {
        return text.to_string();
    }
    let (start, old) = words[rng.below(words.len())];
    let vocab = match lang {
        SiteLang::Fa => FA_NOUNS,
        SiteLang::En => EN_NOUNS,
    };
    let mut new = rng.pick(vocab);
    while new == old || new.split(' ').any(|p| p == old) {
        new = rng.pick(vocab);
    }
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..start]);
    out.push_str(new);
    out.push_str(&text[start + old.len()..]);
    out
}
