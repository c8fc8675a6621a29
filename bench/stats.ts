// Robust summaries for benchmarks whose samples are noisy: medians, quantiles, and a bootstrap
// interval of the median (deterministic resampling, so a re-run of the same data gives the same
// interval and only the machine's noise moves the figures).

/** The q-quantile (0..1) by linear interpolation between order statistics. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

export const median = (xs: ArrayLike<number>): number => quantile(xs, 0.5);

/**
 * 95% percentile-bootstrap interval of the median of `xs`. Resample independent units: when the
 * samples come in correlated groups (rounds of one chunk, run in the same few milliseconds on the
 * same thread), pass one summary per group, not the raw samples.
 */
export function medianInterval(xs: ArrayLike<number>, resamples = 2000): readonly [number, number] {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const n = xs.length;
  const sample = new Float64Array(n);
  const medians = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < n; i++) sample[i] = xs[Math.floor(rand() * n)];
    medians[b] = median(sample);
  }
  return [quantile(medians, 0.025), quantile(medians, 0.975)];
}
