-- CreateEnum
CREATE TYPE "AccountRole" AS ENUM ('guide', 'ambassador', 'assistant');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('guide', 'ambassador');

-- CreateEnum
CREATE TYPE "Direction" AS ENUM ('in', 'out');

-- CreateEnum
CREATE TYPE "SubjectKind" AS ENUM ('contact', 'room', 'staff', 'account');

-- CreateEnum
CREATE TYPE "FlowRunStatus" AS ENUM ('running', 'waiting', 'done', 'stopped', 'failed');

-- CreateEnum
CREATE TYPE "OutboxMode" AS ENUM ('auto', 'assist');

-- CreateEnum
CREATE TYPE "OutboxStatus" AS ENUM ('pending', 'sending', 'sent', 'failed', 'in_doubt', 'skipped');

-- CreateEnum
CREATE TYPE "CouponStatus" AS ENUM ('issued', 'redeemed', 'expired', 'void');

-- CreateEnum
CREATE TYPE "RedemptionChannel" AS ENUM ('chat', 'api');

-- CreateEnum
CREATE TYPE "TaskAssignmentStatus" AS ENUM ('offered', 'accepted', 'declined', 'submitted', 'approved', 'rejected', 'expired');

-- CreateTable
CREATE TABLE "stores" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stores_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "role" "AccountRole" NOT NULL,
    "store_id" TEXT,
    "time_zone" TEXT NOT NULL DEFAULT 'Asia/Shanghai',
    "status" TEXT NOT NULL DEFAULT 'active',
    "last_seen_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "account_leases" (
    "account_id" TEXT NOT NULL,
    "owner_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "renewed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "account_leases_pkey" PRIMARY KEY ("account_id")
);

-- CreateTable
CREATE TABLE "staff" (
    "id" TEXT NOT NULL,
    "wecom_user_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "StaffRole" NOT NULL,
    "store_id" TEXT,
    "account_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "left_at" TIMESTAMPTZ(3),

    CONSTRAINT "staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "koc_profiles" (
    "staff_id" TEXT NOT NULL,
    "tier" TEXT NOT NULL,
    "points_balance" INTEGER NOT NULL DEFAULT 0,
    "referral_code_id" TEXT,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "tier_changed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "koc_profiles_pkey" PRIMARY KEY ("staff_id")
);

-- CreateTable
CREATE TABLE "contacts" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "name" TEXT,
    "alias" TEXT,
    "phone" TEXT,
    "attributes" JSONB NOT NULL DEFAULT '{}',
    "opted_out_at" TIMESTAMPTZ(3),
    "attributed_to_staff_id" TEXT,
    "attributed_at" TIMESTAMPTZ(3),
    "attribution_campaign_id" TEXT,
    "attribution_referral_code_id" TEXT,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3),
    "forgotten_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "contacts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "contact_tags" (
    "contact_id" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "contact_tags_pkey" PRIMARY KEY ("contact_id","tag")
);

-- CreateTable
CREATE TABLE "rooms" (
    "id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "external_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "owner_external_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rooms_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "room_members" (
    "id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "member_external_id" TEXT NOT NULL,
    "inviter_external_id" TEXT,
    "joined_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "left_at" TIMESTAMPTZ(3),

    CONSTRAINT "room_members_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "interactions" (
    "id" BIGSERIAL NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "direction" "Direction" NOT NULL,
    "kind" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "contact_id" TEXT,
    "room_id" TEXT,
    "flow_id" TEXT,
    "run_id" TEXT,
    "outbox_id" BIGINT,
    "staff_id" TEXT,
    "campaign_id" TEXT,
    "body" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "interactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "playbook_versions" (
    "id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "content_hash" TEXT NOT NULL,
    "source_path" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "playbook_versions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "flow_runs" (
    "id" TEXT NOT NULL,
    "flow_id" TEXT NOT NULL,
    "playbook_version_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "subject_kind" "SubjectKind" NOT NULL,
    "subject_id" TEXT NOT NULL,
    "occurrence_key" TEXT NOT NULL DEFAULT '',
    "status" "FlowRunStatus" NOT NULL DEFAULT 'running',
    "step_index" INTEGER NOT NULL DEFAULT 0,
    "wake_at" TIMESTAMPTZ(3),
    "state" JSONB NOT NULL DEFAULT '{}',
    "stop_reason" TEXT,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "flow_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "run_id" TEXT,
    "step_index" INTEGER,
    "kind" TEXT NOT NULL,
    "mode" "OutboxMode" NOT NULL DEFAULT 'auto',
    "contact_id" TEXT,
    "room_id" TEXT,
    "staff_id" TEXT,
    "recipient_external_id" TEXT,
    "payload" JSONB NOT NULL,
    "status" "OutboxStatus" NOT NULL DEFAULT 'pending',
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "skip_reason" TEXT,
    "deferred_reason" TEXT,
    "claimed_by" TEXT,
    "claimed_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "external_message_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_events" (
    "id" BIGSERIAL NOT NULL,
    "outbox_id" BIGINT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decision" TEXT NOT NULL,
    "reason" TEXT,
    "details" JSONB,

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "campaigns" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "budget" INTEGER,
    "issued_count" INTEGER NOT NULL DEFAULT 0,
    "starts_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "campaigns_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "referral_codes" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL,
    "campaign_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabled_at" TIMESTAMPTZ(3),

    CONSTRAINT "referral_codes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "link_clicks" (
    "id" BIGSERIAL NOT NULL,
    "code" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "source_hash" TEXT,

    CONSTRAINT "link_clicks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "coupons" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "contact_id" TEXT,
    "issued_by_staff_id" TEXT,
    "referral_code_id" TEXT,
    "outbox_id" BIGINT,
    "status" "CouponStatus" NOT NULL DEFAULT 'issued',
    "issued_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "allowed_stores" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "void_reason" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "coupons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "redemptions" (
    "id" TEXT NOT NULL,
    "coupon_id" TEXT NOT NULL,
    "store_id" TEXT NOT NULL,
    "staff_id" TEXT,
    "channel" "RedemptionChannel" NOT NULL,
    "request_id" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "redemptions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "points_ledger" (
    "id" BIGSERIAL NOT NULL,
    "staff_id" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "source_kind" TEXT NOT NULL,
    "source_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "points_ledger_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "koc_tasks" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "definition" JSONB NOT NULL DEFAULT '{}',
    "due_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "koc_tasks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "task_assignments" (
    "id" TEXT NOT NULL,
    "number" SERIAL NOT NULL,
    "task_id" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL,
    "status" "TaskAssignmentStatus" NOT NULL DEFAULT 'offered',
    "offered_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "responded_at" TIMESTAMPTZ(3),
    "due_at" TIMESTAMPTZ(3),
    "submission" TEXT,
    "submitted_at" TIMESTAMPTZ(3),
    "review_note" TEXT,
    "reviewed_by" TEXT,
    "reviewed_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "task_assignments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "feedback" (
    "id" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'open',
    "handled_by" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "feedback_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tier_changes" (
    "id" TEXT NOT NULL,
    "staff_id" TEXT NOT NULL,
    "from_tier" TEXT,
    "to_tier" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tier_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "subject" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "dashboard_users" (
    "id" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "password_hash" TEXT NOT NULL,
    "role" TEXT NOT NULL DEFAULT 'ops',
    "failed_logins" INTEGER NOT NULL DEFAULT 0,
    "locked_until" TIMESTAMPTZ(3),
    "last_login_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "dashboard_users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "csrf_token" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "accounts_role_idx" ON "accounts"("role");

-- CreateIndex
CREATE INDEX "accounts_store_id_idx" ON "accounts"("store_id");

-- CreateIndex
CREATE INDEX "account_leases_expires_at_idx" ON "account_leases"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "staff_wecom_user_id_key" ON "staff"("wecom_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "staff_account_id_key" ON "staff"("account_id");

-- CreateIndex
CREATE INDEX "staff_store_id_idx" ON "staff"("store_id");

-- CreateIndex
CREATE INDEX "staff_role_idx" ON "staff"("role");

-- CreateIndex
CREATE UNIQUE INDEX "koc_profiles_referral_code_id_key" ON "koc_profiles"("referral_code_id");

-- CreateIndex
CREATE INDEX "koc_profiles_tier_idx" ON "koc_profiles"("tier");

-- CreateIndex
CREATE INDEX "contacts_attributed_to_staff_id_attributed_at_idx" ON "contacts"("attributed_to_staff_id", "attributed_at");

-- CreateIndex
CREATE INDEX "contacts_attribution_campaign_id_idx" ON "contacts"("attribution_campaign_id");

-- CreateIndex
CREATE UNIQUE INDEX "contacts_account_id_external_id_key" ON "contacts"("account_id", "external_id");

-- CreateIndex
CREATE INDEX "contact_tags_tag_idx" ON "contact_tags"("tag");

-- CreateIndex
CREATE UNIQUE INDEX "rooms_account_id_external_id_key" ON "rooms"("account_id", "external_id");

-- CreateIndex
CREATE INDEX "room_members_inviter_external_id_idx" ON "room_members"("inviter_external_id");

-- CreateIndex
CREATE UNIQUE INDEX "room_members_room_id_member_external_id_key" ON "room_members"("room_id", "member_external_id");

-- CreateIndex
CREATE INDEX "interactions_contact_id_occurred_at_idx" ON "interactions"("contact_id", "occurred_at");

-- CreateIndex
CREATE INDEX "interactions_account_id_occurred_at_idx" ON "interactions"("account_id", "occurred_at");

-- CreateIndex
CREATE INDEX "interactions_run_id_idx" ON "interactions"("run_id");

-- CreateIndex
CREATE INDEX "interactions_kind_occurred_at_idx" ON "interactions"("kind", "occurred_at");

-- CreateIndex
CREATE INDEX "interactions_campaign_id_occurred_at_idx" ON "interactions"("campaign_id", "occurred_at");

-- CreateIndex
CREATE INDEX "playbook_versions_flow_id_created_at_idx" ON "playbook_versions"("flow_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "playbook_versions_flow_id_content_hash_key" ON "playbook_versions"("flow_id", "content_hash");

-- CreateIndex
CREATE INDEX "flow_runs_status_wake_at_idx" ON "flow_runs"("status", "wake_at");

-- CreateIndex
CREATE INDEX "flow_runs_account_id_status_idx" ON "flow_runs"("account_id", "status");

-- CreateIndex
CREATE INDEX "flow_runs_subject_kind_subject_id_idx" ON "flow_runs"("subject_kind", "subject_id");

-- CreateIndex
CREATE UNIQUE INDEX "flow_runs_flow_id_subject_kind_subject_id_occurrence_key_key" ON "flow_runs"("flow_id", "subject_kind", "subject_id", "occurrence_key");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_idempotency_key_key" ON "outbox"("idempotency_key");

-- CreateIndex
CREATE INDEX "outbox_status_due_at_idx" ON "outbox"("status", "due_at");

-- CreateIndex
CREATE INDEX "outbox_account_id_status_due_at_idx" ON "outbox"("account_id", "status", "due_at");

-- CreateIndex
CREATE INDEX "outbox_run_id_idx" ON "outbox"("run_id");

-- CreateIndex
CREATE INDEX "outbox_contact_id_sent_at_idx" ON "outbox"("contact_id", "sent_at");

-- CreateIndex
CREATE INDEX "outbox_room_id_sent_at_idx" ON "outbox"("room_id", "sent_at");

-- CreateIndex
CREATE INDEX "outbox_events_outbox_id_at_idx" ON "outbox_events"("outbox_id", "at");

-- CreateIndex
CREATE INDEX "outbox_events_decision_at_idx" ON "outbox_events"("decision", "at");

-- CreateIndex
CREATE UNIQUE INDEX "referral_codes_code_key" ON "referral_codes"("code");

-- CreateIndex
CREATE INDEX "referral_codes_staff_id_idx" ON "referral_codes"("staff_id");

-- CreateIndex
CREATE INDEX "link_clicks_code_at_idx" ON "link_clicks"("code", "at");

-- CreateIndex
CREATE UNIQUE INDEX "coupons_code_key" ON "coupons"("code");

-- CreateIndex
CREATE INDEX "coupons_campaign_id_status_idx" ON "coupons"("campaign_id", "status");

-- CreateIndex
CREATE INDEX "coupons_contact_id_idx" ON "coupons"("contact_id");

-- CreateIndex
CREATE INDEX "coupons_issued_by_staff_id_idx" ON "coupons"("issued_by_staff_id");

-- CreateIndex
CREATE INDEX "coupons_status_expires_at_idx" ON "coupons"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "redemptions_coupon_id_key" ON "redemptions"("coupon_id");

-- CreateIndex
CREATE INDEX "redemptions_store_id_at_idx" ON "redemptions"("store_id", "at");

-- CreateIndex
CREATE INDEX "redemptions_staff_id_at_idx" ON "redemptions"("staff_id", "at");

-- CreateIndex
CREATE INDEX "points_ledger_staff_id_at_idx" ON "points_ledger"("staff_id", "at");

-- CreateIndex
CREATE UNIQUE INDEX "points_ledger_staff_id_source_kind_source_id_key" ON "points_ledger"("staff_id", "source_kind", "source_id");

-- CreateIndex
CREATE UNIQUE INDEX "task_assignments_number_key" ON "task_assignments"("number");

-- CreateIndex
CREATE INDEX "task_assignments_staff_id_status_idx" ON "task_assignments"("staff_id", "status");

-- CreateIndex
CREATE INDEX "task_assignments_status_due_at_idx" ON "task_assignments"("status", "due_at");

-- CreateIndex
CREATE UNIQUE INDEX "task_assignments_task_id_staff_id_key" ON "task_assignments"("task_id", "staff_id");

-- CreateIndex
CREATE INDEX "feedback_status_created_at_idx" ON "feedback"("status", "created_at");

-- CreateIndex
CREATE INDEX "feedback_staff_id_idx" ON "feedback"("staff_id");

-- CreateIndex
CREATE INDEX "tier_changes_staff_id_at_idx" ON "tier_changes"("staff_id", "at");

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at");

-- CreateIndex
CREATE INDEX "audit_log_action_at_idx" ON "audit_log"("action", "at");

-- CreateIndex
CREATE INDEX "audit_log_subject_at_idx" ON "audit_log"("subject", "at");

-- CreateIndex
CREATE UNIQUE INDEX "dashboard_users_username_key" ON "dashboard_users"("username");

-- CreateIndex
CREATE INDEX "sessions_user_id_idx" ON "sessions"("user_id");

-- CreateIndex
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "account_leases" ADD CONSTRAINT "account_leases_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff" ADD CONSTRAINT "staff_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "staff" ADD CONSTRAINT "staff_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "koc_profiles" ADD CONSTRAINT "koc_profiles_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "koc_profiles" ADD CONSTRAINT "koc_profiles_referral_code_id_fkey" FOREIGN KEY ("referral_code_id") REFERENCES "referral_codes"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_attributed_to_staff_id_fkey" FOREIGN KEY ("attributed_to_staff_id") REFERENCES "staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_attribution_campaign_id_fkey" FOREIGN KEY ("attribution_campaign_id") REFERENCES "campaigns"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_attribution_referral_code_id_fkey" FOREIGN KEY ("attribution_referral_code_id") REFERENCES "referral_codes"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "contact_tags" ADD CONSTRAINT "contact_tags_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "rooms" ADD CONSTRAINT "rooms_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "room_members" ADD CONSTRAINT "room_members_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "interactions" ADD CONSTRAINT "interactions_room_id_fkey" FOREIGN KEY ("room_id") REFERENCES "rooms"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_playbook_version_id_fkey" FOREIGN KEY ("playbook_version_id") REFERENCES "playbook_versions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "flow_runs" ADD CONSTRAINT "flow_runs_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_events" ADD CONSTRAINT "outbox_events_outbox_id_fkey" FOREIGN KEY ("outbox_id") REFERENCES "outbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "referral_codes" ADD CONSTRAINT "referral_codes_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "referral_codes" ADD CONSTRAINT "referral_codes_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_contact_id_fkey" FOREIGN KEY ("contact_id") REFERENCES "contacts"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_issued_by_staff_id_fkey" FOREIGN KEY ("issued_by_staff_id") REFERENCES "staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_referral_code_id_fkey" FOREIGN KEY ("referral_code_id") REFERENCES "referral_codes"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_coupon_id_fkey" FOREIGN KEY ("coupon_id") REFERENCES "coupons"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_store_id_fkey" FOREIGN KEY ("store_id") REFERENCES "stores"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "redemptions" ADD CONSTRAINT "redemptions_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "points_ledger" ADD CONSTRAINT "points_ledger_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_assignments" ADD CONSTRAINT "task_assignments_task_id_fkey" FOREIGN KEY ("task_id") REFERENCES "koc_tasks"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "task_assignments" ADD CONSTRAINT "task_assignments_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "feedback" ADD CONSTRAINT "feedback_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tier_changes" ADD CONSTRAINT "tier_changes_staff_id_fkey" FOREIGN KEY ("staff_id") REFERENCES "staff"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "dashboard_users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
