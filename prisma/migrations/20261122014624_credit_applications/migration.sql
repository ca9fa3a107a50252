-- CreateTable
CREATE TABLE "credit_applications" (
    "id" UUID NOT NULL,
    "credit_id" UUID NOT NULL,
    "stripe_invoice_id" TEXT NOT NULL,
    "amount_minor" BIGINT NOT NULL,
    "quantity" DECIMAL(38,12),
    "stripe_credit_grant_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "credit_applications_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "credit_applications_stripe_credit_grant_id_key" ON "credit_applications"("stripe_credit_grant_id");

-- CreateIndex
CREATE UNIQUE INDEX "credit_applications_credit_id_stripe_invoice_id_key" ON "credit_applications"("credit_id", "stripe_invoice_id");

-- AddForeignKey
ALTER TABLE "credit_applications" ADD CONSTRAINT "credit_applications_credit_id_fkey" FOREIGN KEY ("credit_id") REFERENCES "credits"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
