import { scaleBytes } from '../../../src/core/report/format';

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * One format for every tick of a time axis (d3's default mixes ":25" with "02:52" and "PM"):
 * 24-hour local time, with seconds when ticks are under a minute apart, the date alone when a day
 * or more apart.
 */
export function timeTickFormat(stepMs: number): (d: Date) => string {
  if (stepMs < 60_000) return (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (stepMs < 86_400_000) return (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Bytes in the unit of the value, with as many decimals as the tick step needs (3.812 GiB, 3.814 GiB). */
export function bytesTick(v: number, step: number): string {
  // The unit comes from the one byte formatter's scale; only the decimals are the axis's own.
  const { value, unit, divisor } = scaleBytes(v);
  const decimals = Math.min(3, Math.max(0, Math.ceil(-Math.log10(step / divisor))));
  return `${value.toFixed(decimals)} ${unit}`;
}
