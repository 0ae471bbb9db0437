//! Companies: registration (the one call without a key) and lookup.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::form::{self, Report};
use super::{Params, SandboxRequest, SandboxResponse, State, ok, ts};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct CompanyRec {
    pub(super) guid: String,
    pub(super) api_key: String,
    pub(super) created_at: DateTime<Utc>,
    pub(super) updated_at: DateTime<Utc>,
}

impl CompanyRec {
    pub(super) fn to_json(&self) -> Value {
        json!({
            "api_key": self.api_key,
            "created_at": ts(&self.created_at),
            "guid": self.guid,
            "updated_at": ts(&self.updated_at),
        })
    }
}

impl State {
    pub(super) fn company(&self, guid: &str) -> Option<&CompanyRec> {
        self.companies.iter().find(|c| c.guid == guid)
    }

    pub(super) fn new_company(&mut self, _processor_key: &str, now: DateTime<Utc>) -> CompanyRec {
        CompanyRec {
            guid: super::new_guid("CP"),
            // b58encode(os.urandom(32)): about 44 characters.
            api_key: super::base58(44),
            created_at: now,
            updated_at: now,
        }
    }

    /// `POST /v1/companies`.
    pub(super) fn register(
        &mut self,
        req: &SandboxRequest,
        params: &Params,
        now: DateTime<Utc>,
    ) -> SandboxResponse {
        let mut report = Report::default();
        let (key, errors) = form::required_text(params, "processor_key");
        report.add("processor_key", errors);
        let Some(key) = key.filter(|_| report.is_empty()) else {
            return report.response(req);
        };
        let company = self.new_company(&key, now);
        let body = company.to_json();
        self.companies.push(company);
        ok(body)
    }
}
