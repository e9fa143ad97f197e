import { scaleBytes } from '../../../src/core/report/format';

/** Bytes in the unit of the value, with as many decimals as the tick step needs (3.812 GiB, 3.814 GiB). */
export function bytesTick(v: number, step: number): string {
  // The unit comes from the one byte formatter's scale; only the decimals are the axis's own.
  const { value, unit, divisor } = scaleBytes(v);
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(step / divisor))));
  return `${value.toFixed(decimals)} ${unit}`;
}
