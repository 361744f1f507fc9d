//! Categories: names and keys, full paths through parent keys (cycles, depth), duplicates, and
//! their place in the merged catalog; category references of other entities.

use super::rules::{fold, name_ok};
use super::{C, Change, RCategory, SEC_CATEGORIES, V, bump};
use crate::catalog::import::batch::{CategoryInput, CategoryRef};
use crate::catalog::{Category, MAX_DEPTH, MAX_NAME};
use crate::ids::CategoryId;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Walk {
    Todo,
    Done,
    Failed,
}

/// One step up a chain of parent keys.
enum Step {
    /// The chain ends: the folded path above it, or `None` when it failed.
    Stop(Option<Vec<String>>),
    /// The parent is batch category `j`, not yet walked.
    Follow(usize),
}

const REF_INVALID: &str = "a category reference needs exactly one of a non-empty `key` or `path`";

impl V<'_> {
    fn folded_path(&self, id: CategoryId) -> Vec<String> {
        self.merged
            .path_ids(id)
            .unwrap_or_default()
            .iter()
            .filter_map(|c| self.merged.category(*c))
            .map(|c| fold(&c.name))
            .collect()
    }

    pub(super) fn categories(&mut self) {
        let existing: Vec<(Vec<String>, CategoryId)> = self
            .merged
            .categories()
            .map(|c| (self.folded_path(c.id), c.id))
            .collect();
        for (path, id) in existing {
            self.cat_by_path.entry(path).or_insert(id);
        }
        let cats = &self.batch.categories;
        for (i, c) in cats.iter().enumerate() {
            self.category_name_and_key(i, c);
        }
        let full = self.category_paths(cats);
        let mut ok = self.check_category_paths(&full);
        // Into the merged catalog, top-down.
        ok.sort_by_key(|&i| (full[i].as_ref().map_or(0, Vec::len), i));
        for i in ok {
            if let Some(p) = full[i].clone() {
                self.merge_category(i, &cats[i], p);
            }
        }
    }

    fn category_name_and_key(&mut self, i: usize, c: &CategoryInput) {
        let path = format!("categories[{i}]");
        if !name_ok(&c.name, MAX_NAME) {
            self.fail(
                SEC_CATEGORIES,
                i,
                format!("{path}.name"),
                C::CategoryNameInvalid,
                format!("a category name must be 1 to {MAX_NAME} characters after trimming"),
            );
        }
        let Some(key) = &c.key else { return };
        let k = key.trim().to_owned();
        if k.is_empty() {
            self.fail(
                SEC_CATEGORIES,
                i,
                format!("{path}.key"),
                C::CategoryRefInvalid,
                "a category key must not be empty",
            );
        } else if let std::collections::btree_map::Entry::Vacant(slot) =
            self.cat_key.entry(k.clone())
        {
            slot.insert(i);
        } else {
            self.fail(
                SEC_CATEGORIES,
                i,
                format!("{path}.key"),
                C::CategoryKeyDuplicate,
                format!("category key \"{k}\" is used by an earlier category"),
            );
        }
    }

    /// Full folded paths, following parent keys (iteratively, bounded by MAX_DEPTH).
    fn category_paths(&mut self, cats: &[CategoryInput]) -> Vec<Option<Vec<String>>> {
        let n = cats.len();
        let mut state = vec![Walk::Todo; n];
        let mut full: Vec<Option<Vec<String>>> = vec![None; n];
        for start in 0..n {
            if state[start] != Walk::Todo {
                continue;
            }
            let mut chain: Vec<usize> = vec![start];
            let mut base: Option<Vec<String>> = loop {
                let cur = *chain.last().unwrap_or(&start);
                match self.parent_step(cats, cur, &chain, &mut state, &full) {
                    Step::Stop(base) => break base,
                    Step::Follow(j) => {
                        chain.push(j);
                        if chain.len() > MAX_DEPTH {
                            self.fail(
                                SEC_CATEGORIES,
                                start,
                                format!("categories[{start}]"),
                                C::CategoryTooDeep,
                                format!("the category would be more than {MAX_DEPTH} levels deep"),
                            );
                            state[start] = Walk::Failed;
                            chain.clear();
                            break None;
                        }
                    }
                }
            };
            // Unwind: from the top of the chain down to `start`.
            for &m in chain.iter().rev() {
                if state[m] != Walk::Todo {
                    base = None;
                    continue;
                }
                match base.take() {
                    Some(mut p) if name_ok(&cats[m].name, MAX_NAME) => {
                        p.push(fold(&cats[m].name));
                        full[m] = Some(p.clone());
                        state[m] = Walk::Done;
                        base = Some(p);
                    }
                    _ => state[m] = Walk::Failed,
                }
            }
        }
        full
    }

    /// Where the parent of batch category `cur` leads; records errors.
    fn parent_step(
        &mut self,
        cats: &[CategoryInput],
        cur: usize,
        chain: &[usize],
        state: &mut [Walk],
        full: &[Option<Vec<String>>],
    ) -> Step {
        let parent_path = format!("categories[{cur}].parent");
        let Some(r) = &cats[cur].parent else {
            return Step::Stop(Some(Vec::new()));
        };
        match (&r.key, &r.path) {
            (Some(k), None) => match self.cat_key.get(k.trim()).copied() {
                None => {
                    self.fail(
                        SEC_CATEGORIES,
                        cur,
                        parent_path,
                        C::CategoryParentNotFound,
                        format!("no category of the batch has key \"{}\"", k.trim()),
                    );
                    state[cur] = Walk::Failed;
                    Step::Stop(None)
                }
                Some(j) => {
                    if let Some(pos) = chain.iter().position(|&c| c == j) {
                        self.category_cycle(&chain[pos..], j, state);
                        return Step::Stop(None);
                    }
                    match state[j] {
                        Walk::Done => Step::Stop(full[j].clone()),
                        Walk::Failed => Step::Stop(None),
                        Walk::Todo => Step::Follow(j),
                    }
                }
            },
            (None, Some(p)) if !p.is_empty() => {
                Step::Stop(Some(p.iter().map(|s| fold(s)).collect()))
            }
            _ => {
                self.fail(
                    SEC_CATEGORIES,
                    cur,
                    parent_path,
                    C::CategoryRefInvalid,
                    REF_INVALID,
                );
                state[cur] = Walk::Failed;
                Step::Stop(None)
            }
        }
    }

    fn category_cycle(&mut self, members: &[usize], j: usize, state: &mut [Walk]) {
        let names = members
            .iter()
            .map(|m| format!("categories[{m}]"))
            .collect::<Vec<_>>()
            .join(" -> ");
        for &m in members {
            self.fail(
                SEC_CATEGORIES,
                m,
                format!("categories[{m}].parent"),
                C::CategoryCycle,
                format!("parents form a cycle: {names} -> categories[{j}]"),
            );
            state[m] = Walk::Failed;
        }
    }

    /// Duplicates, depth, parent existence: the indices whose path holds.
    fn check_category_paths(&mut self, full: &[Option<Vec<String>>]) -> Vec<usize> {
        let batch_paths: BTreeSet<Vec<String>> = full.iter().flatten().cloned().collect();
        let mut seen = BTreeSet::new();
        let mut ok: Vec<usize> = Vec::new();
        for (i, p) in full.iter().enumerate() {
            let Some(p) = p else { continue };
            let path = format!("categories[{i}]");
            if p.len() > MAX_DEPTH {
                self.fail(
                    SEC_CATEGORIES,
                    i,
                    path,
                    C::CategoryTooDeep,
                    format!(
                        "the category would be {} levels deep; at most {MAX_DEPTH} are supported",
                        p.len()
                    ),
                );
                continue;
            }
            if !seen.insert(p.clone()) {
                self.fail(
                    SEC_CATEGORIES,
                    i,
                    path,
                    C::CategoryDuplicate,
                    format!(
                        "category \"{}\" appears more than once under the same parent",
                        p.join(" > ")
                    ),
                );
                continue;
            }
            let parent = &p[..p.len() - 1];
            if !parent.is_empty()
                && !self.cat_by_path.contains_key(parent)
                && !batch_paths.contains(parent)
            {
                self.fail(
                    SEC_CATEGORIES,
                    i,
                    format!("{path}.parent"),
                    C::CategoryParentNotFound,
                    format!(
                        "parent \"{}\" is neither in the batch nor in the catalog",
                        parent.join(" > ")
                    ),
                );
                continue;
            }
            ok.push(i);
        }
        ok
    }

    /// Batch category `i` at folded path `p`: an update of the catalog's or a new one.
    fn merge_category(&mut self, i: usize, c: &CategoryInput, p: Vec<String>) {
        let path = format!("categories[{i}]");
        let father = if p.len() > 1 {
            match self.cat_by_path.get(&p[..p.len() - 1]) {
                Some(f) => Some(*f),
                None => return,
            }
        } else {
            None
        };
        let name = c.name.trim().to_owned();
        let depth = p.len();
        let (id, change) = if let Some(&id) = self.cat_by_path.get(&p) {
            let Some(old) = self.merged.category(id).cloned() else {
                return;
            };
            let is_active = c.is_active.unwrap_or(old.is_active);
            let differs = old.name != name || old.is_active != is_active;
            let change = self.change_for(
                differs,
                SEC_CATEGORIES,
                i,
                &path,
                &format!("category \"{}\"", p.join(" > ")),
                "name or isActive",
            );
            if change == Change::Update {
                let _ = self.merged.insert_category(Category {
                    name,
                    is_active,
                    ..old
                });
            }
            (id, change)
        } else {
            let id = CategoryId(bump(&mut self.next.category));
            let inserted = self.merged.insert_category(Category {
                id,
                name,
                father_category_id: father,
                is_active: c.is_active.unwrap_or(true),
                has_children: None,
            });
            if let Err(e) = inserted {
                self.fail(SEC_CATEGORIES, i, path, C::CategoryTooDeep, e.to_string());
                return;
            }
            self.cat_by_path.insert(p, id);
            (id, Change::Create)
        };
        self.cat_resolved[i] = Some(id);
        self.categories.push(RCategory {
            path,
            id,
            depth,
            change,
        });
    }

    /// `Ok(Some(id))`, or `Ok(None)` when the referenced batch category already has an error,
    /// or `Err(())` after recording an error.
    pub(super) fn resolve_category(
        &mut self,
        section: u8,
        index: usize,
        path: &str,
        r: &CategoryRef,
    ) -> Result<Option<CategoryId>, ()> {
        let missing = match (&r.key, &r.path) {
            (Some(k), None) => match self.cat_key.get(k.trim()) {
                Some(&i) => return Ok(self.cat_resolved[i]),
                None => format!("no category of the batch has key \"{}\"", k.trim()),
            },
            (None, Some(p)) if !p.is_empty() => {
                let folded: Vec<String> = p.iter().map(|s| fold(s)).collect();
                match self.cat_by_path.get(&folded) {
                    Some(&id) => return Ok(Some(id)),
                    None => format!(
                        "category \"{}\" is neither in the batch nor in the catalog",
                        p.join(" > ")
                    ),
                }
            }
            _ => {
                self.fail(section, index, path, C::CategoryRefInvalid, REF_INVALID);
                return Err(());
            }
        };
        self.fail(section, index, path, C::CategoryNotFound, missing);
        Err(())
    }
}
