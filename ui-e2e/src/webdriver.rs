//! A small W3C WebDriver client (the commands these tests use: session,
//! find, click, send keys, text, script, screenshot) over reqwest, with a
//! time limit on every request and every wait: a webview that never answers
//! (e.g. TAURI_WEBVIEW_AUTOMATION unset) fails the test instead of hanging it.

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The key W3C WebDriver names an element reference by.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How often waits look again.
const POLL: Duration = Duration::from_millis(200);

/// Why a WebDriver command failed.
#[derive(Debug, thiserror::Error)]
pub enum WebDriverError {
    #[error("WebDriver request {command} failed: {source}")]
    Http {
        command: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("WebDriver refused {command}: {error}: {message}")]
    Refused {
        command: String,
        error: String,
        message: String,
    },
    #[error("WebDriver answered {command} with something unexpected: {reply}")]
    BadReply { command: String, reply: String },
    #[error("timed out after {limit:?} waiting for {what}; the page said:\n{page}")]
    Timeout {
        what: String,
        limit: Duration,
        page: String,
    },
}

type Result<T> = std::result::Result<T, WebDriverError>;

/// How to find an element.
#[derive(Debug, Clone)]
pub enum By {
    Css(String),
    XPath(String),
}

impl By {
    /// A CSS selector.
    pub fn css(selector: &str) -> By {
        By::Css(selector.to_owned())
    }

    /// The button whose whole text (spaces normalized) is `label`.
    pub fn button(label: &str) -> By {
        By::XPath(format!(
            "//button[normalize-space(.)={}]",
            xpath_literal(label)
        ))
    }

    fn describe(&self) -> String {
        match self {
            By::Css(s) => format!("css {s}"),
            By::XPath(s) => format!("xpath {s}"),
        }
    }

    fn body(&self) -> Value {
        match self {
            By::Css(s) => json!({"using": "css selector", "value": s}),
            By::XPath(s) => json!({"using": "xpath", "value": s}),
        }
    }
}

/// `text` as an XPath string literal (XPath 1 has no escapes).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}

/// An element reference of the current session.
#[derive(Debug, Clone)]
pub struct Element(String);

/// One WebDriver session.
pub struct WebDriver {
    http: reqwest::Client,
    base: String,
    session: String,
}

impl WebDriver {
    /// Opens a session at `base` (e.g. `http://127.0.0.1:4444`) with
    /// `capabilities` (the `alwaysMatch` object); the app starts now.
    pub async fn connect(base: &str, capabilities: Value, limit: Duration) -> Result<WebDriver> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(limit)
            .build()
            .map_err(|source| WebDriverError::Http {
                command: "client".into(),
                source,
            })?;
        let mut driver = WebDriver {
            http,
            base: base.trim_end_matches('/').to_owned(),
            session: String::new(),
        };
        let reply = driver
            .send(
                reqwest::Method::POST,
                "/session",
                Some(json!({"capabilities": {"alwaysMatch": capabilities}})),
            )
            .await?;
        driver.session = reply["sessionId"]
            .as_str()
            .ok_or_else(|| WebDriverError::BadReply {
                command: "new session".into(),
                reply: reply.to_string(),
            })?
            .to_owned();
        Ok(driver)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let command = format!("{method} {path}");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let http = |source| WebDriverError::Http {
            command: command.clone(),
            source,
        };
        let reply: Value = request
            .send()
            .await
            .map_err(http)?
            .json()
            .await
            .map_err(http)?;
        let value = reply.get("value").cloned().unwrap_or(Value::Null);
        if let Some(error) = value.get("error").and_then(Value::as_str) {
            return Err(WebDriverError::Refused {
                command,
                error: error.to_owned(),
                message: value["message"].as_str().unwrap_or_default().to_owned(),
            });
        }
        Ok(value)
    }

    async fn session_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        self.send(method, &format!("/session/{}{path}", self.session), body)
            .await
    }

    /// The first element `by` finds now, if any.
    pub async fn find(&self, by: &By) -> Result<Option<Element>> {
        match self
            .session_cmd(reqwest::Method::POST, "/element", Some(by.body()))
            .await
        {
            Ok(v) => match v[ELEMENT_KEY].as_str() {
                Some(id) => Ok(Some(Element(id.to_owned()))),
                None => Err(WebDriverError::BadReply {
                    command: format!("find {}", by.describe()),
                    reply: v.to_string(),
                }),
            },
            Err(WebDriverError::Refused { error, .. }) if error == "no such element" => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits until `by` finds an element that is displayed and enabled.
    pub async fn wait_for(&self, by: &By, limit: Duration) -> Result<Element> {
        let start = Instant::now();
        loop {
            if let Some(el) = self.find(by).await? {
                if self.is_enabled(&el).await.unwrap_or(false) {
                    return Ok(el);
                }
            }
            if start.elapsed() > limit {
                return Err(self.timeout(&by.describe(), limit).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn is_enabled(&self, el: &Element) -> Result<bool> {
        let v = self
            .session_cmd(
                reqwest::Method::GET,
                &format!("/element/{}/enabled", el.0),
                None,
            )
            .await?;
        Ok(v.as_bool().unwrap_or(false))
    }

    /// Clicks an element.
    pub async fn click(&self, el: &Element) -> Result<()> {
        self.session_cmd(
            reqwest::Method::POST,
            &format!("/element/{}/click", el.0),
            Some(json!({})),
        )
        .await
        .map(drop)
    }

    /// Waits for the element `by` finds to be enabled, then clicks it
    /// (again while it is momentarily not interactable).
    pub async fn click_when_ready(&self, by: &By, limit: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            let el = self.wait_for(by, limit).await?;
            // Clear of sticky headers: WebKit's own scrolling may leave it under one.
            let _ = self
                .session_cmd(
                    reqwest::Method::POST,
                    "/execute/sync",
                    Some(json!({
                        "script": "arguments[0].scrollIntoView({block: 'center'});",
                        "args": [{ELEMENT_KEY: el.0}],
                    })),
                )
                .await;
            match self.click(&el).await {
                Ok(()) => return Ok(()),
                Err(WebDriverError::Refused { error, .. })
                    if (error == "element not interactable"
                        || error == "stale element reference"
                        || error == "element click intercepted")
                        && start.elapsed() < limit =>
                {
                    tokio::time::sleep(POLL).await
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Types `text` into an element as key presses (so the page sees input
    /// events), after deleting what it held.
    pub async fn type_into(&self, by: &By, text: &str, limit: Duration) -> Result<()> {
        let el = self.wait_for(by, limit).await?;
        let held = self
            .session_cmd(
                reqwest::Method::GET,
                &format!("/element/{}/property/value", el.0),
                None,
            )
            .await?;
        let held = held.as_str().unwrap_or_default().chars().count();
        // End, then one Backspace per character held.
        let mut keys = String::from("\u{E010}");
        keys.extend(std::iter::repeat_n('\u{E003}', held));
        keys.push_str(text);
        self.session_cmd(
            reqwest::Method::POST,
            &format!("/element/{}/value", el.0),
            Some(json!({"text": keys})),
        )
        .await
        .map(drop)
    }

    /// The rendered text of an element.
    pub async fn text(&self, el: &Element) -> Result<String> {
        let v = self
            .session_cmd(
                reqwest::Method::GET,
                &format!("/element/{}/text", el.0),
                None,
            )
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// A DOM property of an element (e.g. `checked`).
    pub async fn property(&self, el: &Element, name: &str) -> Result<Value> {
        self.session_cmd(
            reqwest::Method::GET,
            &format!("/element/{}/property/{name}", el.0),
            None,
        )
        .await
    }

    /// Runs `script` in the page and returns its value.
    pub async fn execute(&self, script: &str) -> Result<Value> {
        self.session_cmd(
            reqwest::Method::POST,
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
        .await
    }

    /// The page's visible text.
    pub async fn page_text(&self) -> Result<String> {
        let v = self
            .execute("return document.body ? document.body.innerText : '';")
            .await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }

    /// Waits until the page's visible text contains `needle`.
    pub async fn wait_text(&self, needle: &str, limit: Duration) -> Result<()> {
        let start = Instant::now();
        loop {
            if self.page_text().await?.contains(needle) {
                return Ok(());
            }
            if start.elapsed() > limit {
                return Err(self.timeout(&format!("the text {needle:?}"), limit).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the text of the element `by` finds contains `needle`.
    pub async fn wait_element_text(
        &self,
        by: &By,
        needle: &str,
        limit: Duration,
    ) -> Result<String> {
        let start = Instant::now();
        loop {
            if let Some(el) = self.find(by).await? {
                let text = self.text(&el).await.unwrap_or_default();
                if text.contains(needle) {
                    return Ok(text);
                }
            }
            if start.elapsed() > limit {
                let what = format!("{needle:?} in {}", by.describe());
                return Err(self.timeout(&what, limit).await);
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Asks for the window's outer size (WebDriver `window/rect`); returns
    /// the rect the driver reports afterwards (the app's minimum size may
    /// make it larger than asked).
    pub async fn set_window_rect(&self, width: u32, height: u32) -> Result<Value> {
        self.session_cmd(
            reqwest::Method::POST,
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        )
        .await
    }

    /// The page's viewport: `window.innerWidth` × `window.innerHeight`.
    pub async fn inner_size(&self) -> Result<(u64, u64)> {
        let v = self
            .execute("return [window.innerWidth, window.innerHeight];")
            .await?;
        Ok((v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0)))
    }

    /// A PNG of the window.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self
            .session_cmd(reqwest::Method::GET, "/screenshot", None)
            .await?;
        let text = v.as_str().ok_or_else(|| WebDriverError::BadReply {
            command: "screenshot".into(),
            reply: v.to_string().chars().take(200).collect(),
        })?;
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| WebDriverError::BadReply {
                command: "screenshot".into(),
                reply: format!("not base64: {e}"),
            })
    }

    /// Ends the session (the driver closes the app).
    pub async fn quit(self) -> Result<()> {
        self.send(
            reqwest::Method::DELETE,
            &format!("/session/{}", self.session),
            None,
        )
        .await
        .map(drop)
    }

    async fn timeout(&self, what: &str, limit: Duration) -> WebDriverError {
        let page = match self.page_text().await {
            Ok(text) => text.chars().take(3000).collect(),
            Err(e) => format!("(cannot read the page: {e})"),
        };
        WebDriverError::Timeout {
            what: what.to_owned(),
            limit,
            page,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xpath_literals_quote_any_text() {
        assert_eq!(xpath_literal("Next"), "'Next'");
        assert_eq!(xpath_literal("API user's"), "\"API user's\"");
        assert_eq!(xpath_literal("a'b\"c"), "concat('a', \"'\", 'b\"c')");
    }
}
