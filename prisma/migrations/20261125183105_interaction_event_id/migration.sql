-- AlterTable
ALTER TABLE "interactions" ADD COLUMN     "event_id" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "interactions_account_id_event_id_key" ON "interactions"("account_id", "event_id");
