//! The stats' lists of removed lines (the lines removed most, and each
//! site's chrome) in bounded memory, exact whatever the corpus size.
//!
//! The second pass hands its documents' removed lines over a batch at a
//! time. Each batch sums its own (one record per line key, or per site and
//! chrome key, or per site), stores the first sample text of each once, and
//! sends the records through an exchange by key (or by site). At the end each
//! partition sums its keys: read in batch order, the first record of a key
//! holds its first sample in corpus order. A partition's best entries are
//! chosen by count, reading sample texts only where counts tie, and the
//! partitions' best are merged.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64;

use crate::dataflow::{u32_at, u64_at, DocStore, Exchange, Exchanges, Record};
use crate::keymap::KeyMap;
use crate::Result;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopLine {
    pub text: String,
    pub lines: u64,
    pub docs: u64,
}

/// The chrome lines removed on one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SiteChrome {
    pub site: String,
    /// Chrome lines removed on this site.
    pub lines: u64,
    /// The most frequent of them (digits masked when counting): text and documents.
    pub top: Vec<TopLine>,
}

/// What a record counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// A removed duplicate line (`group` and `key`: its line key).
    Line = 0,
    /// A chrome line of a site (`group`: the site, `key`: its masked key).
    Chrome = 1,
    /// All the chrome lines of a site (`group` and `key`: the site; the
    /// sample is the site's name).
    Site = 2,
}

/// One batch's count of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Tally {
    /// What picks the partition: the line's key, or the site.
    group: u64,
    /// The line's key (its digit-masked key for chrome; the site for a site's total).
    line: u64,
    kind: Kind,
    /// The first sample text of the key in the batch, in the sample store.
    sample: u64,
    lines: u64,
    docs: u32,
}

impl Record for Tally {
    const BYTES: usize = 36;
    fn key(&self) -> u64 {
        self.group
    }
    fn encode(&self, out: &mut Vec<u8>) {
        for v in [self.group, self.line, self.sample, self.lines] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&(self.docs << 2 | self.kind as u32).to_le_bytes());
    }
    fn decode(b: &[u8]) -> Tally {
        let last = u32_at(b, 32);
        let kind = match last & 3 {
            0 => Kind::Line,
            1 => Kind::Chrome,
            _ => Kind::Site,
        };
        Tally {
            group: u64_at(b, 0),
            line: u64_at(b, 8),
            sample: u64_at(b, 16),
            lines: u64_at(b, 24),
            docs: last >> 2,
            kind,
        }
    }
}

/// Counts summed over batches, with the first sample.
#[derive(Clone, Copy, Debug, Default)]
struct Count {
    lines: u64,
    docs: u64,
    sample: u64,
}

/// How far [`Tallies::persist`] got: batches handed over, samples stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TalliesAt {
    pub batches: u32,
    pub samples: u64,
}

/// The removed lines of a run, counted (see the module docs).
pub struct Tallies {
    /// Removed duplicate lines by key; chrome lines and site totals by site.
    lines: Exchange<Tally>,
    chrome: Exchange<Tally>,
    samples: DocStore,
    /// The batch being counted: per (kind, group, key), its count.
    batch: HashMap<(Kind, u64, u64), Count>,
    /// Batches handed over: the task number of the next.
    batches: u32,
}

impl Tallies {
    pub fn new(exchanges: &Exchanges) -> Tallies {
        let path = exchanges.dir.as_ref().map(|d| d.join("samples"));
        Tallies {
            lines: exchanges.make("removed-lines"),
            chrome: exchanges.make("chrome-lines"),
            samples: DocStore::new(path, exchanges.budget.clone()),
            batch: HashMap::new(),
            batches: 0,
        }
    }

    /// Hands the batch's counts over and writes everything counted so far
    /// to the work folder (see [`Exchange::persist`]); returns what
    /// [`Tallies::reopen`] needs to go on from here.
    pub fn persist(&mut self) -> Result<TalliesAt> {
        self.end_batch()?;
        self.lines.persist()?;
        self.chrome.persist()?;
        self.samples.persist()?;
        Ok(TalliesAt {
            batches: self.batches,
            samples: self.samples.len() as u64,
        })
    }

    /// The tallies that [`Tallies::persist`] left in the work folder of
    /// `exchanges` when it returned `at`.
    pub fn reopen(exchanges: &Exchanges, at: TalliesAt) -> Result<Tallies> {
        let Some(dir) = &exchanges.dir else {
            return Ok(Tallies::new(exchanges));
        };
        let samples = usize::try_from(at.samples).unwrap_or(usize::MAX);
        Ok(Tallies {
            lines: exchanges.reopen("removed-lines", at.batches)?,
            chrome: exchanges.reopen("chrome-lines", at.batches)?,
            samples: DocStore::reopen(dir.join("samples"), exchanges.budget.clone(), samples)?,
            batch: HashMap::new(),
            batches: at.batches,
        })
    }

    /// A duplicate line removed `lines` times from one document.
    pub fn add_line(&mut self, key: u64, sample: &str, lines: u64) -> Result<()> {
        self.add(Kind::Line, key, key, sample, lines, 1)
    }

    /// A chrome line removed from one document of `site`.
    pub fn add_chrome(&mut self, site: &str, key: u64, sample: &str) -> Result<()> {
        self.add(Kind::Chrome, xxh3_64(site.as_bytes()), key, sample, 1, 1)
    }

    /// `lines` chrome lines removed from one document of `site`.
    pub fn add_site(&mut self, site: &str, lines: u64) -> Result<()> {
        let group = xxh3_64(site.as_bytes());
        self.add(Kind::Site, group, group, site, lines, 0)
    }

    fn add(&mut self, kind: Kind, group: u64, key: u64, sample: &str, lines: u64, docs: u64) -> Result<()> {
        let count = match self.batch.entry((kind, group, key)) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                // The batch's first sample of the key: stored once.
                let at = self.samples.len() as u64;
                self.samples.push(sample.as_bytes())?;
                e.insert(Count {
                    sample: at,
                    ..Count::default()
                })
            }
        };
        count.lines += lines;
        count.docs += docs;
        Ok(())
    }

    /// Hands the batch's counts over. Batches are counted in the order handed over.
    pub fn end_batch(&mut self) -> Result<()> {
        let mut lines = self.lines.producer(self.batches);
        let mut chrome = self.chrome.producer(self.batches);
        self.batches += 1;
        for ((kind, group, key), c) in self.batch.drain() {
            let tally = Tally {
                group,
                line: key,
                kind,
                sample: c.sample,
                lines: c.lines,
                // A batch has far fewer than 2^30 documents.
                docs: c.docs.min(u64::from(u32::MAX >> 2)) as u32,
            };
            match kind {
                Kind::Line => lines.push(&tally)?,
                Kind::Chrome | Kind::Site => chrome.push(&tally)?,
            }
        }
        lines.finish()?;
        chrome.finish()
    }
}

/// A line of a list being chosen: the order of the lists is more lines,
/// then more documents, then the text, then the key (so that two lines
/// whose samples agree have an order too).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Ranked {
    lines: Reverse<u64>,
    docs: Reverse<u64>,
    text: String,
    key: u64,
}

impl From<Ranked> for TopLine {
    fn from(r: Ranked) -> TopLine {
        TopLine {
            text: r.text,
            lines: r.lines.0,
            docs: r.docs.0,
        }
    }
}

/// A site's chrome lines as one partition sums them.
#[derive(Default)]
struct SiteCount {
    lines: u64,
    name: Option<u64>,
    keys: KeyMap<Count>,
}

impl Tallies {
    /// The `n` lines removed most often (see [`Ranked`] for ties).
    pub fn top_lines(&mut self, n: usize) -> Result<Vec<TopLine>> {
        self.samples.seal()?;
        let this = &*self;
        let per_partition: Vec<Vec<Ranked>> = (0..this.lines.partitions())
            .into_par_iter()
            .map(|p| {
                let mut counts: KeyMap<Count> = KeyMap::default();
                this.lines.for_each(p, |t| add_up(&mut counts, &t))?;
                this.best(counts.into_iter().collect(), n)
            })
            .collect::<Result<_>>()?;
        Ok(merge(per_partition.concat(), n)
            .into_iter()
            .map(TopLine::from)
            .collect())
    }

    /// The `sites` sites with the most chrome lines (of equals, by name),
    /// each with its `per_site` chrome lines seen in most documents.
    pub fn chrome_by_site(&mut self, sites: usize, per_site: usize) -> Result<Vec<SiteChrome>> {
        self.samples.seal()?;
        let this = &*self;
        let per_partition: Vec<Vec<SiteChrome>> = (0..this.chrome.partitions())
            .into_par_iter()
            .map(|p| {
                let mut counts: KeyMap<SiteCount> = KeyMap::default();
                this.chrome.for_each(p, |t| {
                    let site = counts.entry(t.group).or_default();
                    match t.kind {
                        Kind::Site => {
                            site.lines += t.lines;
                            site.name.get_or_insert(t.sample);
                        }
                        _ => add_up(&mut site.keys, &t),
                    }
                })?;
                this.best_sites(counts, sites, per_site)
            })
            .collect::<Result<_>>()?;
        let mut all = per_partition.concat();
        all.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.site.cmp(&b.site)));
        all.truncate(sites);
        Ok(all)
    }

    /// One partition's `n` best sites, each with its `per_site` best lines.
    fn best_sites(&self, counts: KeyMap<SiteCount>, n: usize, per_site: usize) -> Result<Vec<SiteChrome>> {
        let mut named: Vec<(Reverse<u64>, String, KeyMap<Count>)> = Vec::with_capacity(counts.len());
        for site in counts.into_values() {
            let name = match site.name {
                Some(at) => self.sample(at)?,
                None => String::new(),
            };
            named.push((Reverse(site.lines), name, site.keys));
        }
        named.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        named.truncate(n);
        named
            .into_iter()
            .map(|(lines, site, keys)| {
                let top = merge(self.best(keys.into_iter().collect(), per_site)?, per_site);
                Ok(SiteChrome {
                    site,
                    lines: lines.0,
                    top: top.into_iter().map(TopLine::from).collect(),
                })
            })
            .collect()
    }

    /// The `n` best of some keys' counts. Only the texts that can make the
    /// list are read: those of the keys counted above the n-th, and of the
    /// keys tied with it, of which a heap keeps the best.
    fn best(&self, mut entries: Vec<(u64, Count)>, n: usize) -> Result<Vec<Ranked>> {
        if n == 0 || entries.is_empty() {
            return Ok(Vec::new());
        }
        let counted = |c: &Count| (Reverse(c.lines), Reverse(c.docs));
        entries.sort_unstable_by_key(|(key, c)| (counted(c), *key));
        let nth = counted(&entries[(n - 1).min(entries.len().saturating_sub(1))].1);
        let above = entries.partition_point(|(_, c)| counted(c) < nth);
        let mut best = Vec::with_capacity(n);
        let mut tied: BinaryHeap<Ranked> = BinaryHeap::new();
        for (key, c) in entries.into_iter().take_while(|(_, c)| counted(c) <= nth) {
            let ranked = Ranked {
                lines: Reverse(c.lines),
                docs: Reverse(c.docs),
                text: self.sample(c.sample)?,
                key,
            };
            if best.len() < above {
                best.push(ranked);
            } else {
                tied.push(ranked);
                if tied.len() > n - above {
                    tied.pop();
                }
            }
        }
        best.extend(tied);
        Ok(best)
    }

    fn sample(&self, at: u64) -> Result<String> {
        let bytes = self.samples.record(at as usize)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// Adds a batch's count of a key; the first batch's sample stays.
fn add_up(counts: &mut KeyMap<Count>, t: &Tally) {
    let c = counts.entry(t.line).or_insert(Count {
        sample: t.sample,
        ..Count::default()
    });
    c.lines += t.lines;
    c.docs += u64::from(t.docs);
}

/// The `n` best of some lines, best first.
fn merge(mut lines: Vec<Ranked>, n: usize) -> Vec<Ranked> {
    lines.sort_unstable();
    lines.truncate(n);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataflow::Budget;
    use proptest::prelude::*;

    /// One document's removed line: its key, sample and count; and its site.
    type Removal = (u64, String, u64, u8);

    fn exchanges(dir: &std::path::Path, budget: usize, partitions: u32) -> Exchanges {
        Exchanges {
            dir: Some(dir.to_path_buf()),
            budget: Budget::new(budget),
            partitions,
        }
    }

    /// A site's chrome lines, and per key its first sample and documents.
    type SiteLines = (u64, HashMap<u64, (String, u64)>);

    /// The lists counted the obvious way: everything in one map.
    fn naive(batches: &[Vec<Removal>], n: usize) -> (Vec<TopLine>, Vec<SiteChrome>) {
        let mut lines: HashMap<u64, (String, u64, u64)> = HashMap::new();
        let mut sites: HashMap<String, SiteLines> = HashMap::new();
        for (key, sample, n, site) in batches.iter().flatten() {
            let e = lines.entry(*key).or_insert((sample.clone(), 0, 0));
            e.1 += n;
            e.2 += 1;
            let s = sites.entry(format!("site{site}")).or_default();
            s.0 += n;
            s.1.entry(*key).or_insert((sample.clone(), 0)).1 += 1;
        }
        let rank = |v: Vec<(u64, String, u64, u64)>| -> Vec<TopLine> {
            let mut r: Vec<Ranked> = v
                .into_iter()
                .map(|(key, text, l, d)| Ranked {
                    lines: Reverse(l),
                    docs: Reverse(d),
                    text,
                    key,
                })
                .collect();
            r.sort();
            r.truncate(n);
            r.into_iter().map(TopLine::from).collect()
        };
        let top = rank(lines.into_iter().map(|(k, (t, l, d))| (k, t, l, d)).collect());
        let mut chrome: Vec<SiteChrome> = sites
            .into_iter()
            .map(|(site, (lines, keys))| SiteChrome {
                site,
                lines,
                top: rank(keys.into_iter().map(|(k, (t, d))| (k, t, d, d)).collect()),
            })
            .collect();
        chrome.sort_by(|a, b| b.lines.cmp(&a.lines).then_with(|| a.site.cmp(&b.site)));
        chrome.truncate(n);
        (top, chrome)
    }

    fn tallied(batches: &[Vec<Removal>], n: usize, ex: &Exchanges) -> (Vec<TopLine>, Vec<SiteChrome>) {
        let mut t = Tallies::new(ex);
        for batch in batches {
            for (key, sample, lines, site) in batch {
                let site = format!("site{site}");
                t.add_line(*key, sample, *lines).unwrap();
                t.add_site(&site, *lines).unwrap();
                t.add_chrome(&site, *key, sample).unwrap();
            }
            t.end_batch().unwrap();
        }
        (t.top_lines(n).unwrap(), t.chrome_by_site(n, n).unwrap())
    }

    fn removal() -> impl Strategy<Value = Removal> {
        // Few keys and short samples: many ties, and keys whose samples differ.
        (0u64..12, "[ab]{0,2}", 1u64..3, 0u8..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn lists_are_exact_whatever_the_budget_partitions_and_batches(
            batches in prop::collection::vec(prop::collection::vec(removal(), 0..12), 0..6),
            n in 0usize..6,
            budget in prop_oneof![Just(usize::MAX), 0usize..300],
            partitions in 1u32..5,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let ex = exchanges(dir.path(), budget, partitions);
            prop_assert_eq!(tallied(&batches, n, &ex), naive(&batches, n));
        }
    }

    #[test]
    fn the_first_sample_of_a_key_is_shown_and_ties_go_by_text() {
        let batches = vec![
            vec![(1, "late".to_string(), 1, 0), (2, "b".into(), 1, 0)],
            vec![
                (1, "later".into(), 1, 0),
                (3, "a".into(), 1, 0),
                (2, "b2".into(), 1, 0),
            ],
        ];
        let ex = Exchanges::in_memory();
        let (top, _) = tallied(&batches, 2, &ex);
        let texts: Vec<&str> = top.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            texts,
            ["b", "late"],
            "2 and 1 were removed twice; of equals, by text"
        );
        assert_eq!((top[0].lines, top[0].docs), (2, 2));
    }
}
