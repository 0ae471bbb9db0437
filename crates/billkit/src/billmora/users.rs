//! Users: `/users`.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::UserId;
use super::checks::{check_one_of, check_opt_text, check_password};
use super::shared;
use super::{Deleted, PAGES};
use crate::error::Result;
use crate::http::{Paginator, Request, Transport};

crate::open_enum! {
    /// A user's account status (the `users.status` column). Requests accept
    /// `active`, `suspended` and `closed`; `inactive` exists in the column
    /// (set by the web sign-up) and is only read.
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

/// A Billmora user (customer account), as `app/Http/Resources/UserResource.php`
/// renders it.
///
/// `POST /users` answers with the model as inserted, not re-read: every
/// column the request did not set is `null` there (`status`, `language`,
/// `auto_credit_payment`), although the database fills in its defaults
/// (`active`, `en_US`, `false`). Read the user again for the stored values.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct User {
    /// The id.
    pub id: UserId,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// First and last name as the server joins them.
    pub fullname: String,
    /// Email address (unique).
    pub email: String,
    /// Account status; `None` only in a create answer that did not send one.
    #[serde(default)]
    pub status: Option<UserStatus>,
    /// Always `null`: the `users` table has no `currency` column.
    #[serde(default)]
    pub currency: Option<String>,
    /// Locale, e.g. `en_US`; `None` in a create answer that did not send one.
    #[serde(default)]
    pub language: Option<String>,
    /// Whether credit balance pays invoices automatically; `None` in a
    /// create answer (the API cannot set it; the column defaults to `false`).
    #[serde(default, deserialize_with = "super::de::bool_opt")]
    pub auto_credit_payment: Option<bool>,
    /// When the email address was verified.
    #[serde(default, with = "crate::lenient::timestamp_opt")]
    pub email_verified_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last updated.
    pub updated_at: DateTime<Utc>,
}

/// `users.language` is `char(5)`; the API's own rule (`max:10`) lets
/// 6 to 10 characters through to a database error.
const LANGUAGE_MAX: usize = 5;

const REQUEST_STATUSES: [UserStatus; 3] = [
    UserStatus::Active,
    UserStatus::Suspended,
    UserStatus::Closed,
];

/// The body of `POST /users`.
#[derive(Clone, Serialize)]
pub struct NewUser {
    first_name: String,
    last_name: String,
    email: String,
    #[serde(serialize_with = "super::checks::serialize_secret")]
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

    /// Locale, at most 5 characters (e.g. `en_US`): the server's rule says
    /// 10, but the column is `char(5)` and a longer value fails with 500.
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    fn validate(&self) -> Result<()> {
        crate::validate::text("first_name", &self.first_name, 255)?;
        crate::validate::text("last_name", &self.last_name, 255)?;
        crate::validate::email("email", &self.email)?;
        crate::validate::max_chars("email", &self.email, 255)?;
        check_password("password", &self.password)?;
        if let Some(s) = &self.status {
            check_one_of("status", s, &REQUEST_STATUSES)?;
        }
        if let Some(l) = &self.language {
            crate::validate::max_chars("language", l, LANGUAGE_MAX)?;
        }
        Ok(())
    }
}

/// The body of `PUT /users/{id}`: only the fields that are set are sent.
#[derive(Clone, Default, Serialize)]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::checks::serialize_secret_opt"
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

    /// Locale, at most 5 characters (the column is `char(5)`).
    pub fn language(mut self, v: impl Into<String>) -> Self {
        self.language = Some(v.into());
        self
    }

    fn validate(&self) -> Result<()> {
        check_opt_text("first_name", self.first_name.as_ref(), 255)?;
        check_opt_text("last_name", self.last_name.as_ref(), 255)?;
        if let Some(e) = &self.email {
            crate::validate::email("email", e)?;
            crate::validate::max_chars("email", e, 255)?;
        }
        if let Some(p) = &self.password {
            check_password("password", p)?;
        }
        if let Some(s) = &self.status {
            check_one_of("status", s, &REQUEST_STATUSES)?;
        }
        if let Some(l) = &self.language {
            crate::validate::max_chars("language", l, LANGUAGE_MAX)?;
        }
        Ok(())
    }
}

super::filter::list_filter! {
    /// Filters of `GET /users`.
    ///
    /// Server bug (`app/Http/Controllers/Api/UsersController.php:22-25`):
    /// `search` is three ungrouped `OR`s, so with both `search` and
    /// `status` set the status only applies to last-name matches; users of
    /// other statuses whose email or first name match come back too.
    /// `search` is a SQL `LIKE`: `%` and `_` in it are wildcards.
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
    transport: &'a Transport,
}

impl<'a> Users<'a> {
    pub(crate) fn new(transport: &'a Transport) -> Self {
        Users { transport }
    }

    /// Users, newest first.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let users = client.users().list(&billkit::billmora::UserFilter::new().search("dana")).collect_all().await?;
    /// println!("{} users", users.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self, filter: &UserFilter) -> Paginator<User> {
        let request = filter.apply(Request::get("/users"));
        crate::http::keyed(Paginator::new(self.transport.clone(), request, PAGES))
    }

    /// One user.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let user = client.users().get(12).await?;
    /// println!("{}", user.email);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: impl Into<UserId>) -> Result<User> {
        shared::data(self.transport, Request::get("/users/{id}").param(id.into())).await
    }

    /// Finds the user whose email is `email` (compared without regard to
    /// case, as MySQL's collation and the unique index do).
    ///
    /// Uses `GET /users?search=` (a `LIKE` over email and names), walks
    /// every matching page one after the other and keeps the exact match,
    /// so it cannot miss a user that exists (one created meanwhile only
    /// pushes the others later, never past the walk). A user deleted
    /// through the API is soft-deleted: invisible here, yet its address
    /// still counts as taken for [`create`](Self::create).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// if let Some(user) = client.users().find_by_email("dana@example.com").await? {
    ///     println!("user {}", user.id);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn find_by_email(&self, email: &str) -> Result<Option<User>> {
        use futures_util::TryStreamExt;
        let wanted = email.trim();
        let mut users = self
            .list(&UserFilter::new().search(wanted))
            .per_page(100)
            .stream();
        while let Some(user) = users.try_next().await? {
            if user.email.trim().eq_ignore_ascii_case(wanted) {
                return Ok(Some(user));
            }
        }
        Ok(None)
    }

    /// Creates a user.
    ///
    /// The answer is the model as inserted (see [`User`]): `status`,
    /// `language` and `auto_credit_payment` are `None` unless sent. The
    /// email must be unused, soft-deleted users included (422 otherwise).
    ///
    /// Never made twice: the email is unique on the server, so when the
    /// outcome is unknown (timeout, connection lost, 5xx) the user is
    /// looked up by email and returned if there; otherwise the create is
    /// sent again, and a 422 "has already been taken" then means the first
    /// attempt landed and that user is returned. If it still cannot tell
    /// (say the user was soft-deleted meanwhile), the error is
    /// [`Error::MayHaveLanded`](crate::Error::MayHaveLanded) with the email.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let new = billkit::billmora::NewUser::new("Dana", "Borys", "dana@example.com", "s3cret-passw0rd");
    /// let user = client.users().create(&new).await?;
    /// println!("user {}", user.id);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, user: &NewUser) -> Result<User> {
        user.validate()?;
        shared::create_unique(
            self.transport,
            Request::post("/users").json(user),
            crate::LookupKey::new("email", &user.email),
            || self.find_by_email(&user.email),
        )
        .await
    }

    /// Changes the fields set in `update`.
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let user = client.users().update(12, &billkit::billmora::UserUpdate::new().language("de_DE")).await?;
    /// println!("{:?}", user.language);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn update(&self, id: impl Into<UserId>, update: &UserUpdate) -> Result<User> {
        update.validate()?;
        shared::data(
            self.transport,
            Request::put("/users/{id}").param(id.into()).json(update),
        )
        .await
    }

    /// Soft-deletes a user (their invoices and orders remain).
    ///
    /// ```no_run
    /// # async fn run() -> billkit::Result<()> {
    /// let client = billkit::billmora::Client::builder()
    ///     .base_url("https://billing.example.com")
    ///     .token("1|TzXyexampletoken")
    ///     .build()?;
    /// let deleted = client.users().delete(12).await?;
    /// println!("{}", deleted.message);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn delete(&self, id: impl Into<UserId>) -> Result<Deleted> {
        self.transport
            .execute(Request::delete("/users/{id}").param(id.into()))
            .await
    }
}
