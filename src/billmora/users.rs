//! Users: `/users`.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::{check_one_of, check_opt_text, check_password, Client, Deleted, PAGES};
use crate::error::Result;
use crate::http::{Paginator, Request};

crate::open_enum! {
    /// A user's account status. Requests accept `active`, `suspended` and
    /// `closed`; responses may also say `inactive`.
    pub enum UserStatus {
        /// May log in and order.
        Active => "active",
        /// Not yet activated (responses only).
        Inactive => "inactive",
        /// Blocked by staff.
        Suspended => "suspended",
        /// Closed for good.
        Closed => "closed",
    }
}

/// A Billmora user (customer account).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The id.
    pub id: u64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// First and last name as the server joins them.
    pub fullname: String,
    /// Email address (unique).
    pub email: String,
    /// Account status.
    pub status: UserStatus,
    /// Always `null` on current servers.
    #[serde(default)]
    pub currency: Option<String>,
    /// Locale, e.g. `en_US`.
    #[serde(default)]
    pub language: Option<String>,
    /// Whether credit balance pays invoices automatically.
    #[serde(default)]
    pub auto_credit_payment: bool,
    /// When the email address was verified.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

const REQUEST_STATUSES: [UserStatus; 3] = [
    UserStatus::Active,
    UserStatus::Suspended,
    UserStatus::Closed,
];

/// The body of `POST /users`.
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct NewUser {
    first_name: String,
    last_name: String,
    email: String,
    #[serde(serialize_with = "super::serialize_secret")]
    password: SecretString,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<UserStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("password", &"[REDACTED]")
            .field("status", &self.status)
            .field("language", &self.language)
            .finish()
    }
}

impl NewUser {
    /// A user with the required fields; `password` needs 8 characters or more.
    pub fn new(
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        email: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        NewUser {
            first_name: first_name.into(),
            last_name: last_name.into(),
            email: email.into(),
            password: SecretString::from(password.into()),
            status: None,
            language: None,
        }
    }

    /// `active`, `suspended` or `closed`.
    pub fn status(mut self, status: impl Into<UserStatus>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// Locale, at most 10 characters (e.g. `en_US`).
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    fn validate(&self) -> Result<()> {
        crate::validate::text("first_name", &self.first_name, 255)?;
        crate::validate::text("last_name", &self.last_name, 255)?;
        crate::validate::email("email", &self.email)?;
        check_password("password", &self.password)?;
        if let Some(s) = &self.status {
            check_one_of("status", s, &REQUEST_STATUSES)?;
        }
        if let Some(l) = &self.language {
            crate::validate::max_chars("language", l, 10)?;
        }
        Ok(())
    }
}

/// The body of `PUT /users/{id}`: only the fields that are set are sent.
#[derive(Clone, Default, Serialize)]
#[non_exhaustive]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::serialize_secret_opt"
    )]
    password: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<UserStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language: Option<String>,
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserUpdate")
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("status", &self.status)
            .field("language", &self.language)
            .finish()
    }
}

impl UserUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// New first name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }

    /// New last name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }

    /// New email address.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }

    /// New password (8 characters or more).
    pub fn password(mut self, v: impl Into<String>) -> Self {
        self.password = Some(SecretString::from(v.into()));
        self
    }

    /// `active`, `suspended` or `closed`.
    pub fn status(mut self, v: impl Into<UserStatus>) -> Self {
        self.status = Some(v.into());
        self
    }

    /// Locale, at most 10 characters.
    pub fn language(mut self, v: impl Into<String>) -> Self {
        self.language = Some(v.into());
        self
    }

    fn validate(&self) -> Result<()> {
        check_opt_text("first_name", self.first_name.as_ref(), 255)?;
        check_opt_text("last_name", self.last_name.as_ref(), 255)?;
        if let Some(e) = &self.email {
            crate::validate::email("email", e)?;
        }
        if let Some(p) = &self.password {
            check_password("password", p)?;
        }
        if let Some(s) = &self.status {
            check_one_of("status", s, &REQUEST_STATUSES)?;
        }
        if let Some(l) = &self.language {
            crate::validate::max_chars("language", l, 10)?;
        }
        Ok(())
    }
}

super::list_filter! {
    /// Filters of `GET /users`.
    UserFilter {
        text {
            /// Matches name or email.
            search: String,
            /// Only users with this status.
            status: UserStatus,
        }
    }
}

/// The `/users` endpoints (abilities `users.view`, `users.create`, ...).
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    pub(super) client: &'a Client,
}

impl Users<'_> {
    /// Users, newest first.
    pub fn list(&self, filter: &UserFilter) -> Paginator<User> {
        let request = filter.apply(Request::get("/users"));
        Paginator::new(self.client.transport.clone(), request, PAGES)
    }

    /// One user.
    pub async fn get(&self, id: u64) -> Result<User> {
        self.client
            .data(Request::get("/users/{id}").param(id))
            .await
    }

    /// Creates a user.
    pub async fn create(&self, user: &NewUser) -> Result<User> {
        user.validate()?;
        self.client.data(Request::post("/users").json(user)).await
    }

    /// Changes the fields set in `update`.
    pub async fn update(&self, id: u64, update: &UserUpdate) -> Result<User> {
        update.validate()?;
        self.client
            .data(Request::put("/users/{id}").param(id).json(update))
            .await
    }

    /// Soft-deletes a user (their invoices and orders remain).
    pub async fn delete(&self, id: u64) -> Result<Deleted> {
        self.client
            .transport
            .execute(Request::delete("/users/{id}").param(id))
            .await
    }
}
