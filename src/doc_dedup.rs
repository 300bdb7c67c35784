//! Near-duplicate documents, found between the two passes from the MinHash
//! signatures of the first: LSH buckets name candidate pairs, each pair is
//! verified on the exact Jaccard similarity of the two documents' shingle sets,
//! verified pairs are joined by union-find, and each cluster keeps one
//! document (`--keep first|longest`). A bucket collision alone never removes
//! a document.
//!
//! Every step is sorted or keyed by document id, so the clusters do not depend
//! on the thread count. Memory is the signatures (4 bytes × bands × rows per
//! document, 448 bytes at the default 14 × 8), 16 bytes per document for each
//! band being bucketed (one per thread at a time), and the candidate pairs
//! (8 bytes each; at most 5 per document and band). The shingle sets of two
//! documents are gathered only while they are compared.

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
/// A candidate whose signatures agree on a share this far below the threshold
/// is not worth the exact comparison (the estimate's standard error at 112
/// values is under 0.05).
const AGREEMENT_MARGIN: f64 = 0.2;

/// Finds the near-duplicate documents among those of `index` that have a signature.
pub fn find(index: &CorpusIndex, rules: &DocRules) -> NearDocs {
    let signed: Vec<(DocId, &[u32])> = index.signatures().collect();
    let mut pairs: Vec<u64> = (0..rules.bands)
        .into_par_iter()
        .flat_map_iter(|band| bucket_pairs(&signed, band, rules.rows))
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let signature_of: HashMap<DocId, &[u32]> = signed.iter().copied().collect();
    let threshold = rules.doc_threshold;
    let verified: Vec<(DocId, DocId)> = pairs
        .par_iter()
        .map(|&p| ((p >> 32) as DocId, p as DocId))
        .filter(|&(a, b)| {
            minhash::agreement(signature_of[&a], signature_of[&b]) >= threshold - AGREEMENT_MARGIN
                && minhash::jaccard(&index.doc_shingles(a), &index.doc_shingles(b)) >= threshold
        })
        .collect();

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
                .max_by(|&x, &y| index.doc_bytes(x).cmp(&index.doc_bytes(y)).then(y.cmp(&x)))
                .unwrap_or(id),
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
            per_mille(minhash::jaccard(
                &index.doc_shingles(d),
                &index.doc_shingles(kept),
            ))
        })
        .collect();
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
    NearDocs {
        members,
        clusters,
        candidate_pairs: pairs.len() as u64,
        verified_pairs: verified.len() as u64,
    }
}

/// The candidate pairs (earlier << 32 | later) of one band's buckets.
fn bucket_pairs(signed: &[(DocId, &[u32])], band: usize, rows: usize) -> Vec<u64> {
    let mut keys: Vec<(u64, DocId)> = signed
        .iter()
        .map(|&(d, sig)| (minhash::band_key(sig, band, rows), d))
        .collect();
    keys.sort_unstable();
    let mut pairs = Vec::new();
    for bucket in keys.chunk_by(|x, y| x.0 == y.0).filter(|b| b.len() > 1) {
        let pack = |a: DocId, b: DocId| (u64::from(a) << 32) | u64::from(b);
        for i in 1..bucket.len() {
            let later = bucket[i].1;
            pairs.push(pack(bucket[0].1, later));
            for earlier in &bucket[i.saturating_sub(BUCKET_NEIGHBOURS).max(1)..i] {
                pairs.push(pack(earlier.1, later));
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
