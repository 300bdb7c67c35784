//! Why a line is removed: the reasons, one per rule (and two that follow
//! the others). A leaf module, so that the options can name rules.

use serde::{Deserialize, Serialize};

/// Why a line was removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    DupDoc,
    NearDupDoc,
    Chrome,
    ChromeSuffix,
    RepeatInDoc,
    NearRepeatInDoc,
    DupAcrossDocs,
    NearDupAcrossDocs,
    Blank,
    Empty,
}

impl Reason {
    pub const ALL: [Reason; 10] = [
        Reason::DupDoc,
        Reason::NearDupDoc,
        Reason::Chrome,
        Reason::ChromeSuffix,
        Reason::RepeatInDoc,
        Reason::NearRepeatInDoc,
        Reason::DupAcrossDocs,
        Reason::NearDupAcrossDocs,
        Reason::Blank,
        Reason::Empty,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reason::DupDoc => "dup_doc",
            Reason::NearDupDoc => "near_dup_doc",
            Reason::Chrome => "chrome",
            Reason::ChromeSuffix => "chrome_suffix",
            Reason::RepeatInDoc => "repeat_in_doc",
            Reason::NearRepeatInDoc => "near_repeat_in_doc",
            Reason::DupAcrossDocs => "dup_across_docs",
            Reason::NearDupAcrossDocs => "near_dup_across_docs",
            Reason::Blank => "blank",
            Reason::Empty => "empty",
        }
    }

    /// Reasons whose removed lines are listed among the most frequent.
    pub fn is_line_duplicate(self) -> bool {
        matches!(
            self,
            Reason::RepeatInDoc | Reason::NearRepeatInDoc | Reason::DupAcrossDocs | Reason::NearDupAcrossDocs
        )
    }
}
