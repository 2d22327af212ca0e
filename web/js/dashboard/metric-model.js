// Where each dashboard number lives in /v1/metrics. Sections are added by several components, so
// each number lists the paths it may appear under (first found wins); a number found under none is
// "not reported". Everything else the server sends is still listed by flatten().

export const paths = {
  hits: ['cache.hits'],
  misses: ['cache.misses'],
  lookups: ['cache.lookups'],
  hitRate: ['cache.hit_rate'],
  hitsByK: ['cache.hits_by_k'],
  stepsSaved: ['cache.steps_saved', 'cache.steps_skipped'],
  stepsRequested: ['cache.steps_requested'],
  secondsSaved: ['cache.seconds_saved', 'cache.time_saved_s'],
  callsSavedCrossRequest: ['cache.model_calls_saved.cross_request'],
  callsSavedWithinRequest: ['cache.model_calls_saved.within_request'],
  adaptiveK: ['cache.adaptive_k'],

  storeUsedBytes: ['cache.store.used_bytes', 'cache.bytes_stored', 'cache.used_bytes', 'cache_store.used_bytes'],
  storeMaxBytes: ['cache.store.max_bytes', 'cache.max_bytes', 'cache.budget_bytes', 'cache_store.max_bytes'],
  storeEntries: ['cache.store.entries', 'cache.entries', 'cache_store.entries'],
  storeLatents: ['cache.store.latents', 'cache_store.latents'],
  evictions: ['cache.store.evictions', 'cache.evictions', 'cache_store.evictions'],

  generated: ['generation.count'],
  generationSeconds: ['generation.sum_s'],
  meanS: ['generation.mean_s'],
  p50S: ['generation.p50_s'],
  p95S: ['generation.p95_s'],
  p99S: ['generation.p99_s'],
  failed: ['generation.by_outcome.failed'],
  cancelled: ['generation.by_outcome.cancelled'],

  queueDepth: ['queue.depth'],
  queueCapacity: ['queue.capacity'],
  inFlight: ['queue.in_flight'],
  rejected: ['queue.rejected'],
  jobsActive: ['jobs.active'],
  imagesStored: ['images_stored'],

  diffusionIterations: ['engine.scheduler.diffusion_iterations'],
  diffusionBatchJobs: ['engine.scheduler.diffusion_batch_jobs'],
  meanDiffusionBatch: ['engine.scheduler.mean_diffusion_batch', 'engine.mean_diffusion_batch'],
  llmIterations: ['engine.scheduler.llm_iterations'],
  llmBatchSequences: ['engine.scheduler.llm_batch_sequences'],
  meanLlmBatch: ['engine.scheduler.mean_llm_batch_sequences', 'engine.mean_llm_batch_sequences'],
  meanLlmBatchTokens: ['engine.scheduler.mean_llm_batch_tokens', 'engine.mean_llm_batch_tokens'],
  preemptions: ['engine.scheduler.preemptions', 'engine.preemptions'],
  engineWaiting: ['engine.waiting'],
  engineRunning: ['engine.running'],

  kvTotalBlocks: ['engine.memory.total_blocks', 'engine.kv.total_blocks', 'engine.blocks.total'],
  kvUsedBlocks: ['engine.memory.used_blocks', 'engine.kv.used_blocks', 'engine.blocks.used'],
  kvSharedBlocks: ['engine.memory.shared_blocks', 'engine.kv.shared_blocks', 'engine.blocks.shared'],
  kvPrefixHitTokens: ['engine.memory.prefix_hit_tokens', 'engine.kv.prefix_hit_tokens'],
  kvSharingSavedSlots: ['engine.memory.sharing_saved_slots', 'engine.kv.sharing_saved_slots'],
  kvWaste: ['engine.memory.kv_waste', 'engine.kv.kv_waste'],

  sloInteractiveMet: ['slo.interactive.met'],
  sloInteractiveMissed: ['slo.interactive.missed'],
  sloInteractiveAttainment: ['slo.interactive.attainment'],
};

function at(json, path) {
  let node = json;
  for (const part of path.split('.')) {
    if (node == null || typeof node !== 'object' || !(part in node)) return undefined;
    node = node[part];
  }
  return node;
}

/** The first finite number found at one of the paths, else undefined ("not reported"). */
export function read(json, candidates) {
  for (const path of candidates) {
    const value = at(json, path);
    if (typeof value === 'number' && Number.isFinite(value)) return value;
  }
  return undefined;
}

/** The first object found at one of the paths, else undefined. */
export function readObject(json, candidates) {
  for (const path of candidates) {
    const value = at(json, path);
    if (value != null && typeof value === 'object' && !Array.isArray(value)) return value;
  }
  return undefined;
}

/** Every number and boolean in the document as [dotted path, value], in document order; arrays are indexed. */
export function flatten(json, prefix = '') {
  const rows = [];
  for (const [key, value] of Object.entries(json ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'number' || typeof value === 'boolean') rows.push([path, value]);
    else if (Array.isArray(value)) value.forEach((item, i) => rows.push(...flattenItem(item, `${path}[${describe(item, i)}]`)));
    else if (value != null && typeof value === 'object') rows.push(...flatten(value, path));
  }
  return rows;
}

function flattenItem(item, path) {
  if (typeof item === 'number' || typeof item === 'boolean') return [[path, item]];
  return item != null && typeof item === 'object' ? flatten(item, path) : [];
}

// Array items are named by their text fields (a request count by "GET /v1/gallery 200") so rows stay readable.
function describe(item, index) {
  if (item == null || typeof item !== 'object') return String(index);
  const words = Object.values(item).filter((v) => typeof v === 'string');
  if ('status' in item && typeof item.status === 'number') words.push(String(item.status));
  return words.length ? words.join(' ') : String(index);
}
