// One row per submitted job under the prompt box: a progress bar with step/total and ETA from the
// job's event stream, a cancel button while it runs, and how it ended.

import { api, followJob } from '../api.js';
import { el, formatSeconds } from '../format.js';

const doneRowSeconds = 8;

export class JobsView {
  constructor(list, { onImage }) {
    this.list = list;
    this.onImage = onImage;
  }

  /** Shows a job created by POST /v1/jobs and follows it to the end. */
  follow(job, body) {
    const progress = el('progress', { max: 1, value: 0, 'aria-label': `Progress of “${body.prompt}”` });
    const status = el('p', { class: 'job-status', 'aria-live': 'polite' }, 'Queued…');
    const cancel = el('button', { type: 'button', class: 'small' }, 'Cancel');
    const row = el('li', { class: 'job', dataset: { jobId: job.id } },
      el('p', { class: 'job-prompt', title: body.prompt }, body.prompt),
      progress,
      status,
      el('div', { class: 'job-actions' }, cancel));
    this.list.prepend(row);

    const started = performance.now();
    const stop = followJob(job.id, {
      onProgress: (p) => {
        progress.max = Math.max(p.total, 1);
        progress.value = p.step;
        status.textContent = `Step ${p.step} of ${p.total}` + (p.step < p.total ? ` · about ${formatSeconds(p.eta_s)} left` : ' · decoding');
      },
      onReconnecting: () => { status.textContent = 'Connection lost, reconnecting…'; },
      onResult: (result) => {
        progress.value = progress.max;
        const cache = result.cache?.hit ? `cache hit, skipped ${result.cache.k} steps` : 'cache miss';
        const total = result.timings?.total ?? (performance.now() - started) / 1000;
        status.textContent = `Done in ${formatSeconds(total)} · ${cache}`;
        row.classList.add('done');
        cancel.remove();
        setTimeout(() => row.remove(), doneRowSeconds * 1000);
        this.onImage(result);
      },
      onError: (error) => {
        row.classList.add('failed');
        progress.remove();
        status.setAttribute('role', 'alert');
        status.textContent = error.code === 'cancelled' ? 'Cancelled.' : `Failed: ${error.message}`;
        cancel.textContent = 'Dismiss';
        cancel.onclick = () => row.remove();
      },
    });

    cancel.onclick = async () => {
      cancel.disabled = true;
      try {
        await api.cancelJob(job.id);
      } catch (error) {
        status.textContent = `Could not cancel: ${error.message}`;
        cancel.disabled = false;
        return;
      }
      // The stream reports the cancellation as its final event; stop in case it already ended.
      setTimeout(stop, 10_000);
    };
  }
}
