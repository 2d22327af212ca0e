// One row per submitted job under the prompt box: a progress bar with step/total and ETA from the
// job's event stream, a cancel button while it runs, and how it ended.

import { api, followJob } from '../api.js';
import { el, formatSeconds } from '../format.js';

const doneRowSeconds = 8;
// A browser opens at most six HTTP/1.1 connections to one server, and an event stream holds one for
// the whole job. Beyond this many streams later jobs wait their turn, so the page's other requests
// (gallery, images) still get through; a stream opened late replays the job's latest state.
const maxStreams = 4;

class JobRow {
  constructor(job, body) {
    this.job = job;
    this.started = performance.now();
    this.finished = false;
    this.progress = el('progress', { max: 1, value: 0, 'aria-label': `Progress of “${body.prompt}”` });
    this.status = el('p', { class: 'job-status', 'aria-live': 'polite' }, 'Queued…');
    this.button = el('button', { type: 'button', class: 'small' }, 'Cancel');
    this.element = el('li', { class: 'job', dataset: { jobId: job.id } },
      el('p', { class: 'job-prompt', title: body.prompt }, body.prompt),
      this.progress,
      this.status,
      el('div', { class: 'job-actions' }, this.button));
  }

  showProgress(p) {
    this.progress.max = Math.max(p.total, 1);
    this.progress.value = p.step;
    this.status.textContent = `Step ${p.step} of ${p.total}` + (p.step < p.total ? ` · about ${formatSeconds(p.eta_s)} left` : ' · decoding');
  }

  showDone(result) {
    this.finished = true;
    this.progress.value = this.progress.max;
    const cache = result.cache?.hit ? `cache hit, skipped ${result.cache.k} steps` : 'cache miss';
    const total = result.timings?.total ?? (performance.now() - this.started) / 1000;
    this.status.textContent = `Done in ${formatSeconds(total)} · ${cache}`;
    this.element.classList.add('done');
    this.button.remove();
    setTimeout(() => this.element.remove(), doneRowSeconds * 1000);
  }

  showFailed(error) {
    this.finished = true;
    this.element.classList.add('failed');
    this.progress.remove();
    this.status.setAttribute('role', 'alert');
    this.status.textContent = error.code === 'cancelled' ? 'Cancelled.' : `Failed: ${error.message}`;
    this.button.disabled = false;
    this.button.textContent = 'Dismiss';
    this.button.onclick = () => this.element.remove();
  }
}

export class JobsView {
  constructor(list, { onImage }) {
    this.list = list;
    this.onImage = onImage;
    this.streams = 0;
    this.waiting = [];
  }

  /** Shows a job created by POST /v1/jobs and follows it to the end. */
  follow(job, body) {
    const row = new JobRow(job, body);
    this.list.prepend(row.element);
    row.button.onclick = () => this.#cancel(row);
    if (this.streams < maxStreams) this.#stream(row);
    else this.waiting.push(row);
  }

  #stream(row) {
    this.streams++;
    const release = () => {
      this.streams--;
      const next = this.waiting.shift();
      if (next) this.#stream(next);
    };
    followJob(row.job.id, {
      onProgress: (p) => row.showProgress(p),
      onReconnecting: () => { row.status.textContent = 'Connection lost, reconnecting…'; },
      onResult: async (result) => {
        row.showDone(result);
        release();
        if (await this.onImage(result) === false) row.status.textContent += ' · hidden by the current filters';
      },
      onError: (error) => { row.showFailed(error); release(); },
    });
  }

  async #cancel(row) {
    row.button.disabled = true;
    let state;
    try {
      state = await api.cancelJob(row.job.id);
    } catch (error) {
      row.status.textContent = `Could not cancel: ${error.message}`;
      row.button.disabled = false;
      return;
    }
    // A job still waiting for a stream learns its end from the DELETE answer; a streaming one from its stream.
    const waitingAt = this.waiting.indexOf(row);
    if (waitingAt >= 0 && state.status === 'cancelled') {
      this.waiting.splice(waitingAt, 1);
      row.showFailed({ code: 'cancelled', message: 'the job was cancelled' });
    }
  }
}
