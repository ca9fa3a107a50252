-- DropForeignKey
ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_customer_id_fkey";

-- DropForeignKey
ALTER TABLE "usage_events" DROP CONSTRAINT "usage_events_meter_id_fkey";
