-- AlterTable
ALTER TABLE "feedback" ADD COLUMN     "account_id" TEXT,
ADD COLUMN     "context" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "task_assignments" ADD COLUMN     "reminded_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "tier_changes" ADD COLUMN     "evaluation" TEXT;

-- CreateTable
CREATE TABLE "koc_schedules" (
    "key" TEXT NOT NULL,
    "cron" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "next_due_at" TIMESTAMPTZ(3) NOT NULL,
    "last_fired_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "koc_schedules_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "koc_schedules_next_due_at_idx" ON "koc_schedules"("next_due_at");

-- CreateIndex
CREATE UNIQUE INDEX "tier_changes_staff_id_evaluation_key" ON "tier_changes"("staff_id", "evaluation");
