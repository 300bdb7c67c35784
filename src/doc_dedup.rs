//! Near-duplicate documents, found between the two passes from the MinHash
//! signatures of the first: LSH buckets name candidate pairs, each pair is
//! verified on the exact [`minhash::resemblance`] of the two documents'
//! shingle sets (those of their word stream, wherever its line breaks fall),
//! verified pairs are joined by union-find, and each cluster keeps one
//! document (`--keep first|longest`). A bucket collision alone never removes
//! a document.
//!
//! Every step is sorted or keyed by document id, so the clusters do not depend
//! on the thread count. The band keys come through an exchange (16 bytes per
//! document and band, spilled past the budget) and are bucketed a partition
//! at a time; the candidate pairs are held (8 bytes each; at most 5 per
//! document and band). The signatures and shingle sets of two documents are
//! read from the document store only while they are compared.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::config::{DocRules, Keep};
use crate::doc::DocId;
use crate::fingerprint::per_mille;
use crate::index::CorpusIndex;
use crate::minhash;
pub use crate::near_docs::{ClusterInfo, Member, NearDocs};

/// Within one bucket, a document is compared with the bucket's first document
/// and with this many documents before it (a story crawled hundreds of times
/// fills one bucket: comparing all pairs would be quadratic, and the chain of
/// neighbours already joins them).
const BUCKET_NEIGHBOURS: usize = 4;
/// A candidate whose signatures agree on a share this far below the least
/// Jaccard similarity of a near duplicate ([`minhash::jaccard_floor`]) is
/// not worth the exact comparison (the estimate's standard error at 112
/// values is under 0.05).
const AGREEMENT_MARGIN: f64 = 0.2;

/// Finds the near-duplicate documents among those of `index` that have a signature.
pub fn find(index: &CorpusIndex, rules: &DocRules) -> crate::Result<NearDocs> {
    let mut pairs = candidate_pairs(index)?;
    pairs.par_sort_unstable();
    pairs.dedup();
    let threshold = rules.doc_threshold;
    let verified: Vec<(DocId, DocId)> = pairs
        .par_iter()
        .map(|&(a, b)| Ok(similar(index, a, b, threshold)?.then_some((a, b))))
        .filter_map(|r| r.transpose())
        .collect::<crate::Result<_>>()?;

    // Union-find; the root of a set is its smallest document.
    let mut parent: HashMap<DocId, DocId> = HashMap::new();
    for &(a, b) in &verified {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        parent.insert(hi, lo);
    }
    let docs: Vec<DocId> = {
        let mut d: Vec<DocId> = parent.keys().copied().collect();
        d.sort_unstable();
        d
    };
    let mut by_cluster: Vec<(DocId, DocId)> = docs.iter().map(|&d| (root(&mut parent, d), d)).collect();
    by_cluster.sort_unstable();

    let mut clusters = Vec::new();
    let mut removed: Vec<(DocId, DocId)> = Vec::new();
    for group in by_cluster.chunk_by(|x, y| x.0 == y.0) {
        let id = group[0].0;
        let kept = match rules.keep {
            Keep::First => id,
            // The most bytes; of equals, the first.
            Keep::Longest => group
                .iter()
                .map(|&(_, d)| d)
                .map(|d| Ok((index.doc_bytes(d)?, d)))
                .collect::<crate::Result<Vec<_>>>()?
                .into_iter()
                .max_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)))
                .map_or(id, |(_, d)| d),
        };
        clusters.push(ClusterInfo {
            id,
            kept,
            size: group.len() as u32,
        });
        removed.extend(group.iter().filter(|&&(_, d)| d != kept).map(|&(_, d)| (d, kept)));
    }
    // The similarity reported is with the kept document, which a chain of
    // verified pairs may have joined only indirectly. (The kept document's set
    // is gathered again for each removed one: holding them all would make
    // memory grow with the text of the clusters.)
    let similarity: Vec<u16> = removed
        .par_iter()
        .map(|&(d, kept)| {
            let (a, b) = (index.doc_shingles(d)?, index.doc_shingles(kept)?);
            Ok(per_mille(minhash::resemblance(&a, &b)))
        })
        .collect::<crate::Result<_>>()?;
    let mut members: HashMap<DocId, Member> = by_cluster
        .iter()
        .map(|&(cluster, d)| {
            (
                d,
                Member {
                    cluster,
                    removed: None,
                },
            )
        })
        .collect();
    for (&(d, kept), &s) in removed.iter().zip(&similarity) {
        if let Some(m) = members.get_mut(&d) {
            m.removed = Some((kept, s));
        }
    }
    Ok(NearDocs {
        members,
        clusters,
        candidate_pairs: pairs.len() as u64,
        verified_pairs: verified.len() as u64,
    })
}

/// Whether two documents are near duplicates: their signatures agree
/// enough to be worth the exact comparison, and the
/// [`minhash::resemblance`] of their shingle sets reaches `threshold`.
fn similar(index: &CorpusIndex, a: DocId, b: DocId, threshold: f64) -> crate::Result<bool> {
    let agreement = minhash::agreement(&index.signature(a)?, &index.signature(b)?);
    if agreement < minhash::jaccard_floor(threshold) - AGREEMENT_MARGIN {
        return Ok(false);
    }
    let (a, b) = (index.doc_shingles(a)?, index.doc_shingles(b)?);
    Ok(minhash::resemblance(&a, &b) >= threshold)
}

/// The candidate pairs (earlier << 32 | later) of all bands' buckets, a
/// partition of band keys at a time: the documents of a bucket are those of
/// the run that are no exact copy with that band key (a key is one band's,
/// whatever the document).
fn candidate_pairs(index: &CorpusIndex) -> crate::Result<Vec<(DocId, DocId)>> {
    let bands = index.bands();
    let per_partition: Vec<Vec<(DocId, DocId)>> = (0..bands.partitions())
        .into_par_iter()
        .map(|p| {
            let mut keys: Vec<(u64, DocId)> = Vec::new();
            bands.for_each(p, |b| {
                let doc = b.doc;
                if !index.is_copy_or_left_out(doc) {
                    keys.push((b.key, doc));
                }
            })?;
            Ok(bucket_pairs(keys))
        })
        .collect::<crate::Result<_>>()?;
    Ok(per_partition.concat())
}

/// The candidate pairs (earlier, later) of the buckets of some band keys.
fn bucket_pairs(mut keys: Vec<(u64, DocId)>) -> Vec<(DocId, DocId)> {
    keys.sort_unstable();
    let mut pairs = Vec::new();
    for bucket in keys.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() > 1) {
        for i in 1..bucket.len() {
            let later = bucket[i].1;
            pairs.push((bucket[0].1, later));
            for earlier in &bucket[i.saturating_sub(BUCKET_NEIGHBOURS).max(1)..i] {
                pairs.push((earlier.1, later));
            }
        }
    }
    pairs
}

fn root(parent: &mut HashMap<DocId, DocId>, d: DocId) -> DocId {
    let mut r = *parent.entry(d).or_insert(d);
    while parent[&r] != r {
        r = parent[&r];
    }
    // Path compression.
    let mut x = d;
    while x != r {
        let next = parent[&x];
        parent.insert(x, r);
        x = next;
    }
    r
}
