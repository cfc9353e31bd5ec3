-- Makes release-5a28a50-state.sql: a state written by release 5a28a50 (one clock per order), for
-- the test of the upgrade to one clock per obligation (tests/test_obligations_upgrade.py).
--
-- Run with that release's code, not this one's:
--     git archive 5a28a50 | tar -x -C /tmp/release-5a28a50
--     cd /tmp/release-5a28a50 && PYTHONPATH=.:tests python tests/data/make_release_state.py OUT.sql
-- (this file copied there first). It records a buyer message and an A-to-z claim on one order, a
-- chargeback on another, a Seller Central case, and fires the reminder steps due on 23 Nov 12:00.
BEGIN TRANSACTION;
CREATE TABLE "audit" (
   "id" INTEGER PRIMARY KEY,
   "at" TEXT,
   "kind" TEXT,
   "message_key" TEXT,
   "order_id" TEXT,
   "case_id" TEXT,
   "detail" TEXT,
   "prev_hash" TEXT,
   "hash" TEXT
);
INSERT INTO "audit" VALUES(1,'2026-11-22T12:30:00+00:00','classified','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001',NULL,'{"category": "atoz_risk", "deadline": "2026-11-23 10:00:03+00:00", "rule": "buyer-claim-risk", "subject": "[CRISIS: A-to-Z risk | due Mon 23 Nov 10:00 UTC] Inquiry from Amazon customer Ann (Order: 203-5550001-0000001)", "suspicious": false, "tier": 1, "trace": ["trust: mx.example.test: authenticated as marketplace.amazon.co.uk", "rule buyer-claim-risk (40-buyer.toml): sender is buyer_relay (k3j4h5g6f7d8@marketplace.amazon.co.uk); buyer_text says en:''never arrived''", "arrival 2026-11-22T10:00:03+00:00 from the topmost Received stamp", "deadline 2026-11-23T10:00:03+00:00: arrival + 24 hours (buyer-claim-risk)", "notify: not done, no [notify] webhooks configured"]}','0000000000000000000000000000000000000000000000000000000000000000','945d44eaafb5b9026f81951cb27629138355de2d1651e8ae8be9971ec2a9364b');
INSERT INTO "audit" VALUES(2,'2026-11-22T12:30:00+00:00','clock_opened','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001',NULL,'{"category": "atoz_risk", "deadline": "2026-11-23T10:00:03+00:00"}','945d44eaafb5b9026f81951cb27629138355de2d1651e8ae8be9971ec2a9364b','5b644b595b481a7497cf31f4d0c0cb14006c4254b646188c06426edc59db95cf');
INSERT INTO "audit" VALUES(3,'2026-11-22T12:30:00+00:00','planned','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001',NULL,'{"keywords": ["$CrisisTier1", "$CrisisAtozRisk"], "kind": "tag", "subject": "[CRISIS: A-to-Z risk | due Mon 23 Nov 10:00 UTC] Inquiry from Amazon customer Ann (Order: 203-5550001-0000001)"}','5b644b595b481a7497cf31f4d0c0cb14006c4254b646188c06426edc59db95cf','d8ad1a91ff634ebf8e29f7bf27368414c3dd7f50a8cbeb4310a2dc70818ee6cd');
INSERT INTO "audit" VALUES(4,'2026-11-22T12:30:00+00:00','planned','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001',NULL,'{"kind": "forward", "to": ["crisis@shop.example"]}','d8ad1a91ff634ebf8e29f7bf27368414c3dd7f50a8cbeb4310a2dc70818ee6cd','096e57382c7034894b4ea299c2b5c11d5086c8444f52270e579471bf285a1e87');
INSERT INTO "audit" VALUES(5,'2026-11-22T12:30:00+00:00','planned','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001',NULL,'{"kind": "acknowledge", "language": "en", "to": "k3j4h5g6f7d8@marketplace.amazon.co.uk"}','096e57382c7034894b4ea299c2b5c11d5086c8444f52270e579471bf285a1e87','226cd64b85532aee71183cc0f7d55a6a5b069cd7ab48d4725b7f8745f412a5f1');
INSERT INTO "audit" VALUES(6,'2026-11-22T12:30:00+00:00','classified','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001',NULL,'{"category": "atoz_claim", "deadline": "2026-11-24 11:00:03+00:00", "rule": "atoz-claim-notification", "subject": "[CRISIS: A-to-Z | due Tue 24 Nov 11:00 UTC] Claim received on order 203-5550001-0000001", "suspicious": false, "tier": 1, "trace": ["trust: mx.example.test: authenticated as amazon.co.uk", "rule atoz-claim-notification (10-atoz.toml): sender is amazon_system (atoz-guarantee-no-reply@amazon.co.uk); header X-Space-Notification-Type: A_Z_CLAIM_RESPONDENT_NOTIFY matches ''a_z_claim*''", "arrival 2026-11-22T11:00:03+00:00 from the topmost Received stamp", "deadline 2026-11-24T11:00:03+00:00: arrival + 2 days (atoz-claim-notification)", "notify: not done, no [notify] webhooks configured", "acknowledge: not done, k3j4h5g6f7d8@marketplace.amazon.co.uk already acknowledged at 2026-11-22T12:30:00+00:00 (window 24 h)"]}','226cd64b85532aee71183cc0f7d55a6a5b069cd7ab48d4725b7f8745f412a5f1','563763098578557db53bd4e9a07c00d0a0b0110f90162e9cc031de71f57c9c19');
INSERT INTO "audit" VALUES(7,'2026-11-22T12:30:00+00:00','clock_updated','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001',NULL,'{"category": "atoz_claim", "deadline": "2026-11-24T11:00:03+00:00"}','563763098578557db53bd4e9a07c00d0a0b0110f90162e9cc031de71f57c9c19','9a9e371bad77465a11a3045505655876bf891e5b477f4f0d29009aba5afb890a');
INSERT INTO "audit" VALUES(8,'2026-11-22T12:30:00+00:00','planned','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001',NULL,'{"keywords": ["$CrisisTier1", "$CrisisAtozClaim"], "kind": "tag", "subject": "[CRISIS: A-to-Z | due Tue 24 Nov 11:00 UTC] Claim received on order 203-5550001-0000001"}','9a9e371bad77465a11a3045505655876bf891e5b477f4f0d29009aba5afb890a','378782f32792ebb3884b2e0dcc286b7808c98fde431021e149d37d5e89581040');
INSERT INTO "audit" VALUES(9,'2026-11-22T12:30:00+00:00','planned','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001',NULL,'{"kind": "forward", "to": ["crisis@shop.example"]}','378782f32792ebb3884b2e0dcc286b7808c98fde431021e149d37d5e89581040','b94846a4f1a4c67d92f618bbbc34dc8349384c16f2fb74c0a10e07ab26d3b896');
INSERT INTO "audit" VALUES(10,'2026-11-22T12:30:00+00:00','classified','<chargeback-release@example.test>','203-5550002-0000002',NULL,'{"category": "chargeback", "deadline": "2026-11-29 12:00:03+00:00", "rule": "chargeback-notification", "subject": "[CRISIS: Chargeback | due Sun 29 Nov 12:00 UTC] Chargeback dispute on order 203-5550002-0000002: response required", "suspicious": false, "tier": 1, "trace": ["trust: mx.example.test: authenticated as amazon.co.uk", "rule chargeback-notification (20-chargeback.toml): sender is amazon_system (cb-seller-notification@amazon.co.uk); header X-Space-Notification-Type: CB_NOTIFICATION matches ''cb_*''", "arrival 2026-11-22T12:00:03+00:00 from the topmost Received stamp", "deadline 2026-11-29T12:00:03+00:00: arrival + 7 days (chargeback-notification)", "notify: not done, no [notify] webhooks configured"]}','b94846a4f1a4c67d92f618bbbc34dc8349384c16f2fb74c0a10e07ab26d3b896','e7860e9fc3df56121d1f123973ad7002d7ff516e8639b60184c4081493eb7693');
INSERT INTO "audit" VALUES(11,'2026-11-22T12:30:00+00:00','clock_opened','<chargeback-release@example.test>','203-5550002-0000002',NULL,'{"category": "chargeback", "deadline": "2026-11-29T12:00:03+00:00"}','e7860e9fc3df56121d1f123973ad7002d7ff516e8639b60184c4081493eb7693','a693a81abc00c82eee69895071375570b97eb68aca802a138a426f0e8746cd16');
INSERT INTO "audit" VALUES(12,'2026-11-22T12:30:00+00:00','planned','<chargeback-release@example.test>','203-5550002-0000002',NULL,'{"keywords": ["$CrisisTier1", "$CrisisChargeback"], "kind": "tag", "subject": "[CRISIS: Chargeback | due Sun 29 Nov 12:00 UTC] Chargeback dispute on order 203-5550002-0000002: response required"}','a693a81abc00c82eee69895071375570b97eb68aca802a138a426f0e8746cd16','86d5dda5111ec20dbe690870fd78b464148f6543f503669241d8490c02fbb31d');
INSERT INTO "audit" VALUES(13,'2026-11-22T12:30:00+00:00','planned','<chargeback-release@example.test>','203-5550002-0000002',NULL,'{"kind": "forward", "to": ["crisis@shop.example"]}','86d5dda5111ec20dbe690870fd78b464148f6543f503669241d8490c02fbb31d','7375eff23d0a12c7dac37f3c1294d53b2da56e8e87903e9d45cac3dd03fe5e33');
INSERT INTO "audit" VALUES(14,'2026-11-22T12:30:00+00:00','classified','<case-12345678901-opened-22-20@amazonses.example>',NULL,'12345678901','{"category": "case", "deadline": null, "rule": "case-opened-subject", "subject": "[Case opened] Case ID 12345678901: We have received your request", "suspicious": false, "tier": 2, "trace": ["trust: mx.example.test: authenticated as amazon.com", "rule case-opened-subject (50-cases.toml): sender is amazon_system (donotreply@amazon.com); case_id 12345678901; subject says en:''we have received your request''", "arrival 2026-11-22T20:00:03+00:00 from the topmost Received stamp"]}','7375eff23d0a12c7dac37f3c1294d53b2da56e8e87903e9d45cac3dd03fe5e33','1b99e9e99efb1ed9f5c4a9cff382de643754a009f4fcbe4adf950439dc8ad68e');
INSERT INTO "audit" VALUES(15,'2026-11-22T12:30:00+00:00','case','<case-12345678901-opened-22-20@amazonses.example>',NULL,'12345678901','{"case_status": "opened"}','1b99e9e99efb1ed9f5c4a9cff382de643754a009f4fcbe4adf950439dc8ad68e','8acad71e1e7443861ff54c1104b6a403d8eab07bc07196e8411a321f925446f8');
INSERT INTO "audit" VALUES(16,'2026-11-22T12:30:00+00:00','planned','<case-12345678901-opened-22-20@amazonses.example>',NULL,'12345678901','{"keywords": ["$CrisisTier2", "$CrisisCase"], "kind": "tag", "subject": "[Case opened] Case ID 12345678901: We have received your request"}','8acad71e1e7443861ff54c1104b6a403d8eab07bc07196e8411a321f925446f8','93351fe12a2869d25a6f54c3976067af80bf0d4801e2440e5edaee10c9f5baa2');
INSERT INTO "audit" VALUES(17,'2026-11-23T12:00:00+00:00','reminder','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001',NULL,'{"category": "atoz_claim", "clock": "order:203-5550001-0000001", "deadline": "2026-11-24T11:00:03+00:00", "hours": 24.0, "kind": "remind", "late": true, "status": "sent", "step": "T-24h", "to": ["crisis@shop.example"]}','93351fe12a2869d25a6f54c3976067af80bf0d4801e2440e5edaee10c9f5baa2','21a5a11615d9618891018a6b0c6fe325c0e9081c03debc80fcbf7bf18481602a');
CREATE TABLE "audit_head" (
   "one" INTEGER PRIMARY KEY,
   "count" INTEGER,
   "hash" TEXT
);
INSERT INTO "audit_head" VALUES(1,17,'21a5a11615d9618891018a6b0c6fe325c0e9081c03debc80fcbf7bf18481602a');
CREATE TABLE "backlog" (
   "message_key" TEXT PRIMARY KEY,
   "mailbox" TEXT,
   "category" TEXT,
   "recorded_at" TEXT,
   "reported_at" TEXT
);
CREATE TABLE "clocks" (
   "key" TEXT PRIMARY KEY,
   "category" TEXT,
   "tier" INTEGER,
   "order_id" TEXT,
   "case_id" TEXT,
   "case_status" TEXT,
   "opened_at" TEXT,
   "deadline" TEXT,
   "status" TEXT,
   "stopped_at" TEXT,
   "stop_reason" TEXT,
   "updated_at" TEXT,
   "last_message_key" TEXT
, "seen_at" TEXT);
INSERT INTO "clocks" VALUES('order:203-5550001-0000001','atoz_claim',1,'203-5550001-0000001',NULL,NULL,'2026-11-22T10:00:03+00:00','2026-11-24T11:00:03+00:00','open',NULL,NULL,'2026-11-22T12:30:00+00:00','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','2026-11-22T12:30:00+00:00');
INSERT INTO "clocks" VALUES('order:203-5550002-0000002','chargeback',1,'203-5550002-0000002',NULL,NULL,'2026-11-22T12:00:03+00:00','2026-11-29T12:00:03+00:00','open',NULL,NULL,'2026-11-22T12:30:00+00:00','<chargeback-release@example.test>','2026-11-22T12:30:00+00:00');
INSERT INTO "clocks" VALUES('case:12345678901','case',2,NULL,'12345678901','opened','2026-11-22T20:00:03+00:00',NULL,'open',NULL,NULL,'2026-11-22T12:30:00+00:00','<case-12345678901-opened-22-20@amazonses.example>','2026-11-22T12:30:00+00:00');
CREATE TABLE "messages" (
   "key" TEXT PRIMARY KEY,
   "message_id" TEXT,
   "sha256" TEXT,
   "mailbox" TEXT,
   "arrival" TEXT,
   "processed_at" TEXT,
   "category" TEXT,
   "tier" INTEGER,
   "suspicious" INTEGER,
   "order_id" TEXT,
   "case_id" TEXT,
   "case_status" TEXT,
   "marketplace" TEXT,
   "deadline" TEXT,
   "rule" TEXT,
   "from_address" TEXT,
   "subject" TEXT,
   "original_subject" TEXT,
   "raw_path" TEXT
);
INSERT INTO "messages" VALUES('<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','f1ddcbdfeef47d65a5906d4db293a42f7923f9e5df5af5b6f55468f308d07d0f','','2026-11-22T10:00:03+00:00','2026-11-22T12:30:00+00:00','atoz_risk',1,0,'203-5550001-0000001',NULL,NULL,'UK','2026-11-23T10:00:03+00:00','buyer-claim-risk','k3j4h5g6f7d8@marketplace.amazon.co.uk','[CRISIS: A-to-Z risk | due Mon 23 Nov 10:00 UTC] Inquiry from Amazon customer Ann (Order: 203-5550001-0000001)','Inquiry from Amazon customer Ann (Order: 203-5550001-0000001)','mail/f1/f1ddcbdfeef47d65a5906d4db293a42f7923f9e5df5af5b6f55468f308d07d0f.eml');
INSERT INTO "messages" VALUES('<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','9b6724d332a07df7056e80215920e4b83d483821eed74de055c5faca50d847e8','','2026-11-22T11:00:03+00:00','2026-11-22T12:30:00+00:00','atoz_claim',1,0,'203-5550001-0000001',NULL,NULL,'UK','2026-11-24T11:00:03+00:00','atoz-claim-notification','atoz-guarantee-no-reply@amazon.co.uk','[CRISIS: A-to-Z | due Tue 24 Nov 11:00 UTC] Claim received on order 203-5550001-0000001','Claim received on order 203-5550001-0000001','mail/9b/9b6724d332a07df7056e80215920e4b83d483821eed74de055c5faca50d847e8.eml');
INSERT INTO "messages" VALUES('<chargeback-release@example.test>','<chargeback-release@example.test>','61c157306ba25b457cd34fc3bf9419474e8b9b9b30c00b9aa1a61ef6f7e2479f','','2026-11-22T12:00:03+00:00','2026-11-22T12:30:00+00:00','chargeback',1,0,'203-5550002-0000002',NULL,NULL,'UK','2026-11-29T12:00:03+00:00','chargeback-notification','cb-seller-notification@amazon.co.uk','[CRISIS: Chargeback | due Sun 29 Nov 12:00 UTC] Chargeback dispute on order 203-5550002-0000002: response required','Chargeback dispute on order 203-5550002-0000002: response required','mail/61/61c157306ba25b457cd34fc3bf9419474e8b9b9b30c00b9aa1a61ef6f7e2479f.eml');
INSERT INTO "messages" VALUES('<case-12345678901-opened-22-20@amazonses.example>','<case-12345678901-opened-22-20@amazonses.example>','a789c21f2b7514d4f27d291cf9799e7b6985c60eb3bb06e8f91c6a98b30f130d','','2026-11-22T20:00:03+00:00','2026-11-22T12:30:00+00:00','case',2,0,NULL,'12345678901','opened','US',NULL,'case-opened-subject','donotreply@amazon.com','[Case opened] Case ID 12345678901: We have received your request','Case ID 12345678901: We have received your request','mail/a7/a789c21f2b7514d4f27d291cf9799e7b6985c60eb3bb06e8f91c6a98b30f130d.eml');
CREATE TABLE "outbox" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "message_key" TEXT,
   "order_id" TEXT,
   "kind" TEXT,
   "target" TEXT,
   "payload" TEXT,
   "message_id" TEXT,
   "status" TEXT,
   "attempts" INTEGER,
   "last_error" TEXT,
   "created_at" TEXT,
   "updated_at" TEXT,
   "done_at" TEXT,
   "owner" TEXT,
   "throttled_at" TEXT,
   "not_before" TEXT
);
INSERT INTO "outbox" VALUES(1,'<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>|forward|crisis@shop.example','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001','forward','crisis@shop.example','{"kind": "forward", "to": ["crisis@shop.example"]}','<f914ff027e034886b26246a0e7fedeb6@shop.example>','pending',0,NULL,'2026-11-22T12:30:00+00:00','2026-11-22T12:30:00+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(2,'<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>|acknowledge|k3j4h5g6f7d8@marketplace.amazon.co.uk','<buyer-203-5550001-0000001-k3j4h5g6f7d8-0@example.test>','203-5550001-0000001','acknowledge','k3j4h5g6f7d8@marketplace.amazon.co.uk','{"kind": "acknowledge", "to": "k3j4h5g6f7d8@marketplace.amazon.co.uk", "language": "en"}','<4327b4ddf9734be9912a068e7786702a@shop.example>','pending',0,NULL,'2026-11-22T12:30:00+00:00','2026-11-22T12:30:00+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(3,'<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>|forward|crisis@shop.example','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001','forward','crisis@shop.example','{"kind": "forward", "to": ["crisis@shop.example"]}','<8202ec23e95c47beab0ede3bbfcae736@shop.example>','pending',0,NULL,'2026-11-22T12:30:00+00:00','2026-11-22T12:30:00+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(4,'<chargeback-release@example.test>|forward|crisis@shop.example','<chargeback-release@example.test>','203-5550002-0000002','forward','crisis@shop.example','{"kind": "forward", "to": ["crisis@shop.example"]}','<11d918999a3044d0ac65847f8a04e487@shop.example>','pending',0,NULL,'2026-11-22T12:30:00+00:00','2026-11-22T12:30:00+00:00',NULL,NULL,NULL,NULL);
INSERT INTO "outbox" VALUES(5,'order:203-5550001-0000001|2026-11-22T10:00:03+00:00|remind|24','<A_Z_CLAIM_RESPONDENT_NOTIFY-203-5550001-0000001@example.test>','203-5550001-0000001','remind','crisis@shop.example','{"clock": "order:203-5550001-0000001", "kind": "remind", "step": "T-24h", "deadline": "2026-11-24T11:00:03+00:00", "category": "atoz_claim", "hours": 24.0, "status": "sent", "late": true, "to": ["crisis@shop.example"]}','<1f1b74b205724bdfb75167af6fdde760@shop.example>','pending',0,NULL,'2026-11-23T12:00:00+00:00','2026-11-23T12:00:00+00:00',NULL,NULL,NULL,NULL);
CREATE TABLE "reading" (
   "mailbox" TEXT PRIMARY KEY,
   "started_at" TEXT,
   "touched" TEXT
);
CREATE TABLE "relayed" (
   "direction" TEXT,
   "key" TEXT,
   "recipient" TEXT,
   "at" TEXT,
   PRIMARY KEY ("direction", "key", "recipient")
);
CREATE TABLE "reminders" (
   "clock_key" TEXT,
   "opened_at" TEXT,
   "kind" TEXT,
   "hours" REAL,
   "status" TEXT,
   "due_at" TEXT,
   "fired_at" TEXT,
   "late" INTEGER,
   PRIMARY KEY ("clock_key", "opened_at", "kind", "hours")
);
INSERT INTO "reminders" VALUES('order:203-5550001-0000001','2026-11-22T10:00:03+00:00','remind',24.0,'sent','2026-11-23T11:00:03+00:00','2026-11-23T12:00:00+00:00',1);
CREATE TABLE "sources" (
   "mailbox" TEXT PRIMARY KEY,
   "uidvalidity" INTEGER,
   "last_uid" INTEGER,
   "updated_at" TEXT
);
CREATE TABLE "tagging" (
   "mailbox" TEXT,
   "message_key" TEXT,
   "stage" TEXT,
   "copy_uid" INTEGER,
   "updated_at" TEXT,
   PRIMARY KEY ("mailbox", "message_key")
);
CREATE INDEX "idx_messages_order_id"
    ON "messages" ("order_id");
CREATE INDEX "idx_messages_sha256"
    ON "messages" ("sha256");
CREATE INDEX "idx_clocks_status_deadline"
    ON "clocks" ("status", "deadline");
CREATE UNIQUE INDEX "idx_outbox_key"
    ON "outbox" ("key");
CREATE INDEX "idx_outbox_status"
    ON "outbox" ("status");
CREATE INDEX "idx_outbox_kind_target_order_id"
    ON "outbox" ("kind", "target", "order_id");
CREATE INDEX "idx_backlog_reported_at"
    ON "backlog" ("reported_at");
CREATE INDEX idx_messages_message_id ON messages (message_id);
CREATE INDEX idx_messages_case_id ON messages (case_id);
CREATE INDEX idx_outbox_message_key ON outbox (message_key);
CREATE INDEX idx_outbox_done_at ON outbox (done_at);
CREATE INDEX idx_outbox_not_before ON outbox (not_before);
CREATE INDEX idx_outbox_throttled_at ON outbox (throttled_at);
CREATE INDEX "idx_audit_order_id"
    ON "audit" ("order_id");
CREATE INDEX "idx_audit_case_id"
    ON "audit" ("case_id");
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE INDEX idx_audit_message_key ON audit (message_key);
COMMIT;
PRAGMA user_version = 1;
