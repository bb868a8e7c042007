//! The user directory as a list: one row per user, the search people type, and the rules that
//! turn a list of users into one page of results. Pure: the index that holds the list lives in
//! `crate::directory_index`.

use super::field::Field;
use super::profile::{UserProfile, UserRole, UserState};
use serde::{Deserialize, Serialize};
use std::ops::Range;

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

    /// Whether `prefix` (lower case) starts one of the keys the reader may see.
    fn matches(&self, prefix: &str, readable: Readable) -> bool {
        prefix.is_empty()
            || (readable.name && self.name_key.starts_with(prefix))
            || (readable.display_name && self.display_key.starts_with(prefix))
            || (readable.email && self.email_key.starts_with(prefix))
    }
}

/// Every user of the index: sorted by user name, with their positions also sorted by display
/// name, by email and by id. A prefix of any key is thus a binary search plus the users it
/// matches, and finding a user by id or email a binary search, at any size (4 bytes a user
/// per order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserList {
    users: Vec<IndexedUser>,
    by_display: Vec<u32>,
    by_email: Vec<u32>,
    by_id: Vec<u32>,
}

/// Positions in a [`UserList`]: at most `u32::MAX` users (the index holds far fewer).
fn position(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
}

impl UserList {
    /// The list of `users`, in any order (a user name appears once).
    pub fn new(mut users: Vec<IndexedUser>) -> Self {
        users.sort_unstable_by(|a, b| a.name_key.cmp(&b.name_key));
        let order = |key: fn(&IndexedUser) -> &str| {
            // Ties by position, as `upsert` places them.
            let mut positions: Vec<u32> = (0..users.len()).map(position).collect();
            positions.sort_unstable_by_key(|&i| (key(&users[i as usize]), i));
            positions
        };
        Self {
            by_display: order(|u| &u.display_key),
            by_email: order(|u| &u.email_key),
            by_id: order(|u| &u.user.user_id),
            users,
        }
    }

    /// Every user, by user name.
    pub fn users(&self) -> &[IndexedUser] {
        &self.users
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The bytes the list asks of the allocator: its vectors and every string (what the
    /// allocator adds on top is not counted).
    pub fn heap_bytes(&self) -> usize {
        let optional = |text: &Option<String>| text.as_ref().map_or(0, String::capacity);
        let strings: usize = self
            .users
            .iter()
            .map(|u| {
                u.name_key.capacity()
                    + u.display_key.capacity()
                    + u.email_key.capacity()
                    + u.user.user_id.capacity()
                    + u.user.name.capacity()
                    + u.user.display_name.capacity()
                    + optional(&u.user.email)
                    + optional(&u.user.department)
            })
            .sum();
        let orders = self.by_display.capacity() + self.by_email.capacity() + self.by_id.capacity();
        self.users.capacity() * std::mem::size_of::<IndexedUser>()
            + strings
            + orders * std::mem::size_of::<u32>()
    }

    /// The user with id `user_id`.
    pub fn by_id(&self, user_id: &str) -> Option<&IndexedUser> {
        self.find_exact(&self.by_id, |u| &u.user.user_id, user_id)
            .map(|at| &self.users[at])
    }

    /// The user whose email is `email` (any case).
    pub fn by_email(&self, email: &str) -> Option<&IndexedUser> {
        let email = email.to_lowercase();
        if email.is_empty() {
            return None;
        }
        self.find_exact(&self.by_email, |u| &u.email_key, &email)
            .map(|at| &self.users[at])
    }

    /// The position of the first user whose `key` is `wanted`, through `order`.
    fn find_exact(
        &self,
        order: &[u32],
        key: fn(&IndexedUser) -> &str,
        wanted: &str,
    ) -> Option<usize> {
        let at = order.partition_point(|&i| key(&self.users[i as usize]) < wanted);
        let found = *order.get(at)? as usize;
        (key(&self.users[found]) == wanted).then_some(found)
    }

    /// Where the users whose `key` starts with `prefix` lie in `order`: two binary searches
    /// (those users are contiguous in it), without reading the users between.
    fn range_in(&self, order: &[u32], key: fn(&IndexedUser) -> &str, prefix: &str) -> Range<usize> {
        let key = |&i: &u32| key(&self.users[i as usize]);
        let from = order.partition_point(|i| key(i) < prefix);
        let to = order.partition_point(|i| key(i) < prefix || key(i).starts_with(prefix));
        from..to
    }

    /// The positions (in user-name order, each once) of the users one of whose `readable` keys
    /// starts with `prefix` (lower case, not empty): the keys' ranges, merged. Only positions
    /// are read and sorted here, not the users.
    fn positions_matching(&self, prefix: &str, readable: Readable) -> Vec<u32> {
        let mut positions: Vec<u32> = Vec::new();
        if readable.name {
            let names = self.users.partition_point(|u| u.name_key.as_str() < prefix)
                ..self.users.partition_point(|u| {
                    u.name_key.as_str() < prefix || u.name_key.starts_with(prefix)
                });
            positions.extend(names.map(position));
        }
        if readable.display_name {
            let range = self.range_in(&self.by_display, |u| &u.display_key, prefix);
            positions.extend_from_slice(&self.by_display[range]);
        }
        if readable.email {
            let range = self.range_in(&self.by_email, |u| &u.email_key, prefix);
            positions.extend_from_slice(&self.by_email[range]);
        }
        positions.sort_unstable();
        positions.dedup();
        positions
    }

    /// Puts `user` in, replacing the user with its id. Linear in the list's size (the orders'
    /// positions after it shift by one), without sorting anything again.
    pub fn upsert(&mut self, user: UserSummary) {
        if let Some(at) = self.find_exact(&self.by_id, |u| &u.user.user_id, &user.user_id) {
            self.remove(at);
        }
        let entry = IndexedUser::new(user);
        let at = self.users.partition_point(|u| u.name_key < entry.name_key);
        self.users.insert(at, entry);
        let at = position(at);
        for order in [&mut self.by_display, &mut self.by_email, &mut self.by_id] {
            for i in order.iter_mut() {
                if *i >= at {
                    *i += 1;
                }
            }
        }
        let users = &self.users;
        let insert = |order: &mut Vec<u32>, key: fn(&IndexedUser) -> &str| {
            let new = (key(&users[at as usize]), at);
            let slot = order.partition_point(|&i| (key(&users[i as usize]), i) < new);
            order.insert(slot, at);
        };
        insert(&mut self.by_display, |u| &u.display_key);
        insert(&mut self.by_email, |u| &u.email_key);
        insert(&mut self.by_id, |u| &u.user.user_id);
    }

    fn remove(&mut self, at: usize) {
        self.users.remove(at);
        let at = position(at);
        for order in [&mut self.by_display, &mut self.by_email, &mut self.by_id] {
            order.retain(|&i| i != at);
            for i in order.iter_mut() {
                if *i > at {
                    *i -= 1;
                }
            }
        }
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

/// Filters `list` by the query, keeping only users the reader may see (`readable` answers
/// `None` for those), and cuts out the requested page. A search looks only at the users one of
/// whose keys starts with it ([`UserList`]'s orders); only the empty search goes through
/// everyone.
///
/// The rows come in user-name order only where the reader may see user names; otherwise by
/// what it may see (display name, else id), so the order cannot reveal hidden names.
pub fn search<'a>(
    list: &'a UserList,
    query: &DirectoryQuery,
    readable: impl Fn(&IndexedUser) -> Option<Readable>,
) -> ResultPage<'a> {
    let prefix = query.search.to_lowercase();
    let keep = |user: &'a IndexedUser| {
        let readable = readable(user)?;
        let state_matches = query
            .state
            .is_none_or(|state| readable.state && user.user.state == Some(state));
        (user.matches(&prefix, readable) && state_matches).then_some((user, readable))
    };
    let mut matches: Vec<(&IndexedUser, Readable)> = if prefix.is_empty() {
        list.users.iter().filter_map(keep).collect()
    } else {
        list.positions_matching(&prefix, Readable::ALL)
            .into_iter()
            .filter_map(|i| keep(&list.users[i as usize]))
            .collect()
    };
    if matches.iter().any(|(_, readable)| !readable.name) {
        matches.sort_by(|a, b| visible_order(a).cmp(&visible_order(b)));
    }
    page_of(query, matches.len(), |start, size| {
        matches.into_iter().skip(start).take(size).collect()
    })
}

/// [`search`] for a reader who may see the same of every user (`None`: nothing of anyone),
/// as most roles do. When it may see user names and the query has no state, neither the
/// count nor the page reads a user beyond the page's: the empty search is a slice, a prefix
/// is its keys' merged positions.
pub fn search_everyone<'a>(
    list: &'a UserList,
    query: &DirectoryQuery,
    readable: Option<Readable>,
) -> ResultPage<'a> {
    let Some(readable) = readable else {
        return page_of(query, 0, |_, _| Vec::new());
    };
    if !readable.name || query.state.is_some() {
        return search(list, query, |_| Some(readable));
    }
    let prefix = query.search.to_lowercase();
    let row = |i: usize| (&list.users[i], readable);
    if prefix.is_empty() {
        return page_of(query, list.len(), |start, size| {
            (start..(start + size).min(list.len())).map(row).collect()
        });
    }
    let positions = list.positions_matching(&prefix, readable);
    page_of(query, positions.len(), |start, size| {
        positions
            .iter()
            .skip(start)
            .take(size)
            .map(|&i| row(i as usize))
            .collect()
    })
}

/// The page `query` asks for out of `total` matches, its rows cut by `rows(start, size)`.
fn page_of<'a>(
    query: &DirectoryQuery,
    total: usize,
    rows: impl FnOnce(usize, usize) -> Vec<(&'a IndexedUser, Readable)>,
) -> ResultPage<'a> {
    let size = query.page_size.max(1);
    let pages = total.div_ceil(size).max(1);
    // Past the end (the list shrank since the link was made): the last page.
    let page = query.page.clamp(1, pages);
    ResultPage {
        rows: rows((page - 1) * size, size),
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

    fn people() -> UserList {
        UserList::new(vec![
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
        ])
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
        let users = UserList::new(vec![
            user("amy", "Zulu", "", UserState::Enabled),
            user("zed", "Alpha", "", UserState::Enabled),
        ]);
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

    /// A small pseudo-random directory: names, display names and emails that share prefixes
    /// and sometimes collide, as people's do.
    fn random_people(seed: u64, count: usize) -> Vec<UserSummary> {
        let mut state = seed;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % n
        };
        let syllables = ["ja", "jan", "an", "ann", "bo", "ca", "ze", "e"];
        let word = |next: &mut dyn FnMut(u64) -> u64| {
            (0..=next(2))
                .map(|_| syllables[next(8) as usize])
                .collect::<String>()
        };
        (0..count)
            .map(|i| {
                let first = word(&mut next);
                let last = word(&mut next);
                let email = (next(4) > 0).then(|| format!("{first}{i}@{last}.example"));
                UserSummary {
                    user_id: format!("u-{:04}", next(10_000)) + &i.to_string(),
                    name: format!("{first}.{last}{i}"),
                    display_name: format!("{} {last}", first.to_uppercase()),
                    email,
                    state: Some(if next(3) == 0 {
                        UserState::Disabled
                    } else {
                        UserState::Enabled
                    }),
                    role: Some(UserRole::User),
                    department: None,
                }
            })
            .collect()
    }

    /// What a search must answer, found the slow way: every user, every key.
    fn brute_force(users: &[UserSummary], prefix: &str, readable: Readable) -> Vec<String> {
        let mut names: Vec<String> = users
            .iter()
            .map(|u| IndexedUser::new(u.clone()))
            .filter(|u| u.matches(&prefix.to_lowercase(), readable))
            .map(|u| u.user.name)
            .collect();
        names.sort_by_key(|name| name.to_lowercase());
        names
    }

    #[test]
    fn a_prefix_search_finds_exactly_what_looking_at_everyone_finds() {
        let users = random_people(7, 400);
        let list = UserList::new(users.iter().cloned().map(IndexedUser::new).collect());
        let no_email = Readable {
            email: false,
            ..Readable::ALL
        };
        for prefix in [
            "j", "ja", "JAN", "an", "e", "ze.", "bo", "jan.ca", "q", "ann1",
        ] {
            for readable in [Readable::ALL, no_email] {
                let query = DirectoryQuery {
                    page_size: 1_000,
                    ..query(prefix)
                };
                let everyone = search_everyone(&list, &query, Some(readable));
                let found = search(&list, &query, |_| Some(readable));
                assert_eq!(everyone, found, "{prefix}");
                let found: Vec<String> = found
                    .rows
                    .iter()
                    .map(|(u, _)| u.user.name.clone())
                    .collect();
                assert_eq!(found, brute_force(&users, prefix, readable), "{prefix}");
            }
        }
    }

    #[test]
    fn upserts_leave_the_list_as_building_it_anew_would() {
        let mut users = random_people(11, 120);
        let mut list = UserList::new(users.iter().cloned().map(IndexedUser::new).collect());
        let changes = random_people(12, 60);
        for (i, mut change) in changes.into_iter().enumerate() {
            if i % 2 == 0 {
                // A rename of an existing user (its id stays).
                change.user_id = users[i].user_id.clone();
                users[i] = change.clone();
            } else {
                change.user_id = format!("new-{i}");
                change.name = format!("{}-new", change.name);
                users.push(change.clone());
            }
            list.upsert(change);
        }
        let anew = UserList::new(users.iter().cloned().map(IndexedUser::new).collect());
        assert_eq!(list, anew);
        let someone = &users[3];
        assert_eq!(list.by_id(&someone.user_id).map(|u| &u.user), Some(someone));
        if let Some(email) = &someone.email {
            let found = list
                .by_email(&email.to_uppercase())
                .map(|u| &u.user.user_id);
            assert_eq!(found, Some(&someone.user_id));
        }
        assert!(list.by_id("nobody").is_none());
        assert!(list.by_email("").is_none());
    }

    /// The shortcut for readers who see the same of everyone pages exactly as the general
    /// search does, and a reader who may see no one finds no one.
    #[test]
    fn searching_as_everyones_reader_pages_as_the_general_search() {
        let users = random_people(5, 230);
        let list = UserList::new(users.into_iter().map(IndexedUser::new).collect());
        let no_names = Readable {
            name: false,
            ..Readable::ALL
        };
        for search_text in ["", "j", "an"] {
            for page in [1, 2, 7, 1_000] {
                for state in [None, Some(UserState::Disabled)] {
                    let query = DirectoryQuery {
                        search: search_text.into(),
                        state,
                        page,
                        page_size: 25,
                    };
                    for readable in [Readable::ALL, no_names] {
                        assert_eq!(
                            search_everyone(&list, &query, Some(readable)),
                            search(&list, &query, |_| Some(readable)),
                            "{query:?}"
                        );
                    }
                }
            }
        }
        let nobody = search_everyone(&list, &query(""), None);
        assert_eq!((nobody.total, nobody.rows.len(), nobody.pages), (0, 0, 1));
    }
}
