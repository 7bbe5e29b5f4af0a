-- AlterTable
ALTER TABLE "accounts" ADD COLUMN     "backoff_minutes" INTEGER;
