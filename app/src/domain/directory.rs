//! The user directory as a list: one row per user, the search people type, and the rules that
//! turn a list of users into one page of results. Pure: the index that holds the list lives in
//! `crate::directory_index`.

use super::field::Field;
use super::profile::{UserProfile, UserRole, UserState};
use serde::{Deserialize, Serialize};

/// One user as ListUsers returns it (plus the department, when the index has read it).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub user_id: String,
    /// The user name.
    pub name: String,
    pub display_name: String,
    pub email: Option<String>,
    pub state: Option<UserState>,
    pub role: Option<UserRole>,
    /// `None` while unknown (ListUsers does not return it).
    pub department: Option<String>,
}

impl UserSummary {
    /// The summary of a user read in full (DescribeUser), department included.
    pub fn from_profile(profile: &UserProfile) -> Self {
        Self {
            user_id: profile.user_id.clone(),
            name: profile.name.clone().unwrap_or_default(),
            display_name: profile.values.get(Field::DisplayName).to_owned(),
            email: profile.email.clone(),
            state: profile.state,
            role: profile.role(),
            department: Some(profile.values.get(Field::Department).to_owned()),
        }
    }
}

/// The page sizes people can choose.
pub const PAGE_SIZES: [usize; 3] = [25, 50, 100];

/// What the directory page asks for; read from and written to the query string, so a search
/// is a link and the back button works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryQuery {
    /// A prefix of the user name, display name or email (any case); empty lists everyone.
    pub search: String,
    pub state: Option<UserState>,
    /// 1-based.
    pub page: usize,
    pub page_size: usize,
}

impl Default for DirectoryQuery {
    fn default() -> Self {
        Self {
            search: String::new(),
            state: None,
            page: 1,
            page_size: PAGE_SIZES[0],
        }
    }
}

impl DirectoryQuery {
    /// Reads `q`, `state`, `page` and `size`; values that can't be used fall back to the
    /// defaults (a hand-edited link still shows a page).
    pub fn from_params<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Self {
        let defaults = Self::default();
        let number = |name: &str| get(name).and_then(|v| v.trim().parse::<usize>().ok());
        Self {
            search: get("q").map(|q| q.trim().to_owned()).unwrap_or_default(),
            state: get("state").and_then(UserState::from_api_name),
            page: number("page").filter(|&p| p >= 1).unwrap_or(defaults.page),
            page_size: number("size")
                .filter(|s| PAGE_SIZES.contains(s))
                .unwrap_or(defaults.page_size),
        }
    }

    /// The query with a page size people can choose and a page number that can't overflow
    /// (a server function receives whatever the client sends).
    pub fn normalized(&self) -> Self {
        Self {
            search: self.search.trim().chars().take(256).collect(),
            state: self.state,
            page: self.page.clamp(1, 1_000_000),
            page_size: if PAGE_SIZES.contains(&self.page_size) {
                self.page_size
            } else {
                PAGE_SIZES[0]
            },
        }
    }

    /// The query string for this search at `page` (defaults left out).
    pub fn to_query(&self, page: usize) -> String {
        let mut parts = Vec::new();
        if !self.search.is_empty() {
            parts.push(format!("q={}", super::percent_encode(&self.search, b"@")));
        }
        if let Some(state) = self.state {
            parts.push(format!("state={}", state.api_name()));
        }
        if self.page_size != PAGE_SIZES[0] {
            parts.push(format!("size={}", self.page_size));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        parts.join("&")
    }
}

/// Which of a row's columns the reader may see (a search key it may not read never matches,
/// so a search cannot probe hidden values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Readable {
    pub name: bool,
    pub display_name: bool,
    pub email: bool,
    pub state: bool,
    pub role: bool,
}

impl Readable {
    pub const ALL: Readable = Readable {
        name: true,
        display_name: true,
        email: true,
        state: true,
        role: true,
    };

    pub const NONE: Readable = Readable {
        name: false,
        display_name: false,
        email: false,
        state: false,
        role: false,
    };

    /// The columns `access` lets the reader see; `None` when it may see nothing of the user.
    pub fn from_access(access: &super::policy::UserAccess) -> Option<Readable> {
        use super::field::Field;
        use super::policy::{Access, Fact};
        access.can_view().then(|| Readable {
            name: access.fact(Fact::Name) > Access::Hidden,
            display_name: access.field(Field::DisplayName) > Access::Hidden,
            email: access.fact(Fact::Email) > Access::Hidden,
            state: access.fact(Fact::State) > Access::Hidden,
            role: access.field(Field::Role) > Access::Hidden,
        })
    }
}

/// A user with its search keys in lower case, as the index keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexedUser {
    pub user: UserSummary,
    name_key: String,
    display_key: String,
    email_key: String,
}

impl IndexedUser {
    pub fn new(user: UserSummary) -> Self {
        Self {
            name_key: user.name.to_lowercase(),
            display_key: user.display_name.to_lowercase(),
            email_key: user.email.as_deref().unwrap_or_default().to_lowercase(),
            user,
        }
    }

    /// The sort key: user name, which is unique.
    pub fn sort_key(&self) -> &str {
        &self.name_key
    }

    /// Whether `prefix` (lower case) starts one of the keys the reader may see.
    fn matches(&self, prefix: &str, readable: Readable) -> bool {
        prefix.is_empty()
            || (readable.name && self.name_key.starts_with(prefix))
            || (readable.display_name && self.display_key.starts_with(prefix))
            || (readable.email && self.email_key.starts_with(prefix))
    }
}

/// A count for people: `10,000 users`, `1 user`, `No users`.
pub fn count_users(count: usize) -> String {
    match count {
        0 => "No users".to_owned(),
        1 => "1 user".to_owned(),
        _ => {
            let digits = count.to_string();
            let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
            for (i, digit) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i).is_multiple_of(3) {
                    grouped.push(',');
                }
                grouped.push(digit);
            }
            format!("{grouped} users")
        }
    }
}

/// One page of results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResultPage<'a> {
    pub rows: Vec<(&'a IndexedUser, Readable)>,
    /// Matches in all pages.
    pub total: usize,
    /// The page shown (clamped to the last page).
    pub page: usize,
    pub pages: usize,
}

/// Filters `users` (sorted by [`IndexedUser::sort_key`]) by the query, keeping only users the
/// reader may see (`readable` answers `None` for those), and cuts out the requested page.
///
/// The rows come in user-name order only where the reader may see user names; otherwise by
/// what it may see (display name, else id), so the order cannot reveal hidden names.
pub fn search<'a>(
    users: &'a [IndexedUser],
    query: &DirectoryQuery,
    readable: impl Fn(&IndexedUser) -> Option<Readable>,
) -> ResultPage<'a> {
    let prefix = query.search.to_lowercase();
    let size = query.page_size.max(1);
    let mut matches: Vec<(&IndexedUser, Readable)> = users
        .iter()
        .filter_map(|user| {
            let readable = readable(user)?;
            let state_matches = query
                .state
                .is_none_or(|state| readable.state && user.user.state == Some(state));
            (user.matches(&prefix, readable) && state_matches).then_some((user, readable))
        })
        .collect();
    if matches.iter().any(|(_, readable)| !readable.name) {
        matches.sort_by(|a, b| visible_order(a).cmp(&visible_order(b)));
    }
    let total = matches.len();
    let pages = total.div_ceil(size).max(1);
    // Past the end (the list shrank since the link was made): the last page.
    let page = query.page.clamp(1, pages);
    let start = (page - 1) * size;
    let rows = matches.into_iter().skip(start).take(size).collect();
    ResultPage {
        rows,
        total,
        page,
        pages,
    }
}

/// Where a row sorts for a reader: by user name when it may see it, else by display name when
/// it may see that, else by id; ties by id.
fn visible_order<'a>((user, readable): &(&'a IndexedUser, Readable)) -> (&'a str, &'a str) {
    let key = if readable.name {
        user.name_key.as_str()
    } else if readable.display_name {
        user.display_key.as_str()
    } else {
        ""
    };
    (key, user.user.user_id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, display: &str, email: &str, state: UserState) -> IndexedUser {
        IndexedUser::new(UserSummary {
            user_id: format!("u-{name}"),
            name: name.into(),
            display_name: display.into(),
            email: (!email.is_empty()).then(|| email.into()),
            state: Some(state),
            role: Some(UserRole::User),
            department: None,
        })
    }

    fn people() -> Vec<IndexedUser> {
        let mut users = vec![
            user(
                "ann.lee",
                "Ann Lee",
                "ann.lee@x.example",
                UserState::Enabled,
            ),
            user(
                "bob.stone",
                "Robert Stone",
                "bob@x.example",
                UserState::Disabled,
            ),
            user("carl.ng", "Carl Ng", "c.ng@x.example", UserState::Enabled),
            user("zed", "Annabel Zed", "", UserState::Enabled),
        ];
        users.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
        users
    }

    fn names(page: &ResultPage<'_>) -> Vec<String> {
        page.rows.iter().map(|(u, _)| u.user.name.clone()).collect()
    }

    fn query(search: &str) -> DirectoryQuery {
        DirectoryQuery {
            search: search.into(),
            ..DirectoryQuery::default()
        }
    }

    #[test]
    fn one_box_matches_user_name_display_name_or_email_by_prefix() {
        let users = people();
        let all = |_: &IndexedUser| Some(Readable::ALL);
        assert_eq!(
            names(&search(&users, &query("ANN"), all)),
            ["ann.lee", "zed"]
        );
        assert_eq!(names(&search(&users, &query("robert"), all)), ["bob.stone"]);
        assert_eq!(names(&search(&users, &query("c.ng@"), all)), ["carl.ng"]);
        assert_eq!(
            names(&search(&users, &query("stone"), all)),
            Vec::<String>::new()
        );
        assert_eq!(search(&users, &query(""), all).total, 4);
    }

    #[test]
    fn hidden_keys_never_match_and_hidden_users_never_show() {
        let users = people();
        let no_email = |_: &IndexedUser| {
            Some(Readable {
                email: false,
                ..Readable::ALL
            })
        };
        assert!(search(&users, &query("c.ng@"), no_email).rows.is_empty());
        let only_carl = |u: &IndexedUser| (u.user.name == "carl.ng").then_some(Readable::ALL);
        assert_eq!(names(&search(&users, &query(""), only_carl)), ["carl.ng"]);
    }

    #[test]
    fn state_filter_and_paging_cover_every_row_once() {
        let users = people();
        let all = |_: &IndexedUser| Some(Readable::ALL);
        let enabled = DirectoryQuery {
            state: Some(UserState::Enabled),
            ..DirectoryQuery::default()
        };
        assert_eq!(search(&users, &enabled, all).total, 3);

        let mut seen = Vec::new();
        for page in 1..=2 {
            let q = DirectoryQuery {
                page,
                page_size: 3,
                ..DirectoryQuery::default()
            };
            let result = search(&users, &q, all);
            assert_eq!(result.pages, 2);
            seen.extend(names(&result));
        }
        assert_eq!(seen, ["ann.lee", "bob.stone", "carl.ng", "zed"]);

        let past_the_end = DirectoryQuery {
            page: 9,
            page_size: 3,
            ..DirectoryQuery::default()
        };
        let result = search(&users, &past_the_end, all);
        assert_eq!((result.page, names(&result)), (2, vec!["zed".to_owned()]));
    }

    #[test]
    fn counts_read_naturally() {
        assert_eq!(count_users(0), "No users");
        assert_eq!(count_users(1), "1 user");
        assert_eq!(count_users(209), "209 users");
        assert_eq!(count_users(10_000), "10,000 users");
        assert_eq!(count_users(1_234_567), "1,234,567 users");
    }

    #[test]
    fn the_query_string_round_trips() {
        let q = DirectoryQuery {
            search: "jane doe@x".into(),
            state: Some(UserState::Disabled),
            page: 3,
            page_size: 50,
        };
        let text = q.to_query(3);
        assert_eq!(text, "q=jane%20doe@x&state=DISABLED&size=50&page=3");
        let pairs: Vec<(String, String)> = text
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.replace("%20", " ")))
            .collect();
        let read = DirectoryQuery::from_params(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        });
        assert_eq!(read, q);
        assert_eq!(DirectoryQuery::default().to_query(1), "");
        let odd = DirectoryQuery::from_params(|name| match name {
            "page" => Some("0"),
            "size" => Some("7"),
            "state" => Some("sleeping"),
            _ => None,
        });
        assert_eq!(odd, DirectoryQuery::default());
        let forged = DirectoryQuery {
            search: "x".into(),
            state: None,
            page: usize::MAX,
            page_size: 1 << 40,
        }
        .normalized();
        assert_eq!((forged.page, forged.page_size), (1_000_000, PAGE_SIZES[0]));
    }

    /// A reader who may not see user names gets the rows in an order that does not reveal
    /// them: by display name, else by id.
    #[test]
    fn rows_follow_only_what_the_reader_may_see() {
        let users = {
            let mut users = vec![
                user("amy", "Zulu", "", UserState::Enabled),
                user("zed", "Alpha", "", UserState::Enabled),
            ];
            users.sort_by(|a, b| a.sort_key().cmp(b.sort_key()));
            users
        };
        let order = |readable: Readable| -> Vec<String> {
            search(&users, &DirectoryQuery::default(), |_| Some(readable))
                .rows
                .iter()
                .map(|(u, _)| u.user.name.clone())
                .collect()
        };
        assert_eq!(order(Readable::ALL), ["amy", "zed"]);
        let no_names = Readable {
            name: false,
            ..Readable::ALL
        };
        assert_eq!(order(no_names), ["zed", "amy"], "by display name");
        let ids_only = Readable {
            name: false,
            display_name: false,
            ..Readable::ALL
        };
        assert_eq!(order(ids_only), ["amy", "zed"], "by id: u-amy, u-zed");
    }
}
