-- DropIndex
DROP INDEX "usage_events_report_line_id_idx";

-- CreateIndex
CREATE INDEX "usage_events_report_line_id_idx" ON "usage_events"("report_line_id") WHERE (report_line_id IS NOT NULL);
