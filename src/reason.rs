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

    /// `blank` and `empty`: removals that follow those of the other rules
    /// (a separator beside a removed block, a document with nothing left).
    pub fn follows_others(self) -> bool {
        matches!(self, Reason::Blank | Reason::Empty)
    }

    /// Reasons whose removed lines are listed among the most frequent.
    pub fn is_line_duplicate(self) -> bool {
        matches!(
            self,
            Reason::RepeatInDoc | Reason::NearRepeatInDoc | Reason::DupAcrossDocs | Reason::NearDupAcrossDocs
        )
    }
}

/// The rules a run applies (`--rules`), by the reason each gives. `blank`
/// and `empty` follow the others and always apply. `chrome` comes with
/// `chrome_suffix` (the name stands for both); `chrome_suffix` can run
/// alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleSet(u16);

impl RuleSet {
    pub fn all() -> RuleSet {
        RuleSet(RuleSet::rules().fold(0, |set, r| set | RuleSet::bit(r)))
    }

    /// The reasons that can be chosen, in [`Reason::ALL`] order: all but
    /// those that follow the others.
    fn rules() -> impl Iterator<Item = Reason> {
        Reason::ALL.into_iter().filter(|r| !r.follows_others())
    }

    fn of(reasons: &[Reason]) -> RuleSet {
        RuleSet(reasons.iter().fold(0, |set, &r| set | RuleSet::bit(r)))
    }

    fn bit(r: Reason) -> u16 {
        1 << r as u16
    }

    /// Whether lines may be removed for `reason`.
    pub fn runs(self, reason: Reason) -> bool {
        reason.follows_others() || self.0 & RuleSet::bit(reason) != 0
    }

    /// The names of the rules, in [`Reason::ALL`] order.
    pub fn names(self) -> Vec<&'static str> {
        RuleSet::rules()
            .filter(|&r| self.runs(r))
            .map(Reason::name)
            .collect()
    }
}

impl std::str::FromStr for RuleSet {
    type Err = String;

    /// A comma-separated list of rule names and groups: `all`, `dedup`
    /// (every duplicate rule), `chrome` (chrome lines and suffixes: the
    /// lines never run alone), or a reason name.
    fn from_str(list: &str) -> Result<RuleSet, String> {
        let mut set = RuleSet(0);
        for name in list.split(',').map(str::trim) {
            set.0 |= match name {
                "all" => RuleSet::all().0,
                "dedup" => RuleSet::all().0 & !RuleSet::of(&[Reason::Chrome, Reason::ChromeSuffix]).0,
                "chrome" => RuleSet::of(&[Reason::Chrome, Reason::ChromeSuffix]).0,
                _ => match RuleSet::rules().find(|r| r.name() == name) {
                    Some(r) => RuleSet::bit(r),
                    None => {
                        let names = RuleSet::all().names().join(", ");
                        return Err(format!(
                            "{name:?}: expected all, dedup, chrome or rule names ({names}), separated by commas"
                        ));
                    }
                },
            };
        }
        Ok(set)
    }
}

impl Serialize for RuleSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_named_alone_or_in_groups() {
        let set = |s: &str| s.parse::<RuleSet>().unwrap().names();
        assert_eq!(set("all"), RuleSet::all().names());
        assert_eq!(set("chrome"), ["chrome", "chrome_suffix"]);
        assert_eq!(
            set("dedup"),
            [
                "dup_doc",
                "near_dup_doc",
                "repeat_in_doc",
                "near_repeat_in_doc",
                "dup_across_docs",
                "near_dup_across_docs"
            ]
        );
        assert_eq!(set("dup_doc, chrome_suffix"), ["dup_doc", "chrome_suffix"]);
        let chrome: RuleSet = "chrome".parse().unwrap();
        assert!(chrome.runs(Reason::Blank) && chrome.runs(Reason::Empty));
        assert!(!chrome.runs(Reason::DupDoc));
        assert!("chrome,nope".parse::<RuleSet>().unwrap_err().contains("\"nope\""));
        assert!("".parse::<RuleSet>().is_err());
    }
}
