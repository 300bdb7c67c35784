//! What the document stage found: the clusters of near-duplicate documents,
//! each document's place in its cluster, and the pairs compared.

use std::collections::HashMap;

use crate::doc::DocId;

/// A document's place in a near-duplicate cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    /// The cluster: its first document in corpus order.
    pub cluster: DocId,
    /// For a removed document, the kept one and the exact Jaccard similarity
    /// with it, per mille.
    pub removed: Option<(DocId, u16)>,
}

/// One cluster of near-duplicate documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterInfo {
    pub id: DocId,
    pub kept: DocId,
    pub size: u32,
}

/// What the document stage found.
#[derive(Clone, Debug, Default)]
pub struct NearDocs {
    pub(crate) members: HashMap<DocId, Member>,
    /// In order of cluster id.
    pub clusters: Vec<ClusterInfo>,
    /// Distinct document pairs that shared an LSH bucket.
    pub candidate_pairs: u64,
    /// Of which verified as near duplicates.
    pub verified_pairs: u64,
}

impl NearDocs {
    pub fn member(&self, doc: DocId) -> Option<Member> {
        self.members.get(&doc).copied()
    }

    /// The documents removed, with their kept document.
    pub fn removed(&self) -> impl Iterator<Item = (DocId, DocId)> + '_ {
        self.members
            .iter()
            .filter_map(|(&d, m)| m.removed.map(|(kept, _)| (d, kept)))
    }
}
