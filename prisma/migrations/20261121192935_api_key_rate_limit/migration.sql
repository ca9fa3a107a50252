-- AlterTable
ALTER TABLE "api_keys" ADD COLUMN     "rate_limit_per_second" INTEGER;

ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_rate_limit_positive" CHECK ("rate_limit_per_second" IS NULL OR "rate_limit_per_second" > 0);
