//! Simulator configuration: the knobs that select which plausible AtHoc behaviour is simulated.

use std::fmt;
use std::time::Duration;

/// What the `Offset` query parameter of `users/search/basic` means (athoc-api.md §2: uncertain).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OffsetMode {
    /// `Offset` is a 0-based page number: skip `Offset * effective_limit` users.
    #[default]
    Page,
    /// `Offset` is a 0-based record index: skip `Offset` users.
    Record,
}

/// Everything that can be tuned on a running simulator (see [`crate::Sim::update_config`]).
#[derive(Clone, PartialEq)]
pub struct SimConfig {
    /// The single organization code the simulator hosts (matched case-insensitively).
    pub org_code: String,
    /// Accepted API application `client_id`.
    pub client_id: String,
    /// Accepted API application `client_secret`.
    pub client_secret: String,
    /// Accepted operator user name.
    pub username: String,
    /// Accepted operator password.
    pub password: String,
    /// Meaning of `Offset` when paging users.
    pub offset_mode: OffsetMode,
    /// .NET-style pattern that values of [`SimConfig::datetime_attributes`] must match.
    pub date_format: String,
    /// Attributes whose non-empty values must parse with [`SimConfig::date_format`].
    pub datetime_attributes: Vec<String>,
    /// How long an issued token stays valid.
    pub token_lifetime: Duration,
    /// Server-side maximum for `Limit`; `None` means no cap.
    pub page_size_cap: Option<usize>,
    /// Added to every reply.
    pub latency: Duration,
    /// `false` makes every `/api/v2` call answer 403 (operator lacks the API role).
    pub operator_has_role: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            org_code: "BOBO".to_owned(),
            client_id: "sim-client".to_owned(),
            client_secret: "sim-client-secret".to_owned(),
            username: "sim-operator".to_owned(),
            password: "sim-password".to_owned(),
            offset_mode: OffsetMode::Page,
            date_format: "dd/MM/yyyy HH:mm:ss".to_owned(),
            datetime_attributes: vec!["On-Duty-DTG".to_owned()],
            token_lifetime: Duration::from_secs(3600),
            page_size_cap: None,
            latency: Duration::ZERO,
            operator_has_role: true,
        }
    }
}

/// Debug output never shows the client secret or the password.
impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("org_code", &self.org_code)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[REDACTED]")
            .field("username", &self.username)
            .field("password", &"[REDACTED]")
            .field("offset_mode", &self.offset_mode)
            .field("date_format", &self.date_format)
            .field("datetime_attributes", &self.datetime_attributes)
            .field("token_lifetime", &self.token_lifetime)
            .field("page_size_cap", &self.page_size_cap)
            .field("latency", &self.latency)
            .field("operator_has_role", &self.operator_has_role)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let text = format!("{:?}", SimConfig::default());
        assert!(!text.contains("sim-client-secret"));
        assert!(!text.contains("sim-password"));
        assert!(text.contains("sim-operator"));
    }
}
