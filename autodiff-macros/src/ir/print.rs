//! The IR as text, one statement a line, for golden files, `AUTODIFF_DUMP` and reading what lowering did.

use super::{Aux, Block, Carry, ElemWrite, Function, LoopKind, Op, Operand, Stmt, VarKind};
use std::fmt::Write;

/// The whole function: its parameters, body, result (and aux), and the arrays whose writes are logged.
pub fn function(f: &Function) -> String {
    let mut out = String::new();
    let params: Vec<String> = f
        .vars
        .iter()
        .filter_map(|v| match v.kind {
            VarKind::Param(i) => Some((i, v.name.to_string())),
            _ => None,
        })
        .map(|(i, name)| format!("{name}: param {i}"))
        .collect();
    let _ = writeln!(out, "fn({})", params.join(", "));
    if !f.logged.is_empty() {
        let logged: Vec<String> = f.logged.iter().map(|v| name(f, *v)).collect();
        let _ = writeln!(out, "logged writes: {}", logged.join(", "));
    }
    block(f, &f.body, 1, &mut out);
    let _ = writeln!(out, "  return {}", operand(f, &f.ret));
    if let Some(aux) = &f.aux {
        let _ = writeln!(out, "  aux {}", aux_text(f, aux));
    }
    out
}

fn name(f: &Function, v: super::VarId) -> String {
    f.vars[v.0].name.to_string()
}

fn operand(f: &Function, o: &Operand) -> String {
    match o {
        Operand::Var(v) => name(f, *v),
        Operand::Const(tokens) => format!("const({tokens})"),
    }
}

fn aux_text(f: &Function, aux: &Aux) -> String {
    match aux {
        Aux::Value(o) => operand(f, o),
        Aux::Tuple(parts) => {
            let parts: Vec<String> = parts.iter().map(|p| aux_text(f, p)).collect();
            format!("({})", parts.join(", "))
        }
    }
}

fn carry(f: &Function, c: &Carry) -> String {
    let saved = if c.saved { " saved" } else { "" };
    format!("{} <- {}{saved}", name(f, c.storage), operand(f, &c.init))
}

/// The statements of `b`, indented by `depth` steps.
pub fn block(f: &Function, b: &Block, depth: usize, out: &mut String) {
    let pad = "  ".repeat(depth);
    for stmt in &b.stmts {
        match stmt {
            Stmt::Instr(i) => {
                let args: Vec<String> = i.args.iter().map(|a| operand(f, a)).collect();
                let extras: Vec<String> = i.extras.iter().map(|e| e.to_string()).collect();
                let extras = if extras.is_empty() {
                    String::new()
                } else {
                    format!("; {}", extras.join(", "))
                };
                let dst = name(f, i.dst);
                let ty = i
                    .ascription
                    .as_ref()
                    .map(|t| format!(": {}", quote::quote!(#t)))
                    .unwrap_or_default();
                match &i.op {
                    Op::Prim(p) => {
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = {}({}{extras})",
                            p.name,
                            args.join(", ")
                        );
                    }
                    Op::Join(kind) => {
                        let what = kind.function();
                        let _ =
                            writeln!(out, "{pad}{dst}{ty} = {what}({}{extras})", args.join(", "));
                    }
                    Op::Call(c) => {
                        let how = if c.method { "method" } else { "call" };
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = {how} {}({})",
                            c.path,
                            args.join(", ")
                        );
                    }
                    Op::Mapv(c) => {
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = mapv({}) |{}| {{",
                            args.join(", "),
                            name(f, c.param)
                        );
                        block(f, &c.body, depth + 1, out);
                        let _ = writeln!(out, "{pad}  yield {}", operand(f, &c.ret));
                        let _ = writeln!(out, "{pad}}}");
                    }
                    Op::Fused(kernel) => {
                        let params: Vec<String> =
                            kernel.params.iter().map(|p| name(f, *p)).collect();
                        let args: Vec<String> = args
                            .iter()
                            .zip(&kernel.views)
                            .map(|(a, view)| match view {
                                Some(view) => format!("slice({a}; {})", view.info),
                                None => a.clone(),
                            })
                            .collect();
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = {}({}) |{}| {{",
                            kernel.function(args.len(), false),
                            args.join(", "),
                            params.join(", ")
                        );
                        block(f, &kernel.body, depth + 1, out);
                        let _ = writeln!(out, "{pad}  yield {}", operand(f, &kernel.ret));
                        let _ = writeln!(out, "{pad}}}");
                    }
                    Op::Vjp { prim, k } => {
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = {}({}{extras})",
                            super::vjp_name(prim, *k),
                            args.join(", ")
                        );
                    }
                    Op::Load => {
                        let _ = writeln!(out, "{pad}{dst}{ty} = load({}{extras})", args.join(", "));
                    }
                    Op::JoinVjp { kind, k } => {
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = {}_vjp[{k}]({}{extras})",
                            kind.function(),
                            args.join(", ")
                        );
                    }
                    Op::Jvp { rule, k } => {
                        let _ = writeln!(
                            out,
                            "{pad}{dst}{ty} = {}({}{extras})",
                            rule.jvp_name(*k),
                            args.join(", ")
                        );
                    }
                }
            }
            Stmt::Verbatim { tokens, .. } => {
                let _ = writeln!(out, "{pad}const {{ {tokens} }}");
            }
            Stmt::Init { storage, value } => {
                let _ = writeln!(
                    out,
                    "{pad}init {} <- {}",
                    name(f, *storage),
                    operand(f, value)
                );
            }
            Stmt::WriteBack { storage, value } => {
                let _ = writeln!(
                    out,
                    "{pad}write back {} <- {}",
                    name(f, *storage),
                    operand(f, value)
                );
            }
            Stmt::SetElem {
                storage,
                kind,
                index,
                value,
                ..
            } => {
                let (op, place) = match kind {
                    ElemWrite::Set => ("=", format!("[{index}]")),
                    ElemWrite::Add => ("+=", format!("[{index}]")),
                    ElemWrite::Sub => ("-=", format!("[{index}]")),
                    ElemWrite::AddField => ("+=", format!(".{index}")),
                    ElemWrite::Save => ("= save", format!("[{index}]")),
                };
                let _ = writeln!(
                    out,
                    "{pad}{}{place} {op} {}",
                    name(f, *storage),
                    operand(f, value)
                );
            }
            Stmt::If(i) => {
                let restore: Vec<String> = i
                    .restore
                    .iter()
                    .map(|(c, s)| format!("{c} from {s}"))
                    .collect();
                let restore = if restore.is_empty() {
                    String::new()
                } else {
                    format!(" (restores {})", restore.join(", "))
                };
                let _ = writeln!(out, "{pad}if {}{restore} {{", i.flag);
                block(f, &i.then_, depth + 1, out);
                let _ = writeln!(out, "{pad}}} else {{");
                block(f, &i.else_, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
                for j in &i.joins {
                    let value = |o: &Operand| match (o, j.zero_of) {
                        (Operand::Const(_), Some(of)) => format!("zero_like({})", name(f, of)),
                        _ => operand(f, o),
                    };
                    let _ = writeln!(
                        out,
                        "{pad}join {} = {} | {}",
                        name(f, j.var),
                        value(&j.then_value),
                        value(&j.else_value)
                    );
                }
            }
            Stmt::Loop(l) => {
                let head = match &l.kind {
                    LoopKind::Range { index, iter } => format!("for {index} in {iter}"),
                    LoopKind::While { cond } => format!("while {cond}"),
                    LoopKind::Infinite => "loop".to_string(),
                };
                let mut notes = Vec::new();
                if !l.carried.is_empty() {
                    let carried: Vec<String> = l.carried.iter().map(|c| carry(f, c)).collect();
                    notes.push(format!("carries {}", carried.join(", ")));
                }
                if !l.carried_consts.is_empty() {
                    let consts: Vec<String> =
                        l.carried_consts.iter().map(|c| c.to_string()).collect();
                    notes.push(format!("counters {}", consts.join(", ")));
                }
                if !l.writes.is_empty() {
                    let writes: Vec<String> = l.writes.iter().map(|v| name(f, *v)).collect();
                    notes.push(format!("writes {}", writes.join(", ")));
                }
                if let Some(b) = &l.brk {
                    notes.push(format!("breaks with {b}"));
                }
                let notes = if notes.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", notes.join("; "))
                };
                let _ = writeln!(out, "{pad}loop#{} {head}{notes} {{", l.id);
                block(f, &l.body, depth + 1, out);
                let _ = writeln!(out, "{pad}}}");
            }
        }
    }
}
