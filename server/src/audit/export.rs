//! `GET /audit/export.csv` and `GET /audit/export.json`: the filtered view of `/audit`, every
//! page of it, with the same rights and the same hidden fields as the page.

use app::domain::{AuditFilter, AuditRecord};
use app::use_cases::Caller;
use app::wire::ApiError;
use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use std::collections::HashMap;

/// Most records one export holds; a larger view is cut here and says so in a header.
pub const EXPORT_LIMIT: usize = 100_000;
const BATCH: usize = 1_000;

/// The export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
}

/// `GET /audit/export.csv`.
pub async fn csv(caller: Caller, query: Query<HashMap<String, String>>) -> Response {
    export(caller, query, Format::Csv).await
}

/// `GET /audit/export.json`.
pub async fn json(caller: Caller, query: Query<HashMap<String, String>>) -> Response {
    export(caller, query, Format::Json).await
}

async fn export(
    caller: Caller,
    Query(params): Query<HashMap<String, String>>,
    format: Format,
) -> Response {
    let mut filter = match AuditFilter::from_params(|name| params.get(name).map(String::as_str)) {
        Ok(filter) => filter,
        Err(problem) => return refusal(ApiError::bad_request(problem)),
    };
    let mut records: Vec<AuditRecord> = Vec::new();
    let mut truncated = false;
    loop {
        let page = match caller.read_log(&filter, BATCH).await {
            Ok(page) => page,
            Err(error) => return refusal(error),
        };
        records.extend(page.records);
        match page.older {
            Some(_) if records.len() >= EXPORT_LIMIT => {
                truncated = true;
                break;
            }
            Some(before) => filter.before = Some(before),
            None => break,
        }
    }
    records.truncate(EXPORT_LIMIT);
    tracing::info!(account = %caller.principal.account, records = records.len(), ?format, "audit export");
    let (body, content_type, extension) = match format {
        Format::Csv => (to_csv(&records), "text/csv; charset=utf-8", "csv"),
        Format::Json => (
            serde_json::to_string_pretty(&records).unwrap_or_else(|_| "[]".to_owned()),
            "application/json",
            "json",
        ),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(disposition) =
        HeaderValue::from_str(&format!("attachment; filename=\"audit-log.{extension}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, disposition);
    }
    if truncated {
        headers.insert("x-export-truncated", HeaderValue::from_static("true"));
    }
    response
}

fn refusal(error: ApiError) -> Response {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, error.message).into_response()
}

/// The CSV columns: one row per changed field; a record without field changes is one row with
/// the field columns empty.
pub const CSV_HEADER: &str = "id,time_utc,outcome,account,client,request_id,target_id,\
                              target_email,field,value_mode,old_value,new_value,detail";

/// Renders records as CSV (RFC 4180 quoting).
pub fn to_csv(records: &[AuditRecord]) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for record in records {
        let common = [
            record.id.to_string(),
            record.time(),
            record.outcome.name().to_owned(),
            record.account.clone(),
            record.client.clone().unwrap_or_default(),
            record.request_id.clone(),
            record.target_id.clone().unwrap_or_default(),
            record.target_email.clone().unwrap_or_default(),
        ];
        let detail = record.detail.clone().unwrap_or_default();
        let mut rows: Vec<[String; 4]> = record
            .changes
            .iter()
            .map(|c| {
                [
                    c.field.api_name().to_owned(),
                    c.mode.name().to_owned(),
                    c.old.clone().unwrap_or_default(),
                    c.new.clone().unwrap_or_default(),
                ]
            })
            .collect();
        if rows.is_empty() {
            rows.push(Default::default());
        }
        for change in rows {
            let cells: Vec<String> = common
                .iter()
                .chain(change.iter())
                .chain(std::iter::once(&detail))
                .map(|value| crate::export::csv::cell(value))
                .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::{Field, FieldChange, Outcome, ValueMode};

    #[test]
    fn one_row_per_changed_field_and_one_for_a_record_without() {
        let record = |id, changes| AuditRecord {
            id,
            at_ms: 0,
            outcome: Outcome::Saved,
            account: "admin".into(),
            client: Some("127.0.0.1".into()),
            request_id: "r1".into(),
            target_id: Some("u-1".into()),
            target_email: Some("jane@x".into()),
            detail: None,
            changes,
        };
        let change = |field, old: &str, new: &str| FieldChange {
            field,
            mode: ValueMode::Value,
            old: Some(old.into()),
            new: Some(new.into()),
        };
        let csv = to_csv(&[
            record(
                2,
                vec![
                    change(Field::JobTitle, "Engineer", "Lead"),
                    change(Field::City, "Paris", ""),
                ],
            ),
            record(1, Vec::new()),
        ]);
        let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], CSV_HEADER);
        assert_eq!(
            lines[1],
            "2,1970-01-01 00:00:00 UTC,saved,admin,127.0.0.1,r1,u-1,jane@x,JobTitle,value,\
             Engineer,Lead,"
        );
        assert!(lines[2].contains(",City,value,Paris,,"));
        assert!(lines[3].starts_with("1,") && lines[3].ends_with(",,,,,"));
    }
}
