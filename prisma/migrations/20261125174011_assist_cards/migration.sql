-- AlterTable
ALTER TABLE "outbox" ADD COLUMN     "assist_done_at" TIMESTAMPTZ(3),
ADD COLUMN     "assist_done_by" TEXT,
ADD COLUMN     "assist_reminded_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "outbox_mode_status_assist_done_at_idx" ON "outbox"("mode", "status", "assist_done_at");
