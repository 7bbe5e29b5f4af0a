-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "backoff_reason" TEXT,
ADD COLUMN     "backoff_until" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "coupons" ADD COLUMN     "issue_key" TEXT;

-- AlterTable
ALTER TABLE "outbox" ADD COLUMN     "flow_id" TEXT,
ADD COLUMN     "proactive" BOOLEAN NOT NULL DEFAULT true;

-- CreateTable
CREATE TABLE "flow_schedules" (
    "flow_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "next_due_at" TIMESTAMPTZ(3) NOT NULL,
    "last_fired_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "flow_schedules_pkey" PRIMARY KEY ("flow_id","account_id")
);

-- CreateIndex
CREATE INDEX "flow_schedules_next_due_at_idx" ON "flow_schedules"("next_due_at");

-- CreateIndex
CREATE UNIQUE INDEX "coupons_issue_key_key" ON "coupons"("issue_key");

-- CreateIndex
CREATE INDEX "outbox_account_id_status_sent_at_idx" ON "outbox"("account_id", "status", "sent_at");

-- AddForeignKey
ALTER TABLE "flow_schedules" ADD CONSTRAINT "flow_schedules_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
