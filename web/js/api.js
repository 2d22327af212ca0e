// The service's HTTP API as the pages use it. Every failure becomes an ApiError carrying the
// server's OpenAI-shaped message and the parameter it blames, so forms can show it in place.
// A 401 (the service has API keys and this browser has no session) asks for a key and retries once.

import { signIn } from './session.js';

export class ApiError extends Error {
  constructor(status, message, { param = null, code = null, retryAfter = null } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.param = param;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

async function errorFrom(response) {
  let message = `${response.status} ${response.statusText}`.trim();
  let param = null;
  let code = null;
  try {
    const body = await response.json();
    if (body && body.error) {
      message = body.error.message || message;
      param = body.error.param ?? null;
      code = body.error.code ?? null;
    }
  } catch {
    // Not JSON (a proxy's error page, say): the status line is the message.
  }
  const retryAfter = Number(response.headers.get('Retry-After')) || null;
  return new ApiError(response.status, message, { param, code, retryAfter });
}

export async function requestJson(path, options = {}) {
  const response = await send(path, options);
  if (response.status === 401) {
    await signIn();
    return read(await send(path, options));
  }
  return read(response);
}

async function read(response) {
  if (!response.ok) throw await errorFrom(response);
  return response.status === 204 ? null : response.json();
}

async function send(path, { method = 'GET', body, signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, `cannot reach the server (${e.message})`);
  }
  return response;
}

export const api = {
  models: () => requestJson('/v1/models'),
  checkPrompt: (prompt) => requestJson(`/v1/prompts/check?${new URLSearchParams({ prompt })}`),
  createJob: (body) => requestJson('/v1/jobs', { method: 'POST', body }),
  job: (id) => requestJson(`/v1/jobs/${encodeURIComponent(id)}`),
  cancelJob: (id) => requestJson(`/v1/jobs/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  gallery: (query, signal) => requestJson(`/v1/gallery?${new URLSearchParams(query)}`, { signal }),
  metadata: (id) => requestJson(`/v1/images/${encodeURIComponent(id)}/metadata`),
  metrics: (signal) => requestJson('/v1/metrics', { signal }),
};

export const imageUrl = (id) => `/v1/images/${encodeURIComponent(id)}`;

/**
 * Follows a job's Server-Sent Events: progress {step,total,eta_s}, then result or error.
 * The stream is closed after the final event (EventSource would otherwise reconnect). When the
 * connection fails for good (the job is unknown, the server went away) the job's state is read once
 * so the caller still learns how it ended. Returns a function that stops following.
 */
export function followJob(id, { onProgress, onResult, onError, onReconnecting }) {
  const source = new EventSource(`/v1/jobs/${encodeURIComponent(id)}/events`);
  let finished = false;
  const finish = () => { finished = true; source.close(); };

  source.addEventListener('progress', (e) => onProgress(JSON.parse(e.data)));
  source.addEventListener('result', (e) => { finish(); onResult(JSON.parse(e.data)); });
  source.addEventListener('error', (e) => {
    if (finished) return;
    if (typeof e.data === 'string') {
      // The server's own `event: error` with an OpenAI error body.
      finish();
      const body = JSON.parse(e.data);
      onError(new ApiError(0, body.error?.message ?? 'the generation failed', { code: body.error?.code ?? null }));
      return;
    }
    if (source.readyState === EventSource.CONNECTING) {
      onReconnecting?.();
      return;
    }
    finish();
    api.job(id).then(
      (job) => {
        if (job.status === 'succeeded' && job.result) onResult(job.result);
        else onError(new ApiError(0, job.error?.message ?? `the job ended as ${job.status}`, { code: job.error?.code ?? null }));
      },
      (err) => onError(err));
  });
  return finish;
}
