//! The synchronous reader behind the exports and the chain verification: its own read-only
//! connection to the database file (rusqlite, over the same `libsqlite3-sys` as sqlx), used on
//! a blocking thread, so rows are read in place instead of each being handed over a channel.
//!
//! The export formats each row in Rust exactly as [`row_sql`] makes SQLite write it; a row
//! holding a value the portal never writes (a float, a blob, text that is not UTF-8, snapshot
//! text that is not minified JSON) is left to that SQL expression, so no byte differs either
//! way. The verification decodes each row as [`super::event_from_row`] does and leaves any row
//! it cannot take that way to it.

use super::chain::Verifier;
use super::query::{
    COLUMNS, EXPORT_BATCH, Format, Kind, Piece, check_row, head_and_tail, row_sql, verification,
};
use anyhow::Context;
use bytes::Bytes;
use models::api::{AuditAction, AuditEvent, AuditOutcome, AuditPhase, ChainVerification};
use rusqlite::types::ValueRef;
use rusqlite::{CachedStatement, Connection, OpenFlags, Row, Statement};
use std::io::Write;
use std::path::Path;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;

/// The most bytes sent as one chunk.
const CHUNK: usize = 64 * 1024;

/// Deeper snapshots are left to SQLite's `json()` (whose own limit is 1,000).
const MAX_JSON_DEPTH: usize = 256;

/// The table's columns in its own order, for reading whole events.
const EVENT_COLUMNS: &str = "id, at, request_id, phase, intent_id, action, actor_id, actor_name, \
    actor_email, company, connection_id, peering_type, reason, ticket, request, before, after, \
    outcome, upstream_status, error, duration_ms, client_addr, user_agent, prev_hash, hash";

type Sink = mpsc::Sender<Result<Bytes, std::io::Error>>;

/// The most page connections kept open between pages.
const IDLE_PAGE_CONNECTIONS: usize = 4;

/// Reads one page of events, newest first: those `pieces` select (the from and where clauses
/// of `Filter::source_pieces`) below `before`, at most `limit`. `None` when a row holds a value
/// the portal never writes, for the pool path to read. Blocks: run it on a blocking thread.
pub(super) fn page(
    idle: &Mutex<Vec<Connection>>,
    file: &Path,
    pieces: &[Piece],
    before: Option<i64>,
    limit: i64,
) -> anyhow::Result<Option<Vec<AuditEvent>>> {
    with_page_connection(idle, file, |conn| read_page(conn, pieces, before, limit))
}

/// Runs `read` on a connection from `idle` (opening one when none is free) and keeps the
/// connection there after, up to [`IDLE_PAGE_CONNECTIONS`].
fn with_page_connection<T>(
    idle: &Mutex<Vec<Connection>>,
    file: &Path,
    read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> anyhow::Result<T> {
    let lock = || idle.lock().unwrap_or_else(PoisonError::into_inner);
    let taken = lock().pop();
    let conn = match taken {
        Some(conn) => conn,
        None => open(file)?,
    };
    let read = read(&conn)?;
    let mut idle = lock();
    if idle.len() < IDLE_PAGE_CONNECTIONS {
        idle.push(conn);
    }
    Ok(read)
}

/// The statement of a page: `columns` of the rows `pieces` select below `before`, newest first,
/// at most `limit`, its values bound.
fn page_statement<'c>(
    conn: &'c Connection,
    columns: &str,
    pieces: &[Piece],
    before: Option<i64>,
    limit: i64,
) -> rusqlite::Result<CachedStatement<'c>> {
    let (mut sql, values) = statement(format!("select {columns}"), pieces);
    if before.is_some() {
        sql.push_str(" and id < ?");
    }
    sql.push_str(" order by id desc limit ?");
    let mut stmt = conn.prepare_cached(&sql)?;
    for (i, value) in values.iter().enumerate() {
        stmt.raw_bind_parameter(i + 1, value)?;
    }
    let mut next = values.len() + 1;
    if let Some(before) = before {
        stmt.raw_bind_parameter(next, before)?;
        next += 1;
    }
    stmt.raw_bind_parameter(next, limit)?;
    Ok(stmt)
}

/// Reads one page as the body the list route answers with, `{"events":[…],"nextBefore":…}`:
/// the first `limit` events `pieces` select below `before`, each written straight from its row
/// as the JSON export writes it (the same keys and values `AuditEvent` is encoded with, the
/// stored snapshot text as it is), with no event decoded and encoded again. `None` when a row
/// (the one past the page included) is not as the portal writes it, for [`page`]'s path to
/// decode or refuse. Blocks: run it on a blocking thread.
pub(super) fn page_body(
    idle: &Mutex<Vec<Connection>>,
    file: &Path,
    pieces: &[Piece],
    before: Option<i64>,
    limit: i64,
) -> anyhow::Result<Option<Vec<u8>>> {
    with_page_connection(idle, file, |conn| {
        read_page_body(conn, pieces, before, limit)
    })
}

fn read_page_body(
    conn: &Connection,
    pieces: &[Piece],
    before: Option<i64>,
    limit: i64,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let names: Vec<&str> = COLUMNS.iter().map(|(name, _, _)| *name).collect();
    // One more than the page, to know whether another follows.
    let mut stmt = page_statement(conn, &names.join(", "), pieces, before, limit + 1)?;
    let mut rows = stmt.raw_query();
    let mut body = b"{\"events\":[".to_vec();
    let mut spare = Vec::new();
    let (mut count, mut last_id) = (0, None);
    while let Some(row) = rows.next()? {
        let buf = if count < limit {
            if count > 0 {
                body.push(b',');
            }
            &mut body
        } else {
            &mut spare
        };
        if !json_row(buf, row)? || !as_the_portal_writes(row) {
            return Ok(None);
        }
        if count < limit {
            last_id = int(row.get_ref(0)?);
        }
        count += 1;
    }
    body.extend_from_slice(b"],\"nextBefore\":");
    match last_id {
        Some(id) if count > limit => decimal(id, &mut body),
        _ => body.extend_from_slice(b"null"),
    }
    body.push(b'}');
    Ok(Some(body))
}

/// Whether a row of [`COLUMNS`] holds what [`event`] takes, so that its JSON form (which
/// [`json_row`] has already checked for UTF-8 text and minified JSON) decodes as an `AuditEvent`:
/// integers and text where the event has them, values where it needs one, known names, numbers
/// in range, snapshots `serde_json` reads.
fn as_the_portal_writes(row: &Row<'_>) -> bool {
    let v = |i: usize| row.get_ref(i).unwrap_or(ValueRef::Null);
    let named = |i: usize, known: &dyn Fn(&str) -> bool| match v(i) {
        ValueRef::Text(t) => std::str::from_utf8(t).is_ok_and(known),
        _ => false,
    };
    let maybe =
        |i: usize, ok: &dyn Fn(ValueRef<'_>) -> bool| matches!(v(i), ValueRef::Null) || ok(v(i));
    let is_text = |v: ValueRef<'_>| matches!(v, ValueRef::Text(_));
    let is_int = |v: ValueRef<'_>| matches!(v, ValueRef::Integer(_));
    let readable = |v: ValueRef<'_>| match v {
        ValueRef::Text(t) => serde_json::from_slice::<serde::de::IgnoredAny>(t).is_ok(),
        _ => false,
    };
    COLUMNS
        .iter()
        .enumerate()
        .all(|(i, (name, _, _))| match *name {
            "id" => is_int(v(i)),
            "at" | "request_id" | "prev_hash" | "hash" => is_text(v(i)),
            "phase" => named(i, &|t| AuditPhase::parse(t).is_some()),
            "action" => named(i, &|t| AuditAction::parse(t).is_some()),
            "intent_id" => maybe(i, &is_int),
            "peering_type" => maybe(i, &|_| {
                named(i, &|t| t.parse::<models::PeeringType>().is_ok())
            }),
            "outcome" => maybe(i, &|_| named(i, &|t| AuditOutcome::parse(t).is_some())),
            "upstream_status" => maybe(
                i,
                &|s| matches!(s, ValueRef::Integer(n) if u16::try_from(n).is_ok()),
            ),
            "duration_ms" => maybe(i, &|d| matches!(d, ValueRef::Integer(n) if n >= 0)),
            "request" | "before" | "after" => maybe(i, &readable),
            _ => maybe(i, &is_text),
        })
}

fn read_page(
    conn: &Connection,
    pieces: &[Piece],
    before: Option<i64>,
    limit: i64,
) -> rusqlite::Result<Option<Vec<AuditEvent>>> {
    let mut stmt = page_statement(conn, EVENT_COLUMNS, pieces, before, limit)?;
    let mut rows = stmt.raw_query();
    let mut events = Vec::new();
    while let Some(row) = rows.next()? {
        match event(row) {
            Some(event) => events.push(event),
            None => return Ok(None),
        }
    }
    Ok(Some(events))
}

/// `select` followed by the text of `pieces`, each bound value a `?`, and those values in order.
fn statement(mut select: String, pieces: &[Piece]) -> (String, Vec<&str>) {
    let mut values = Vec::new();
    for piece in pieces {
        match piece {
            Piece::Sql(text) => select.push_str(text),
            Piece::Bind(value) => {
                select.push('?');
                values.push(value.as_str());
            }
        }
    }
    (select, values)
}

/// A read-only connection to the database file; waits for locks like the pool does.
fn open(file: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// Why an export ended early.
enum Stop {
    /// The receiver is gone: nobody is reading any more.
    Gone,
    Failed(anyhow::Error),
}

impl From<rusqlite::Error> for Stop {
    fn from(e: rusqlite::Error) -> Self {
        Stop::Failed(e.into())
    }
}

/// Writes the export of the rows `pieces` select (the from and where clauses of
/// `Filter::source_pieces`) into `sink`, oldest first. Blocks: run it on a blocking thread.
pub(super) fn export(file: &Path, pieces: &[Piece], format: Format, sink: &Sink) {
    if let Err(Stop::Failed(e)) = write_export(file, pieces, format, sink) {
        tracing::error!(error = %e, "audit export stopped");
        let _ = sink.blocking_send(Err(std::io::Error::other("audit export failed")));
    }
}

fn send(sink: &Sink, bytes: Bytes) -> Result<(), Stop> {
    sink.blocking_send(Ok(bytes)).map_err(|_| Stop::Gone)
}

/// Sends `text` in chunks of at most [`CHUNK`] bytes (slices of one buffer, not copies).
fn send_chunked(sink: &Sink, text: Vec<u8>) -> Result<(), Stop> {
    let text = Bytes::from(text);
    let mut start = 0;
    while start < text.len() {
        let end = (start + CHUNK).min(text.len());
        send(sink, text.slice(start..end))?;
        start = end;
    }
    Ok(())
}

fn write_export(file: &Path, pieces: &[Piece], format: Format, sink: &Sink) -> Result<(), Stop> {
    let (head, tail) = head_and_tail(format);
    send(sink, Bytes::from(head))?;
    let conn = open(file)?;
    let columns: Vec<&str> = COLUMNS.iter().map(|(name, _, _)| *name).collect();
    let (mut sql, values) = statement(format!("select {}", columns.join(", ")), pieces);
    sql.push_str(" and id > ? order by id limit ?");
    let mut rows_stmt = conn.prepare(&sql)?;
    for (i, value) in values.iter().enumerate() {
        rows_stmt.raw_bind_parameter(i + 1, value)?;
    }
    let after = values.len() + 1;
    rows_stmt.raw_bind_parameter(after + 1, EXPORT_BATCH)?;
    // For rows left to SQLite; prepared when the first one comes.
    let mut by_sql: Option<Statement<'_>> = None;
    let mut last = 0i64;
    let mut capacity = CHUNK;
    loop {
        // One batch per statement run, each its own read transaction, the text sent once the
        // statement is reset, as the pool path does.
        let mut text = Vec::with_capacity(capacity);
        rows_stmt.raw_bind_parameter(after, last)?;
        let mut rows = rows_stmt.raw_query();
        let mut count = 0;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            if format == Format::Json && last > 0 {
                text.extend_from_slice(b",\n");
            }
            let start = text.len();
            let formatted = match format {
                Format::Csv => csv_row(&mut text, row)?,
                Format::Json => json_row(&mut text, row)?,
            };
            if !formatted {
                text.truncate(start);
                let stmt = match &mut by_sql {
                    Some(stmt) => stmt,
                    None => by_sql.insert(conn.prepare(&format!(
                        "select {} from audit_events where id = ?",
                        row_sql(format)
                    ))?),
                };
                let line =
                    stmt.query_row([id], |r| Ok(r.get_ref(0)?.as_str().map(str::to_owned)))?;
                let line = line
                    .with_context(|| format!("audit row {id} cannot be exported"))
                    .map_err(Stop::Failed)?;
                text.extend_from_slice(line.as_bytes());
            }
            last = id;
            count += 1;
        }
        drop(rows);
        if count == 0 {
            break;
        }
        capacity = capacity.max(text.len());
        send_chunked(sink, text)?;
    }
    send(sink, Bytes::from_static(tail.as_bytes()))
}

/// Digits of an integer, as SQLite writes them.
fn decimal(n: i64, buf: &mut Vec<u8>) {
    // Writing into a Vec cannot fail.
    let _ = write!(buf, "{n}");
}

/// A column's value as the export writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cell<'a> {
    Null,
    Integer(i64),
    /// UTF-8 text.
    Text(&'a [u8]),
}

/// A value the export formats, or `None` for one SQLite should format (a float, a blob, text
/// that is not UTF-8).
fn cell(v: ValueRef<'_>) -> Option<Cell<'_>> {
    match v {
        ValueRef::Null => Some(Cell::Null),
        ValueRef::Integer(n) => Some(Cell::Integer(n)),
        ValueRef::Text(text) if std::str::from_utf8(text).is_ok() => Some(Cell::Text(text)),
        _ => None,
    }
}

/// The cells of a row selecting [`COLUMNS`].
fn cells<'r>(row: &'r Row<'_>) -> rusqlite::Result<[Option<Cell<'r>>; COLUMNS.len()]> {
    let mut cells = [None; COLUMNS.len()];
    for (i, c) in cells.iter_mut().enumerate() {
        *c = cell(row.get_ref(i)?);
    }
    Ok(cells)
}

fn csv_row(buf: &mut Vec<u8>, row: &Row<'_>) -> rusqlite::Result<bool> {
    Ok(csv_line(buf, &cells(row)?))
}

fn json_row(buf: &mut Vec<u8>, row: &Row<'_>) -> rusqlite::Result<bool> {
    Ok(json_line(buf, &cells(row)?))
}

/// One CSV line of [`row_sql`]'s CSV form from the cells of [`COLUMNS`], or `false` (and a
/// partial line) when one of them is a value SQLite should format.
pub(super) fn csv_line(buf: &mut Vec<u8>, cells: &[Option<Cell<'_>>]) -> bool {
    let mut digits = Vec::with_capacity(20);
    for (i, ((_, _, kind), cell)) in COLUMNS.iter().zip(cells).enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        match cell {
            Some(Cell::Null) => {}
            Some(Cell::Integer(n)) => {
                digits.clear();
                decimal(*n, &mut digits);
                csv_cell(buf, *kind, &digits);
            }
            Some(Cell::Text(text)) => csv_cell(buf, *kind, text),
            None => return false,
        }
    }
    buf.extend_from_slice(b"\r\n");
    true
}

/// A cell with a value: numbers and fixed-form text as they are; other text quoted, inner
/// quotes doubled, with an apostrophe before what a spreadsheet would run as a formula, and
/// before an apostrophe that starts the text (one leading apostrophe taken off gives the text).
fn csv_cell(buf: &mut Vec<u8>, kind: Kind, text: &[u8]) {
    match kind {
        Kind::Number | Kind::Fixed => buf.extend_from_slice(text),
        Kind::Text | Kind::Json => {
            buf.push(b'"');
            if let Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'') = text.first() {
                buf.push(b'\'');
            }
            for (i, part) in text.split(|b| *b == b'"').enumerate() {
                if i > 0 {
                    buf.extend_from_slice(b"\"\"");
                }
                buf.extend_from_slice(part);
            }
            buf.push(b'"');
        }
    }
}

/// One object of [`row_sql`]'s JSON form (SQLite's `json_object`) from the cells of
/// [`COLUMNS`], or `false` (and a partial object) when one of them is a value SQLite should
/// format, or snapshot text that is not minified JSON.
pub(super) fn json_line(buf: &mut Vec<u8>, cells: &[Option<Cell<'_>>]) -> bool {
    buf.push(b'{');
    for (i, ((_, key, kind), cell)) in COLUMNS.iter().zip(cells).enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        buf.push(b'"');
        buf.extend_from_slice(key.as_bytes());
        buf.extend_from_slice(b"\":");
        match (cell, kind) {
            (Some(Cell::Null), _) => buf.extend_from_slice(b"null"),
            (Some(Cell::Integer(n)), Kind::Number | Kind::Fixed | Kind::Text) => decimal(*n, buf),
            (Some(Cell::Text(text)), Kind::Json) if is_minified_json(text) => {
                buf.extend_from_slice(text);
            }
            (Some(Cell::Text(text)), Kind::Number | Kind::Fixed | Kind::Text) => {
                json_string(buf, text);
            }
            _ => return false,
        }
    }
    buf.push(b'}');
    true
}

/// A JSON string as SQLite's JSON functions write one: `"` and `\` escaped, control
/// characters as `\b \t \n \f \r` or `\u00xx`, everything else as it is.
fn json_string(buf: &mut Vec<u8>, text: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    buf.push(b'"');
    let mut from = 0;
    for (i, &b) in text.iter().enumerate() {
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            b'\t' => b't',
            b'\n' => b'n',
            0x0c => b'f',
            b'\r' => b'r',
            0x00..=0x1f => 0,
            _ => continue,
        };
        buf.extend_from_slice(&text[from..i]);
        from = i + 1;
        if short == 0 {
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(&[b'\\', short]);
        }
    }
    buf.extend_from_slice(&text[from..]);
    buf.push(b'"');
}

/// Whether `text` is strict JSON (RFC 8259) with no whitespace outside strings: what the portal
/// writes, and what SQLite's `json()` gives back byte for byte (it copies strings, escapes and
/// numbers as written). Anything else is left to `json()` itself.
pub(super) fn is_minified_json(text: &[u8]) -> bool {
    let mut open: Vec<u8> = Vec::new();
    let mut i = 0;
    'value: loop {
        match text.get(i) {
            Some(b'{') if text.get(i + 1) == Some(&b'}') => i += 2,
            Some(b'[') if text.get(i + 1) == Some(&b']') => i += 2,
            Some(b'{') => {
                open.push(b'}');
                match key(text, i + 1) {
                    Some(next) => i = next,
                    None => return false,
                }
                if open.len() > MAX_JSON_DEPTH {
                    return false;
                }
                continue 'value;
            }
            Some(b'[') => {
                open.push(b']');
                i += 1;
                if open.len() > MAX_JSON_DEPTH {
                    return false;
                }
                continue 'value;
            }
            Some(b'"') => match string(text, i) {
                Some(next) => i = next,
                None => return false,
            },
            Some(b't') if text[i..].starts_with(b"true") => i += 4,
            Some(b'f') if text[i..].starts_with(b"false") => i += 5,
            Some(b'n') if text[i..].starts_with(b"null") => i += 4,
            Some(b'-' | b'0'..=b'9') => match number(text, i) {
                Some(next) => i = next,
                None => return false,
            },
            _ => return false,
        }
        // After a value: close what ends here, then a separator or the end.
        loop {
            let Some(&close) = open.last() else {
                return i == text.len();
            };
            match text.get(i) {
                Some(&c) if c == close => {
                    open.pop();
                    i += 1;
                }
                Some(b',') if close == b'}' => match key(text, i + 1) {
                    Some(next) => {
                        i = next;
                        continue 'value;
                    }
                    None => return false,
                },
                Some(b',') => {
                    i += 1;
                    continue 'value;
                }
                _ => return false,
            }
        }
    }
}

/// A member's name and its colon, from `i`; the index after the colon.
fn key(text: &[u8], i: usize) -> Option<usize> {
    let next = string(text, i)?;
    (text.get(next) == Some(&b':')).then_some(next + 1)
}

/// A string from `i` (its opening quote); the index after its closing quote.
fn string(text: &[u8], i: usize) -> Option<usize> {
    if text.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match *text.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => match *text.get(j + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => j += 2,
                b'u' => {
                    let hex = text.get(j + 2..j + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    j += 6;
                }
                _ => return None,
            },
            0x00..=0x1f => return None,
            _ => j += 1,
        }
    }
}

/// A number from `i`: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; the index after it.
fn number(text: &[u8], i: usize) -> Option<usize> {
    let digits = |from: usize| {
        let n = text[from.min(text.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        (n > 0).then_some(from + n)
    };
    let mut j = i;
    if text.get(j) == Some(&b'-') {
        j += 1;
    }
    j = match text.get(j) {
        Some(b'0') => j + 1,
        Some(b'1'..=b'9') => digits(j)?,
        _ => return None,
    };
    if text.get(j) == Some(&b'.') {
        j = digits(j + 1)?;
    }
    if let Some(b'e' | b'E') = text.get(j) {
        j += 1;
        if let Some(b'+' | b'-') = text.get(j) {
            j += 1;
        }
        j = digits(j)?;
    }
    Some(j)
}

/// Walks the whole chain in id order on its own connection to `file`, in one statement;
/// stops at the first row that does not fit. A row [`event`] cannot take is handed to
/// `by_sqlx`, which reads it through [`super::event_from_row`] (outer error: the database's;
/// inner: the row's). Blocks: run it on a blocking thread.
pub(super) fn verify(
    file: &Path,
    mut by_sqlx: impl FnMut(i64) -> anyhow::Result<anyhow::Result<AuditEvent>>,
) -> anyhow::Result<ChainVerification> {
    let conn = open(file)?;
    let mut stmt = conn.prepare(&format!(
        "select {EVENT_COLUMNS} from audit_events order by id asc"
    ))?;
    let mut rows = stmt.raw_query();
    let mut verifier = Verifier::default();
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let read = match event(row) {
            Some(event) => Ok(event),
            None => by_sqlx(id)?,
        };
        if let Err(first_bad) = check_row(&mut verifier, id, read) {
            return Ok(verification(&verifier, Some(first_bad)));
        }
    }
    Ok(verification(&verifier, None))
}

/// A row of [`EVENT_COLUMNS`] as an event, when every value is what the portal writes (text
/// that is UTF-8, integers, nulls where allowed, JSON snapshots, known names); `None` for
/// anything else.
fn event(row: &Row<'_>) -> Option<AuditEvent> {
    let v = |i: usize| row.get_ref(i);
    Some(AuditEvent {
        id: int(v(0).ok()?)?,
        at: text(v(1).ok()?)?,
        request_id: text(v(2).ok()?)?,
        phase: AuditPhase::parse(&text(v(3).ok()?)?)?,
        intent_id: optional(v(4).ok()?, int)?,
        action: AuditAction::parse(&text(v(5).ok()?)?)?,
        actor_id: optional(v(6).ok()?, text)?,
        actor_name: optional(v(7).ok()?, text)?,
        actor_email: optional(v(8).ok()?, text)?,
        company: optional(v(9).ok()?, text)?,
        connection_id: optional(v(10).ok()?, text)?,
        peering_type: optional(v(11).ok()?, |p| {
            super::row::peering_type_as_written(&text(p)?)
        })?,
        reason: optional(v(12).ok()?, text)?,
        ticket: optional(v(13).ok()?, text)?,
        request: optional(v(14).ok()?, json)?,
        before: optional(v(15).ok()?, json)?,
        after: optional(v(16).ok()?, json)?,
        outcome: optional(v(17).ok()?, |o| AuditOutcome::parse(&text(o)?))?,
        upstream_status: optional(v(18).ok()?, |s| u16::try_from(int(s)?).ok())?,
        error: optional(v(19).ok()?, text)?,
        duration_ms: optional(v(20).ok()?, |d| u64::try_from(int(d)?).ok())?,
        client_addr: optional(v(21).ok()?, text)?,
        user_agent: optional(v(22).ok()?, text)?,
        prev_hash: text(v(23).ok()?)?,
        hash: text(v(24).ok()?)?,
    })
}

fn int(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Integer(n) => Some(n),
        _ => None,
    }
}

fn text(v: ValueRef<'_>) -> Option<String> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t).ok().map(str::to_owned),
        _ => None,
    }
}

fn json(v: ValueRef<'_>) -> Option<serde_json::Value> {
    match v {
        ValueRef::Text(t) => {
            let t = std::str::from_utf8(t).ok()?;
            let v = serde_json::from_str(t).ok()?;
            super::row::as_written(&v, t).then_some(v)
        }
        _ => None,
    }
}

/// `Some(None)` for a null, `Some(Some(_))` for a value `read` takes, `None` otherwise.
fn optional<T>(v: ValueRef<'_>, read: impl Fn(ValueRef<'_>) -> Option<T>) -> Option<Option<T>> {
    match v {
        ValueRef::Null => Some(None),
        v => read(v).map(Some),
    }
}
