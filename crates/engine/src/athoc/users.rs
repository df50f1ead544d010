//! The user directory: paging through `users/search/basic`, working out what
//! `Offset` means on this server (page number or record index), and refusing
//! to return a directory whose unique `LOGIN_ID`s do not add up to
//! `TotalUsers`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::future::Future;

use futures_util::stream::StreamExt as _;

use serde_json::Value;

use super::transport::endpoint_url;
use super::{AthocClient, AthocError};
use crate::event::Login;

/// The `Limit` used when the settings say zero.
const DEFAULT_PAGE_SIZE: usize = 1000;

/// One AtHoc user as `users/search/basic` returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AthocUser {
    pub login: Login,
    /// Every other attribute returned, by common name, as text (numbers and
    /// booleans as written in JSON; `null` values left out).
    pub fields: BTreeMap<String, String>,
}

impl AthocUser {
    /// The value of attribute `name` (exact common name first, then ignoring
    /// case); `None` when it is missing or empty.
    pub fn field(&self, name: &str) -> Option<&str> {
        let value = match self.fields.get(name) {
            Some(value) => Some(value),
            None => self
                .fields
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, v)| v),
        };
        value.map(String::as_str).filter(|v| !v.trim().is_empty())
    }
}

/// What the server's `Offset` parameter turned out to mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OffsetMeaning {
    /// Everything came in the first page; the question never arose.
    SinglePage,
    /// `Offset` is a 0-based page number (0, 1, 2, …).
    PageNumber,
    /// `Offset` is a 0-based record index (0, 1000, 2000, …). Also chosen
    /// when pages hold one record, where both meanings coincide.
    RecordIndex,
}

impl OffsetMeaning {
    /// How the store keeps it.
    pub fn code(self) -> &'static str {
        match self {
            OffsetMeaning::SinglePage => "single-page",
            OffsetMeaning::PageNumber => "page-number",
            OffsetMeaning::RecordIndex => "record-index",
        }
    }

    /// The meaning stored as `code`; `None` for anything else.
    pub fn from_code(code: &str) -> Option<OffsetMeaning> {
        [
            OffsetMeaning::SinglePage,
            OffsetMeaning::PageNumber,
            OffsetMeaning::RecordIndex,
        ]
        .into_iter()
        .find(|m| m.code() == code)
    }
}

/// A complete user directory: `users` holds exactly `total` users, less
/// those skipped for having no `LOGIN_ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDirectory {
    pub users: Vec<AthocUser>,
    /// `TotalUsers` as AtHoc reported it.
    pub total: usize,
    pub offset_meaning: OffsetMeaning,
    /// Users AtHoc returned without a `LOGIN_ID` (not in `users`).
    pub skipped_without_login: usize,
}

/// One user record as it came, before the `LOGIN_ID` check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct RawUser {
    login: Option<Login>,
    fields: BTreeMap<String, String>,
}

/// One page of `users/search/basic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PageReply {
    total: usize,
    users: Vec<RawUser>,
}

/// Finds `key` in a JSON object, ignoring case.
fn get_ci<'a>(object: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    object.get(key).or_else(|| {
        object
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// A JSON value as attribute text; `None` for `null`.
pub(super) fn value_text(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(_) | Value::Number(_) | Value::Array(_) | Value::Object(_) => {
            Some(value.to_string())
        }
    }
}

/// Reads `{"TotalUsers": n, "FetchedRecords": n, "Users": [{...}]}`.
pub(super) fn parse_page(body: &[u8]) -> Result<PageReply, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the reply is not JSON ({e})"))?;
    let object = value.as_object().ok_or("the reply is not a JSON object")?;
    let total = match get_ci(object, "TotalUsers") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or("the reply has no numeric TotalUsers")?;
    let total = usize::try_from(total).map_err(|_| "TotalUsers is too large")?;
    let users = match get_ci(object, "Users") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(users)) => users
            .iter()
            .enumerate()
            .map(|(i, user)| {
                let user = user
                    .as_object()
                    .ok_or(format!("user #{i} of the page is not a JSON object"))?;
                let mut login = None;
                let mut fields = BTreeMap::new();
                for (key, value) in user {
                    if key.eq_ignore_ascii_case("LOGIN_ID") {
                        login = value_text(value).as_deref().and_then(Login::new);
                    } else if let Some(text) = value_text(value) {
                        fields.insert(key.clone(), text);
                    }
                }
                Ok(RawUser { login, fields })
            })
            .collect::<Result<_, String>>()?,
        Some(_) => return Err("Users is not a JSON array".into()),
    };
    Ok(PageReply { total, users })
}

/// The `Fields` parameter: `LOGIN_ID` first, then each requested field once.
pub(super) fn fields_parameter(fields: &[&str]) -> String {
    let mut seen: Vec<String> = vec!["LOGIN_ID".into()];
    for field in fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()) {
        if !seen.iter().any(|s| s.eq_ignore_ascii_case(field)) {
            seen.push(field.to_owned());
        }
    }
    seen.join(",")
}

/// The users gathered so far, deduplicated by login; records without a
/// login are counted once per position.
#[derive(Default)]
struct Gathered {
    users: Vec<AthocUser>,
    logins: HashSet<Login>,
    skipped_positions: BTreeSet<usize>,
}

impl Gathered {
    /// Adds a page whose first record sits at `position`; returns how many
    /// users it added that were not already known.
    fn add(&mut self, position: usize, page: &[RawUser]) -> usize {
        let mut added = 0;
        for (i, raw) in page.iter().enumerate() {
            match &raw.login {
                Some(login) => {
                    if self.logins.insert(login.clone()) {
                        self.users.push(AthocUser {
                            login: login.clone(),
                            fields: raw.fields.clone(),
                        });
                        added += 1;
                    }
                }
                None => {
                    if self.skipped_positions.insert(position + i) {
                        added += 1;
                    }
                }
            }
        }
        added
    }

    fn count(&self) -> usize {
        self.logins.len() + self.skipped_positions.len()
    }
}

/// What a directory fetch knows before it starts.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Paging {
    /// Requests in flight at most.
    pub concurrency: usize,
    /// What `Offset` means, as an earlier fetch from this server found.
    pub known: Option<OffsetMeaning>,
    /// The `Limit` asked for and how many users the same query matched last
    /// time: with `known`, the pages those users filled are asked for
    /// together with page 0.
    pub expected: Option<Expected>,
}

/// How many users a query is expected to match, and the `Limit` asked for.
#[derive(Debug, Clone, Copy)]
pub(super) struct Expected {
    pub limit: usize,
    pub total: usize,
}

impl Paging {
    /// The offsets asked for together with page 0: those of the pages the
    /// expected users and a tenth more fill, up to `concurrency` requests
    /// in all. Only with a known `Offset` meaning (for record indexes,
    /// assuming full pages).
    fn ahead(&self) -> Vec<usize> {
        let (Some(meaning), Some(expected)) = (self.known, self.expected) else {
            return Vec::new();
        };
        if expected.limit == 0 {
            return Vec::new();
        }
        // A tenth more than last time: a page too many costs one request
        // answered at once, a page too few a whole round trip.
        let pages = (expected.total + expected.total.div_ceil(10)).div_ceil(expected.limit);
        (1..pages)
            .take(self.concurrency.saturating_sub(1))
            .filter_map(|k| match meaning {
                OffsetMeaning::PageNumber => Some(k),
                OffsetMeaning::RecordIndex => Some(k * expected.limit),
                OffsetMeaning::SinglePage => None,
            })
            .collect()
    }
}

/// Pages through a directory with `fetch(offset)`, detecting what `Offset`
/// means, and checks the result adds up to `TotalUsers`.
///
/// Detection: after page 0 (`n` records) the client asks for `Offset=1`. If
/// that page starts with page 0's second record, `Offset` is a record index;
/// if it shares no record with page 0, it is a page number whose page size
/// is `n` (the number actually returned, which may be less than `Limit`).
/// Anything else is refused. With `paging.known` (what an earlier fetch from
/// this server found) there is no probe, and with `paging.expected` as well
/// the pages the expected users fill go out together with page 0 (pages
/// that turn out not to be needed are left unread; record-index pages
/// asked for on the guess of full pages are dropped if page 0 is short).
/// The pages after that are fetched up to `concurrency` at a time (their
/// offsets are known by then) and read in order. Either way the result must
/// add up to `TotalUsers`, so a wrong `known` ends in
/// [`AthocError::IncompleteDirectory`], never a short list.
pub(super) async fn gather<F, Fut>(
    mut fetch: F,
    paging: Paging,
) -> Result<UserDirectory, AthocError>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<PageReply, AthocError>>,
{
    let Paging {
        concurrency, known, ..
    } = paging;
    let ahead_offsets = paging.ahead();
    let first = fetch(0);
    let ahead_pages = futures_util::future::join_all(ahead_offsets.iter().map(|&o| fetch(o)));
    let (first, ahead_pages) = futures_util::future::join(first, ahead_pages).await;
    let first = first?;
    let total = first.total;
    let mut gathered = Gathered::default();
    gathered.add(0, &first.users);
    let page_len = first.users.len();
    let incomplete = |gathered: &Gathered, reason: String| AthocError::IncompleteDirectory {
        fetched: gathered.logins.len(),
        total,
        reason,
    };
    if gathered.count() >= total {
        return finish(gathered, total, OffsetMeaning::SinglePage);
    }
    if page_len == 0 {
        return Err(incomplete(
            &gathered,
            format!("the first page was empty although TotalUsers is {total}"),
        ));
    }

    // Where the pages after page 0 start (`base`, whose page may be in
    // hand already) and how far apart they are.
    let mut in_hand = std::collections::VecDeque::new();
    let (meaning, base, step) = match known {
        Some(known @ (OffsetMeaning::RecordIndex | OffsetMeaning::PageNumber)) => {
            let step = match known {
                OffsetMeaning::RecordIndex => page_len,
                _ => 1,
            };
            // Pages asked for ahead are where they were guessed to be
            // unless a record-index page 0 came back short.
            if ahead_offsets
                .iter()
                .enumerate()
                .all(|(k, &o)| o == (k + 1) * step)
            {
                in_hand.extend(ahead_offsets.iter().copied().zip(ahead_pages));
            }
            (known, 0, step)
        }
        _ => {
            let (meaning, second) = probe(&mut fetch, &first, &gathered, total).await?;
            let step = match meaning {
                OffsetMeaning::RecordIndex => second.users.len().max(1),
                _ => 1,
            };
            in_hand.push_back((1, Ok(second)));
            (meaning, 1, step)
        }
    };
    let skip = if base == 0 { in_hand.len() } else { 0 };
    let position_of = |offset: usize| match meaning {
        OffsetMeaning::RecordIndex => offset,
        _ => offset * page_len,
    };
    let offsets = (1..)
        .map(|k| base + k * step)
        .skip(skip)
        .take_while(|&offset| position_of(offset) < total);
    let mut rest = futures_util::stream::iter(offsets)
        .map(|offset| {
            let page = fetch(offset);
            async move { (offset, page.await) }
        })
        .buffered(concurrency.max(1));
    let mut last = 0;
    let stop_reason = loop {
        let next = match in_hand.pop_front() {
            Some(page) => Some(page),
            None => rest.next().await,
        };
        let Some((offset, page)) = next else {
            break format!("paging stopped after Offset={last} short of TotalUsers");
        };
        let page = page?;
        check_total(total, page.total, offset)?;
        last = offset;
        if page.users.is_empty() {
            break format!("paging stopped at Offset={offset} with an empty page");
        }
        if gathered.add(position_of(offset), &page.users) == 0 {
            break format!(
                "Offset={offset} returned only users already fetched (paging loops or stalls)"
            );
        }
        if gathered.count() >= total {
            break String::new();
        }
    };
    drop(rest);
    if gathered.count() != total {
        let reason = if gathered.count() > total {
            "AtHoc returned more users than TotalUsers (did the directory change during the fetch?)"
                .to_owned()
        } else {
            stop_reason
        };
        let skipped = gathered.skipped_positions.len();
        let reason = if skipped > 0 {
            format!("{reason}; {skipped} users had no LOGIN_ID")
        } else {
            reason
        };
        return Err(incomplete(&gathered, reason));
    }
    finish(gathered, total, meaning)
}

/// Asks for `Offset=1` and tells from its page what `Offset` means (see
/// [`gather`]); returns the meaning and that page.
async fn probe<F, Fut>(
    fetch: &mut F,
    first: &PageReply,
    gathered: &Gathered,
    total: usize,
) -> Result<(OffsetMeaning, PageReply), AthocError>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<PageReply, AthocError>>,
{
    let page_len = first.users.len();
    let incomplete = |reason: String| AthocError::IncompleteDirectory {
        fetched: gathered.logins.len(),
        total,
        reason,
    };
    let second = fetch(1).await?;
    check_total(total, second.total, 1)?;
    // With one record per page, page numbers and record indexes coincide.
    let meaning = if page_len == 1 || second.users.first() == first.users.get(1) {
        OffsetMeaning::RecordIndex
    } else if !second.users.is_empty() && {
        let known: HashSet<&RawUser> = first.users.iter().collect();
        second.users.iter().all(|u| !known.contains(u))
    } {
        OffsetMeaning::PageNumber
    } else if second.users.is_empty() {
        return Err(incomplete(
            "Offset=1 returned no users although the first page was not all of them".into(),
        ));
    } else {
        return Err(incomplete(
            "Offset=1 returned users that neither follow the first record nor the first page; this \
             server's paging is not understood"
                .into(),
        ));
    };
    Ok((meaning, second))
}

/// A page's `TotalUsers` must be page 0's: otherwise the directory changed
/// between the two, and the pages cannot be put together.
fn check_total(total: usize, now: usize, offset: usize) -> Result<(), AthocError> {
    if now == total {
        Ok(())
    } else {
        Err(AthocError::DirectoryChanged {
            from: total,
            to: now,
            offset,
        })
    }
}

/// `mutex`'s value, also after a panic elsewhere (what it guards stays
/// consistent: each write is one assignment).
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn finish(
    gathered: Gathered,
    total: usize,
    offset_meaning: OffsetMeaning,
) -> Result<UserDirectory, AthocError> {
    Ok(UserDirectory {
        skipped_without_login: gathered.skipped_positions.len(),
        users: gathered.users,
        total,
        offset_meaning,
    })
}

impl AthocClient {
    /// What AtHoc's `Offset` means, as the last directory fetch of more
    /// than one page found or [`AthocClient::assume_offset_meaning`] said;
    /// fetches then skip the `Offset=1` probe.
    pub fn offset_meaning(&self) -> Option<OffsetMeaning> {
        *lock(&self.inner.offset_meaning)
    }

    /// Takes `meaning` as what `Offset` means (from an earlier run); a
    /// fetch it does not add up for asks the server again.
    pub fn assume_offset_meaning(&self, meaning: OffsetMeaning) {
        self.learn_offset_meaning(meaning);
    }

    /// How many users each directory query matched last time, by its
    /// `Criteria` (`""` for the whole directory).
    pub fn directory_totals(&self) -> BTreeMap<String, usize> {
        lock(&self.inner.directory_totals).clone()
    }

    /// Takes `totals` (from an earlier run) as what each query matched last
    /// time: their fetches ask for that many pages together with page 0.
    pub fn assume_directory_totals(&self, totals: BTreeMap<String, usize>) {
        *lock(&self.inner.directory_totals) = totals;
    }

    /// Takes `total` as what the query with `criteria` will match next
    /// time: for a caller that knows the directory changed since the fetch
    /// (e.g. by its own updates).
    pub fn expect_directory_total(&self, criteria: Option<&str>, total: usize) {
        let query = criteria.map(str::trim).unwrap_or_default().to_owned();
        lock(&self.inner.directory_totals).insert(query, total);
    }

    fn learn_offset_meaning(&self, meaning: OffsetMeaning) {
        if matches!(
            meaning,
            OffsetMeaning::PageNumber | OffsetMeaning::RecordIndex
        ) {
            *lock(&self.inner.offset_meaning) = Some(meaning);
        }
    }

    /// The whole user directory with `LOGIN_ID` and `fields`.
    ///
    /// Fails with [`AthocError::IncompleteDirectory`] rather than return a
    /// short list.
    pub async fn fetch_users(&self, fields: &[&str]) -> Result<UserDirectory, AthocError> {
        self.fetch_users_matching(fields, None).await
    }

    /// The users matching `criteria` (AtHoc's `Criteria` parameter, e.g.
    /// `On-Duty-DTG pr`) with `LOGIN_ID` and `fields`; all users when `None`.
    pub async fn fetch_users_matching(
        &self,
        fields: &[&str],
        criteria: Option<&str>,
    ) -> Result<UserDirectory, AthocError> {
        let limit = match self.inner.config.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n => n,
        };
        let fields = fields_parameter(fields);
        let query = criteria.map(str::trim).unwrap_or_default().to_owned();
        let fetch = |offset| self.fetch_page(&fields, limit, offset, criteria);
        let unknown = Paging {
            concurrency: self.inner.config.concurrent_requests,
            known: None,
            expected: None,
        };
        let known = self.offset_meaning();
        let expected = lock(&self.inner.directory_totals)
            .get(&query)
            .map(|&total| Expected { limit, total });
        let paging = Paging {
            known,
            expected,
            ..unknown
        };
        let directory = match gather(fetch, paging).await {
            // What `Offset` meant last time no longer adds up (a server
            // upgrade?): ask the server again.
            Err(AthocError::IncompleteDirectory { reason, .. }) if known.is_some() => {
                tracing::info!(
                    %reason,
                    "AtHoc's paging no longer works as it did; finding out again what Offset means"
                );
                gather(fetch, unknown).await?
            }
            other => other?,
        };
        lock(&self.inner.directory_totals).insert(query, directory.total);
        self.learn_offset_meaning(directory.offset_meaning);
        tracing::debug!(
            users = directory.users.len(),
            total = directory.total,
            offset_meaning = ?directory.offset_meaning,
            "fetched the AtHoc user directory"
        );
        Ok(directory)
    }

    /// One page of `users/search/basic`.
    pub(super) async fn fetch_page(
        &self,
        fields: &str,
        limit: usize,
        offset: usize,
        criteria: Option<&str>,
    ) -> Result<PageReply, AthocError> {
        let config = &self.inner.config;
        let mut url = endpoint_url(
            &config.base_url,
            &[
                "api",
                "v2",
                "orgs",
                &config.org_code,
                "users",
                "search",
                "basic",
            ],
        )?;
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("Fields", fields)
                .append_pair("Limit", &limit.to_string())
                .append_pair("Offset", &offset.to_string());
            if let Some(criteria) = criteria.map(str::trim).filter(|c| !c.is_empty()) {
                query.append_pair("Criteria", criteria);
            }
        }
        let endpoint = format!(
            "GET /api/v2/orgs/{}/users/search/basic (Offset={offset})",
            config.org_code
        );
        let body = self
            .api_call(&endpoint, || self.inner.http.get(url.clone()))
            .await?;
        parse_page(&body).map_err(|reason| AthocError::InvalidResponse { endpoint, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn raw(login: &str) -> RawUser {
        RawUser {
            login: Login::new(login),
            fields: BTreeMap::from([("N".to_owned(), login.to_owned())]),
        }
    }

    /// A fake server over `n` users: `Offset` as page or record, `Limit` capped.
    fn serve(n: usize, limit: usize, cap: usize, page_mode: bool, offset: usize) -> PageReply {
        let size = limit.min(cap);
        let start = if page_mode { offset * size } else { offset };
        let users = (start..n.min(start + size))
            .map(|i| raw(&format!("u{i:05}")))
            .collect();
        PageReply { total: n, users }
    }

    fn unknown(concurrency: usize) -> Paging {
        Paging {
            concurrency,
            ..Paging::default()
        }
    }

    fn known(meaning: OffsetMeaning) -> Paging {
        Paging {
            known: Some(meaning),
            ..unknown(4)
        }
    }

    async fn run(
        n: usize,
        limit: usize,
        cap: usize,
        page_mode: bool,
    ) -> Result<UserDirectory, AthocError> {
        gather(
            |offset| std::future::ready(Ok(serve(n, limit, cap, page_mode, offset))),
            unknown(4),
        )
        .await
    }

    #[rstest]
    #[case::empty(0, 1000, 1000, true, OffsetMeaning::SinglePage)]
    #[case::one_page(999, 1000, 1000, true, OffsetMeaning::SinglePage)]
    #[case::pages(2500, 1000, 1000, true, OffsetMeaning::PageNumber)]
    #[case::records(2500, 1000, 1000, false, OffsetMeaning::RecordIndex)]
    #[case::pages_capped(2500, 1000, 300, true, OffsetMeaning::PageNumber)]
    #[case::records_capped(2500, 1000, 300, false, OffsetMeaning::RecordIndex)]
    #[case::pages_exact(3000, 1000, 1000, true, OffsetMeaning::PageNumber)]
    #[case::page_size_one(5, 1, 1, true, OffsetMeaning::RecordIndex)]
    #[case::two_users(2, 1000, 1, false, OffsetMeaning::RecordIndex)]
    fn pages_through_everything(
        #[case] n: usize,
        #[case] limit: usize,
        #[case] cap: usize,
        #[case] page_mode: bool,
        #[case] meaning: OffsetMeaning,
    ) {
        let directory = tokio_test_block_on(run(n, limit, cap, page_mode));
        let directory = directory.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(directory.offset_meaning, meaning);
        assert_eq!(directory.total, n);
        let logins: BTreeSet<_> = directory
            .users
            .iter()
            .map(|u| u.login.as_str().to_owned())
            .collect();
        assert_eq!(logins.len(), n);
    }

    #[test]
    fn server_that_ignores_offset_is_refused() {
        let result = tokio_test_block_on(gather(
            |_| std::future::ready(Ok(serve(2500, 1000, 1000, true, 0))),
            unknown(4),
        ));
        assert!(
            matches!(
                result,
                Err(AthocError::IncompleteDirectory {
                    fetched: 1000,
                    total: 2500,
                    ..
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn total_that_overstates_the_directory_is_refused() {
        let result = tokio_test_block_on(gather(
            |offset| {
                let mut page = serve(2500, 1000, 1000, false, offset);
                page.total = 2600;
                std::future::ready(Ok(page))
            },
            unknown(4),
        ));
        assert!(
            matches!(
                result,
                Err(AthocError::IncompleteDirectory {
                    fetched: 2500,
                    total: 2600,
                    ..
                })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn users_without_login_are_skipped_and_counted() {
        let result = tokio_test_block_on(gather(
            |offset| {
                let mut page = serve(2500, 1000, 1000, true, offset);
                if offset == 2 {
                    page.users[3].login = None;
                }
                std::future::ready(Ok(page))
            },
            unknown(4),
        ));
        let directory = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (directory.users.len(), directory.skipped_without_login),
            (2499, 1)
        );
    }

    #[test]
    fn pages_after_the_offset_probe_are_fetched_concurrency_at_a_time_and_read_in_order() {
        use std::cell::Cell;
        let (now, most, asked) = (
            Cell::new(0),
            Cell::new(0),
            std::cell::RefCell::new(Vec::new()),
        );
        let result = tokio_test_block_on(gather(
            |offset| {
                asked.borrow_mut().push(offset);
                let (now, most) = (&now, &most);
                async move {
                    now.set(now.get() + 1);
                    most.set(most.get().max(now.get()));
                    // Later pages answer first: the order read must not depend on it.
                    tokio::time::sleep(std::time::Duration::from_millis(20 - offset as u64)).await;
                    now.set(now.get() - 1);
                    Ok(serve(1000, 100, 100, true, offset))
                }
            },
            unknown(3),
        ));
        let directory = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(directory.users.len(), 1000);
        assert_eq!(directory.offset_meaning, OffsetMeaning::PageNumber);
        assert_eq!(*asked.borrow(), (0..10).collect::<Vec<_>>());
        assert_eq!(most.get(), 3);
    }

    #[rstest]
    #[case::pages(true, OffsetMeaning::PageNumber, &[0, 1, 2, 3, 4])]
    #[case::records(false, OffsetMeaning::RecordIndex, &[0, 600, 1200, 1800, 2400])]
    fn a_known_offset_meaning_skips_the_probe(
        #[case] page_mode: bool,
        #[case] meaning: OffsetMeaning,
        #[case] offsets: &[usize],
    ) {
        let asked = std::cell::RefCell::new(Vec::new());
        let result = tokio_test_block_on(gather(
            |offset| {
                asked.borrow_mut().push(offset);
                std::future::ready(Ok(serve(2500, 1000, 600, page_mode, offset)))
            },
            known(meaning),
        ));
        let directory = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(directory.users.len(), 2500);
        assert_eq!(directory.offset_meaning, meaning);
        assert_eq!(*asked.borrow(), offsets);
    }

    /// Runs `gather` over a fake server of `n` users whose `Limit` is
    /// capped at `cap`; returns the directory, the offsets asked for in
    /// order, and the most requests in flight at once. Later pages answer
    /// first, so the order read must not depend on the order answered.
    fn gather_counting(
        n: usize,
        cap: usize,
        page_mode: bool,
        paging: Paging,
    ) -> (Result<UserDirectory, AthocError>, Vec<usize>, usize) {
        use std::cell::{Cell, RefCell};
        let (now, most, asked) = (Cell::new(0), Cell::new(0), RefCell::new(Vec::new()));
        let limit = paging.expected.map_or(1000, |e| e.limit);
        let result = tokio_test_block_on(gather(
            |offset| {
                asked.borrow_mut().push(offset);
                let (now, most) = (&now, &most);
                async move {
                    now.set(now.get() + 1);
                    most.set(most.get().max(now.get()));
                    let pause = 20u64.saturating_sub(offset as u64 % 20);
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                    now.set(now.get() - 1);
                    Ok(serve(n, limit, cap, page_mode, offset))
                }
            },
            paging,
        ));
        (result, asked.into_inner(), most.get())
    }

    fn expecting(meaning: OffsetMeaning, total: usize, concurrency: usize) -> Paging {
        Paging {
            concurrency,
            known: Some(meaning),
            expected: Some(Expected { limit: 1000, total }),
        }
    }

    /// `n` users now, `expected` last time, `Limit` 1000 capped at `cap`,
    /// four requests in flight at most: the offsets asked for, in order, and
    /// the most in flight (the pages expected go out with page 0, in one
    /// round trip; those not needed are left unread; record-index pages
    /// guessed full are dropped when page 0 comes back short).
    #[rstest]
    #[case::pages(2500, 2500, 1000, true, &[0, 1, 2], 3)]
    #[case::records(2500, 2500, 1000, false, &[0, 1000, 2000], 3)]
    #[case::more_pages_than_requests_in_flight(5500, 5500, 1000, true, &[0, 1, 2, 3, 4, 5], 4)]
    #[case::fewer_users_than_expected(1500, 3500, 1000, true, &[0, 1, 2, 3], 4)]
    #[case::a_tenth_more_users_than_expected(2100, 1950, 1000, true, &[0, 1, 2], 3)]
    #[case::many_more_users_than_expected(3500, 1500, 1000, true, &[0, 1, 2, 3], 2)]
    #[case::records_page_zero_short(2500, 2500, 600, false, &[0, 1000, 2000, 600, 1200, 1800, 2400], 4)]
    fn the_pages_expected_go_out_together_with_page_zero(
        #[case] n: usize,
        #[case] expected: usize,
        #[case] cap: usize,
        #[case] page_mode: bool,
        #[case] offsets: &[usize],
        #[case] most_in_flight: usize,
    ) {
        let meaning = if page_mode {
            OffsetMeaning::PageNumber
        } else {
            OffsetMeaning::RecordIndex
        };
        let (result, asked, most) =
            gather_counting(n, cap, page_mode, expecting(meaning, expected, 4));
        let directory = result.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((directory.users.len(), directory.total), (n, n));
        assert_eq!(asked, offsets);
        assert_eq!(most, most_in_flight);
    }

    #[test]
    fn the_total_changing_between_pages_asked_together_is_refused() {
        let result = tokio_test_block_on(gather(
            |offset| {
                let mut page = serve(2500, 1000, 1000, true, offset);
                if offset == 2 {
                    page.total = 2501;
                }
                std::future::ready(Ok(page))
            },
            expecting(OffsetMeaning::PageNumber, 2500, 4),
        ));
        assert!(
            matches!(
                result,
                Err(AthocError::DirectoryChanged {
                    from: 2500,
                    to: 2501,
                    offset: 2
                })
            ),
            "{result:?}"
        );
    }

    #[rstest]
    #[case::pages_taken_for_records(true, OffsetMeaning::RecordIndex)]
    #[case::records_taken_for_pages(false, OffsetMeaning::PageNumber)]
    fn a_wrong_known_meaning_never_gives_a_short_list(
        #[case] page_mode: bool,
        #[case] wrong: OffsetMeaning,
    ) {
        let result = tokio_test_block_on(gather(
            |offset| std::future::ready(Ok(serve(2500, 1000, 1000, page_mode, offset))),
            known(wrong),
        ));
        assert!(
            matches!(
                result,
                Err(AthocError::IncompleteDirectory { total: 2500, .. })
            ),
            "{result:?}"
        );
    }

    #[test]
    fn offset_meanings_round_trip_through_their_codes() {
        for meaning in [
            OffsetMeaning::SinglePage,
            OffsetMeaning::PageNumber,
            OffsetMeaning::RecordIndex,
        ] {
            assert_eq!(OffsetMeaning::from_code(meaning.code()), Some(meaning));
        }
        assert_eq!(OffsetMeaning::from_code("pages"), None);
    }

    fn tokio_test_block_on<T>(future: impl Future<Output = T>) -> T {
        match tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        {
            Ok(runtime) => runtime.block_on(future),
            Err(e) => panic!("no runtime: {e}"),
        }
    }

    #[rstest]
    #[case(&[], "LOGIN_ID")]
    #[case(&["Collar-Number", "FIRSTNAME"], "LOGIN_ID,Collar-Number,FIRSTNAME")]
    #[case(&["login_id", " X ", "", "x"], "LOGIN_ID,X")]
    fn fields_param(#[case] fields: &[&str], #[case] expected: &str) {
        assert_eq!(fields_parameter(fields), expected);
    }

    #[test]
    fn page_parsing_is_tolerant() {
        let body = br#"{"totalusers": "2", "Users": [
            {"Login_Id": " a@x ", "Collar-Number": 12345, "EMPTY": "", "GONE": null},
            {"FIRSTNAME": "NoLogin"}]}"#;
        let page = parse_page(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.total, 2);
        assert_eq!(page.users[0].login.as_ref().map(Login::as_str), Some("a@x"));
        let user = AthocUser {
            login: Login::new("a@x").unwrap_or_else(|| panic!()),
            fields: page.users[0].fields.clone(),
        };
        assert_eq!(user.field("collar-number"), Some("12345"));
        assert_eq!(user.field("EMPTY"), None);
        assert_eq!(user.field("GONE"), None);
        assert_eq!(page.users[1].login, None);
    }

    #[rstest]
    #[case::not_json("<html>", "not JSON")]
    #[case::no_total(r#"{"Users":[]}"#, "TotalUsers")]
    #[case::users_not_array(r#"{"TotalUsers":1,"Users":{}}"#, "not a JSON array")]
    fn bad_pages(#[case] body: &str, #[case] part: &str) {
        let error = parse_page(body.as_bytes()).err().unwrap_or_default();
        assert!(error.contains(part), "{error}");
    }
}
