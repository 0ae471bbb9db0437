//! Contract tests: tickets, against `fixtures/billmora/`.

use crate::common::*;
use crate::users::assert_dana;
use billkit::billmora::*;
use serde_json::json;
use wiremock::MockServer;
use wiremock::matchers::body_json;

pub fn assert_ticket_9(t: &Ticket) {
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

#[tokio::test]
async fn ticket_show_with_its_relations_empty() {
    let server = MockServer::start().await;
    api("GET", "/tickets/9")
        .respond_with(ok("tickets_show_bare.json"))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server).tickets().get(9).await.unwrap();
    assert_eq!((t.id, t.status.clone()), (9.into(), TicketStatus::Open));
    assert_eq!(t.user, None);
    assert_eq!(t.messages, Some(Vec::new()));
}
