//! Sequential, cheap planning: which site each document belongs to, whether it is a re-crawl or
//! syndicated copy (and of which earlier document), which shared quotes and near-copied
//! passages it contains (and whether it is their first occurrence in corpus order), teasers and
//! pasted-twice bodies. Rendering later turns each plan into text independently and in parallel.

use super::lang::SiteLang;
use super::rng::{derive, Rng};
use super::site::Site;
use super::Rates;

pub const TAG_PLAN: u64 = 0x91A7;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Normal,
    ExactDup { src: u32 },
    NearDup { src: u32 },
}

/// A shared paragraph placed at body position `pos`: a quote (exact copies) or a passage
/// (near copies). `first` marks its first occurrence in corpus order.
#[derive(Clone, Copy, Debug)]
pub struct Shared {
    pub pos: u8,
    pub quote: bool,
    pub id: u32,
    pub first: bool,
}

#[derive(Clone, Debug)]
pub struct DocPlan {
    pub idx: u32,
    pub site: u32,
    pub kind: Kind,
    pub n_paras: u8,
    pub shared: Vec<Shared>,
    /// A teaser line (cut copy of paragraph `t`) is put right before paragraph `t`.
    pub teaser: Option<u8>,
    /// Body paragraphs `start..n_paras` are pasted again after the body; `near` = with edits.
    pub paste: Option<(u8, bool)>,
    pub byline: bool,
    /// The last sentence ends in a stock phrase ("…, he added.").
    pub alike_ending: bool,
    pub final_newline: bool,
    /// Copies only: add encoding noise on top of the source's style.
    pub copy_noise: bool,
}

pub fn lang_index(l: SiteLang) -> usize {
    match l {
        SiteLang::Fa => 0,
        SiteLang::En => 1,
    }
}

pub struct Planner {
    seed: u64,
    rates: Rates,
    pub plans: Vec<DocPlan>,
    /// Normal documents per language, in corpus order.
    normal: [Vec<u32>; 2],
    /// Index into `normal[l]` where the current site's documents start.
    site_start: [usize; 2],
    quote_seen: [Vec<bool>; 2],
    passage_seen: [Vec<bool>; 2],
}

impl Planner {
    pub fn new(seed: u64, rates: &Rates, est_docs: u64) -> Planner {
        let nq = ((est_docs as f64 * rates.shared_quote / 3.0) as usize).clamp(4, 1 << 24);
        let np = ((est_docs as f64 * rates.near_dup_paragraph / 2.0) as usize).clamp(4, 1 << 24);
        Planner {
            seed,
            rates: rates.clone(),
            plans: Vec::new(),
            normal: [Vec::new(), Vec::new()],
            site_start: [0, 0],
            quote_seen: [vec![false; nq], vec![false; nq]],
            passage_seen: [vec![false; np], vec![false; np]],
        }
    }

    pub fn start_site(&mut self) {
        self.site_start = [self.normal[0].len(), self.normal[1].len()];
    }

    pub fn plan_next(&mut self, site: &Site) -> &DocPlan {
        let idx = self.plans.len() as u32;
        let mut rng = Rng::new(derive(self.seed, TAG_PLAN, idx as u64));
        let r = &self.rates;
        let li = lang_index(site.lang);
        let normals = &self.normal[li];
        let final_newline = rng.chance(r.final_newline);
        let copy_noise = rng.chance(r.copy_noise);
        let mut kind = Kind::Normal;
        if !normals.is_empty() {
            let u = rng.f64();
            if u < r.exact_dup_doc {
                let own = &normals[self.site_start[li]..];
                let src = if !own.is_empty() && rng.chance(0.7) {
                    own[own.len() - 1 - rng.below(own.len().min(50))]
                } else {
                    rng.pick(normals)
                };
                kind = Kind::ExactDup { src };
            } else if u < r.exact_dup_doc + r.near_dup_doc {
                let others = &normals[..self.site_start[li]];
                let src = if !others.is_empty() {
                    rng.pick(others)
                } else {
                    rng.pick(normals)
                };
                kind = Kind::NearDup { src };
            }
        }
        let mut plan = DocPlan {
            idx,
            site: site.index,
            kind,
            n_paras: 0,
            shared: Vec::new(),
            teaser: None,
            paste: None,
            byline: false,
            alike_ending: false,
            final_newline,
            copy_noise,
        };
        if kind == Kind::Normal {
            let n = rng.range(4, 25) as u8;
            plan.n_paras = n;
            plan.byline = rng.chance(r.byline);
            let mut free: Vec<u8> = (1..n).collect();
            let mut take = |rng: &mut Rng| -> Option<u8> {
                if free.is_empty() {
                    return None;
                }
                let i = rng.below(free.len());
                Some(free.swap_remove(i))
            };
            if rng.chance(r.shared_quote) {
                let k = rng.range(1, 2);
                let pool = self.quote_seen[li].len();
                let mut ids: Vec<u32> = Vec::new();
                for _ in 0..k {
                    let id = rng.below(pool) as u32;
                    if ids.contains(&id) {
                        continue;
                    }
                    let Some(pos) = take(&mut rng) else { break };
                    ids.push(id);
                    let first = !self.quote_seen[li][id as usize];
                    self.quote_seen[li][id as usize] = true;
                    plan.shared.push(Shared {
                        pos,
                        quote: true,
                        id,
                        first,
                    });
                }
            }
            if rng.chance(r.near_dup_paragraph) {
                let id = rng.below(self.passage_seen[li].len()) as u32;
                if let Some(pos) = take(&mut rng) {
                    let first = !self.passage_seen[li][id as usize];
                    self.passage_seen[li][id as usize] = true;
                    plan.shared.push(Shared {
                        pos,
                        quote: false,
                        id,
                        first,
                    });
                }
            }
            if rng.chance(r.teaser) {
                plan.teaser = take(&mut rng);
            }
            if rng.chance(r.paste_body) {
                let start = rng.below(n as usize / 2) as u8;
                plan.paste = Some((start, rng.chance(r.paste_near)));
            }
            // Drawn apart, so that the plans above stay as they were.
            plan.alike_ending = Rng::new(derive(self.seed, 0xE4D, idx as u64)).chance(r.alike_ending);
            self.normal[li].push(idx);
        }
        self.plans.push(plan);
        self.plans.last().expect("just pushed")
    }

    /// Forgets every plan from `keep` on, undoing their effect on the first-occurrence state.
    pub fn rollback(&mut self, keep: usize, sites: &[Site]) {
        while self.plans.len() > keep {
            let p = self.plans.pop().expect("len > keep");
            let li = lang_index(sites[p.site as usize].lang);
            for s in &p.shared {
                if s.first {
                    let seen = if s.quote {
                        &mut self.quote_seen[li]
                    } else {
                        &mut self.passage_seen[li]
                    };
                    seen[s.id as usize] = false;
                }
            }
            if p.kind == Kind::Normal {
                let popped = self.normal[li].pop();
                debug_assert_eq!(popped, Some(p.idx));
            }
        }
    }
}
