//! The listings, ListOrganizations and ListUsers, and the paging every listing shares.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{params, params_from_iter};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Context;
use crate::api_error::ApiError;
use crate::model::ListedUser;
use crate::store;
use crate::validation as check;

// ---------------------------------------------------------------------------------------------
// Paging: tokens opaque to clients, bound to the listing and its filters.

#[derive(serde::Serialize, Deserialize)]
struct PageToken {
    /// What is listed and how it is filtered, hashed.
    scope: String,
    /// The sort key of the last item returned.
    after: i64,
}

pub(super) fn scope_fingerprint(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hex::encode(&hasher.finalize()[..12])
}

fn encode_token(scope: &str, after: i64) -> String {
    let token = PageToken {
        scope: scope.to_owned(),
        after,
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
}

pub(super) fn decode_token(token: Option<&str>, scope: &str) -> Result<i64, ApiError> {
    let Some(token) = token else { return Ok(0) };
    check::next_token("NextToken", token)?;
    let invalid = || {
        ApiError::invalid("NextToken is not a token this listing returned; start again without it.")
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let token: PageToken = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if token.scope != scope {
        return Err(ApiError::invalid(
            "NextToken belongs to a listing with other filters or another organization.",
        ));
    }
    Ok(token.after)
}

/// Cuts rows fetched one beyond `limit` down to the page, and returns the token for the next
/// page when there is one: the one paging rule of every listing.
fn finish_page<T>(
    rows: &mut Vec<T>,
    limit: usize,
    scope: &str,
    key: impl Fn(&T) -> i64,
) -> Option<String> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    if more {
        rows.last().map(|row| encode_token(scope, key(row)))
    } else {
        None
    }
}

pub(super) fn page_response(
    key: &str,
    mut rows: Vec<(i64, Value)>,
    limit: usize,
    scope: &str,
) -> Value {
    let next = finish_page(&mut rows, limit, scope, |(after, _)| *after);
    let items: Vec<Value> = rows.into_iter().map(|(_, item)| item).collect();
    let mut body = serde_json::Map::new();
    body.insert(key.to_owned(), Value::Array(items));
    if let Some(next) = next {
        body.insert("NextToken".into(), next.into());
    }
    Value::Object(body)
}

// ---------------------------------------------------------------------------------------------
// ListOrganizations

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListOrganizationsInput {
    next_token: Option<String>,
    max_results: Option<i64>,
}

pub(super) async fn list_organizations(
    context: &Context<'_>,
    input: ListOrganizationsInput,
) -> Result<Value, ApiError> {
    let limit = match input.max_results {
        Some(value) => check::max_results("MaxResults", value)?,
        None => 100,
    };
    let scope = scope_fingerprint(&["organizations"]);
    let after = decode_token(input.next_token.as_deref(), &scope)?;
    context
        .store
        .read(move |connection| {
            let mut statement = connection.prepare_cached(
                "SELECT rowid, id, alias, default_mail_domain, state FROM organizations \
                 WHERE rowid > ?1 ORDER BY rowid LIMIT ?2",
            )?;
            let rows = statement
                .query_map(params![after, limit as i64 + 1], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        json!({
                            "OrganizationId": row.get::<_, String>(1)?,
                            "Alias": row.get::<_, String>(2)?,
                            "DefaultMailDomain": row.get::<_, String>(3)?,
                            "State": row.get::<_, String>(4)?,
                        }),
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(page_response("OrganizationSummaries", rows, limit, &scope))
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// ListUsers

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ListUsersFilters {
    username_prefix: Option<String>,
    display_name_prefix: Option<String>,
    primary_email_prefix: Option<String>,
    state: Option<String>,
    identity_provider_user_id_prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct ListUsersInput {
    organization_id: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    filters: Option<ListUsersFilters>,
}

/// A LIKE pattern matching values that start with `prefix` (ASCII case-insensitively).
pub(super) fn like_prefix(prefix: &str) -> String {
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for c in prefix.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The WHERE clause of a filtered listing of one organization's rows after a key, built from
/// its filters; the filters also make up the page tokens' scope. Parameters `?1` (the
/// organization) and `?2` (the key) come first, the filters' values after them.
pub(super) struct FilteredListing {
    conditions: Vec<String>,
    values: Vec<rusqlite::types::Value>,
    fingerprint: Vec<String>,
}

impl FilteredListing {
    pub(super) fn new(listing: &str, organization_id: &str) -> Self {
        Self {
            conditions: vec!["organization_id = ?1".to_owned(), "seq > ?2".to_owned()],
            values: Vec::new(),
            fingerprint: vec![listing.to_owned(), organization_id.to_owned()],
        }
    }

    /// Adds a prefix filter on `column`, when given, after checking it with `shape`.
    pub(super) fn prefix(
        &mut self,
        member: &str,
        column: &str,
        value: Option<&str>,
        shape: fn(&str, &str) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let Some(value) = value else { return Ok(()) };
        shape(member, value)?;
        self.values
            .push(rusqlite::types::Value::Text(like_prefix(value)));
        self.conditions.push(format!(
            "{column} LIKE ?{} ESCAPE '\\'",
            self.values.len() + 2
        ));
        self.fingerprint.push(format!("{member}={value}"));
        Ok(())
    }

    /// Adds a filter on the `state` column, when given.
    pub(super) fn state(&mut self, member: &str, value: Option<&str>) -> Result<(), ApiError> {
        let Some(value) = value else { return Ok(()) };
        let state = check::entity_state(member, value)?;
        self.values
            .push(rusqlite::types::Value::Text(state.as_str().into()));
        self.conditions
            .push(format!("state = ?{}", self.values.len() + 2));
        self.fingerprint.push(format!("State={}", state.as_str()));
        Ok(())
    }

    /// The page tokens' scope, the conditions joined, and the filters' values.
    pub(super) fn finish(self) -> (String, String, Vec<rusqlite::types::Value>) {
        let scope = scope_fingerprint(
            &self
                .fingerprint
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        (scope, self.conditions.join(" AND "), self.values)
    }
}

pub(super) async fn list_users(
    context: &Context<'_>,
    input: ListUsersInput,
) -> Result<String, ApiError> {
    let organization_id = check::required("OrganizationId", input.organization_id)?;
    check::organization_id("OrganizationId", &organization_id)?;
    let limit = match input.max_results {
        Some(value) => check::max_results("MaxResults", value)?,
        None => 100,
    };
    let filters = input.filters.unwrap_or_default();
    let mut query = FilteredListing::new("users", &organization_id);
    for (member, column, value) in [
        ("Filters.UsernamePrefix", "name", &filters.username_prefix),
        (
            "Filters.DisplayNamePrefix",
            "display_name",
            &filters.display_name_prefix,
        ),
        (
            "Filters.PrimaryEmailPrefix",
            "email",
            &filters.primary_email_prefix,
        ),
    ] {
        query.prefix(member, column, value.as_deref(), check::attribute)?;
    }
    query.prefix(
        "Filters.IdentityProviderUserIdPrefix",
        "identity_provider_user_id",
        filters.identity_provider_user_id_prefix.as_deref(),
        check::identity_provider_user_id_prefix,
    )?;
    query.state("Filters.State", filters.state.as_deref())?;
    let (scope, conditions, values) = query.finish();
    let after = decode_token(input.next_token.as_deref(), &scope)?;
    let sql = format!(
        "SELECT {} FROM users WHERE {} ORDER BY seq LIMIT {}",
        ListedUser::COLUMNS,
        conditions,
        limit + 1
    );
    context
        .store
        .read(move |connection| {
            store::active_organization(connection, &organization_id)?;
            let mut all = vec![
                rusqlite::types::Value::Text(organization_id),
                rusqlite::types::Value::Integer(after),
            ];
            all.extend(values);
            let mut statement = connection.prepare_cached(&sql)?;
            let mut users = statement
                .query_map(params_from_iter(all.iter()), ListedUser::from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            let next_token = finish_page(&mut users, limit, &scope, |user| user.seq);
            serde_json::to_string(&ListUsersOutput { users, next_token })
                .map_err(|error| ApiError::internal(error.to_string()))
        })
        .await
}

#[derive(serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListUsersOutput {
    users: Vec<ListedUser>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_prefix_escapes_wildcards() {
        assert_eq!(like_prefix("a_b%c\\"), "a\\_b\\%c\\\\%");
    }

    #[test]
    fn page_tokens_are_bound_to_their_scope() {
        let scope = scope_fingerprint(&["users", "m-1", "State=ENABLED"]);
        let other = scope_fingerprint(&["users", "m-1", "State=DISABLED"]);
        let token = encode_token(&scope, 42);
        assert_eq!(decode_token(Some(&token), &scope).ok(), Some(42));
        assert!(decode_token(Some(&token), &other).is_err());
        assert!(decode_token(Some("not a token"), &scope).is_err());
        assert_eq!(decode_token(None, &scope).ok(), Some(0));
    }
}
