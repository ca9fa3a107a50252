-- AlterTable
ALTER TABLE "reconciliation_lines" ADD COLUMN     "details" JSONB,
ADD COLUMN     "error" TEXT,
ADD COLUMN     "expected_quantity" DECIMAL(38,12) NOT NULL DEFAULT 0,
ADD COLUMN     "repair_result" JSONB,
ADD COLUMN     "repaired_by_id" UUID;

-- AlterTable
ALTER TABLE "reconciliation_runs" ADD COLUMN     "checked_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "customer_id" UUID,
ADD COLUMN     "drift_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "failed_count" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "invoice_adjustments" (
    "id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "meter_id" UUID NOT NULL,
    "period_start" TIMESTAMPTZ(3) NOT NULL,
    "period_end" TIMESTAMPTZ(3) NOT NULL,
    "quantity" DECIMAL(38,12) NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "currency" VARCHAR(3) NOT NULL,
    "stripe_invoice_item_id" TEXT NOT NULL,
    "reconciliation_line_id" UUID NOT NULL,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "invoice_adjustments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "invoice_adjustments_stripe_invoice_item_id_key" ON "invoice_adjustments"("stripe_invoice_item_id");

-- CreateIndex
CREATE UNIQUE INDEX "invoice_adjustments_reconciliation_line_id_key" ON "invoice_adjustments"("reconciliation_line_id");

-- CreateIndex
CREATE INDEX "invoice_adjustments_customer_id_meter_id_period_start_idx" ON "invoice_adjustments"("customer_id", "meter_id", "period_start");

-- CreateIndex
CREATE INDEX "reconciliation_lines_customer_id_meter_id_period_start_idx" ON "reconciliation_lines"("customer_id", "meter_id", "period_start");

-- CreateIndex
CREATE INDEX "reconciliation_runs_started_at_idx" ON "reconciliation_runs"("started_at");

-- AddForeignKey
ALTER TABLE "invoice_adjustments" ADD CONSTRAINT "invoice_adjustments_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_adjustments" ADD CONSTRAINT "invoice_adjustments_meter_id_fkey" FOREIGN KEY ("meter_id") REFERENCES "meters"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "invoice_adjustments" ADD CONSTRAINT "invoice_adjustments_reconciliation_line_id_fkey" FOREIGN KEY ("reconciliation_line_id") REFERENCES "reconciliation_lines"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
