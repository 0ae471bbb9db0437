//! Contract tests: users, services, tickets.

use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::{body_json, query_param};

use crate::common::*;

/// Every field of the user in `users_show.json`.
pub fn assert_dana(u: &User) {
    assert_eq!(u.id, 12.into());
    assert_eq!(u.first_name, "Dana");
    assert_eq!(u.last_name, "Borys");
    assert_eq!(u.fullname, "Dana Borys");
    assert_eq!(u.email, "dana@example.com");
    assert_eq!(u.status, Some(UserStatus::Active));
    assert_eq!(u.currency, None);
    assert_eq!(u.language.as_deref(), Some("en_US"));
    assert_eq!(u.auto_credit_payment, Some(false));
    assert_eq!(u.email_verified_at, Some(ts("2026-07-20T05:30:11Z")));
    assert_eq!(u.created_at, ts("2026-07-20T05:25:52Z"));
    // Read back from a MySQL `timestamp`: whole seconds.
    assert_eq!(u.updated_at, ts("2026-07-21T09:14:03Z"));
}

#[tokio::test]
async fn users_list_sends_filters_and_paging() {
    let server = MockServer::start().await;
    api("GET", "/users")
        .and(query_param("search", "dana"))
        .and(query_param("status", "active"))
        .respond_with(ok("users_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .users()
        .list(&UserFilter::new().search("dana").status(UserStatus::Active))
        .per_page(2)
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "search=dana&status=active&page=1&per_page=2").await;
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.total, Some(2));
    assert_eq!(page.last_page, Some(1));
    assert!(page.is_last());
    assert_dana(&page.items[0]);
    let ola = &page.items[1];
    assert_eq!(
        (ola.id, ola.status.clone()),
        (13.into(), Some(UserStatus::Inactive))
    );
    assert_eq!(ola.email_verified_at, None);
    assert_eq!(ola.auto_credit_payment, Some(true));
    assert_eq!(ola.language.as_deref(), Some("pl_PL"));
}

#[tokio::test]
async fn users_get() {
    let server = MockServer::start().await;
    api("GET", "/users/12")
        .respond_with(ok("users_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server).users().get(12).await.unwrap();
    assert_dana(&user);
    assert_query(&server, "").await;
}

#[tokio::test]
async fn users_create_sends_exact_body() {
    let server = MockServer::start().await;
    api("POST", "/users")
        .and(body_json(json!({
            "first_name": "Dana", "last_name": "Borys", "email": "dana@example.com",
            "password": "correct horse", "status": "active", "language": "en_US"
        })))
        .respond_with(created("users_create_with_options.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewUser::new("Dana", "Borys", "dana@example.com", "correct horse")
        .status(UserStatus::Active)
        .language("en_US");
    assert!(
        !format!("{new:?}").contains("correct horse"),
        "Debug must hide the password"
    );
    let user = client(&server).users().create(&new).await.unwrap();
    // UsersController::store: the model as inserted, not re-read.
    assert_eq!(user.id, 14.into());
    assert_eq!(user.fullname, "Dana Borys");
    assert_eq!(user.status, Some(UserStatus::Active));
    assert_eq!(user.language.as_deref(), Some("en_US"));
    assert_eq!(user.auto_credit_payment, None);
    assert_eq!(user.email_verified_at, None);
    assert_eq!(user.created_at, ts("2026-07-22T08:15:42.613907Z"));
    assert_eq!(user.created_at.timestamp_subsec_micros(), 613_907);
    let req = only_request(&server).await;
    assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
}

#[tokio::test]
async fn users_update_sends_only_set_fields() {
    let server = MockServer::start().await;
    api("PUT", "/users/12")
        .and(body_json(
            json!({"status": "suspended", "password": "n3w-passphrase"}),
        ))
        .respond_with(ok("users_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = UserUpdate::new()
        .status(UserStatus::Suspended)
        .password("n3w-passphrase");
    assert!(!format!("{update:?}").contains("n3w"));
    let user = client(&server).users().update(12, &update).await.unwrap();
    assert_eq!(user.id, 12.into());
}

#[tokio::test]
async fn users_delete_returns_the_message() {
    let server = MockServer::start().await;
    api("DELETE", "/users/12")
        .respond_with(ok_json(r#"{"message": "User deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let deleted = client(&server).users().delete(12).await.unwrap();
    assert_eq!(deleted.message, "User deleted successfully.");
}

fn assert_service_30(s: &Service) {
    assert_eq!(s.id, 30.into());
    assert_eq!(s.service_number, "SRV-000030");
    assert_eq!(s.status, ServiceStatus::Active);
    assert_eq!(s.name, "Starter - borys.com");
    assert_eq!(s.billing_type, BillingType::Recurring);
    assert_eq!(s.billing_period, Some(BillingPeriod::Monthly));
    assert_eq!(s.billing_interval, Some(3));
    assert_eq!(s.price.to_string(), "30.00");
    assert_eq!(s.setup_fee.to_string(), "5.00");
    assert_eq!(s.currency, "USD");
    assert_eq!(s.cycle_label, "Every 3 Month(s)");
    assert_eq!(s.activated_at, Some(ts("2026-07-20T05:45:00Z")));
    assert_eq!(s.next_due_date, Some(ts("2026-10-20T00:00:00Z")));
    assert_eq!(
        (s.suspended_at, s.terminated_at, s.cancelled_at),
        (None, None, None)
    );
    assert_eq!(s.plugin_id, None);
    assert_eq!(s.variant_selections.as_ref().unwrap()["5"], json!(52));
    assert_eq!(s.configuration, None);
    assert_dana(s.user.as_ref().unwrap());
    let pkg = s.package.as_ref().unwrap();
    assert_eq!((pkg.id, pkg.name.as_str()), (7.into(), "Starter"));
    let scaling = &s.scalings.as_ref().unwrap()[0];
    assert_eq!(scaling.id, 2.into());
    assert_eq!(scaling.service_id, 30.into());
    assert_eq!(scaling.status, ScalingStatus::Failed);
    assert_eq!(
        (scaling.old_package_id, scaling.new_package_id),
        (Some(7.into()), Some(8.into()))
    );
    assert_eq!(scaling.old_price, Some(dec("30.00")));
    assert_eq!(scaling.new_price.unwrap().to_string(), "90.00");
    assert_eq!(scaling.currency.as_deref(), Some("USD"));
    assert_eq!(
        scaling.error_message.as_deref(),
        Some("Provisioning plugin timed out")
    );
    assert_eq!(s.updated_at.timestamp_subsec_micros(), 0);
}

#[tokio::test]
async fn services_list_with_filters() {
    let server = MockServer::start().await;
    api("GET", "/services")
        .respond_with(ok("services_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let page = client(&server)
        .services()
        .list(
            &ServiceFilter::new()
                .status(ServiceStatus::Pending)
                .user_id(12)
                .search("SRV"),
        )
        .page(1)
        .await
        .unwrap();
    assert_query(&server, "status=pending&search=SRV&user_id=12&page=1").await;
    assert_service_30(&page.items[0]);
    let s = &page.items[1];
    assert_eq!(s.status, ServiceStatus::Pending);
    assert_eq!(s.billing_type, BillingType::Onetime);
    assert_eq!((s.billing_period.clone(), s.billing_interval), (None, None));
    assert_eq!(
        s.variant_selections,
        Some(serde_json::Map::new()),
        "[] is an empty JSON column"
    );
    assert_eq!(s.configuration, Some(serde_json::Map::new()));
    assert_eq!(s.scalings.as_deref(), Some(&[][..]));
}

#[tokio::test]
async fn services_get() {
    let server = MockServer::start().await;
    api("GET", "/services/30")
        .respond_with(ok("services_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let s = client(&server).services().get(30).await.unwrap();
    assert_service_30(&s);
}

#[tokio::test]
async fn services_update_partial() {
    let server = MockServer::start().await;
    let mut selections = serde_json::Map::new();
    selections.insert("5".into(), json!(51));
    api("PUT", "/services/30")
        .and(body_json(json!({
            "status": "suspended", "next_due_date": "2026-11-20", "variant_selections": {"5": 51}
        })))
        .respond_with(ok("services_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = ServiceUpdate::new()
        .status(ServiceStatus::Suspended)
        .next_due_date(chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap())
        .variant_selections(selections);
    let s = client(&server)
        .services()
        .update(30, &update)
        .await
        .unwrap();
    assert_eq!(s.id, 30.into());
}

#[tokio::test]
async fn services_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/services/30")
        .respond_with(ok_json(r#"{"message": "Service deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).services().delete(30).await.unwrap();
    assert_eq!(d.message, "Service deleted successfully.");
}

fn assert_ticket_9(t: &Ticket) {
    assert_eq!(t.id, 9.into());
    assert_eq!(t.ticket_number, "TCK-000009");
    assert_eq!(t.subject, "Cannot reach my site");
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.priority, TicketPriority::High);
    assert_eq!(t.department.as_deref(), Some("Technical"));
    assert_eq!(t.last_reply_at, Some(ts("2026-07-20T06:00:00Z")));
    assert_eq!(t.closed_at, None);
    assert_dana(t.user.as_ref().unwrap());
}

#[tokio::test]
async fn tickets_list_with_all_filters() {
    let server = MockServer::start().await;
    api("GET", "/tickets")
        .respond_with(ok("tickets_list.json"))
        .expect(1)
        .mount(&server)
        .await;
    let filter = TicketFilter::new()
        .status(TicketStatus::Open)
        .user_id(12)
        .priority(TicketPriority::High)
        .search("site");
    let page = client(&server)
        .tickets()
        .list(&filter)
        .page(1)
        .await
        .unwrap();
    assert_query(
        &server,
        "status=open&priority=high&search=site&user_id=12&page=1",
    )
    .await;
    assert_ticket_9(&page.items[0]);
    assert_eq!(page.items[0].messages, None, "lists omit messages");
    assert_eq!(page.items[1].status, TicketStatus::OnHold);
    assert_eq!(page.items[1].priority, TicketPriority::Normal);
    assert_eq!(page.items[1].department, None);
    assert_eq!(page.items[2].status, TicketStatus::CustomerReply);
    assert_eq!(page.items[2].closed_at, Some(ts("2026-07-18T08:00:00Z")));
}

#[tokio::test]
async fn tickets_get_with_messages() {
    let server = MockServer::start().await;
    api("GET", "/tickets/9")
        .respond_with(ok("tickets_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tickets().get(9).await.unwrap();
    assert_ticket_9(&t);
    let msgs = t.messages.unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[0].message, "borys.com shows a 502 since this morning.");
    assert!(!msgs[0].is_staff_reply);
    assert_eq!(msgs[0].user.as_ref().map(|u| u.id), Some(12.into()));
    assert!(msgs[1].is_staff_reply);
    assert_eq!(msgs[1].user, None);
    assert_eq!(msgs[1].created_at.timestamp_subsec_micros(), 0);
}

#[tokio::test]
async fn tickets_create() {
    let server = MockServer::start().await;
    api("POST", "/tickets")
        .and(body_json(json!({
            "user_id": 12, "subject": "Cannot reach my site", "department": "Technical",
            "priority": "high", "message": "borys.com shows a 502 since this morning."
        })))
        .respond_with(created("tickets_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewTicket::new(
        12,
        "Cannot reach my site",
        "Technical",
        TicketPriority::High,
        "borys.com shows a 502 since this morning.",
    );
    let t = client(&server).tickets().create(&new).await.unwrap();
    // TicketsController::store loads user and messages.user after saving.
    assert_eq!((t.id, t.ticket_number.as_str()), (10.into(), "TCK-000010"));
    assert_eq!(t.subject, "Cannot reach my site");
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.priority, TicketPriority::High);
    assert_eq!(t.department.as_deref(), Some("Technical"));
    assert_eq!((t.last_reply_at, t.closed_at), (None, None));
    assert_dana(t.user.as_ref().unwrap());
    let msgs = t.messages.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].message, "borys.com shows a 502 since this morning.");
    assert!(!msgs[0].is_staff_reply);
    assert_eq!(msgs[0].user.as_ref().map(|u| u.id), Some(12.into()));
}

#[tokio::test]
async fn tickets_update() {
    let server = MockServer::start().await;
    api("PUT", "/tickets/9")
        .and(body_json(json!({"status": "closed", "assigned_to": 2})))
        .respond_with(ok("tickets_show.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = TicketUpdate::new()
        .status(TicketStatus::Closed)
        .assigned_to(2);
    let t = client(&server).tickets().update(9, &update).await.unwrap();
    assert_eq!(t.id, 9.into());
}

#[tokio::test]
async fn tickets_delete() {
    let server = MockServer::start().await;
    api("DELETE", "/tickets/9")
        .respond_with(ok_json(r#"{"message": "Ticket deleted successfully."}"#))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        client(&server).tickets().delete(9).await.unwrap().message,
        "Ticket deleted successfully."
    );
}
