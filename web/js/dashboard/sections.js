// What the dashboard shows: the tiles of each section and the series of each chart, as data over
// the latest /v1/metrics document (`m`) and the rolling history.

import { paths, read, readObject } from './metric-model.js';
import { formatBytes, formatNumber, formatPercent, formatSeconds } from '../format.js';

/** Trailing window for rates and windowed ratios, in seconds. */
export const rateWindowSeconds = 30;

const count = (v) => formatNumber(v);
const decimal = (v) => formatNumber(v, 2);

export function hitRate(m) {
  const reported = read(m, paths.hitRate);
  if (reported !== undefined) return reported;
  const hits = read(m, paths.hits);
  const misses = read(m, paths.misses);
  return hits === undefined || misses === undefined ? undefined : hits + misses === 0 ? 0 : hits / (hits + misses);
}

const lookups = (m) => {
  const hits = read(m, paths.hits);
  const misses = read(m, paths.misses);
  return hits === undefined || misses === undefined ? undefined : hits + misses;
};

/** Interactive images that had a due time: met plus missed. */
const dueTimed = (m) => {
  const met = read(m, paths.sloInteractiveMet);
  const missed = read(m, paths.sloInteractiveMissed);
  return met === undefined || missed === undefined ? undefined : met + missed;
};

/**
 * Seconds saved: as reported, else estimated as steps saved × (generation seconds / steps actually run)
 * when the server reports the steps requested; undefined when neither is possible.
 */
export function secondsSaved(m) {
  const reported = read(m, paths.secondsSaved);
  if (reported !== undefined) return { value: reported, estimated: false };
  const saved = read(m, paths.stepsSaved);
  const requested = read(m, paths.stepsRequested);
  const seconds = read(m, paths.generationSeconds);
  if (saved === undefined || requested === undefined || seconds === undefined || requested - saved <= 0) return undefined;
  return { value: (seconds / (requested - saved)) * saved, estimated: true };
}

/** A mechanism's calls saved as a share of the steps requested (a full run calls the denoiser once per step). */
function callsSavedShare(m, path) {
  const requested = read(m, paths.stepsRequested);
  const saved = read(m, path);
  return requested && saved !== undefined ? `${formatPercent(saved / requested)} of the calls of full runs` : '';
}

export const tiles = {
  cache: [
    { key: 'cache.hit_rate', label: 'Hit rate (all time)', value: ({ m }) => hitRate(m), format: formatPercent,
      sub: ({ history }) => {
        const last = history.ratio((j) => read(j, paths.hits), lookups, rateWindowSeconds).at(-1)?.v;
        return last == null ? `no lookups in the last ${rateWindowSeconds} s` : `last ${rateWindowSeconds} s: ${formatPercent(last)}`;
      } },
    { key: 'cache.hits', label: 'Hits', value: ({ m }) => read(m, paths.hits), format: count },
    { key: 'cache.misses', label: 'Misses', value: ({ m }) => read(m, paths.misses), format: count },
    { key: 'cache.steps_saved', label: 'Denoising steps saved', value: ({ m }) => read(m, paths.stepsSaved), format: count,
      sub: ({ m }) => {
        const requested = read(m, paths.stepsRequested);
        return requested ? `${formatPercent(read(m, paths.stepsSaved) / requested)} of ${formatNumber(requested)} requested` : '';
      } },
    { key: 'cache.model_calls_saved.cross_request', label: 'Model calls saved across requests', format: count,
      value: ({ m }) => read(m, paths.callsSavedCrossRequest), sub: ({ m }) => callsSavedShare(m, paths.callsSavedCrossRequest) },
    { key: 'cache.model_calls_saved.within_request', label: 'Model calls saved within requests', format: count,
      value: ({ m }) => read(m, paths.callsSavedWithinRequest), sub: ({ m }) => callsSavedShare(m, paths.callsSavedWithinRequest) },
    { key: 'cache.seconds_saved', label: 'Seconds saved', value: ({ m }) => secondsSaved(m)?.value, format: formatSeconds,
      sub: ({ m }) => (secondsSaved(m)?.estimated ? '≈ estimated from time per step' : '') },
  ],
  latency: [
    { key: 'generation.p50_s', label: 'p50 generation time', value: ({ m }) => read(m, paths.p50S), format: formatSeconds },
    { key: 'generation.p95_s', label: 'p95', value: ({ m }) => read(m, paths.p95S), format: formatSeconds },
    { key: 'generation.p99_s', label: 'p99', value: ({ m }) => read(m, paths.p99S), format: formatSeconds },
    { key: 'generation.mean_s', label: 'Mean', value: ({ m }) => read(m, paths.meanS), format: formatSeconds },
    { key: 'generation.count', label: 'Images generated', value: ({ m }) => read(m, paths.generated), format: count,
      sub: ({ history }) => {
        const rate = history.rate((j) => read(j, paths.generated), rateWindowSeconds).at(-1)?.v;
        return rate == null ? '' : `${formatNumber(rate * 60, 1)} per minute lately`;
      } },
    { key: 'generation.failed', label: 'Failed or cancelled', format: count,
      value: ({ m }) => (read(m, paths.generated) === undefined ? undefined : (read(m, paths.failed) ?? 0) + (read(m, paths.cancelled) ?? 0)) },
  ],
  queue: [
    { key: 'queue.depth', label: 'Waiting in the queue', value: ({ m }) => read(m, paths.queueDepth), format: count,
      sub: ({ m }) => (read(m, paths.queueCapacity) !== undefined ? `capacity ${formatNumber(read(m, paths.queueCapacity))}` : '') },
    { key: 'queue.in_flight', label: 'Generating now', value: ({ m }) => read(m, paths.inFlight), format: count },
    { key: 'queue.rejected', label: 'Refused (queue full)', value: ({ m }) => read(m, paths.rejected), format: count },
    { key: 'jobs.active', label: 'Active jobs', value: ({ m }) => read(m, paths.jobsActive), format: count },
    { key: 'images_stored', label: 'Images stored', value: ({ m }) => read(m, paths.imagesStored), format: count },
  ],
  store: [
    { key: 'cache.store.used_bytes', label: 'Bytes stored', value: ({ m }) => read(m, paths.storeUsedBytes), format: formatBytes },
    { key: 'cache.store.max_bytes', label: 'Budget', value: ({ m }) => read(m, paths.storeMaxBytes), format: formatBytes },
    { key: 'cache.store.entries', label: 'Entries', value: ({ m }) => read(m, paths.storeEntries), format: count,
      sub: ({ m }) => (read(m, paths.storeLatents) !== undefined ? `${formatNumber(read(m, paths.storeLatents))} latents` : '') },
    { key: 'cache.store.evictions', label: 'Evictions', value: ({ m }) => read(m, paths.evictions), format: count,
      sub: ({ history }) => {
        const rate = history.rate((j) => read(j, paths.evictions), rateWindowSeconds).at(-1)?.v;
        return rate == null ? '' : `${formatNumber(rate * 60, 1)} per minute lately`;
      } },
  ],
  engine: [
    { key: 'engine.diffusion_batch', label: 'Mean diffusion batch', value: ({ m }) => meanDiffusionBatch(m), format: decimal,
      sub: () => 'jobs per denoising iteration' },
    { key: 'engine.llm_batch', label: 'Mean LLM batch', value: ({ m }) => meanLlmBatch(m), format: decimal,
      sub: ({ m }) => (read(m, paths.meanLlmBatchTokens) !== undefined ? `${formatNumber(read(m, paths.meanLlmBatchTokens), 1)} tokens per iteration` : 'sequences per iteration') },
    { key: 'engine.kv_used_blocks', label: 'KV blocks in use', value: ({ m }) => read(m, paths.kvUsedBlocks), format: count,
      sub: ({ m }) => (read(m, paths.kvTotalBlocks) !== undefined ? `of ${formatNumber(read(m, paths.kvTotalBlocks))}` : '') },
    { key: 'engine.kv_shared_blocks', label: 'Shared KV blocks', value: ({ m }) => read(m, paths.kvSharedBlocks), format: count,
      sub: ({ m }) => (read(m, paths.kvSharingSavedSlots) !== undefined ? `${formatNumber(read(m, paths.kvSharingSavedSlots))} token slots saved by sharing` : '') },
    { key: 'engine.prefix_hit_tokens', label: 'Prefix-cache hit tokens', value: ({ m }) => read(m, paths.kvPrefixHitTokens), format: count },
    { key: 'engine.preemptions', label: 'Preemptions', value: ({ m }) => read(m, paths.preemptions), format: count },
  ],
};

export function meanDiffusionBatch(m) {
  const reported = read(m, paths.meanDiffusionBatch);
  if (reported !== undefined) return reported;
  const jobs = read(m, paths.diffusionBatchJobs);
  const iterations = read(m, paths.diffusionIterations);
  return jobs === undefined || !iterations ? undefined : jobs / iterations;
}

export function meanLlmBatch(m) {
  const reported = read(m, paths.meanLlmBatch);
  if (reported !== undefined) return reported;
  const sequences = read(m, paths.llmBatchSequences);
  const iterations = read(m, paths.llmIterations);
  return sequences === undefined || !iterations ? undefined : sequences / iterations;
}

/** Hits by K as bars in numeric order of K; undefined when the server does not report them. */
export function hitsByKBars(m) {
  const byK = readObject(m, paths.hitsByK);
  if (byK === undefined) return undefined;
  return Object.entries(byK)
    .filter(([, n]) => typeof n === 'number')
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, n]) => ({ label: `K=${k}`, value: n }));
}

/** A mean over the trailing window when the totals are reported, else the server's running mean. */
function windowedMean(history, totalPaths, countPaths, runningMean) {
  const latest = history.latest;
  return read(latest, totalPaths) !== undefined && read(latest, countPaths) !== undefined
    ? history.ratio((j) => read(j, totalPaths), (j) => read(j, countPaths), rateWindowSeconds)
    : history.series(runningMean);
}

/** The line charts: id of the canvas, the legend, and its series over the history. */
export const lineCharts = [
  {
    id: 'hit-rate', yMax: 1, format: formatPercent,
    series: (history) => [
      { label: `last ${rateWindowSeconds} s`, color: '--chart-1', points: history.ratio((j) => read(j, paths.hits), lookups, rateWindowSeconds) },
      { label: 'all time', color: '--chart-2', points: history.series(hitRate) },
    ],
  },
  {
    id: 'latency', format: formatSeconds,
    series: (history) => [
      { label: 'p50', color: '--chart-1', points: history.series((j) => read(j, paths.p50S)) },
      { label: 'p95', color: '--chart-2', points: history.series((j) => read(j, paths.p95S)) },
      { label: 'p99', color: '--chart-4', points: history.series((j) => read(j, paths.p99S)) },
    ],
  },
  {
    id: 'throughput', format: (v) => formatNumber(v, 2),
    series: (history) => [
      { label: `images/s over ${rateWindowSeconds} s`, color: '--chart-3', points: history.rate((j) => read(j, paths.generated), rateWindowSeconds) },
    ],
  },
  {
    id: 'queue', format: count, integer: true,
    series: (history) => [
      { label: 'waiting', color: '--chart-1', points: history.series((j) => read(j, paths.queueDepth)) },
      { label: 'generating', color: '--chart-3', points: history.series((j) => read(j, paths.inFlight)) },
    ],
  },
  {
    id: 'store', format: formatBytes, bytes: true,
    series: (history) => [
      { label: 'stored', color: '--chart-1', points: history.series((j) => read(j, paths.storeUsedBytes)) },
      { label: 'budget', color: '--chart-2', points: history.series((j) => read(j, paths.storeMaxBytes)) },
    ],
  },
  {
    id: 'batch', format: decimal,
    series: (history) => [
      { label: 'diffusion jobs per iteration', color: '--chart-1',
        points: windowedMean(history, paths.diffusionBatchJobs, paths.diffusionIterations, meanDiffusionBatch) },
      { label: 'LLM sequences per iteration', color: '--chart-4',
        points: windowedMean(history, paths.llmBatchSequences, paths.llmIterations, meanLlmBatch) },
    ],
  },
  {
    id: 'slo', yMax: 1, format: formatPercent,
    series: (history) => [
      { label: `last ${rateWindowSeconds} s`, color: '--chart-1',
        points: history.ratio((j) => read(j, paths.sloInteractiveMet), dueTimed, rateWindowSeconds) },
      { label: 'all time', color: '--chart-2', points: history.series((j) => read(j, paths.sloInteractiveAttainment)) },
    ],
  },
  {
    id: 'kv', format: count, integer: true,
    series: (history) => [
      { label: 'used', color: '--chart-1', points: history.series((j) => read(j, paths.kvUsedBlocks)) },
      { label: 'shared', color: '--chart-3', points: history.series((j) => read(j, paths.kvSharedBlocks)) },
      { label: 'total', color: '--chart-2', points: history.series((j) => read(j, paths.kvTotalBlocks)) },
    ],
  },
];
