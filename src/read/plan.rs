//! Which files make up the corpus, in corpus order, and where each one's
//! cleaned copy goes. Nothing is read or written here beyond directory listings.
//!
//! Output paths mirror the inputs relative to their deepest common folder: one
//! folder input maps to `OUT/<path in folder>`; several inputs keep the part of
//! their paths that tells them apart, so two files with one name never collide.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::compress::Compression;
use super::{display_path, Skip, SkipReason};
use crate::config::{CleanConfig, InputArg, STDIN_OUTPUT_NAME};
use crate::{Error, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// The whole file is one document.
    Text,
    /// One document per line (JSON object with a text field).
    Jsonl(Compression),
}

/// One file of the corpus.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file to read (for standard input: where it was saved).
    pub path: PathBuf,
    /// The name used in messages, stats and provenance: the path as the user gave it.
    pub display: String,
    /// The output file, relative to the output folder.
    pub out_rel: PathBuf,
    pub kind: SourceKind,
    /// Bytes on disk (for progress); 0 for standard input.
    pub size: u64,
    /// When it was last modified, as listed.
    pub modified: Option<SystemTime>,
    pub is_stdin: bool,
    /// The first folder under the input folder it was found in (its site by
    /// folder); empty for files at the top of an input folder or given directly.
    pub folder_site: String,
}

impl Source {
    /// How the file differs from when it was listed (gone, another size, or
    /// modified since), if it does. Standard input, saved by the run itself,
    /// never does.
    pub fn changed(&self) -> Option<SkipReason> {
        if self.is_stdin {
            return None;
        }
        let why = match fs::metadata(&self.path) {
            Err(e) => format!("cannot read it any more ({e})"),
            Ok(m) if m.len() != self.size => format!("{} bytes, now {}", self.size, m.len()),
            Ok(m) if m.modified().ok() != self.modified => "modified".to_string(),
            Ok(_) => return None,
        };
        Some(SkipReason::Changed(why))
    }
}

/// The corpus: its files in order, and what must never be written to.
#[derive(Debug, Default)]
pub struct InputPlan {
    pub sources: Vec<Source>,
    /// Canonical input folders.
    pub folders: Vec<PathBuf>,
    /// Canonical input files (given directly or found in a folder).
    pub files: Vec<PathBuf>,
    /// Problems met while listing folders (unreadable sub-folders and such).
    pub listing_skips: Vec<Skip>,
}

impl InputPlan {
    pub fn total_bytes(&self) -> u64 {
        self.sources.iter().map(|s| s.size).sum()
    }
}

/// JSONL by name: `.jsonl`/`.ndjson`, optionally followed by `.gz` or `.zst`.
pub fn kind_of(path: &Path) -> SourceKind {
    let compression = Compression::from_path(path);
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let base = match compression {
        Compression::None => &name[..],
        _ => name.rsplit_once('.').map_or(&name[..], |(b, _)| b),
    };
    if base.ends_with(".jsonl") || base.ends_with(".ndjson") {
        SourceKind::Jsonl(compression)
    } else {
        SourceKind::Text
    }
}

struct Root {
    /// The canonical input path itself.
    input: PathBuf,
    is_folder: bool,
    /// Canonical folder the input's relative paths start from.
    base: PathBuf,
    /// (relative path, canonical path) of each file, sorted by path bytes.
    files: Vec<(PathBuf, PathBuf)>,
    display_root: String,
}

pub fn plan(config: &CleanConfig) -> Result<InputPlan> {
    let include = build_globs(&config.include)?;
    let mut plan = InputPlan::default();
    let mut roots: Vec<Option<Root>> = Vec::new();
    for input in &config.inputs {
        let path = match input {
            InputArg::Stdin => {
                roots.push(None);
                continue;
            }
            InputArg::Path(p) => p,
        };
        let canonical = fs::canonicalize(path).map_err(|e| Error::Input {
            path: path.clone(),
            why: format!("cannot open: {e}"),
        })?;
        let meta = fs::metadata(&canonical).map_err(|e| Error::io(path, e))?;
        let display_root = path.to_string_lossy().into_owned();
        if meta.is_dir() {
            let files = list_folder(&canonical, &display_root, &include, &mut plan.listing_skips);
            plan.folders.push(canonical.clone());
            roots.push(Some(Root {
                input: canonical.clone(),
                is_folder: true,
                base: canonical,
                files,
                display_root,
            }));
        } else if meta.is_file() {
            let parent = canonical.parent().unwrap_or(Path::new("/")).to_path_buf();
            let name = PathBuf::from(canonical.file_name().unwrap_or_default());
            roots.push(Some(Root {
                input: canonical.clone(),
                is_folder: false,
                base: parent,
                files: vec![(name, canonical.clone())],
                display_root,
            }));
            plan.files.push(canonical);
        } else {
            return Err(Error::Input {
                path: path.clone(),
                why: "neither a file nor a folder".into(),
            });
        }
    }
    check_overlap(&roots)?;
    let common = common_ancestor(roots.iter().flatten().map(|r| r.base.as_path()));
    let mut seen_out: HashSet<PathBuf> = HashSet::new();
    for root in roots {
        let Some(root) = root else {
            plan.sources.push(Source {
                path: PathBuf::from("-"),
                display: "<stdin>".into(),
                out_rel: PathBuf::from(STDIN_OUTPUT_NAME),
                kind: SourceKind::Jsonl(Compression::None),
                size: 0,
                modified: None,
                is_stdin: true,
                folder_site: String::new(),
            });
            seen_out.insert(PathBuf::from(STDIN_OUTPUT_NAME));
            continue;
        };
        let prefix = root
            .base
            .strip_prefix(&common)
            .unwrap_or(Path::new(""))
            .to_path_buf();
        for (rel, canonical) in root.files {
            let out_rel = prefix.join(&rel);
            if !seen_out.insert(out_rel.clone()) {
                return Err(Error::Config(format!(
                    "two inputs map to the same output file {}; give each file once",
                    out_rel.display()
                )));
            }
            let display = if root.is_folder {
                plan.files.push(canonical.clone());
                display_path(&root.display_root, &rel)
            } else {
                root.display_root.clone()
            };
            let meta = fs::metadata(&canonical).ok();
            let size = meta.as_ref().map_or(0, fs::Metadata::len);
            let modified = meta.and_then(|m| m.modified().ok());
            let mut parts = rel.components();
            let folder_site = match (root.is_folder, parts.next(), parts.next()) {
                (true, Some(first), Some(_)) => first.as_os_str().to_string_lossy().into_owned(),
                _ => String::new(),
            };
            plan.sources.push(Source {
                kind: kind_of(&canonical),
                path: canonical,
                display,
                out_rel,
                size,
                modified,
                is_stdin: false,
                folder_site,
            });
        }
    }
    Ok(plan)
}

fn build_globs(patterns: &[String]) -> Result<GlobSet> {
    let mut b = GlobSetBuilder::new();
    for p in patterns {
        let glob = Glob::new(p).map_err(|e| Error::Config(format!("--include {p}: {e}")))?;
        b.add(glob);
    }
    b.build().map_err(|e| Error::Config(format!("--include: {e}")))
}

/// Files under `dir` whose relative path matches, sorted by path bytes.
/// Symbolic links to files are read; links to folders are not followed.
fn list_folder(
    dir: &Path,
    display_root: &str,
    include: &GlobSet,
    skips: &mut Vec<Skip>,
) -> Vec<(PathBuf, PathBuf)> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e
                    .path()
                    .and_then(|p| p.strip_prefix(dir).ok())
                    .unwrap_or(Path::new(""));
                skips.push(Skip {
                    path: display_path(display_root, rel),
                    line: None,
                    reason: SkipReason::Unreadable(e.to_string()),
                });
                continue;
            }
        };
        let is_file = entry.file_type().is_file()
            || (entry.file_type().is_symlink() && fs::metadata(entry.path()).is_ok_and(|m| m.is_file()));
        if !is_file {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(dir) else {
            continue;
        };
        if include.is_match(rel) {
            files.push((rel.to_path_buf(), entry.path().to_path_buf()));
        }
    }
    files.sort_by(|a, b| {
        a.0.as_os_str()
            .as_encoded_bytes()
            .cmp(b.0.as_os_str().as_encoded_bytes())
    });
    files
}

/// An input inside another input folder would be read twice.
fn check_overlap(roots: &[Option<Root>]) -> Result<()> {
    let roots: Vec<&Root> = roots.iter().flatten().collect();
    for (i, a) in roots.iter().enumerate() {
        for (j, b) in roots.iter().enumerate() {
            if i != j && b.is_folder && a.input.starts_with(&b.input) {
                return Err(Error::Config(format!(
                    "input {} is inside input folder {}; give each file once",
                    a.display_root, b.display_root
                )));
            }
        }
    }
    Ok(())
}

/// The deepest folder that holds all of `paths` (all absolute).
fn common_ancestor<'a>(mut paths: impl Iterator<Item = &'a Path>) -> PathBuf {
    let Some(first) = paths.next() else {
        return PathBuf::new();
    };
    let mut common: Vec<Component> = first.components().collect();
    for p in paths {
        let n = common
            .iter()
            .zip(p.components())
            .take_while(|(a, b)| **a == *b)
            .count();
        common.truncate(n);
    }
    common.iter().collect()
}
