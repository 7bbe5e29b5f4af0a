-- CreateTable
CREATE TABLE "fission_invites" (
    "id" TEXT NOT NULL,
    "campaign_id" TEXT NOT NULL,
    "account_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "invitee_external_id" TEXT NOT NULL,
    "invitee_contact_id" TEXT,
    "inviter_external_id" TEXT NOT NULL,
    "inviter_staff_id" TEXT,
    "inviter_contact_id" TEXT,
    "joined_at" TIMESTAMPTZ(3) NOT NULL,
    "counts_at" TIMESTAMPTZ(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "settled_at" TIMESTAMPTZ(3),

    CONSTRAINT "fission_invites_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "fission_invites_status_counts_at_idx" ON "fission_invites"("status", "counts_at");

-- CreateIndex
CREATE INDEX "fission_invites_campaign_id_inviter_contact_id_status_idx" ON "fission_invites"("campaign_id", "inviter_contact_id", "status");

-- CreateIndex
CREATE INDEX "fission_invites_room_id_invitee_external_id_idx" ON "fission_invites"("room_id", "invitee_external_id");

-- CreateIndex
CREATE UNIQUE INDEX "fission_invites_campaign_id_invitee_external_id_key" ON "fission_invites"("campaign_id", "invitee_external_id");

-- AddForeignKey
ALTER TABLE "fission_invites" ADD CONSTRAINT "fission_invites_campaign_id_fkey" FOREIGN KEY ("campaign_id") REFERENCES "campaigns"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
