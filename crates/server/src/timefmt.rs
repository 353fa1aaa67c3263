//! Times as the portal writes them: RFC 3339, UTC, milliseconds, so they sort as text.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Now, as RFC 3339 UTC with milliseconds: sorts as text in time order.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

pub fn format(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// Reads a time a person or program gave (RFC 3339, any offset; or a date alone, for its
/// midnight UTC) into the stored form.
pub fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    OffsetDateTime::parse(raw, &Rfc3339)
        .ok()
        .or_else(|| {
            time::Date::parse(raw, format_description!("[year]-[month]-[day]"))
                .ok()
                .map(|d| d.midnight().assume_utc())
        })
        .map(format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sort_as_text() {
        let a = normalize("2026-11-25T10:00:00+01:00").unwrap();
        let b = normalize("2026-11-25T09:30:00Z").unwrap();
        assert_eq!(a, "2026-11-25T09:00:00.000Z");
        assert!(a < b);
        assert_eq!(normalize("yesterday"), None);
    }

    #[test]
    fn a_date_alone_is_its_midnight_utc() {
        assert_eq!(
            normalize(" 2026-11-25 ").as_deref(),
            Some("2026-11-25T00:00:00.000Z")
        );
        for bad in [
            "2026-11-31",
            "2026-13-01",
            "2026-1-5",
            "26-11-25",
            "2026-11-25T10",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
