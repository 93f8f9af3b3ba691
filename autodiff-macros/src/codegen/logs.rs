//! Undo logs of arrays written element by element and read in a region the reverse sweep runs again.

use super::*;

impl Emitter<'_> {
    /// The undo log of a logged array.
    pub(super) fn log_name(&mut self, v: VarId) -> Ident {
        let base = format!("{}_log", self.f.vars[v.0].name);
        self.keyed(NameKey::Log(v), &base)
    }

    /// `let mut y_log = undo_log();` for every logged array (at the top of a generated function).
    ///
    /// Only the logs that `code` (the sweeps of the generated item) uses are declared: an unused log
    /// would have no element type.
    pub(super) fn log_declarations(&mut self, code: &[&TokenStream]) -> TokenStream {
        let ad = self.ad.clone();
        let mut out = TokenStream::new();
        for v in self.f.logged.clone() {
            let log = self.log_name(v);
            let used = code
                .iter()
                .any(|c| crate::naming::any_ident((*c).clone(), &mut |i| *i == log));
            if used {
                out.extend(quote!(let mut #log = #ad::undo_log();));
            }
        }
        out
    }

    /// The logged arrays written anywhere in `blocks`, each with the name of its log's length before
    /// them (`key` tells the region apart).
    pub(super) fn log_marks(&mut self, blocks: &[&Block], key: &str) -> Vec<(VarId, Ident, Ident)> {
        let written = regions::logged_writes_of(self.f, blocks);
        self.marks_of(&written, key)
    }

    /// Each of `arrays` with its log and the name of its log's length before region `key`.
    pub(super) fn marks_of(&mut self, arrays: &[VarId], key: &str) -> Vec<(VarId, Ident, Ident)> {
        arrays
            .iter()
            .map(|&v| {
                let log = self.log_name(v);
                let base = format!("{}_log_at_{key}", self.f.vars[v.0].name);
                let mark = self.keyed(NameKey::LogMark(v, key.to_string()), &base);
                (v, log, mark)
            })
            .collect()
    }

    /// `let y_log_at = log_len(&y_log);` before a region that writes logged arrays.
    pub(super) fn mark_logs(&mut self, marks: &[(VarId, Ident, Ident)]) -> TokenStream {
        let ad = self.ad.clone();
        marks
            .iter()
            .map(|(_, log, mark)| quote!(let #mark = #ad::log_len(&#log);))
            .collect()
    }

    /// Undoes logged writes back to the marks.
    pub(super) fn undo_to_marks(&mut self, marks: &[(VarId, Ident, Ident)]) -> TokenStream {
        let ad = self.ad.clone();
        marks
            .iter()
            .map(|(v, log, mark)| {
                let y = self.name(*v).clone();
                quote!(#ad::undo_to(&mut #y, &mut #log, #mark);)
            })
            .collect()
    }
}
