//! The change note every audited change carries: a reason (required, or optional when ordering
//! a connection) and an optional ticket, each checked by the shared rules as it is typed.

use crate::components::field::{Field, TextInput};
use crate::form::Input;
use leptos::prelude::*;
use models::validate;

/// The reason's broken rule, if any; an empty optional reason breaks none.
pub fn reason_rule(text: &str, required: bool) -> Option<String> {
    if !required && text.trim().is_empty() {
        return None;
    }
    validate::reason(text).err().map(|e| e.to_string())
}

pub fn ticket_rule(text: &str) -> Option<String> {
    validate::ticket(Some(text)).err().map(|e| e.to_string())
}

/// Whether the note may be sent as typed.
pub fn note_ok(reason: Input, ticket: Input, required: bool) -> bool {
    reason.value.with(|r| reason_rule(r, required).is_none())
        && ticket.value.with(|t| ticket_rule(t).is_none())
}

#[component]
pub fn NoteFields(
    reason: Input,
    ticket: Input,
    required: bool,
    #[prop(into)] purpose: String,
) -> impl IntoView {
    let reason_error =
        Signal::derive(move || reason.shown(reason.value.with(|r| reason_rule(r, required))));
    let ticket_error = Signal::derive(move || ticket.shown(ticket.value.with(|t| ticket_rule(t))));
    view! {
        <Field
            id="reason"
            label="Reason"
            optional=!required
            error=reason_error
            help=format!(
                "{}{purpose}, on one line; kept in the audit history (up to {} characters).",
                if required { "Required. " } else { "" },
                models::validate::MAX_REASON_CHARS,
            )
        >
            <textarea
                id="reason"
                name="reason"
                rows="3"
                required=required
                aria-describedby="reason-help reason-error"
                aria-invalid=move || reason_error.get().is_some().to_string()
                prop:value=move || reason.get()
                on:input=move |ev| {
                    // Lines pasted (from a ticket, say) are joined into the one line a reason is.
                    let typed = event_target_value(&ev);
                    let line = one_line(&typed);
                    if line != typed {
                        event_target::<web_sys::HtmlTextAreaElement>(&ev).set_value(&line);
                    }
                    reason.edit(line)
                }
                on:keydown=|ev| {
                    // A reason is one line (the rules refuse line breaks): Enter sends the
                    // form, as it does in a one-line field, instead of breaking the line. Shift
                    // or Alt with it, which break a line in a box this tall, do neither: what
                    // was meant as a line break does not send a change (or a delete), nor, in
                    // a wizard whose steps are not forms, go on to the next step.
                    if ev.key() == "Enter" && !ev.is_composing() {
                        ev.prevent_default();
                        if ev.shift_key() || ev.alt_key() {
                            ev.stop_propagation();
                            return;
                        }
                        let area = event_target::<web_sys::HtmlTextAreaElement>(&ev);
                        if let Some(form) = area.form() {
                            let _ = form.request_submit();
                        }
                    }
                }
            ></textarea>
        </Field>
        <Field
            id="ticket"
            label="Ticket"
            optional=true
            error=ticket_error
            help=format!(
                "A change or incident reference, such as CHG-1234 (up to {} characters).",
                models::validate::MAX_TICKET_CHARS,
            )
        >
            <TextInput id="ticket" input=ticket error=ticket_error/>
        </Field>
    }
}

/// The ticket as sent: trimmed, and none when empty.
pub fn ticket_value(ticket: Input) -> Option<String> {
    Some(ticket.get_untracked().trim().to_owned()).filter(|t| !t.is_empty())
}

/// `text` on one line, as pasted from a ticket or a spreadsheet: each line break or tab, with
/// the spaces and blank lines around it, one space. Text without one is left as typed.
fn one_line(text: &str) -> String {
    let breaks = |c: char| matches!(c, '\r' | '\n' | '\t');
    if !text.contains(breaks) {
        return text.to_owned();
    }
    let pieces: Vec<&str> = text.split(breaks).collect();
    let last = pieces.len() - 1;
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| match i {
            0 => piece.trim_end(),
            i if i == last => piece.trim_start(),
            _ => piece.trim(),
        })
        .filter(|piece| !piece.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn lines_pasted_into_a_reason_are_joined_by_spaces() {
        assert_eq!(
            one_line("Decommission\r\nper CHG-1\nand\rmore"),
            "Decommission per CHG-1 and more"
        );
        // A tab (a spreadsheet's cells), indentation and blank lines: one space each.
        assert_eq!(
            one_line("Line one First line\r\n  second line\n\nthird\tcell"),
            "Line one First line second line third cell"
        );
        // Typed text is left as it is, its spaces too.
        assert_eq!(one_line("one  line "), "one  line ");
    }
}
