//! Contract tests: tickets, against `fixtures/billmora/`.

use crate::common::*;
use crate::users::assert_cust01;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

/// Every field of ticket 2 (`tickets.show.ok`, seq 351).
pub fn assert_ticket_2(t: &Ticket) {
    assert_eq!(t.id, 2.into());
    assert_eq!(t.ticket_number, "TKT-0001");
    assert_eq!(t.subject, "Cannot log in");
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.priority, TicketPriority::High);
    assert_eq!(t.department.as_deref(), Some("Support"));
    assert_eq!(t.last_reply_at, None);
    assert_eq!(t.closed_at, None);
    assert_cust01(t.user.as_ref().unwrap());
    assert_eq!(t.created_at, ts("2026-12-03T07:46:39Z"));
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
        .user_id(3)
        .priority(TicketPriority::Low)
        .search("Billing");
    let page = client(&server)
        .tickets()
        .list(&filter)
        .page(1)
        .await
        .unwrap();
    assert_query(
        &server,
        "status=open&priority=low&search=Billing&user_id=3&page=1",
    )
    .await;
    // `tickets.list.status_open`: tickets 3 and 4.
    assert_eq!(page.items.len(), 2);
    let t = &page.items[0];
    assert_eq!((t.id, t.ticket_number.as_str()), (3.into(), "TKT-0002"));
    assert_eq!(t.subject, "Billing question");
    assert_eq!(
        (t.status.clone(), t.priority.clone()),
        (TicketStatus::Open, TicketPriority::Low)
    );
    assert_eq!(t.department.as_deref(), Some("Billing"));
    assert_eq!(t.user.as_ref().map(|u| u.id), Some(3.into()));
    assert_eq!(t.messages, None, "lists omit messages");
    assert_eq!(page.items[1].id, 4.into());
    assert_eq!(page.items[1].priority, TicketPriority::Medium);
    assert_eq!(page.items[1].department.as_deref(), Some("Sales"));
    assert_eq!(page.items[1].closed_at, None);
}

/// Ticket 2 as `GET /tickets/2` answers with `fixture`, checked field by
/// field, with its messages.
async fn ticket_2_from(fixture: &str) -> Vec<TicketMessage> {
    let server = MockServer::start().await;
    api("GET", "/tickets/2")
        .respond_with(ok(fixture))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tickets().get(2).await.unwrap();
    assert_ticket_2(&t);
    t.messages.unwrap()
}

#[tokio::test]
async fn tickets_get_with_messages() {
    let msgs = ticket_2_from("tickets_show.json").await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].message, "Help!");
    assert!(!msgs[0].is_staff_reply);
    assert_eq!(msgs[0].user.as_ref().map(|u| u.id), Some(2.into()));
    assert_eq!(msgs[0].created_at, ts("2026-12-03T07:46:39Z"));
}

/// A staff reply: `tickets.show.ok` with one hand-added message, since the
/// API has no reply operation and the recording no staff reply.
#[tokio::test]
async fn a_staff_reply_has_no_user() {
    let msgs = ticket_2_from("tickets_show_staff_reply.json").await;
    assert_eq!(msgs.len(), 2);
    assert!(msgs[1].is_staff_reply);
    assert_eq!(msgs[1].user, None);
    assert_eq!(msgs[1].created_at.timestamp_subsec_micros(), 0);
}

#[tokio::test]
async fn tickets_create() {
    let server = MockServer::start().await;
    api("POST", "/tickets")
        .and(body_json(json!({
            "user_id": 2, "subject": "Cannot log in", "department": "Support",
            "priority": "high", "message": "Help!"
        })))
        .respond_with(created("tickets_create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let new = NewTicket::new(2, "Cannot log in", "Support", TicketPriority::High, "Help!");
    let t = client(&server).tickets().create(&new).await.unwrap();
    // TicketsController::store loads user and messages.user after saving
    // (`tickets.create.ok`).
    assert_eq!((t.id, t.ticket_number.as_str()), (2.into(), "TKT-0001"));
    assert_eq!(t.subject, "Cannot log in");
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.priority, TicketPriority::High);
    assert_eq!(t.department.as_deref(), Some("Support"));
    assert_eq!((t.last_reply_at, t.closed_at), (None, None));
    assert_cust01(t.user.as_ref().unwrap());
    let msgs = t.messages.unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].message, "Help!");
    assert!(!msgs[0].is_staff_reply);
    assert_eq!(msgs[0].user.as_ref().map(|u| u.id), Some(2.into()));
}

#[tokio::test]
async fn tickets_update() {
    let server = MockServer::start().await;
    api("PUT", "/tickets/2")
        .and(body_json(json!({"status": "closed", "assigned_to": 2})))
        .respond_with(ok("tickets_update_status_closed.json"))
        .expect(1)
        .mount(&server)
        .await;
    let update = TicketUpdate::new()
        .status(TicketStatus::Closed)
        .assigned_to(2);
    let t = client(&server).tickets().update(2, &update).await.unwrap();
    assert_eq!((t.id, t.status.clone()), (2.into(), TicketStatus::Closed));
    // `tickets.update.status_closed`: the server leaves `closed_at` null.
    assert_eq!(t.closed_at, None);
    assert_eq!(t.updated_at, ts("2026-12-03T07:46:40Z"));
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

#[tokio::test]
async fn ticket_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/tickets/2")
        .respond_with(ok("tickets_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tickets().get(2).await.unwrap();
    assert_eq!((t.id, t.status.clone()), (2.into(), TicketStatus::Open));
    assert_eq!(t.user, None);
    assert_eq!(t.messages, Some(Vec::new()));
}
