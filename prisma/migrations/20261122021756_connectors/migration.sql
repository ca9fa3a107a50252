-- CreateEnum
CREATE TYPE "ConnectorKind" AS ENUM ('POSTGRES', 'HUBSPOT');

-- CreateEnum
CREATE TYPE "SqlSourceMode" AS ENUM ('RAW', 'AGGREGATE');

-- CreateEnum
CREATE TYPE "ConnectorRunTrigger" AS ENUM ('SCHEDULE', 'MANUAL');

-- CreateEnum
CREATE TYPE "ConnectorRunStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED');

-- CreateEnum
CREATE TYPE "ConnectorLinkSource" AS ENUM ('ADMIN', 'DOMAIN');

-- CreateTable
CREATE TABLE "connectors" (
    "id" UUID NOT NULL,
    "kind" "ConnectorKind" NOT NULL,
    "name" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secret_ciphertext" TEXT NOT NULL,
    "secret_hint" TEXT NOT NULL,
    "query" TEXT,
    "mode" "SqlSourceMode",
    "key_prefix" TEXT,
    "api_base_url" TEXT,
    "interval_minutes" INTEGER NOT NULL,
    "next_run_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "running_since" TIMESTAMPTZ(3),
    "last_run_at" TIMESTAMPTZ(3),
    "last_status" "ConnectorRunStatus",
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connectors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connector_runs" (
    "id" UUID NOT NULL,
    "connector_id" UUID NOT NULL,
    "trigger" "ConnectorRunTrigger" NOT NULL,
    "run_key" TEXT,
    "status" "ConnectorRunStatus" NOT NULL DEFAULT 'RUNNING',
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "triggered_by_id" UUID,
    "rows_read" INTEGER NOT NULL DEFAULT 0,
    "recorded_count" INTEGER NOT NULL DEFAULT 0,
    "unchanged_count" INTEGER NOT NULL DEFAULT 0,
    "error_count" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "error" TEXT,

    CONSTRAINT "connector_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connector_aggregates" (
    "connector_id" UUID NOT NULL,
    "customer" TEXT NOT NULL,
    "meter" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_quantity" DECIMAL(38,12) NOT NULL,
    "revision" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "connector_aggregates_pkey" PRIMARY KEY ("connector_id","customer","meter","occurred_at")
);

-- CreateTable
CREATE TABLE "connector_links" (
    "connector_id" UUID NOT NULL,
    "customer_id" UUID NOT NULL,
    "external_id" TEXT NOT NULL,
    "source" "ConnectorLinkSource" NOT NULL,
    "last_synced_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "connector_links_pkey" PRIMARY KEY ("connector_id","customer_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "connectors_name_key" ON "connectors"("name");

-- CreateIndex
CREATE UNIQUE INDEX "connectors_key_prefix_key" ON "connectors"("key_prefix");

-- CreateIndex
CREATE INDEX "connectors_next_run_at_idx" ON "connectors"("next_run_at");

-- CreateIndex
CREATE INDEX "connector_runs_connector_id_started_at_idx" ON "connector_runs"("connector_id", "started_at");

-- CreateIndex
CREATE UNIQUE INDEX "connector_runs_connector_id_run_key_key" ON "connector_runs"("connector_id", "run_key");

-- AddForeignKey
ALTER TABLE "connector_runs" ADD CONSTRAINT "connector_runs_connector_id_fkey" FOREIGN KEY ("connector_id") REFERENCES "connectors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connector_aggregates" ADD CONSTRAINT "connector_aggregates_connector_id_fkey" FOREIGN KEY ("connector_id") REFERENCES "connectors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connector_links" ADD CONSTRAINT "connector_links_connector_id_fkey" FOREIGN KEY ("connector_id") REFERENCES "connectors"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connector_links" ADD CONSTRAINT "connector_links_customer_id_fkey" FOREIGN KEY ("customer_id") REFERENCES "customers"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A schedule between once a minute and once a day. A SQL source has its query, kind of rows and key prefix.
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_interval_minutes_check" CHECK ("interval_minutes" BETWEEN 1 AND 1440);
ALTER TABLE "connectors" ADD CONSTRAINT "connectors_postgres_fields_check" CHECK ("kind" <> 'POSTGRES' OR ("query" IS NOT NULL AND "mode" IS NOT NULL AND "key_prefix" IS NOT NULL));
ALTER TABLE "connector_runs" ADD CONSTRAINT "connector_runs_counts_check" CHECK ("rows_read" >= 0 AND "recorded_count" >= 0 AND "unchanged_count" >= 0 AND "error_count" >= 0);
