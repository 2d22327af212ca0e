// The gallery page: the prompt box with live job progress, the filtered grid and the detail view.

import { api } from '../api.js';
import { GenerateForm } from './form.js';
import { JobsView } from './jobs-view.js';
import { GalleryGrid } from './grid.js';
import { Filters } from './filters.js';
import { DetailView } from './detail.js';
import { VocabularyHelp } from './vocabulary.js';

const form = new GenerateForm(document.getElementById('generate-form'));
const vocabulary = new VocabularyHelp({
  prompt: form.prompt,
  panel: document.getElementById('vocabulary-help'),
  examples: document.getElementById('examples'),
  suggestions: document.getElementById('suggestions'),
  warning: document.getElementById('prompt-warning'),
  details: document.getElementById('vocabulary'),
  submitButton: form.submitButton,
});

const grid = new GalleryGrid({
  list: document.getElementById('grid'),
  empty: document.getElementById('gallery-empty'),
  count: document.getElementById('gallery-count'),
  more: document.getElementById('load-more'),
  error: document.getElementById('gallery-error'),
  onOpen: (id) => detail.open(id),
});

const jobs = new JobsView(document.getElementById('jobs'), {
  onImage: async (result) => {
    let item;
    try {
      item = await api.metadata(result.id);
    } catch (error) {
      // The image exists (the job said so); reloading the grid picks it up.
      console.warn('metadata of a new image failed; reloading the grid', error);
      grid.show(filters.query());
      return true;
    }
    return grid.addNew(item);
  },
});

const filters = new Filters(document.getElementById('filters'), (query) => grid.show(query));

const detail = new DetailView(document.getElementById('detail'), {
  onGenerateAgain: (item) => { form.fill(item); submit(); },
  onCopySettings: (item) => { form.fill(item); form.prompt.focus(); },
});

async function submit() {
  let body;
  try {
    body = form.body();
  } catch (error) {
    form.showError(error);
    return;
  }
  form.clearError();
  if (!(await vocabulary.confirm(body.prompt))) return;
  form.setBusy(true);
  try {
    const job = await api.createJob(body);
    jobs.follow(job, body);
  } catch (error) {
    form.showError(error);
  } finally {
    form.setBusy(false);
  }
}

form.form.addEventListener('submit', (event) => { event.preventDefault(); submit(); });
// Ctrl+Enter (or Cmd+Enter) in the prompt submits; Enter alone makes a new line.
form.prompt.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); submit(); }
});

api.models().then(
  (models) => {
    const model = models.data?.[0];
    if (!model) return;
    form.describeModel(model);
    vocabulary.describe(model.vocabulary);
    document.getElementById('model-info').textContent = `Model: ${model.id} · ${(model.sizes ?? []).join(', ')}`;
  },
  (error) => form.showError(error));

grid.show(filters.query());
if (/^#img_/.test(location.hash)) detail.open(location.hash.slice(1));
