//! Throughput of line normalization, line by line as the tool runs it:
//! Persian news (the sample seeds), English news prose, and worst cases that
//! keep the normalizer off its fast path.

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use textsieve::normalize::{normalize_into, Digits};
use unicode_normalization::UnicodeNormalization;

const PERSIAN: [&str; 5] = [
    include_str!("../samples/seeds/000_7a1cd4cb3cb5c2ea.txt"),
    include_str!("../samples/seeds/001_18a5eeb6be95b0b1.txt"),
    include_str!("../samples/seeds/002_de4479e4430be0e3.txt"),
    include_str!("../samples/seeds/003_dd600656ab7ede0e.txt"),
    include_str!("../samples/seeds/004_16c936f3609acb99.txt"),
];

const ENGLISH: &str = "\
The city council voted on Tuesday evening to approve a revised budget for the coming fiscal year, \
ending weeks of debate over how to close a projected shortfall of $14.2 million. The plan, which \
passed 7-2, trims spending on road maintenance by 6% and delays the renovation of two branch \
libraries until 2026, while keeping funding for after-school programs at last year's level.
\"We made hard choices, and not everyone is happy with them,\" said Mayor Linda Okafor, who had \
urged members to reach an agreement before the July 1 deadline. \"But this budget protects the \
services residents rely on most.\"
Opponents argued that the cuts fall hardest on neighborhoods that already wait the longest for \
repairs. Councilman David Reyes, one of the two dissenting votes, said potholes on the east side \
had been reported as many as three times without a response. \"Deferring maintenance is not \
saving money,\" he said. \"It is borrowing from next year at a very high interest rate.\"
The budget also includes a modest increase in parking fees downtown, from $1.50 to $2.00 an hour, \
expected to raise about $800,000 annually. Business owners who spoke during the public comment \
period were divided: some warned that higher fees would keep shoppers away, while others said \
turnover of spaces would actually help stores that depend on quick visits.
Meanwhile, the regional transit authority announced on Wednesday that ridership on its bus \
network had returned to 91 percent of pre-pandemic levels, the highest figure since early 2020. \
Officials credited new express routes and a fare-capping program introduced last autumn, under \
which riders pay no more than $5 a day regardless of how many trips they take.
\"People come back when the service is reliable,\" said Maria Chen, the authority's chief \
operating officer. She added that the agency plans to hire 120 additional drivers over the next \
18 months to reduce gaps between buses on its busiest corridors.
In other business, the council approved a zoning change allowing a 12-story residential \
building near the central train station. The project, proposed by a local developer, would add \
roughly 240 apartments, 15% of them reserved for households earning less than the area's median \
income. Construction could begin as early as next spring if the remaining permits are issued.
Weather forecasters, for their part, expect temperatures to climb above 35 degrees Celsius by the \
weekend. The health department has opened four cooling centers and reminded residents to check \
on elderly neighbors, drink plenty of water and avoid strenuous activity during the hottest hours \
of the afternoon.
Schools in the district will close early on Friday, and the city's outdoor pools will extend \
their hours until 9 p.m. through the end of the month. Utility officials said the power grid \
had enough reserve capacity to handle the expected peak in demand, but asked customers to run \
dishwashers and washing machines after sunset when possible.";

/// Persian text as some PDF extractors and old sites write it: letters as
/// Arabic presentation forms, 'لا' as the U+FEFB ligature, a fatha after
/// every other letter, NBSP for spaces. Nearly every char is NFKC-unsafe;
/// most take the normalizer's table shortcuts, the ligatures take NFKC.
fn harakat_forms() -> String {
    // Letter -> a presentation form of it.
    let mut forms = HashMap::new();
    for cp in (0xFB50..=0xFDFF).chain(0xFE70..=0xFEFF) {
        let Some(form) = char::from_u32(cp) else {
            continue;
        };
        let mut nfkc = std::iter::once(form).nfkc();
        if let (Some(letter), None) = (nfkc.next(), nfkc.next()) {
            forms.entry(letter).or_insert(form);
        }
    }
    let mut s = String::new();
    for text in PERSIAN {
        let text = text.replace("لا", "\u{FEFB}");
        for (n, c) in text.chars().enumerate() {
            match c {
                ' ' => s.push('\u{00A0}'),
                _ => {
                    s.push(forms.get(&c).copied().unwrap_or(c));
                    if n % 2 == 0 && forms.contains_key(&c) {
                        s.push('\u{064E}');
                    }
                }
            }
        }
        s.push('\n');
    }
    s
}

/// Persian text with a combining hamza above (U+0654) after every letter:
/// NFKC has to compose (و + U+0654 -> ؤ) or keep it, so every char goes
/// through the NFKC iterator.
fn combining_hamza() -> String {
    let mut s = String::new();
    for text in PERSIAN {
        for c in text.chars() {
            s.push(c);
            if ('\u{0621}'..='\u{06CC}').contains(&c) {
                s.push('\u{0654}');
            }
        }
        s.push('\n');
    }
    s
}

fn run(text: &str, digits: Digits, out: &mut String) -> usize {
    let mut n = 0;
    for line in text.split('\n') {
        n += normalize_into(line, digits, out);
    }
    n
}

const MODES: [(&str, Digits); 2] = [("ascii", Digits::Ascii), ("masked", Digits::Masked)];

fn bench_group(c: &mut Criterion, name: &str, text: &str) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(text.len() as u64));
    let mut out = String::new();
    for (label, digits) in MODES {
        group.bench_with_input(BenchmarkId::from_parameter(label), text, |b, text| {
            b.iter(|| run(black_box(text), digits, &mut out))
        });
    }
    group.finish();
}

fn worst_case(c: &mut Criterion) {
    let mut group = c.benchmark_group("worst_case");
    let mut out = String::new();
    for (name, text) in [
        ("harakat_forms", harakat_forms()),
        ("combining_hamza", combining_hamza()),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        for (label, digits) in MODES {
            group.bench_with_input(BenchmarkId::new(name, label), &text, |b, text| {
                b.iter(|| run(black_box(text), digits, &mut out))
            });
        }
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    let persian = PERSIAN.join("\n");
    bench_group(c, "persian", &persian);
    bench_group(c, "english", ENGLISH);
    worst_case(c);
}

criterion_group!(normalize, benches);
criterion_main!(normalize);
