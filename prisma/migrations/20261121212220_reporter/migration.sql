-- AlterEnum
ALTER TYPE "ReportLineStatus" ADD VALUE 'RELEASED';

-- AlterTable
ALTER TABLE "report_lines" ADD COLUMN     "carry_in" DECIMAL(38,12) NOT NULL DEFAULT 0,
ADD COLUMN     "event_count" INTEGER NOT NULL,
ADD COLUMN     "event_name" TEXT NOT NULL,
ADD COLUMN     "first_attempt_at" TIMESTAMPTZ(3),
ADD COLUMN     "held_code" TEXT,
ADD COLUMN     "released_at" TIMESTAMPTZ(3),
ADD COLUMN     "stripe_customer_id" TEXT;

-- AlterTable
ALTER TABLE "subscriptions" ADD COLUMN     "previous_period_end" TIMESTAMPTZ(3),
ADD COLUMN     "previous_period_start" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "reporter_workers" (
    "id" TEXT NOT NULL,
    "hostname" TEXT NOT NULL,
    "pid" INTEGER NOT NULL,
    "mode" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at" TIMESTAMPTZ(3),

    CONSTRAINT "reporter_workers_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "report_lines_sent_at_idx" ON "report_lines"("sent_at");

ALTER TABLE "report_lines" DROP CONSTRAINT "report_lines_event_in_window";
ALTER TABLE "report_lines" DROP CONSTRAINT "report_lines_window_in_period";
ALTER TABLE "report_lines"
  ADD CONSTRAINT "report_lines_event_in_period" CHECK (
    "status" IN ('HELD', 'DEAD', 'RELEASED') OR ("event_at" >= "period_start" AND "event_at" < "period_end")),
  ADD CONSTRAINT "report_lines_window_in_period" CHECK (
    "late" OR "status" IN ('HELD', 'DEAD', 'RELEASED') OR ("window_start" >= "period_start" AND "window_end" <= "period_end")),
  ADD CONSTRAINT "report_lines_event_count_positive" CHECK ("event_count" > 0);

-- CreateIndex
CREATE INDEX "report_lines_flagged_idx" ON "report_lines"("flagged_at") WHERE (flagged_at IS NOT NULL);
