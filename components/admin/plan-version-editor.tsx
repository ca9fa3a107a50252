"use client";
// A plan version's prices: currency, interval, base fee, alert thresholds and the metered charges
// (per unit, package, graduated or volume tiers). Controlled: the owner keeps the state and sends
// it to an action; errors come back keyed by JSON pointers into the version (`/charges/0/tiers/1/upTo`).
// Each charge shows its cost curve, priced live by the same engine and schema as the server.
import Decimal from "decimal.js";
import { useMemo } from "react";
import { FieldError, SelectField, TextField } from "@/components/admin/form-controls";
import {
  INFINITY_SIGN,
  newCharge,
  newTier,
  toChargeInput,
  type TChargeDraft,
  type TMeterOption,
  type TPricingModelName,
  type TTierDraft,
  type TVersionDraft,
} from "@/components/admin/plan-version-draft";
import { CostCurveChart } from "@/components/charts/cost-curve-chart";
import { Button } from "@/components/ui/button";
import type { TCharge } from "@/lib/billing/types";
import { chargeInputToPricing, ZChargeInput } from "@/lib/catalog/schemas";
import { formatMoney } from "@/lib/money/currency";

const INTERVAL_OPTIONS = [
  { value: "MONTH", label: "Month" },
  { value: "YEAR", label: "Year" },
  { value: "WEEK", label: "Week" },
  { value: "DAY", label: "Day" },
];

const MODEL_OPTIONS = [
  { value: "PER_UNIT", label: "Per unit" },
  { value: "PACKAGE", label: "Package" },
  { value: "GRADUATED", label: "Graduated tiers" },
  { value: "VOLUME", label: "Volume tiers" },
];

const DECIMAL = /^\d+(\.\d+)?$/;
const CURRENCY = /^[A-Za-z]{3}$/;

/** "$0.001" for a valid decimal of minor units in a valid currency, else nothing. */
function moneyHint(minor: string, currency: string, suffix = ""): string | undefined {
  const value = minor.trim();
  if (!DECIMAL.test(value) || !CURRENCY.test(currency.trim())) return undefined;
  return `= ${formatMoney(new Decimal(value), currency.trim())}${suffix}`;
}

type TEditorProps = {
  /** Prefix of the inputs' ids (unique on the page). */
  idPrefix: string;
  value: TVersionDraft;
  onChange: (value: TVersionDraft) => void;
  /** Field errors keyed by pointers into the version (see versionFieldErrors). */
  errors: Record<string, string>;
  meters: TMeterOption[];
  disabled?: boolean;
};

export function PlanVersionEditor({ idPrefix, value, onChange, errors, meters, disabled }: TEditorProps) {
  const id = (name: string) => `${idPrefix}-${name}`;
  const set = (patch: Partial<TVersionDraft>) => onChange({ ...value, ...patch });
  const setCharge = (index: number, charge: TChargeDraft) => set({ charges: value.charges.map((current, at) => (at === index ? charge : current)) });
  const removeCharge = (index: number) => set({ charges: value.charges.filter((_, at) => at !== index) });
  const unusedMeter = meters.find((meter) => !value.charges.some((charge) => charge.meterId === meter.id));

  return (
    <fieldset className="space-y-6" disabled={disabled}>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <TextField id={id("currency")} label="Currency" value={value.currency} onChange={(event) => set({ currency: event.target.value })} error={errors["/currency"]} hint="ISO 4217, e.g. usd." maxLength={3} />
        <SelectField
          id={id("interval")}
          label="Billing interval"
          options={INTERVAL_OPTIONS}
          value={value.interval}
          onChange={(event) => set({ interval: event.target.value as TVersionDraft["interval"] })}
          error={errors["/interval"]}
        />
        <TextField id={id("interval-count")} label="Every (intervals)" inputMode="numeric" value={value.intervalCount} onChange={(event) => set({ intervalCount: event.target.value })} error={errors["/intervalCount"]} />
        <TextField
          id={id("base-fee")}
          label="Base fee (minor units)"
          inputMode="numeric"
          value={value.baseFeeMinor}
          onChange={(event) => set({ baseFeeMinor: event.target.value })}
          error={errors["/baseFeeMinor"]}
          hint={moneyHint(value.baseFeeMinor, value.currency, " per period") ?? "e.g. 4900 for $49.00"}
        />
      </div>
      <TextField
        id={id("alert-thresholds")}
        label="Usage alert thresholds (% of the included quantity)"
        value={value.alertThresholds}
        onChange={(event) => set({ alertThresholds: event.target.value })}
        error={errors["/alertThresholds"] ?? Object.entries(errors).find(([pointer]) => pointer.startsWith("/alertThresholds/"))?.[1]}
        hint="Comma-separated, e.g. 75, 90, 100."
      />

      <div className="space-y-4">
        <h3 className="text-sm font-semibold text-slate-700">Metered charges</h3>
        {errors["/charges"] ? <FieldError>{errors["/charges"]}</FieldError> : null}
        {value.charges.length === 0 ? <p className="text-sm text-slate-500">No metered charges: the plan bills its base fee only.</p> : null}
        {value.charges.map((charge, index) => (
          <ChargeEditor
            key={charge.key}
            index={index}
            idPrefix={id(`charge-${index}`)}
            charge={charge}
            currency={value.currency}
            meters={meters}
            errors={errors}
            onChange={(next) => setCharge(index, next)}
            onRemove={() => removeCharge(index)}
          />
        ))}
        <Button type="button" variant="secondary" disabled={!unusedMeter} onClick={() => unusedMeter && set({ charges: [...value.charges, newCharge(unusedMeter.id)] })}>
          Add charge
        </Button>
      </div>
    </fieldset>
  );
}

type TChargeEditorProps = {
  index: number;
  idPrefix: string;
  charge: TChargeDraft;
  currency: string;
  meters: TMeterOption[];
  errors: Record<string, string>;
  onChange: (charge: TChargeDraft) => void;
  onRemove: () => void;
};

function ChargeEditor({ index, idPrefix, charge, currency, meters, errors, onChange, onRemove }: TChargeEditorProps) {
  const id = (name: string) => `${idPrefix}-${name}`;
  const pointer = `/charges/${index}`;
  const error = (field: string) => errors[`${pointer}/${field}`];
  const set = (patch: Partial<TChargeDraft>) => onChange({ ...charge, ...patch });
  const meter = meters.find((candidate) => candidate.id === charge.meterId);
  const number = index + 1;
  const tiered = charge.pricingModel === "GRADUATED" || charge.pricingModel === "VOLUME";
  const unitWord = meter?.unitLabel ?? "unit";

  // The same parsing as the server (ZChargeInput) and the same mapping to the engine.
  const pricing = useMemo((): TCharge | null => {
    const parsed = ZChargeInput.safeParse(toChargeInput(charge));
    if (!parsed.success || !CURRENCY.test(currency.trim())) return null;
    return { ...chargeInputToPricing(parsed.data), meterName: meter?.displayName ?? "", unitLabel: meter?.unitLabel ?? "" };
  }, [charge, currency, meter]);

  const setTier = (at: number, tier: TTierDraft) => set({ tiers: charge.tiers.map((current, position) => (position === at ? tier : current)) });
  // A new tier goes before the last one, which stays unbounded (∞).
  const addTier = () => set({ tiers: [...charge.tiers.slice(0, -1), newTier(), ...charge.tiers.slice(-1)] });
  const removeTier = (at: number) => set({ tiers: charge.tiers.filter((_, position) => position !== at) });

  return (
    <fieldset className="space-y-4 rounded-lg p-4 ring-1 ring-slate-200" data-testid={`charge-${index}`}>
      <legend className="px-1 text-sm font-semibold text-slate-800">
        Charge {number}
        {meter ? `: ${meter.displayName}` : ""}
      </legend>
      <div className="grid gap-4 sm:grid-cols-3">
        <SelectField
          id={id("meter")}
          label={`Charge ${number} meter`}
          options={[...(meter ? [] : [{ value: charge.meterId, label: "Choose a meter" }]), ...meters.map((option) => ({ value: option.id, label: `${option.displayName} (${option.eventName})` }))]}
          value={charge.meterId}
          onChange={(event) => set({ meterId: event.target.value })}
          error={error("meterId")}
        />
        <TextField
          id={id("included")}
          label={`Charge ${number} included quantity`}
          inputMode="decimal"
          value={charge.includedQuantity}
          onChange={(event) => set({ includedQuantity: event.target.value })}
          error={error("includedQuantity")}
          hint="Free units per period."
        />
        <SelectField
          id={id("model")}
          label={`Charge ${number} pricing model`}
          options={MODEL_OPTIONS}
          value={charge.pricingModel}
          onChange={(event) => {
            const pricingModel = event.target.value as TPricingModelName;
            set({ pricingModel, tiers: charge.tiers.length > 0 ? charge.tiers : [newTier()] });
          }}
          error={error("pricingModel")}
        />
      </div>

      {charge.pricingModel === "PER_UNIT" || charge.pricingModel === "PACKAGE" ? (
        <div className="grid gap-4 sm:grid-cols-3">
          <TextField
            id={id("unit-price")}
            label={charge.pricingModel === "PACKAGE" ? `Charge ${number} package price (minor units)` : `Charge ${number} unit price (minor units)`}
            inputMode="decimal"
            value={charge.unitPriceMinor}
            onChange={(event) => set({ unitPriceMinor: event.target.value })}
            error={error("unitPriceMinor")}
            hint={moneyHint(charge.unitPriceMinor, currency, charge.pricingModel === "PACKAGE" ? " per package" : ` per ${unitWord}`) ?? "e.g. 0.1 for $0.001"}
          />
          {charge.pricingModel === "PACKAGE" ? (
            <TextField
              id={id("package-size")}
              label={`Charge ${number} package size`}
              inputMode="numeric"
              value={charge.packageSize}
              onChange={(event) => set({ packageSize: event.target.value })}
              error={error("packageSize")}
              hint="Units per package; usage is rounded up to whole packages."
            />
          ) : null}
        </div>
      ) : null}

      {tiered ? (
        <div className="space-y-2">
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Charge {number} tiers</caption>
            <thead className="text-xs text-slate-500">
              <tr>
                <th className="w-16 py-1 pr-3 font-medium">Tier</th>
                <th className="py-1 pr-3 font-medium">Up to (inclusive, counted above the included quantity)</th>
                <th className="py-1 pr-3 font-medium">Unit price (minor units)</th>
                <th className="py-1 pr-3 font-medium">Flat price (minor units)</th>
                <th className="py-1 font-medium">
                  <span className="sr-only">Remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {charge.tiers.map((tier, at) => {
                const tierId = (name: string) => id(`tier-${at}-${name}`);
                const tierError = (field: string) => error(`tiers/${at}/${field}`);
                const last = at === charge.tiers.length - 1;
                const label = `Charge ${number} tier ${at + 1}`;
                return (
                  <tr key={tier.key} className="align-top">
                    <td className="py-1 pr-3 pt-3 text-slate-600">{at + 1}</td>
                    <td className="py-1 pr-3">
                      <TextField
                        id={tierId("up-to")}
                        label={`${label} up to`}
                        hideLabel
                        inputMode="numeric"
                        placeholder={last ? INFINITY_SIGN : "e.g. 1000"}
                        value={tier.upTo}
                        onChange={(event) => setTier(at, { ...tier, upTo: event.target.value })}
                        error={tierError("upTo")}
                        hint={last ? `Leave empty for ${INFINITY_SIGN}` : undefined}
                      />
                    </td>
                    <td className="py-1 pr-3">
                      <TextField
                        id={tierId("unit-price")}
                        label={`${label} unit price`}
                        hideLabel
                        inputMode="decimal"
                        placeholder="0"
                        value={tier.unitPriceMinor}
                        onChange={(event) => setTier(at, { ...tier, unitPriceMinor: event.target.value })}
                        error={tierError("unitPriceMinor")}
                        hint={moneyHint(tier.unitPriceMinor, currency, ` per ${unitWord}`)}
                      />
                    </td>
                    <td className="py-1 pr-3">
                      <TextField
                        id={tierId("flat-price")}
                        label={`${label} flat price`}
                        hideLabel
                        inputMode="decimal"
                        placeholder="0"
                        value={tier.flatPriceMinor}
                        onChange={(event) => setTier(at, { ...tier, flatPriceMinor: event.target.value })}
                        error={tierError("flatPriceMinor")}
                        hint={moneyHint(tier.flatPriceMinor, currency)}
                      />
                    </td>
                    <td className="py-1">
                      <Button type="button" variant="ghost" disabled={charge.tiers.length === 1} onClick={() => removeTier(at)}>
                        Remove<span className="sr-only"> {label.toLowerCase()}</span>
                      </Button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {error("tiers") ? <FieldError>{error("tiers")}</FieldError> : null}
          <Button type="button" variant="secondary" onClick={addTier}>
            Add tier<span className="sr-only"> to charge {number}</span>
          </Button>
        </div>
      ) : null}

      {errors[pointer] ? <FieldError>{errors[pointer]}</FieldError> : null}

      <div className="rounded-md bg-slate-50 p-3">
        {pricing ? (
          <CostCurveChart charge={pricing} currency={currency.trim()} title={`Charge ${number} cost curve`} />
        ) : (
          <p className="text-sm text-slate-500">Fill in the charge&apos;s prices to see its cost against usage.</p>
        )}
      </div>

      <Button type="button" variant="ghost" onClick={onRemove}>
        Remove charge {number}
      </Button>
    </fieldset>
  );
}
